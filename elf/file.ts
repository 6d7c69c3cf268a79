/**
 * ElfFile: an ELF32/ELF64, little/big endian file held in memory. The header is read with the
 * `elfy` package; the section and program header tables are read here, with every offset, size
 * and count checked against the buffer (elfy 1.0.0 reads ELF64 sh_addralign/sh_entsize at wrong
 * offsets, does not handle extended section numbering, and throws plain Errors or RangeErrors on
 * truncated tables). Everything else (symbols, relocations, module sections, dynamic section) is
 * decoded lazily from the section buffers on first use and cached.
 *
 * Fatal problems are thrown as ElfError subclasses; problems confined to one part of the file are
 * collected in `warnings` and that part reads as empty.
 */
import { Parser as ElfyParser } from 'elfy';
import {
  ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, ET_REL, PT_INTERP, SHN_XINDEX, SHT_DYNSYM, SHT_NOBITS,
  SHT_REL, SHT_RELA, SHT_SYMTAB, elfTypeName, machineName, sectionTypeName,
} from './constants';
import { ElfError, ElfFormatError, ElfUnsupportedError, NotElfError, hex } from './errors';
import { BinView, cString } from './view';
import { SymbolTable, readSymbolTable } from './symbols';
import { RelocationTable, readRelocationTable } from './relocations';
import { KernelExport, ModinfoEntry, ModuleVersion, VersionTable, readKernelExports, readModinfo, readVersionTable } from './module';
import { DynamicInfo, readDynamic, readDynamicImports } from './dynamic';

export interface ElfHeader {
  class: 32 | 64;
  endian: 'little' | 'big';
  osabi: number;
  abiVersion: number;
  /** e_type: 1 REL, 2 EXEC, 3 DYN, 4 CORE. */
  type: number;
  /** 'REL' | 'EXEC' | 'DYN' | 'CORE' | ... */
  typeName: string;
  machine: number;
  /** 'x86_64', 'i386', 'aarch64', 'ppc', 's390', ... */
  machineName: string;
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

export interface ElfSection {
  index: number;
  name: string;
  /** sh_type number; see `typeName`. */
  type: number;
  typeName: string;
  flags: number;
  addr: number;
  /** File offset of the contents. */
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
  /** False when the contents (non-NOBITS) lie outside the file: reading them gives an error. */
  readable: boolean;
}

export interface ElfSegment {
  index: number;
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  align: number;
  readable: boolean;
}

const EMPTY = Buffer.alloc(0);
const MAX_WARNINGS = 200;

export class ElfFile {
  readonly header: ElfHeader;
  readonly sections: ElfSection[] = [];
  readonly segments: ElfSegment[] = [];
  /** Problems in parts of the file; those parts read as empty. */
  readonly warnings: ElfFormatError[] = [];
  readonly view: BinView;
  readonly is64: boolean;
  readonly le: boolean;

  private byName: Map<string, ElfSection> | undefined;
  private relocByTarget: Map<number, ElfSection[]> | undefined;
  private readonly symtabs = new Map<number, SymbolTable | null>();
  private readonly relocs = new Map<number, RelocationTable | null>();
  private readonly memo = new Map<string, unknown>();
  private droppedWarnings = 0;
  private readonly warningMessages = new Set<string>();

