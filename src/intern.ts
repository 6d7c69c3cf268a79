/**
 * Facts that cross from an analysis process (or come back from the cache) arrive with a fresh
 * copy of every string: each location repeats its file's path, each call its callee's and its
 * function's name. The scan keeps every file's facts until linking, so on a large tree those
 * copies are most of its memory. `Interner` replaces them with one shared copy each on arrival,
 * and packs each C file's calls, functions and macros into a table (src/code-table.ts), in a
 * compact copy of the file's facts object; the facts read the same as before. Only C facts are walked: binaries are analysed in the
 * scan's own thread, where their strings are shared already.
 */
import type { CFileFacts, FileFacts, Location, ReadError } from '../analyzers/facts';
import { NameTable, packedCopy } from './code-table';

export class Interner {
  /** Every string shared, in one list that the code tables of the scan's files index. */
  private readonly names = new NameTable();

  /** The shared copy of `s` (a long string - a macro body, a message - is left alone). */
  s(s: string): string {
    return this.names.share(s);
  }

  get size(): number {
    return this.names.size;
  }

  private location(l: Location | undefined): void {
    if (!l) return;
    l.path = this.s(l.path);
    if (l.function !== undefined) l.function = this.s(l.function);
    if (l.section !== undefined) l.section = this.s(l.section);
  }

  private errors(list: ReadError[]): void {
    for (const e of list) {
      e.path = this.s(e.path);
      this.location(e.location);
    }
  }

  private c(plain: CFileFacts): CFileFacts {
    // calls, address-taken uses, functions and macros: into a compact table (src/code-table.ts), names shared
    const f = packedCopy(plain, this.names);
    for (const x of f.includes) {
      x.target = this.s(x.target);
      x.category = this.s(x.category) as typeof x.category;
      if (x.resolved !== undefined) x.resolved = this.s(x.resolved);
      this.location(x.location);
    }
    for (const x of f.exports) {
      x.symbol = this.s(x.symbol);
      this.location(x.location);
    }
    for (const x of f.spdx) this.location(x.location);
    for (const x of f.moduleLicenses) this.location(x.location);
    for (const x of f.importNs) this.location(x.location);
    return f;
  }

  /** Shares the strings of one file's facts: returns them, C facts in a new object (to be used
   *  in place of `f`), others in `f` itself. */
  facts(f: FileFacts): FileFacts {
    f.path = this.s(f.path);
    const out = f.analyzer === 'c' ? this.c(f) : f;
    this.errors(out.warnings);
    return out;
  }
}
