/**
 * Finding, loading and importing kernel symbol databases.
 *
 * Two places hold databases (files named `<name>.symdb.json.gz`, see format.ts):
 *  - shipped: kernel-symbols/data/ (Debian amd64 kernels, built by build/build-databases.sh);
 *  - user: $GPLCHECK_DATA_DIR, else $XDG_DATA_HOME/gplcheck/symbols, else
 *    ~/.local/share/gplcheck/symbols; filled by importSymvers().
 * `loadDatabase()` takes a name from either place, a database file path, or a Module.symvers
 * path (read on the fly, nothing written).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KernelSymbolsError, UnknownDatabaseError } from './errors';
import { DB_SUFFIX, FORMAT_NAME, FORMAT_VERSION, MapKernelSymbolDb, decodeDatabase, decodeHeader, encodeDatabase } from './format';
import { computeCounts, readSymvers } from './symvers';
import type { KernelDbMeta, KernelExport } from './types';

export const DEFAULT_DATABASE = '6.1';

export interface DatabaseDirs {
  /** Directory of user databases (default: see userDataDir()). */
  dataDir?: string;
  /** Directory of shipped databases (default: kernel-symbols/data of this package). */
  shippedDir?: string;
}

export interface LoadOptions extends DatabaseDirs {
  /** Reuse a database already loaded from the same unchanged file (default true). */
  cache?: boolean;
}

export type DatabaseOrigin = 'shipped' | 'user';

export interface DatabaseEntry {
  meta: KernelDbMeta;
  path: string;
  origin: DatabaseOrigin;
}

/** The user database directory. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GPLCHECK_DATA_DIR) return path.resolve(env.GPLCHECK_DATA_DIR);
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'gplcheck', 'symbols');
}

/** kernel-symbols/data, found from the sources (ts-jest) as well as from dist/ after a build. */
export function shippedDataDir(): string {
  const candidates = [path.join(__dirname, 'data'), path.join(__dirname, '..', '..', 'kernel-symbols', 'data')];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  return candidates[0];
}

/** Upstream series of a kernel release: `6.1.0-56-amd64` -> `6.1`, `6.12.118+deb13-amd64` -> `6.12`. */
export function versionOfRelease(release: string): string | undefined {
  const m = /^(\d+)\.(\d+)(?:[.\-+~]|$)/.exec(release);
  return m ? `${m[1]}.${m[2]}` : undefined;
}