  constructor(
    readonly path: string,
    readonly data: Buffer,
  ) {
    const size = data.length;
    if (!isElf(data)) throw new NotElfError(path, size);
    if (size < 16) throw new ElfFormatError(path, `file is truncated: ${size} bytes, the ELF identification needs 16`, undefined, 0);
    const cls = data[4];
    const enc = data[5];
    if (cls !== ELFCLASS32 && cls !== ELFCLASS64) throw new ElfUnsupportedError(path, `unknown ELF class ${cls} (identification byte 4; 1 = ELF32, 2 = ELF64)`);
    if (enc !== ELFDATA2LSB && enc !== ELFDATA2MSB) throw new ElfUnsupportedError(path, `unknown ELF data encoding ${enc} (identification byte 5; 1 = little endian, 2 = big endian)`);
    this.is64 = cls === ELFCLASS64;
    this.le = enc === ELFDATA2LSB;
    const ehsizeNeeded = this.is64 ? 64 : 52;
    if (size < ehsizeNeeded) {
      throw new ElfFormatError(path, `file is truncated: ${size} bytes, an ELF${this.is64 ? 64 : 32} header needs ${ehsizeNeeded}`, undefined, 0);
    }
    if (data[6] !== 1) this.warn(`unknown ELF identification version ${data[6]} (expected 1)`, undefined, 6);
    this.view = new BinView(data, this.le);

    let h;
    try {
      h = new ElfyParser().parseHeader(data);
    } catch (e) {
      // elfy checks the same things as above; anything else is a damaged header.
      throw new ElfFormatError(path, `unreadable ELF header: ${e instanceof Error ? e.message : String(e)}`, undefined, 0);
    }
    const v = this.view;
    const type = v.u16(16);
    const machine = v.u16(18);
    this.header = {
      class: this.is64 ? 64 : 32,
      endian: this.le ? 'little' : 'big',
      osabi: data[7],
      abiVersion: data[8],
      type,
      typeName: elfTypeName(type),
      machine,
      machineName: machineName(machine),
      version: h.version,
      entry: this.is64 ? v.i64(24) : v.u32(24),
      phoff: h.phoff,
      shoff: h.shoff,
      flags: h.flags,
      ehsize: h.ehsize,
      phentsize: h.phentsize,
      phnum: h.phnum,
      shentsize: h.shentsize,
      shnum: h.shnum,
      shstrndx: h.shstrndx,
    };

    const phError = this.readProgramHeaders();
    const shError = this.readSectionHeaders();
    if (shError) {
      // Without sections a relocatable object has nothing left; an executable still has its
      // program headers (interpreter, dynamic section).
      if (type === ET_REL || this.segments.length === 0 || phError) throw shError;
      this.addWarning(shError);
    }
    if (phError) this.addWarning(phError);
  }

  // ----------------------------------------------------------------------------------------
  // Warnings

  /** Records a problem in one part of the file. */
  warn(problem: string, section?: ElfSection, offset?: number): ElfFormatError {
    const e = new ElfFormatError(this.path, problem, section ? { index: section.index, name: section.name } : undefined, offset);
    this.addWarning(e);
    return e;
  }

  addWarning(e: ElfFormatError): void {
    // The same damage can be met by several decoders (a section whose bytes are missing).
    if (this.warningMessages.has(e.message)) return;
    this.warningMessages.add(e.message);
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(e);
    else if (this.droppedWarnings++ === 0) {
      this.warnings.push(new ElfFormatError(this.path, `more than ${MAX_WARNINGS} problems; the rest are not listed`));
    }
  }

  /** An error about `section` (not recorded). */
  sectionError(section: ElfSection, problem: string, offset?: number): ElfFormatError {
    return new ElfFormatError(this.path, problem, { index: section.index, name: section.name }, offset);
  }

