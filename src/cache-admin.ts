/**
 * The cache directory as a whole (`gplcheck cache info`, `gplcheck cache prune`). A scan adds to
 * the cache and does not remove facts: a tree that changes, a new gplcheck or another database
 * leaves entries behind that nothing reads again, so a cache kept between CI runs grows until it
 * is pruned. An entry's modification time says when it was last used: written, or read by a
 * scan (a hit on an entry not used for a day touches it: src/cache.ts, src/result-cache.ts), so
 * pruning removes what has gone unused longest.
 *
 * Only what the cache writes is counted or removed: facts entries (`xx/<sha256>.json`), result
 * entries (`results/<slot>/<key>.head` and the parts named after the same key) and the
 * temporary files of their writers. A temporary file, or a part without its head, younger than
 * an hour may belong to a scan still writing, and is left alone. Anything else in the directory
 * is not the cache's: it is counted apart, never looked into and never removed.
 */
import * as fs from 'fs';
import * as path from 'path';

/** One entry: the files it is made of, their size, and when it was last used. */
export interface CacheEntry {
  kind: 'facts' | 'result';
  files: string[];
  bytes: number;
  /** ms since the epoch: the modification time of the facts file, or of the result's head. */
  usedMs: number;
}

export interface CacheContents {
  entries: CacheEntry[];
  /** Temporary files and parts without a head: removable once an hour old. */
  leftovers: { file: string; bytes: number; mtimeMs: number }[];
  /** Files and directories that are not the cache's (left alone, and not looked into: a
   *  directory counts as one, without its size). */
  other: { files: number; bytes: number };
}

/** A writer that has not finished within this long has ended without finishing. */
export const LEFTOVER_AGE_MS = 3600_000;
/** A hit touches an entry last used longer ago than this (src/cache.ts, src/result-cache.ts). */
export const TOUCH_AFTER_MS = 86_400_000;

const HEX2 = /^[0-9a-f]{2}$/;
const FACTS = /^[0-9a-f]{64}\.json$/;
const SLOT = /^[0-9a-f]{32}$/;
const KEYED = /^([0-9a-f]{64})\.(.+)$/;
const TEMP = /\.\d+\.[0-9a-z]+\.tmp$/;

