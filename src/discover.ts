/**
 * Discovery: which files a scan reads. Directories are walked recursively; symbolic links are
 * followed only when they stay inside the scan root, and loops are cut. Everything that is
 * not read is said: unreadable entries and links out of the root become errors in the report.
 */
import * as fs from 'fs';
import * as path from 'path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import type { ReadError } from '../analyzers/facts';

export interface DiscoveredFile {
  /** Path as the user will see it: relative to the working directory when below it. */
  path: string;
  /** Absolute path (the real path when it was reached through a link). */
  absolute: string;
  /** Size in bytes when known from discovery, else -1. */
  size: number;
}

export interface Discovery {
  files: DiscoveredFile[];
  errors: ReadError[];
  /** Files and directories left out by .gitignore or --exclude (not errors: asked for). */
  excluded: number;
}

export interface DiscoverOptions {
  cwd?: string;
  /** Glob patterns (picomatch) matched against paths relative to each scan root; a pattern
   *  without a slash also matches a base name anywhere. */
  exclude?: string[];
  /** Respect .gitignore files found in the scanned directories (default true). */
  gitignore?: boolean;
}

interface IgnoreScope {
  dir: string;
  rules: Ignore;
}

const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules']);

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
  return err && err.message ? err.message : String(e);
}

export function discover(inputs: string[], options: DiscoverOptions = {}): Discovery {
  const cwd = options.cwd ?? process.cwd();
  const useGitignore = options.gitignore !== false;
  const excludeMatch = options.exclude?.length ? picomatch(options.exclude, { dot: true, basename: true }) : null;
  const files: DiscoveredFile[] = [];
  const errors: ReadError[] = [];
  const seen = new Set<string>();
  let excluded = 0;
  /** Files reached through a symbolic link: kept unless the same file is scanned directly. */
  const linked: DiscoveredFile[] = [];
  let scopes: IgnoreScope[] = [];
  let scanRoot = '';

  function isExcluded(abs: string, isDir: boolean): boolean {
    const rel = path.relative(scanRoot, abs);
    if (rel === '') return false;
    if (excludeMatch && excludeMatch(rel.split(path.sep).join('/'))) return true;
    for (const sc of scopes) {
      const r = path.relative(sc.dir, abs);
      if (r === '' || r.startsWith('..')) continue;
      const posix = r.split(path.sep).join('/') + (isDir ? '/' : '');
      if (sc.rules.ignores(posix)) return true;
    }
    return false;
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
  function walk(abs: string, shown: string, root: string, dirent?: fs.Dirent): void {
    if (dirent && dirent.isFile()) {
      if (isExcluded(abs, false)) excluded++;
      else files.push({ path: shown, absolute: abs, size: -1 });
      return;
    }
    let st;
    try {
      st = fs.lstatSync(abs);
    } catch (e) {
      errors.push({ path: shown, message: `cannot read: ${errText(e)}` });
      return;
    }
    let real = abs;
    if (st.isSymbolicLink()) {
      try {
        real = fs.realpathSync(abs);
      } catch (e) {
        errors.push({ path: shown, message: `broken symbolic link: ${errText(e)}` });
        return;
      }
      if (!inside(real, root)) {
        errors.push({ path: shown, message: `symbolic link to ${real} leads outside the scan root ${root}; not followed` });
        return;
      }
      try {
        st = fs.statSync(real);
      } catch (e) {
        errors.push({ path: shown, message: `cannot read: ${errText(e)}` });
        return;
      }
    }
    if (seen.has(real)) return; // a loop, or the same file reached twice
    seen.add(real);
    if (isExcluded(abs, st.isDirectory())) {
      excluded++;
      return;
    }
    if (st.isDirectory()) {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(abs, { withFileTypes: true });
      } catch (e) {
        errors.push({ path: shown, message: `cannot list directory: ${errText(e)}` });
        return;
      }
      const depth = scopes.length;
      if (entries.some((e) => e.name === '.gitignore')) loadGitignore(abs);
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (SKIP_DIRS.has(e.name)) continue;
        walk(path.join(abs, e.name), path.join(shown, e.name), root, e);
      }
      scopes.length = depth;
    } else if (st.isFile()) {
      if (real !== abs) linked.push({ path: shown, absolute: real, size: st.size });
      else files.push({ path: shown, absolute: real, size: st.size });
    }
    // sockets, fifos and devices are not files to analyse; reading a fifo would block.
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
    walk(abs, displayPath(abs, cwd), root);
  }
  const direct = new Set(files.map((f) => f.absolute));
  for (const f of linked) {
    if (!direct.has(f.absolute)) {
      direct.add(f.absolute);
      files.push(f);
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, errors, excluded };
}