/** Compares dotted versions numerically (`5.10` < `6.1` < `6.12`); non-numeric ones sort last, by name. */
export function compareVersions(a: string, b: string): number {
  const pa = /^\d+(\.\d+)*$/.test(a) ? a.split('.').map(Number) : undefined;
  const pb = /^\d+(\.\d+)*$/.test(b) ? b.split('.').map(Number) : undefined;
  if (pa && !pb) return -1;
  if (!pa && pb) return 1;
  if (pa && pb) {
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      const d = (pa[i] ?? 0) - (pb[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareEntries(a: DatabaseEntry, b: DatabaseEntry): number {
  return compareVersions(a.meta.version, b.meta.version) || (a.origin === b.origin ? 0 : a.origin === 'shipped' ? -1 : 1) ||
    (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0);
}

function scanDir(dir: string, origin: DatabaseOrigin): DatabaseEntry[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: DatabaseEntry[] = [];
  for (const f of names.sort()) {
    if (!f.endsWith(DB_SUFFIX)) continue;
    const p = path.join(dir, f);
    // A damaged file is reported by loadDatabase when asked for by name; listing skips it.
    try {
      out.push({ meta: decodeHeader(fs.readFileSync(p), p), path: p, origin });
    } catch {
      continue;
    }
  }
  return out;
}

/** All databases with where they are: shipped ones first within a version, in version order. */
export function findDatabases(opts: DatabaseDirs = {}): DatabaseEntry[] {
  const shipped = scanDir(opts.shippedDir ?? shippedDataDir(), 'shipped');
  const shippedNames = new Set(shipped.map((e) => e.meta.name));
  // A user database cannot shadow a shipped one (importSymvers refuses such names).
  const user = scanDir(opts.dataDir ?? userDataDir(), 'user').filter((e) => !shippedNames.has(e.meta.name));
  return [...shipped, ...user].sort(compareEntries);
}

/** Metadata of every known database (shipped and user), in version order. */
export function listDatabases(opts: DatabaseDirs = {}): KernelDbMeta[] {
  return findDatabases(opts).map((e) => e.meta);
}

const cache = new Map<string, { mtimeMs: number; size: number; db: MapKernelSymbolDb }>();

function readError(p: string, err: unknown): KernelSymbolsError {
  return new KernelSymbolsError(`${p}: cannot read kernel symbol database: ${(err as Error).message}`, 'db-read', p);
}

/** Loads a database file, or a Module.symvers (anything that is not gzip), by absolute path. */
function loadFile(p: string, useCache: boolean): MapKernelSymbolDb {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (err) {
    throw readError(p, err);
  }
  const hit = useCache ? cache.get(p) : undefined;
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.db;
  let data: Buffer;
  try {
    data = fs.readFileSync(p);
  } catch (err) {
    throw readError(p, err);
  }
  let db: MapKernelSymbolDb;
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    db = decodeDatabase(data, p, true);
  } else {
    // Not one of ours: read it as a Module.symvers, named after its directory.
    const dirName = path.basename(path.dirname(p)).replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
    db = createDatabase(p, { name: dirName.slice(0, 64) || 'symvers' }).db;
  }
  if (useCache) cache.set(p, { mtimeMs: st.mtimeMs, size: st.size, db });
  return db;
}

function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes(path.sep) || s.endsWith(DB_SUFFIX) || /symvers$/i.test(s);
}

/**
 * Loads a database by name (`6.1`, `5.10`, a user database's name), by the path of a database
 * file, or by the path of a Module.symvers (parsed in memory). Default: `6.1`.
 * Throws UnknownDatabaseError listing the known names when nothing matches.
 */
export function loadDatabase(nameOrPath: string = DEFAULT_DATABASE, opts: LoadOptions = {}): MapKernelSymbolDb {
  const useCache = opts.cache !== false;
  // Fast path: databases are stored as <name>.symdb.json.gz, so try those files first.
  if (NAME_RE.test(nameOrPath)) {
    const shippedDir = opts.shippedDir ?? shippedDataDir();
    const userDir = opts.dataDir ?? userDataDir();
    const shippedNames = () => new Set(scanDir(shippedDir, 'shipped').map((e) => e.meta.name));
    for (const [dir, origin] of [[shippedDir, 'shipped'], [userDir, 'user']] as const) {
      const p = path.join(dir, nameOrPath + DB_SUFFIX);
      if (!fs.existsSync(p)) continue;
      const db = loadFile(p, useCache);
      if (db.meta.name !== nameOrPath) continue;
      if (origin === 'user' && shippedNames().has(nameOrPath)) continue;
      return db;
    }
  }
  const entries = findDatabases(opts);
  const byName = entries.find((e) => e.meta.name === nameOrPath);
  if (byName) return loadFile(byName.path, useCache);
  if (fs.existsSync(nameOrPath)) return loadFile(path.resolve(nameOrPath), useCache);
  if (looksLikePath(nameOrPath)) {
    throw new KernelSymbolsError(`${nameOrPath}: no such kernel symbol database or Module.symvers`, 'db-read', nameOrPath);
  }
  throw new UnknownDatabaseError(nameOrPath, entries.map((e) => e.meta.name));
}

export interface CreateOptions {
  /** Short name (`vendor-5.15`); letters, digits and `._+-`. */
  name: string;
  /** Kernel release; default: read from the headers tree around the file, else `unknown`. */
  kernel?: string;
  /** Upstream series; default: from the kernel release. */
  version?: string;
  /** Default: from the release suffix (`-amd64`, `-arm64`), else `unknown`. */
  arch?: string;
  /** Provenance when the file came from a Debian package. */
  debian?: { package: string; packageVersion: string; suite?: string };
  /** How to record the source path in the metadata (default: as given). */
  recordedFile?: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

function inferKernel(symversPath: string): string | undefined {
  const abs = path.resolve(symversPath);
  let real = abs;
  try {
    real = fs.realpathSync(abs);
  } catch {
    /* keep abs */
  }
  for (const p of [abs, real]) {
    const m = /\/linux-headers-([^/]+)\//.exec(p) ?? /\/lib\/modules\/([^/]+)\//.exec(p);
    if (m) return m[1];
  }
  try {
    return fs.readFileSync(path.join(path.dirname(real), 'include', 'config', 'kernel.release'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function inferArch(kernel: string): string {
  const m = /-(amd64|arm64|armmp|armmp-lpae|i386|686|686-pae|ppc64el|powerpc64le|s390x|riscv64|loong64|mips64r2el)$/.exec(kernel);
  if (!m) return 'unknown';
  return m[1] === '686' || m[1] === '686-pae' ? 'i386' : m[1] === 'powerpc64le' ? 'ppc64el' : m[1];
}

/** Reads a Module.symvers into an in-memory database with its metadata (nothing written). */
export function createDatabase(
  symversPath: string,
  opts: CreateOptions,
): { meta: KernelDbMeta; db: MapKernelSymbolDb; exports: KernelExport[] } {
  if (!NAME_RE.test(opts.name)) {
    throw new KernelSymbolsError(
      `bad database name ${JSON.stringify(opts.name)}: use letters, digits and . _ + - (at most 64)`,
      'db-import',
      symversPath,
    );
  }
  const parsed = readSymvers(symversPath);
  const kernel = opts.kernel ?? inferKernel(symversPath) ?? 'unknown';
  const meta: KernelDbMeta = {
    format: FORMAT_NAME,
    formatVersion: FORMAT_VERSION,
    name: opts.name,
    kernel,
    version: opts.version ?? versionOfRelease(kernel) ?? 'unknown',
    arch: opts.arch ?? inferArch(kernel),
    source: opts.debian
      ? {
          kind: 'debian-package',
          package: opts.debian.package,
          packageVersion: opts.debian.packageVersion,
          ...(opts.debian.suite ? { suite: opts.debian.suite } : {}),
          file: opts.recordedFile ?? symversPath,
          sha256: parsed.sha256,
        }
      : { kind: 'module.symvers', file: opts.recordedFile ?? symversPath, sha256: parsed.sha256 },
    counts: computeCounts(parsed.exports),
  };
  return { meta, db: new MapKernelSymbolDb(meta, parsed.exports), exports: parsed.exports };
}

/** Writes a database file atomically (temporary file + rename). */
export function writeDatabaseFile(file: string, meta: KernelDbMeta, all: readonly KernelExport[]): void {
  const bytes = encodeDatabase(meta, all);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
  cache.delete(file);
}

export interface ImportOptions extends Omit<CreateOptions, 'recordedFile'>, DatabaseDirs {}

/**
 * Imports a Module.symvers as a user database `<dataDir>/<name>.symdb.json.gz` (replacing a user
 * database of the same name), so loadDatabase(name) and listDatabases() find it afterwards.
 * A shipped database's name cannot be reused.
 */
export function importSymvers(symversPath: string, opts: ImportOptions): KernelDbMeta {
  const shipped = scanDir(opts.shippedDir ?? shippedDataDir(), 'shipped');
  if (shipped.some((e) => e.meta.name === opts.name)) {
    throw new KernelSymbolsError(
      `cannot import ${symversPath} as '${opts.name}': a shipped database has that name; choose another name`,
      'db-import',
      symversPath,
    );
  }
  const { meta, exports } = createDatabase(symversPath, { ...opts, recordedFile: path.resolve(symversPath) });
  const file = path.join(opts.dataDir ?? userDataDir(), opts.name + DB_SUFFIX);
  try {
    writeDatabaseFile(file, meta, exports);
  } catch (err) {
    throw new KernelSymbolsError(`${file}: cannot write database: ${(err as Error).message}`, 'db-import', file);
  }
  return meta;
}
