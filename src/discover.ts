/**
 * Discovery: which files a scan reads. Directories are walked recursively; symbolic links are
 * followed only when they stay inside the scan root, and loops are cut. Everything that is
 * not read is said: unreadable entries and links out of the root become errors in the report.
 *
 * File names are bytes. Directories are listed as bytes, so a name that is not valid UTF-8 (or
 * holds control characters) is still found and read: reports show it with those bytes escaped
 * as `\xNN`, and `raw` keeps the real bytes for opening it.
 */
import * as fs from 'fs';
import * as path from 'path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import type { ReadError } from '../analyzers/facts';
import type { LeftOut } from '../reports/types';

export interface DiscoveredFile {
  /** Path as the user will see it: relative to the working directory when below it. */
  path: string;
  /** Absolute path (the real path when it was reached through a link). */
  absolute: string;
  /** The absolute path's bytes, when a name on it had to be escaped for `path` and `absolute`. */
  raw?: Buffer;
  /** Size in bytes when known from discovery, else -1. */
  size: number;
}

export interface Discovery {
  files: DiscoveredFile[];
  errors: ReadError[];
  /** Entries left out, by why (`ignored` is the scan's: always 0 here); leftOutCount gives them in all. */
  leftOut: LeftOut;
}

/** No entry left out yet. */
export function noneLeftOut(): LeftOut {
  return { gitignore: 0, exclude: 0, ignored: 0, cache: 0, metadata: 0, special: 0 };
}

/** The number of entries left out, in all. */
export function leftOutCount(l: LeftOut): number {
  return l.gitignore + l.exclude + l.ignored + l.cache + l.metadata + l.special;
}

export interface DiscoverOptions {
  cwd?: string;
  /** Glob patterns (picomatch) matched against paths relative to each scan root; a pattern
   *  without a slash also matches a base name anywhere. */
  exclude?: string[];
  /** Respect .gitignore files found in the scanned directories (default true). */
  gitignore?: boolean;
  /** Directories never walked, each counted in `leftOut.cache` when the walk meets it: the scan's
   *  own cache directory, which a scan of a tree that holds it would otherwise read as input
   *  (and, as its files change with every scan, never find the tree unchanged). The scan makes
   *  it before the walk, so that whether it is met does not depend on timing. */
  leaveOut?: string[];
}

interface IgnoreScope {
  dir: string;
  rules: Ignore;
}

/** Entries never walked, by name, and counted in `leftOut.metadata`: version-control metadata
 *  (a directory, or the `.git` file of a worktree or submodule) and installed npm packages. */
const SKIP_NAMES = new Set(['.git', '.hg', '.svn', 'node_modules']);

function displayPath(abs: string, cwd: string): string {
  const rel = path.relative(cwd, abs);
  if (rel === '') return '.';
  return !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

function inside(child: string, root: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && err.code === 'EACCES') return 'permission denied';
  if (err && err.code === 'ENOENT') return 'no such file or directory';
  if (err && err.code === 'ELOOP') return 'too many levels of symbolic links';
  if (err && err.code === 'ENAMETOOLONG') return 'path too long for the operating system (PATH_MAX); not read';
  return err && err.message ? err.message : String(e);
}

/** A name as bytes, shown readably: valid UTF-8 as is; other bytes and control characters as `\xNN`. */
export function escapeName(name: Buffer): { text: string; exact: boolean } {
  let exact = true;
  let out = '';
  let i = 0;
  while (i < name.length) {
    const b = name[i];
    if (b < 0x20 || b === 0x7f) {
      out += `\\x${b.toString(16).padStart(2, '0')}`;
      exact = false;
      i++;
      continue;
    }
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    const n = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n > 0 && i + n <= name.length) {
      const seq = name.subarray(i, i + n);
      const text = seq.toString('utf8');
      if (Buffer.from(text, 'utf8').equals(seq)) {
        out += text;
        i += n;
        continue;
      }
    }
    out += `\\x${b.toString(16).padStart(2, '0')}`;
    exact = false;
    i++;
  }
  return { text: out, exact };
}

function specialKind(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'of an unknown kind';
}

/** A place in the walk: its path as a string, and its bytes when the string only shows it. */
interface Loc {
  str: string;
  raw?: Buffer;
}

const SEP = Buffer.from(path.sep);