  /** Runs `fn`; an ElfFormatError it throws becomes a warning and `fallback` is returned. */
  guard<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ElfFormatError) {
        this.addWarning(e);
        return fallback;
      }
      if (e instanceof ElfError) throw e;
      // A bug or an unforeseen corruption: never let a foreign exception escape.
      this.addWarning(new ElfFormatError(this.path, `internal error while decoding: ${e instanceof Error ? e.message : String(e)}`));
      return fallback;
    }
  }

  /** Caches a lazily decoded part under `key`; decoding problems become warnings. */
  cached<T>(key: string, fn: () => T, fallback: T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const value = this.guard(fn, fallback);
    this.memo.set(key, value);
    return value;
  }

  // ----------------------------------------------------------------------------------------
  // Tables

  private readProgramHeaders(): ElfFormatError | undefined {
    const { phoff, phnum, phentsize } = this.header;
    if (phnum === 0 || phoff === 0) return undefined;
    const need = this.is64 ? 56 : 32;
    if (phentsize < need) {
      return new ElfFormatError(this.path, `program header entry size ${hex(phentsize)} is smaller than an ELF${this.header.class} program header (${hex(need)})`, undefined, this.is64 ? 54 : 42);
    }
    const size = this.data.length;
    if (phoff > size || phoff + phnum * phentsize > size) {
      return new ElfFormatError(this.path, `program header table at offset ${hex(phoff)} (${phnum} entries of ${hex(phentsize)} bytes) lies past the end of the file (size ${hex(size)})`, undefined, phoff);
    }
    const v = this.view;
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      const seg: ElfSegment = this.is64
        ? { index: i, type: v.u32(o), flags: v.u32(o + 4), offset: v.u64(o + 8), vaddr: v.i64(o + 16), paddr: v.i64(o + 24), filesz: v.u64(o + 32), memsz: v.u64(o + 40), align: v.u64(o + 48), readable: true }
        : { index: i, type: v.u32(o), offset: v.u32(o + 4), vaddr: v.u32(o + 8), paddr: v.u32(o + 12), filesz: v.u32(o + 16), memsz: v.u32(o + 20), flags: v.u32(o + 24), align: v.u32(o + 28), readable: true };
      if (seg.filesz > 0 && (seg.offset > size || seg.offset + seg.filesz > size)) {
        seg.readable = false;
        this.warn(`program header ${i}: contents at offset ${hex(seg.offset)} (size ${hex(seg.filesz)}) lie past the end of the file (size ${hex(size)})`, undefined, o);
      }
      this.segments.push(seg);
    }
    return undefined;
  }

  private readSectionHeaders(): ElfFormatError | undefined {
    const { shoff, shentsize } = this.header;
    let { shnum, shstrndx } = this.header;
    const path = this.path;
    const size = this.data.length;
    if (shoff === 0) {
      if (shnum !== 0) return new ElfFormatError(path, `section header table offset is 0 but the header counts ${shnum} sections`, undefined, this.is64 ? 40 : 32);
      return undefined;
    }
    const need = this.is64 ? 64 : 40;
    if (shentsize < need) {
      return new ElfFormatError(path, `section header entry size ${hex(shentsize)} is smaller than an ELF${this.header.class} section header (${hex(need)})`, undefined, this.is64 ? 58 : 46);
    }
    if (shoff > size || shoff + need > size) {
      return new ElfFormatError(path, `section header table at offset ${hex(shoff)} lies past the end of the file (size ${hex(size)})`, undefined, shoff);
    }
    // Extended numbering: counts that do not fit the header live in section 0.
    if (shnum === 0) shnum = this.is64 ? this.view.u64(shoff + 32) : this.view.u32(shoff + 20);
    if (shstrndx === SHN_XINDEX) shstrndx = this.view.u32(shoff + (this.is64 ? 40 : 24));
    if (shoff + shnum * shentsize > size) {
      return new ElfFormatError(path, `section header table at offset ${hex(shoff)} (${shnum} entries of ${hex(shentsize)} bytes) lies past the end of the file (size ${hex(size)})`, undefined, shoff);
    }
    const v = this.view;
    const nameOffsets: number[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      const type = v.u32(o + 4);
      const s: ElfSection = this.is64
        ? { index: i, name: '', type, typeName: '', flags: v.u64(o + 8), addr: v.i64(o + 16), offset: v.u64(o + 24), size: v.u64(o + 32), link: v.u32(o + 40), info: v.u32(o + 44), addralign: v.u64(o + 48), entsize: v.u64(o + 56), readable: true }
        : { index: i, name: '', type, typeName: '', flags: v.u32(o + 8), addr: v.u32(o + 12), offset: v.u32(o + 16), size: v.u32(o + 20), link: v.u32(o + 24), info: v.u32(o + 28), addralign: v.u32(o + 32), entsize: v.u32(o + 36), readable: true };
      s.typeName = sectionTypeName(type);
      nameOffsets.push(v.u32(o));
      this.sections.push(s);
    }
    // Names
    let names: Buffer | undefined;
    if (shnum > 0) {
      if (shstrndx >= shnum) {
        this.warn(`section name table index ${shstrndx} is out of range (${shnum} sections); sections are unnamed`, undefined, this.is64 ? 62 : 50);
      } else {
        const st = this.sections[shstrndx];
        if (st.type === SHT_NOBITS || st.offset > size || st.offset + st.size > size) {
          this.warn(`section name table (section ${shstrndx}) at offset ${hex(st.offset)} (size ${hex(st.size)}) lies past the end of the file (size ${hex(size)}); sections are unnamed`, undefined, st.offset);
        } else {
          names = this.data.subarray(st.offset, st.offset + st.size);
        }
      }
    }
    for (let i = 0; i < shnum; i++) {
      const s = this.sections[i];
      if (names) {
        const no = nameOffsets[i];
        if (no >= names.length && !(no === 0 && names.length === 0)) {
          this.warn(`name offset ${hex(no)} lies past the end of the section name table (size ${hex(names.length)})`, s, shoff + i * shentsize);
        } else if (names.length > 0) {
          s.name = cString(names, no);
        }
      }
      if (s.type !== SHT_NOBITS && s.size > 0 && (s.offset > size || s.offset + s.size > size)) {
        s.readable = false;
        this.warn(`contents at offset ${hex(s.offset)} (size ${hex(s.size)}) lie past the end of the file (size ${hex(size)})`, s, 0);
      }
    }
    this.checkOverlaps();
    return undefined;
  }

  private checkOverlaps(): void {
    const placed = this.sections.filter((s) => s.readable && s.type !== SHT_NOBITS && s.size > 0);
    placed.sort((a, b) => a.offset - b.offset || a.index - b.index);
    let prev: ElfSection | undefined;
    for (const s of placed) {
      if (prev && s.offset < prev.offset + prev.size) {
        this.warn(`contents [${hex(s.offset)}, ${hex(s.offset + s.size)}) overlap section ${prev.index} (${prev.name}) [${hex(prev.offset)}, ${hex(prev.offset + prev.size)})`, s, 0);
      }
      if (!prev || s.offset + s.size > prev.offset + prev.size) prev = s;
    }
  }

  // ----------------------------------------------------------------------------------------
  // Sections

  /** The first section with this name. */
  section(name: string): ElfSection | undefined {
    if (!this.byName) {
      this.byName = new Map();
      for (const s of this.sections) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
    }
    return this.byName.get(name);
  }

  sectionAt(index: number): ElfSection | undefined {
    return this.sections[index];
  }

  /** The section's bytes (empty for NOBITS). Throws ElfFormatError when they are not in the file. */
  sectionData(s: ElfSection): Buffer {
    if (s.type === SHT_NOBITS) return EMPTY;
    if (!s.readable) {
      throw this.sectionError(s, `contents at offset ${hex(s.offset)} (size ${hex(s.size)}) lie past the end of the file (size ${hex(this.data.length)})`, 0);
    }
    return this.data.subarray(s.offset, s.offset + s.size);
  }

  /** A NUL-terminated string at `offset` of string table section `s`; throws ElfFormatError when out of bounds. */
  stringAt(s: ElfSection, offset: number, what: string, where?: { section: ElfSection; offset: number }): string {
    const data = this.sectionData(s);
    if (offset >= data.length) {
      const problem = `${what}: string offset ${hex(offset)} lies past the end of section ${s.index} (${s.name}) (size ${hex(data.length)})`;
      throw where ? this.sectionError(where.section, problem, where.offset) : this.sectionError(s, problem, offset);
    }
    return cString(data, offset);
  }

  /** The section that holds virtual address `addr` (executables, shared objects). */
  sectionForAddress(addr: number): ElfSection | undefined {
    for (const s of this.sections) {
      if (s.addr !== 0 && s.size > 0 && addr >= s.addr && addr < s.addr + s.size && s.type !== SHT_NOBITS) return s;
    }
    return undefined;
  }

  /** File offset of virtual address `addr` through the PT_LOAD segments, if mapped from the file. */
  fileOffsetOfAddress(addr: number): number | undefined {
    for (const p of this.segments) {
      if (p.type === 1 && p.readable && addr >= p.vaddr && addr < p.vaddr + p.filesz) return p.offset + (addr - p.vaddr);
    }
    return undefined;
  }

  // ----------------------------------------------------------------------------------------
  // Symbols and relocations (lazy)

  /** The symbol table in section `index` (SYMTAB or DYNSYM), decoded once. */
  symbolTableAt(index: number): SymbolTable | undefined {
    let t = this.symtabs.get(index);
    if (t === undefined) {
      const s = this.sections[index];
      t = s && (s.type === SHT_SYMTAB || s.type === SHT_DYNSYM) ? this.guard(() => readSymbolTable(this, s), null) : null;
      this.symtabs.set(index, t);
    }
    return t ?? undefined;
  }

  /** `.symtab` (the first SHT_SYMTAB section). */
  symbols(): SymbolTable | undefined {
    const s = this.sections.find((x) => x.type === SHT_SYMTAB);
    return s ? this.symbolTableAt(s.index) : undefined;
  }

  /** `.dynsym` (the first SHT_DYNSYM section). */
  dynamicSymbols(): SymbolTable | undefined {
    const s = this.sections.find((x) => x.type === SHT_DYNSYM);
    return s ? this.symbolTableAt(s.index) : undefined;
  }

  /** All REL/RELA sections. */
  relocationSections(): ElfSection[] {
    return this.sections.filter((s) => s.type === SHT_RELA || s.type === SHT_REL);
  }

  /** The decoded relocations of REL/RELA section `s` (undefined if `s` is not one or is unreadable). */
  relocations(s: ElfSection): RelocationTable | undefined {
    let t = this.relocs.get(s.index);
    if (t === undefined) {
      t = s.type === SHT_RELA || s.type === SHT_REL ? this.guard(() => readRelocationTable(this, s), null) : null;
      this.relocs.set(s.index, t);
    }
    return t ?? undefined;
  }

  /** The relocation sections that apply to section `target` (by sh_info). */
  relocationsFor(target: ElfSection): RelocationTable[] {
    if (!this.relocByTarget) {
      this.relocByTarget = new Map();
      for (const s of this.sections) {
        if ((s.type === SHT_RELA || s.type === SHT_REL) && s.info !== 0) {
          const l = this.relocByTarget.get(s.info);
          if (l) l.push(s);
          else this.relocByTarget.set(s.info, [s]);
        }
      }
    }
    const out: RelocationTable[] = [];
    for (const s of this.relocByTarget.get(target.index) ?? []) {
      const t = this.relocations(s);
      if (t) out.push(t);
    }
    return out;
  }

  // ----------------------------------------------------------------------------------------
  // Kernel module sections (lazy)

  /** `.modinfo` key=value pairs in file order; [] when absent. */
  modinfo(): ModinfoEntry[] {
    return this.cached('modinfo', () => readModinfo(this), []);
  }

  /** `__versions` (symbol, CRC) entries; [] when absent. */
  versions(): ModuleVersion[] {
    return this.cached('versions', () => this.versionTable()?.entries() ?? [], []);
  }

  /** `__versions` checked, its entries decoded only when asked for; undefined when absent. */
  versionTable(): VersionTable | undefined {
    return this.cached('versionTable', () => readVersionTable(this), undefined);
  }

  /** Exports from `__ksymtab*` (linked) and `___ksymtab*+SYM` (object) sections. */
  kernelExports(): KernelExport[] {
    return this.cached('exports', () => readKernelExports(this), []);
  }

  // ----------------------------------------------------------------------------------------
  // Dynamic linking (lazy)

  /** DT_NEEDED etc.; undefined when the file has no dynamic section. */
  dynamic(): DynamicInfo | undefined {
    return this.cached('dynamic', () => readDynamic(this), undefined);
  }

  /** Undefined symbols of `.dynsym`. */
  dynamicImports(): string[] {
    return this.cached('dynimports', () => readDynamicImports(this), []);
  }

  // ----------------------------------------------------------------------------------------
  // Program interpreter

  /** PT_INTERP: the program interpreter (`/lib64/ld-linux-x86-64.so.2`), if any. */
  interpreter(): string | undefined {
    return this.cached('interp', () => {
      const p = this.segments.find((x) => x.type === PT_INTERP);
      if (!p || !p.readable) return undefined;
      return cString(this.data.subarray(p.offset, p.offset + p.filesz), 0);
    }, undefined);
  }
}

/** True when `data` starts with the ELF magic (4 bytes are enough). */
export function isElf(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
}

/**
 * Opens an ELF image held in memory. Throws NotElfError / ElfFormatError / ElfUnsupportedError
 * when nothing can be read; otherwise returns a file whose `warnings` list damaged parts.
 */
export function readElf(path: string, data: Buffer): ElfFile {
  try {
    return new ElfFile(path, data);
  } catch (e) {
    if (e instanceof ElfError) throw e;
    // Not expected (every read is bounds-checked), but nothing foreign may escape.
    throw new ElfFormatError(path, `unreadable ELF headers (internal error: ${e instanceof Error ? e.message : String(e)})`);
  }
}
