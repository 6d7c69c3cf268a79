/**
 * Symbol tables (SHT_SYMTAB `.symtab`, SHT_DYNSYM `.dynsym`), decoded into typed arrays in one
 * pass; names are cut from the string table on first use. `get(i)` / `all()` build objects for
 * callers that want them.
 */
import {
  SHN_ABS, SHN_COMMON, SHN_LORESERVE, SHN_UNDEF, SHN_XINDEX, SHT_STRTAB, SHT_SYMTAB_SHNDX, STT_FUNC,
  STT_SECTION, SymbolBinding, SymbolType, SymbolVisibility, bindingName, symbolTypeName, visibilityName,
} from './constants';
import { hex } from './errors';
import type { ElfFile, ElfSection } from './file';
import { cString } from './view';

export interface ElfSymbol {
  index: number;
  name: string;
  value: number;
  size: number;
  binding: SymbolBinding;
  type: SymbolType;
  visibility: SymbolVisibility;
  /** st_shndx, resolved through SHT_SYMTAB_SHNDX for extended indexes. */
  sectionIndex: number;
  /** Name of the section it is defined in; `UND`, `ABS`, `COMMON` for the special indexes. */
  sectionName: string;
  defined: boolean;
}

const BAD_NAME = 0xffffffff;
const MAX_DETAILED = 10;

export class SymbolTable {
  readonly count: number;
  readonly nameOffset: Uint32Array;
  readonly value: Float64Array;
  readonly size: Float64Array;
  /** st_info: binding << 4 | type. */
  readonly info: Uint8Array;
  /** st_other: visibility in the low 2 bits. */
  readonly other: Uint8Array;
  readonly shndx: Uint32Array;
  private readonly names: (string | undefined)[];
  private byName: Map<string, number> | undefined;

  constructor(
    readonly file: ElfFile,
    readonly section: ElfSection,
    readonly strings: Buffer,
    count: number,
  ) {
    this.count = count;
    this.nameOffset = new Uint32Array(count);
    this.value = new Float64Array(count);
    this.size = new Float64Array(count);
    this.info = new Uint8Array(count);
    this.other = new Uint8Array(count);
    this.shndx = new Uint32Array(count);
    this.names = new Array(count);
  }

  name(i: number): string {
    let n = this.names[i];
    if (n === undefined) {
      const off = this.nameOffset[i];
      n = off === 0 || off === BAD_NAME ? '' : cString(this.strings, off);
      this.names[i] = n;
    }
    return n;
  }

  binding(i: number): number {
    return this.info[i] >> 4;
  }

  type(i: number): number {
    return this.info[i] & 15;
  }

  isDefined(i: number): boolean {
    return this.shndx[i] !== SHN_UNDEF;
  }

  isFunction(i: number): boolean {
    return (this.info[i] & 15) === STT_FUNC;
  }

  isSection(i: number): boolean {
    return (this.info[i] & 15) === STT_SECTION;
  }

  /** Section name (or UND/ABS/COMMON) of symbol `i`. */
  sectionName(i: number): string {
    const x = this.shndx[i];
    if (x === SHN_UNDEF) return 'UND';
    if (x === SHN_ABS) return 'ABS';
    if (x === SHN_COMMON) return 'COMMON';
    const s = this.file.sections[x];
    return s ? s.name : x >= SHN_LORESERVE && x < 0x10000 ? `0x${x.toString(16)}` : `<bad section ${x}>`;
  }

  /** For a section symbol, the section's name (its own name is empty); otherwise `name(i)`. */
  displayName(i: number): string {
    if ((this.info[i] & 15) === STT_SECTION) {
      const s = this.file.sections[this.shndx[i]];
      if (s) return s.name;
    }
    return this.name(i);
  }

  get(i: number): ElfSymbol {
    const x = this.shndx[i];
    return {
      index: i,
      name: this.name(i),
      value: this.value[i],
      size: this.size[i],
      binding: bindingName(this.info[i] >> 4),
      type: symbolTypeName(this.info[i] & 15),
      visibility: visibilityName(this.other[i]),
      sectionIndex: x,
      sectionName: this.sectionName(i),
      defined: x !== SHN_UNDEF,
    };
  }

