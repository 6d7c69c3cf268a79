/**
 * Discovery: which files a scan reads. Directories are walked recursively; symbolic links are
 * followed only when they stay inside the scan root, and loops are cut. Everything that is
 * not read is said: unreadable entries and links out of the root become errors in the report.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import type { ReadError } from '../analyzers/facts';

export interface DiscoveredFile {
  /** Path as the user will see it: relative to the working directory when below it. */
  path: string;
  /** Absolute real path. */
  absolute: string;
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

export async function discover(inputs: string[], cwd = process.cwd()): Promise<Discovery> {
  const files: DiscoveredFile[] = [];
  const errors: ReadError[] = [];
  const seen = new Set<string>();

  async function walk(abs: string, shown: string, root: string): Promise<void> {
    let st;
    try {
      st = await fs.lstat(abs);
    } catch (e) {
      errors.push({ path: shown, message: `cannot read: ${errText(e)}` });
      return;
    }
    let real = abs;
    if (st.isSymbolicLink()) {
      try {
        real = await fs.realpath(abs);
      } catch (e) {
        errors.push({ path: shown, message: `broken symbolic link: ${errText(e)}` });
        return;
      }
      if (!inside(real, root)) {
        errors.push({ path: shown, message: `symbolic link to ${real} leads outside the scan root ${root}; not followed` });
        return;
      }
      try {
        st = await fs.stat(real);
      } catch (e) {
        errors.push({ path: shown, message: `cannot read: ${errText(e)}` });
        return;
      }
    }
    if (seen.has(real)) return; // a loop, or the same file reached twice
    seen.add(real);
    if (st.isDirectory()) {
      let entries: string[];
      try {
        entries = await fs.readdir(abs);
      } catch (e) {
        errors.push({ path: shown, message: `cannot list directory: ${errText(e)}` });
        return;
      }
      entries.sort();
      for (const name of entries) {
        if (SKIP_DIRS.has(name)) continue;
        await walk(path.join(abs, name), path.join(shown, name), root);
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
      root = await fs.realpath(abs);
      const st = await fs.stat(root);
      if (!st.isDirectory()) root = path.dirname(root);
    } catch (e) {
      errors.push({ path: input, message: `cannot read: ${errText(e)}` });
      continue;
    }
    await walk(abs, displayPath(abs, cwd), root);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, errors };
}