function child(parent: Loc, name: Buffer): { loc: Loc; name: string } {
  const e = escapeName(name);
  const str = path.join(parent.str, e.text);
  if (e.exact && !parent.raw) return { loc: { str }, name: e.text };
  return { loc: { str, raw: Buffer.concat([parent.raw ?? Buffer.from(parent.str), SEP, name]) }, name: e.text };
}

const fsPath = (l: Loc): string | Buffer => l.raw ?? l.str;

/** realpath as a Loc (bytes kept when the real path cannot be a string exactly). */
function realLoc(l: Loc): Loc {
  if (!l.raw) return { str: fs.realpathSync(l.str) };
  const bytes = fs.realpathSync(l.raw, { encoding: 'buffer' });
  const e = escapeName(bytes);
  return e.exact ? { str: e.text } : { str: e.text, raw: bytes };
}

function insideLoc(child: Loc, root: string): boolean {
  if (!child.raw) return inside(child.str, root);
  const r = Buffer.from(root);
  return child.raw.length >= r.length && child.raw.subarray(0, r.length).equals(r) && (child.raw.length === r.length || child.raw[r.length] === SEP[0] || root === path.sep);
}

const keyOf = (l: Loc): string => (l.raw ? `raw:${l.raw.toString('latin1')}` : l.str);

/**
 * The files of a scan in the order the walk reaches them, one at a time, so that analysis can
 * begin before the walk ends: the inputs in turn, each directory's entries in name order (UTF-16
 * code units), depth first; then the files reached only through a symbolic link (a file also
 * reached directly is given once, directly). `errors` and `leftOut` are complete once every
 * file has been taken. The walk runs as the files are taken, and once only.
 */
export class DiscoveryStream implements Iterable<DiscoveredFile> {
  /** Unreadable entries, broken links and links out of the root, as the walk meets them. */
  readonly errors: ReadError[] = [];
  /** The real path of each input's root (its directory, for a file), as the walk reaches the
   *  input: every file given lies in one of them. */
  readonly roots: string[] = [];
  private readonly left = noneLeftOut();
  private started = false;

  constructor(
    private readonly inputs: string[],
    private readonly options: DiscoverOptions = {},
  ) {}

  /** Entries left out so far, by why: asked for (.gitignore, --exclude, `leaveOut`), never
   *  walked (version-control metadata, node_modules) or not files (sockets, FIFOs, devices).
   *  Not errors; the report gives each count. A directory counts once. */
  get leftOut(): LeftOut {
    return { ...this.left };
  }

  [Symbol.iterator](): Iterator<DiscoveredFile> {
    if (this.started) throw new Error('DiscoveryStream: the walk runs once; it has been taken already');
    this.started = true;
    return this.walkAll();
  }

  private *walkAll(): Generator<DiscoveredFile, void, undefined> {
    const { inputs, options, errors, roots } = this;
    const cwd = options.cwd ?? process.cwd();
    const useGitignore = options.gitignore !== false;
    const excludeMatch = options.exclude?.length ? picomatch(options.exclude, { dot: true, basename: true }) : null;
    const seen = new Set<string>();
    /** Absolute paths of the files given so far. */
    const direct = new Set<string>();
    /** Files reached through a symbolic link: given at the end unless the same file is given directly. */
    const linked: DiscoveredFile[] = [];
    let scopes: IgnoreScope[] = [];
    let scanRoot = '';
    const left = this.left;
    /** The directories never walked, as given and as their real paths. */
    const never = new Set<string>();
    for (const d of options.leaveOut ?? []) {
      const abs = path.resolve(cwd, d);
      never.add(abs);
      try {
        never.add(fs.realpathSync(abs));
      } catch {
        // not there (yet): as given
      }
    }

    /** Why the entry is left out by --exclude or a .gitignore, if it is. */
    function excludedBy(abs: string, isDir: boolean): 'exclude' | 'gitignore' | undefined {
      if (!excludeMatch && scopes.length === 0) return undefined;
      const rel = path.relative(scanRoot, abs);
      if (rel === '') return undefined;
      if (excludeMatch && excludeMatch(rel.split(path.sep).join('/'))) return 'exclude';
      for (const sc of scopes) {
        const r = path.relative(sc.dir, abs);
        if (r === '' || r.startsWith('..')) continue;
        const posix = r.split(path.sep).join('/') + (isDir ? '/' : '');
        if (sc.rules.ignores(posix)) return 'gitignore';
      }
      return undefined;
    }

    function loadGitignore(dir: string): void {
      if (!useGitignore) return;
      const file = path.join(dir, '.gitignore');
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        return; // no .gitignore here
      }
      scopes.push({ dir, rules: ignore().add(text) });
    }

