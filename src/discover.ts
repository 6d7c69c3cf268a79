/**
 * Discovery: which files a scan reads. Directories are walked recursively; symbolic links are
 * followed only when they stay inside the scan root, and loops are cut. Everything that is
 * not read is said: unreadable entries and links out of the root become errors in the report.
 */
import * as fs from 'fs';
import * as path from 'path';
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
}

const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules']);

function displayPath(abs: string, cwd: string): string {
  const rel = path.relative(cwd, abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
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

export function discover(inputs: string[], cwd = process.cwd()): Discovery {
  const files: DiscoveredFile[] = [];
  const errors: ReadError[] = [];
  const seen = new Set<string>();

  // Synchronous calls on purpose: on a local file system they are several times faster than
  // awaiting one promise per entry, and discovery is not where a scan should spend its time.
  function walk(abs: string, shown: string, root: string, dirent?: fs.Dirent): void {
    if (dirent && dirent.isFile()) {
      files.push({ path: shown, absolute: abs, size: -1 });
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
    if (st.isDirectory()) {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(abs, { withFileTypes: true });
      } catch (e) {
        errors.push({ path: shown, message: `cannot list directory: ${errText(e)}` });
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (SKIP_DIRS.has(e.name)) continue;
        walk(path.join(abs, e.name), path.join(shown, e.name), root, e);
      }
    } else if (st.isFile()) {
      files.push({ path: shown, absolute: real, size: st.size });
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
    walk(abs, displayPath(abs, cwd), root);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, errors };
}
