/**
 * Typed errors of the ELF reader. Every message starts with the file's path, then (when the
 * problem sits inside one section) `section N (name)`, then the problem with hexadecimal
 * offsets, e.g.
 *
 *   vmlinux.o: section 12 (.rela.text): entry at offset 0x1f8 lies past the end of the section (size 0x1e0)
 *
 * A fatal problem (not ELF, no readable header or section table) is thrown; a problem in one part
 * of an otherwise readable file is collected in `ElfFile.warnings` as one of these objects and
 * the rest of the file is still read. Nothing else is ever thrown by elf/.
 */

/** Where in the file a problem is: a section (index + name) and an offset. */
export interface ElfErrorSection {
  index: number;
  name: string;
}

export function hex(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

/** Base class of everything elf/ throws or reports. */
export class ElfError extends Error {
  constructor(
    message: string,
    /** The file as the caller named it. */
    readonly path: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The bytes do not start with the ELF magic `\x7fELF`. */
export class NotElfError extends ElfError {
  constructor(path: string, size: number) {
    super(
      size === 0
        ? `${path}: empty file (0 bytes), not an ELF object`
        : `${path}: not an ELF file (no ELF magic in the first ${Math.min(size, 4)} bytes)`,
      path,
    );
  }
}

/**
 * The file is ELF but some structure in it is malformed: truncated, out of bounds, inconsistent.
 * `section` is the section the problem is in (when there is one); `offset` is the offset of the
 * bad structure inside that section, or inside the file when there is no section.
 */
export class ElfFormatError extends ElfError {
  readonly problem: string;
  constructor(
    path: string,
    problem: string,
    readonly section?: ElfErrorSection,
    readonly offset?: number,
  ) {
    super(`${path}: ${section ? `section ${section.index} (${section.name || '<unnamed>'}): ` : ''}${problem}`, path);
    this.problem = problem;
  }
}

/** A valid ELF file of a kind this reader does not decode (unknown class / byte order / version). */
export class ElfUnsupportedError extends ElfError {
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`, path);
  }
}
