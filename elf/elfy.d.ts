// Types for the parts of the `elfy` package (1.0.0, plain JavaScript) that elf/ uses.
declare module 'elfy' {
  export interface ElfyHeader {
    class: '32' | '64';
    endian: 'lsb' | 'msb';
    osabi: string | undefined;
    abiversion: string | undefined;
    type: string | undefined;
    machine: string | undefined;
    version: number;
    entry: number;
    phoff: number;
    shoff: number;
    flags: number;
    ehsize: number;
    phentsize: number;
    phnum: number;
    shentsize: number;
    shnum: number;
    shstrndx: number;
  }
  export class Parser {
    /** Reads the ELF header (ident + Elf32_Ehdr/Elf64_Ehdr); throws plain Errors on a bad ident. */
    parseHeader(buf: Buffer): ElfyHeader;
    execute(buf: Buffer): ElfyHeader & { body: unknown };
  }
  export const constants: {
    class: Record<number, string>;
    endian: Record<number, string>;
    osabi: Record<number, string>;
    machine: Record<number, string>;
    type: Record<number, string>;
    sectType: Record<number, string>;
    entryType: Record<number, string>;
  };
  export function parse(buf: Buffer): ElfyHeader & { body: unknown };
}