function list(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** What the cache directory holds. A directory that does not exist holds nothing. */
export function cacheContents(dir: string): CacheContents {
  const out: CacheContents = { entries: [], leftovers: [], other: { files: 0, bytes: 0 } };
  const stat = (file: string): fs.Stats | undefined => {
    try {
      return fs.statSync(file);
    } catch {
      return undefined; // removed meanwhile
    }
  };
  const notOurs = (p: string, d: fs.Dirent): void => {
    out.other.files++;
    // not looked into: a cache directory given by mistake (a home directory) is not walked
    if (!d.isDirectory()) out.other.bytes += stat(p)?.size ?? 0;
  };
  for (const d of list(dir)) {
    const p = path.join(dir, d.name);
    if (d.isDirectory() && HEX2.test(d.name)) {
      for (const e of list(p)) {
        const f = path.join(p, e.name);
        const st = e.isFile() ? stat(f) : undefined;
        if (!st) {
          if (!e.isFile()) notOurs(f, e);
          continue;
        }
        if (FACTS.test(e.name) && e.name.startsWith(d.name)) out.entries.push({ kind: 'facts', files: [f], bytes: st.size, usedMs: st.mtimeMs });
        else if (TEMP.test(e.name) && FACTS.test(e.name.replace(TEMP, ''))) out.leftovers.push({ file: f, bytes: st.size, mtimeMs: st.mtimeMs });
        else notOurs(f, e);
      }
    } else if (d.isDirectory() && d.name === 'results') {
      for (const s of list(p)) {
        const sp = path.join(p, s.name);
        if (!s.isDirectory() || !SLOT.test(s.name)) {
          notOurs(sp, s);
          continue;
        }
        resultSlot(sp, out, stat, notOurs);
      }
    } else {
      notOurs(p, d);
    }
  }
  return out;
}

/** The entries of one slot of the result cache: files grouped by the key they are named after. */
function resultSlot(dir: string, out: CacheContents, stat: (f: string) => fs.Stats | undefined, notOurs: (p: string, d: fs.Dirent) => void): void {
  const byKey = new Map<string, { head?: fs.Stats; files: { file: string; st: fs.Stats }[] }>();
  for (const e of list(dir)) {
    const f = path.join(dir, e.name);
    const m = KEYED.exec(e.name);
    const st = e.isFile() && m ? stat(f) : undefined;
    if (!m || !st) {
      if (!m || !e.isFile()) notOurs(f, e);
      continue;
    }
    if (TEMP.test(e.name)) {
      out.leftovers.push({ file: f, bytes: st.size, mtimeMs: st.mtimeMs });
      continue;
    }
    let k = byKey.get(m[1]);
    if (!k) byKey.set(m[1], (k = { files: [] }));
    k.files.push({ file: f, st });
    if (m[2] === 'head') k.head = st;
  }
  for (const { head, files } of byKey.values()) {
    if (head) out.entries.push({ kind: 'result', files: files.map((x) => x.file), bytes: files.reduce((n, x) => n + x.st.size, 0), usedMs: head.mtimeMs });
    else for (const x of files) out.leftovers.push({ file: x.file, bytes: x.st.size, mtimeMs: x.st.mtimeMs });
  }
}

export interface PruneOptions {
  /** Remove entries not used for this long. */
  olderThanMs?: number;
  /** Then remove the entries unused longest until the cache's entries take at most this much. */
  maxBytes?: number;
  now?: number;
}

export interface PruneOutcome {
  removed: { entries: number; bytes: number };
  kept: { entries: number; bytes: number };
  /** Temporary files and headless parts of writers that ended over an hour ago. */
  leftovers: { files: number; bytes: number };
  other: { files: number; bytes: number };
}

export function pruneCache(dir: string, options: PruneOptions): PruneOutcome {
  const now = options.now ?? Date.now();
  const c = cacheContents(dir);
  const outcome: PruneOutcome = { removed: { entries: 0, bytes: 0 }, kept: { entries: 0, bytes: 0 }, leftovers: { files: 0, bytes: 0 }, other: c.other };
  const remove = (e: CacheEntry): void => {
    // a result's head first: without it the parts are leftovers, never a result read half-removed
    for (const f of [...e.files].sort((a, b) => Number(b.endsWith('.head')) - Number(a.endsWith('.head')))) fs.rmSync(f, { force: true });
    outcome.removed.entries++;
    outcome.removed.bytes += e.bytes;
  };
  for (const l of c.leftovers) {
    if (now - l.mtimeMs < LEFTOVER_AGE_MS) continue;
    fs.rmSync(l.file, { force: true });
    outcome.leftovers.files++;
    outcome.leftovers.bytes += l.bytes;
  }
  // unused longest first; ties by name, so that pruning the same cache twice removes the same
  const entries = [...c.entries].sort((a, b) => a.usedMs - b.usedMs || (a.files[0] < b.files[0] ? -1 : 1));
  let total = entries.reduce((n, e) => n + e.bytes, 0);
  for (const e of entries) {
    const old = options.olderThanMs !== undefined && now - e.usedMs > options.olderThanMs;
    const over = options.maxBytes !== undefined && total > options.maxBytes;
    if (old || over) {
      remove(e);
      total -= e.bytes;
    } else {
      outcome.kept.entries++;
      outcome.kept.bytes += e.bytes;
    }
  }
  return outcome;
}

/** Marks a cache file as used now, when it was last used more than TOUCH_AFTER_MS ago. */
export function touchIfStale(file: string | number, mtimeMs: number, now = Date.now()): void {
  if (now - mtimeMs <= TOUCH_AFTER_MS) return;
  try {
    const t = new Date(now);
    if (typeof file === 'number') fs.futimesSync(file, t, t);
    else fs.utimesSync(file, t, t);
  } catch {
    // a read-only cache serves all the same
  }
}
