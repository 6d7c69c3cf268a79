/**
 * A content-addressed cache of per-file facts. The key is the sha256 of the file's bytes
 * together with the tool version and the kernel database's identity, so a changed file, a
 * new gplcheck or another database never reuses old facts. Entries live in a cache directory
 * outside the scanned tree, one file each, written atomically (temporary file + rename), so
 * parallel workers and parallel scans can share it.
 *
 * Nothing here removes entries: `gplcheck cache prune` does (src/cache-admin.ts), by when they
 * were last used, which a hit records (an entry's modification time, touched when a day old).
 *
 * An entry is the file's path as JSON on a line of its own, then its facts as JSON in which
 * every location in the file itself has its path written as 0 (`{"path":0,` for
 * `{"path":"drivers/net/...",`): with a tree given by its absolute path, those paths were
 * almost half of the bytes of a C file's facts (47% for e1000e's netdev.c). The
 * substitution is exact both ways: JSON escapes every quote inside a string, so the text
 * `{"path":0,` never occurs in the JSON of the facts themselves.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FileFacts } from '../analyzers/facts';
import { touchIfStale } from './cache-admin';

export const CACHE_FORMAT = 3;

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GPLCHECK_CACHE_DIR) return env.GPLCHECK_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'gplcheck');
}

export interface CacheIdentity {
  toolVersion: string;
  /** e.g. `6.1:<sha256 of its Module.symvers>` */
  database: string;
}

export class FactsCache {
  private readonly salt: string;
  constructor(
    readonly dir: string,
    identity: CacheIdentity,
  ) {
    this.salt = `gplcheck-facts-v${CACHE_FORMAT}\0${identity.toolVersion}\0${identity.database}\0`;
  }

  key(data: Buffer, shownPath: string): string {
    // The path is part of the key: facts carry locations that name the file.
    return createHash('sha256').update(this.salt).update(shownPath).update('\0').update(data).digest('hex');
  }

  private file(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  get(key: string): FileFacts | undefined {
    let text: string;
    let fd: number | undefined;
    let mtimeMs = Infinity;
    try {
      fd = fs.openSync(this.file(key), 'r');
      mtimeMs = fs.fstatSync(fd).mtimeMs;
      text = fs.readFileSync(fd, 'utf8');
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) {
        // a hit is a use: `gplcheck cache prune` removes what has gone unused longest
        touchIfStale(fd, mtimeMs);
        fs.closeSync(fd);
      }
    }
    try {
      const nl = text.indexOf('\n');
      if (nl < 0 || typeof JSON.parse(text.slice(0, nl)) !== 'string') return undefined;
      return JSON.parse(text.slice(nl + 1).split(OWN_PATH).join(`{"path":${text.slice(0, nl)},`)) as FileFacts;
    } catch {
      return undefined; // a torn or foreign file: analyse again and overwrite it
    }
  }

  put(key: string, facts: FileFacts): void {
    const file = this.file(key);
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      const own = JSON.stringify(facts.path);
      fs.writeFileSync(tmp, `${own}\n${JSON.stringify(facts).split(`{"path":${own},`).join(OWN_PATH)}`);
      fs.renameSync(tmp, file);
    } catch {
      // A cache that cannot be written only costs speed; the scan itself goes on.
    }
  }
}

/** How an entry writes the start of a location in the file itself (see above). */
const OWN_PATH = '{"path":0,';