    // Synchronous calls on purpose: on a local file system they are several times faster than
    // awaiting one promise per entry, and discovery is not where a scan should spend its time.
    function* walk(at: Loc, shown: string, root: string, dirent?: fs.Dirent<Buffer>): Generator<DiscoveredFile, void, undefined> {
      const abs = at.str;
      if (dirent && dirent.isFile()) {
        const by = excludedBy(abs, false);
        if (by) left[by]++;
        else {
          direct.add(abs);
          yield { path: shown, absolute: abs, ...(at.raw ? { raw: at.raw } : {}), size: -1 };
        }
        return;
      }
      let st;
      try {
        st = fs.lstatSync(fsPath(at));
      } catch (e) {
        errors.push({ path: shown, message: `cannot read: ${errText(e)}` });
        return;
      }
      let real: Loc = at;
      if (st.isSymbolicLink()) {
        try {
          real = realLoc(at);
        } catch (e) {
          errors.push({ path: shown, message: `broken symbolic link: ${errText(e)}` });
          return;
        }
        if (!insideLoc(real, root)) {
          errors.push({ path: shown, message: `symbolic link to ${real.str} leads outside the scan root ${root}; not followed` });
          return;
        }
        try {
          st = fs.statSync(fsPath(real));
        } catch (e) {
          errors.push({ path: shown, message: `cannot read: ${errText(e)}` });
          return;
        }
      }
      const key = keyOf(real);
      if (seen.has(key)) return; // a loop, or the same file reached twice
      seen.add(key);
      const by = excludedBy(abs, st.isDirectory());
      if (by) {
        left[by]++;
        return;
      }
      if (dirent !== undefined && never.size > 0 && st.isDirectory() && (never.has(abs) || never.has(real.str))) {
        left.cache++;
        return;
      }
      if (st.isDirectory()) {
        let entries: fs.Dirent<Buffer>[];
        try {
          entries = fs.readdirSync(fsPath(at), { withFileTypes: true, encoding: 'buffer' });
        } catch (e) {
          errors.push({ path: shown, message: `cannot list directory: ${errText(e)}` });
          return;
        }
        const depth = scopes.length;
        const named = entries.map((e) => ({ e, ...child(at, e.name) }));
        if (named.some((n) => n.name === '.gitignore' && !n.loc.raw)) loadGitignore(abs);
        named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const n of named) {
          if (SKIP_NAMES.has(n.name)) left.metadata++;
          else yield* walk(n.loc, path.join(shown, n.name), root, n.e);
        }
        scopes.length = depth;
      } else if (st.isFile()) {
        const f: DiscoveredFile = { path: shown, absolute: real.str, ...(real.raw ? { raw: real.raw } : {}), size: st.size };
        if (real !== at) linked.push(f);
        else {
          direct.add(f.absolute);
          yield f;
        }
      } else if (dirent === undefined) {
        // given as an input: not left out, but not readable either
        errors.push({ path: shown, message: `not a file or directory (${specialKind(st)}); not read` });
      } else {
        // sockets, FIFOs and devices are not files to analyse; reading a FIFO would block
        left.special++;
      }
    }

    for (const input of inputs) {
      const abs = path.resolve(cwd, input);
      let root = abs;
      try {
        root = fs.realpathSync(abs);
        const st = fs.statSync(root);
        if (!st.isDirectory()) root = path.dirname(root);
      } catch (e) {
        errors.push({ path: input, message: `cannot read: ${errText(e)}` });
        continue;
      }
      scanRoot = abs;
      scopes = [];
      if (!roots.includes(root)) roots.push(root);
      yield* walk({ str: abs }, displayPath(abs, cwd), root);
    }
    for (const f of linked) {
      if (!direct.has(f.absolute)) {
        direct.add(f.absolute);
        yield f;
      }
    }
  }
}

/** Every file of a scan at once, in path order (see DiscoveryStream for the walk). */
export function discover(inputs: string[], options: DiscoverOptions = {}): Discovery {
  const stream = new DiscoveryStream(inputs, options);
  const files = [...stream];
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, errors: stream.errors, leftOut: stream.leftOut };
}