  /** Every symbol, index 0 (the null symbol) included, as objects. */
  all(): ElfSymbol[] {
    const out: ElfSymbol[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.get(i);
    return out;
  }

  /** Index of the first symbol called `name` (-1 if none). */
  indexOf(name: string): number {
    if (!this.byName) {
      const m = new Map<string, number>();
      for (let i = this.count - 1; i > 0; i--) {
        const n = this.name(i);
        if (n) m.set(n, i);
      }
      this.byName = m;
    }
    return this.byName.get(name) ?? -1;
  }
}

/** Decodes symbol table section `s`. Throws ElfFormatError when it cannot be read at all. */
export function readSymbolTable(file: ElfFile, s: ElfSection): SymbolTable {
  const data = file.sectionData(s);
  const ent = file.is64 ? 24 : 16;
  if (s.entsize !== ent) {
    file.warn(`sh_entsize ${hex(s.entsize)} is not the size of an ELF${file.header.class} symbol (${hex(ent)}); reading ${hex(ent)}-byte entries`, s, 0);
  }
  let count = Math.floor(data.length / ent);
  if (data.length % ent !== 0) {
    file.warn(`entry at offset ${hex(count * ent)} lies past the end of the section (size ${hex(data.length)})`, s, count * ent);
  }

  // String table
  let strings: Buffer = Buffer.alloc(0);
  const strSec = file.sections[s.link];
  if (!strSec || strSec.type !== SHT_STRTAB) {
    file.warn(`linked string table section ${s.link} ${strSec ? `(${strSec.name}) is not a string table` : 'does not exist'}; symbols are unnamed`, s);
  } else {
    strings = file.guard(() => file.sectionData(strSec), strings);
  }

  // Extended section indexes
  let xindex: Buffer | undefined;
  const shndxSec = file.sections.find((x) => x.type === SHT_SYMTAB_SHNDX && x.link === s.index);
  if (shndxSec) xindex = file.guard(() => file.sectionData(shndxSec), undefined);

  const t = new SymbolTable(file, s, strings, count);
  const v = file.view;
  const base = s.offset;
  const strLen = strings.length;
  const nsec = file.sections.length;
  const { nameOffset, value, size, info, other, shndx } = t;
  let badNames = 0;
  let badSections = 0;
  for (let i = 0; i < count; i++) {
    const o = base + i * ent;
    let no: number;
    let x: number;
    if (ent === 24) {
      no = v.u32(o);
      info[i] = v.u8(o + 4);
      other[i] = v.u8(o + 5);
      x = v.u16(o + 6);
      value[i] = v.i64(o + 8);
      size[i] = v.u64(o + 16);
    } else {
      no = v.u32(o);
      value[i] = v.u32(o + 4);
      size[i] = v.u32(o + 8);
      info[i] = v.u8(o + 12);
      other[i] = v.u8(o + 13);
      x = v.u16(o + 14);
    }
    if (no !== 0 && no >= strLen) {
      if (strLen > 0 && badNames++ < MAX_DETAILED) {
        file.warn(`symbol ${i}: name offset ${hex(no)} lies past the end of string table section ${strSec!.index} (${strSec!.name}) (size ${hex(strLen)})`, s, i * ent);
      }
      no = BAD_NAME;
    }
    nameOffset[i] = no;
    if (x === SHN_XINDEX) {
      x = xindex && (i + 1) * 4 <= xindex.length ? (file.le ? xindex.readUInt32LE(i * 4) : xindex.readUInt32BE(i * 4)) : SHN_XINDEX;
    }
    if (x !== SHN_UNDEF && x >= nsec && (x < SHN_LORESERVE || x === SHN_XINDEX)) {
      if (badSections++ < MAX_DETAILED) {
        file.warn(`symbol ${i} (${no === BAD_NAME ? '?' : cString(strings, no)}): section index ${x} is out of range (${nsec} sections)`, s, i * ent);
      }
    }
    shndx[i] = x;
  }
  if (badNames > MAX_DETAILED) file.warn(`${badNames - MAX_DETAILED} more symbols have name offsets past the end of their string table`, s);
  if (badSections > MAX_DETAILED) file.warn(`${badSections - MAX_DETAILED} more symbols have out-of-range section indexes`, s);
  return t;
}
