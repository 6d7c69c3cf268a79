/**
 * Relocation sections (`.rela.*` SHT_RELA, `.rel.*` SHT_REL), decoded into typed arrays.
 * Entries that cannot be right (symbol index past the symbol table, offset outside the section
 * they patch) are dropped with a warning; the rest of the section is kept.
 * For REL sections of relocatable objects the implicit addend is read from the patched field
 * when the field size of the type is known (`relocationFieldSize`).
 */
import { ET_REL, SHT_DYNSYM, SHT_NOBITS, SHT_RELA, SHT_SYMTAB, relocationFieldSize, relocationTypeName } from './constants';
import { hex } from './errors';
import type { ElfFile, ElfSection } from './file';
import type { SymbolTable } from './symbols';

export interface ElfRelocation {
  /** Index among the kept entries of the table. */
  index: number;
  /** Name of the section the relocation patches (sh_info), '' when none (dynamic relocations). */
  section: string;
  /** r_offset: offset inside the patched section (relocatable files) or a virtual address. */
  offset: number;
  type: number;
  typeName: string;
  symbolIndex: number;
  /** Name of the referenced symbol (a section symbol gives its section's name); '' for none. */
  symbol: string;
  addend: number;
}

const MAX_DETAILED = 10;

export class RelocationTable {
  readonly count: number;
  readonly offset: Float64Array;
  readonly type: Uint32Array;
  readonly sym: Uint32Array;
  readonly addend: Float64Array;
  /** Offset of each kept entry inside the relocation section (for messages). */
  readonly entryOffset: Uint32Array;

  constructor(
    readonly file: ElfFile,
    /** The `.rela.*` / `.rel.*` section itself. */
    readonly section: ElfSection,
    /** The section the relocations patch (sh_info), when there is one. */
    readonly target: ElfSection | undefined,
    /** The symbol table they refer to (sh_link), when there is one. */
    readonly symbols: SymbolTable | undefined,
    readonly isRela: boolean,
    offset: Float64Array,
    type: Uint32Array,
    sym: Uint32Array,
    addend: Float64Array,
    entryOffset: Uint32Array,
  ) {
    this.count = offset.length;
    this.offset = offset;
    this.type = type;
    this.sym = sym;
    this.addend = addend;
    this.entryOffset = entryOffset;
  }

  typeName(i: number): string {
    return relocationTypeName(this.file.header.machine, this.type[i]);
  }

  symbolName(i: number): string {
    const s = this.sym[i];
    return s === 0 || !this.symbols ? '' : this.symbols.displayName(s);
  }

  get(i: number): ElfRelocation {
    return {
      index: i,
      section: this.target ? this.target.name : '',
      offset: this.offset[i],
      type: this.type[i],
      typeName: this.typeName(i),
      symbolIndex: this.sym[i],
      symbol: this.symbolName(i),
      addend: this.addend[i],
    };
  }

  all(): ElfRelocation[] {
    const out: ElfRelocation[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.get(i);
    return out;
  }

  /** Map from r_offset to entry index (the first entry at that offset). */
  byOffset(): Map<number, number> {
    const m = new Map<number, number>();
    for (let i = this.count - 1; i >= 0; i--) m.set(this.offset[i], i);
    return m;
  }
}

export function readRelocationTable(file: ElfFile, s: ElfSection): RelocationTable {
  const data = file.sectionData(s);
  const isRela = s.type === SHT_RELA;
  const is64 = file.is64;
  const ent = is64 ? (isRela ? 24 : 16) : isRela ? 12 : 8;
  const kind = `${isRela ? 'RELA' : 'REL'} entry of ELF${file.header.class}`;
  if (s.entsize !== ent) {
    file.warn(`sh_entsize ${hex(s.entsize)} is not the size of a ${kind} (${hex(ent)}); reading ${hex(ent)}-byte entries`, s, 0);
  }
  const raw = Math.floor(data.length / ent);
  if (data.length % ent !== 0) {
    file.warn(`entry at offset ${hex(raw * ent)} lies past the end of the section (size ${hex(data.length)})`, s, raw * ent);
  }

  // Symbol table (sh_link)
  let symbols: SymbolTable | undefined;
  if (s.link !== 0) {
    const l = file.sections[s.link];
    if (!l || (l.type !== SHT_SYMTAB && l.type !== SHT_DYNSYM)) {
      file.warn(`linked symbol table section ${s.link} ${l ? `(${l.name}) is not a symbol table` : 'does not exist'}`, s);
    } else {
      symbols = file.symbolTableAt(l.index);
    }
  }
  const nsyms = symbols ? symbols.count : 0;

  // Patched section (sh_info)
  const isRel = file.header.type === ET_REL;
  let target: ElfSection | undefined;
  if (s.info !== 0) {
    target = file.sections[s.info];
    if (!target) file.warn(`patched section index ${s.info} (sh_info) is out of range (${file.sections.length} sections)`, s);
  }
  let targetData: Buffer | undefined;
  if (target && isRel && !isRela && target.type !== SHT_NOBITS && target.readable) {
    targetData = file.sectionData(target);
  }
  const checkBounds = isRel && target !== undefined;
  const targetSize = target ? target.size : 0;

  const machine = file.header.machine;
  const offset = new Float64Array(raw);
  const type = new Uint32Array(raw);
  const sym = new Uint32Array(raw);
  const addend = new Float64Array(raw);
  const entryOffset = new Uint32Array(raw);
  const v = file.view;
  const le = file.le;
  const base = s.offset;
  let n = 0;
  let badSym = 0;
  let badOff = 0;
  for (let i = 0; i < raw; i++) {
    const o = base + i * ent;
    let r: number;
    let t: number;
    let x: number;
    let a = 0;
    if (is64) {
      r = v.i64(o);
      if (le) {
        t = v.u32(o + 8);
        x = v.u32(o + 12);
      } else {
        x = v.u32(o + 8);
        t = v.u32(o + 12);
      }
      if (isRela) a = v.i64(o + 16);
    } else {
      r = v.u32(o);
      const info = v.u32(o + 4);
      x = info >>> 8;
      t = info & 0xff;
      if (isRela) a = v.i32(o + 8);
    }
    if (x !== 0 && x >= nsyms) {
      if (badSym++ < MAX_DETAILED) {
        file.warn(
          `relocation at offset ${hex(i * ent)}: symbol index ${x} is out of range (${symbols ? `section ${symbols.section.index} (${symbols.section.name}) has ${nsyms} symbols` : 'no symbol table'})`,
          s, i * ent,
        );
      }
      continue;
    }
    if (checkBounds) {
      const fs = relocationFieldSize(machine, t) || 1;
      if (r < 0 || r + fs > targetSize) {
        if (badOff++ < MAX_DETAILED) {
          file.warn(
            `relocation at offset ${hex(i * ent)}: patched offset ${hex(r)} (${relocationTypeName(machine, t)}, ${fs} byte${fs === 1 ? '' : 's'}) lies outside section ${target!.index} (${target!.name}) (size ${hex(targetSize)})`,
            s, i * ent,
          );
        }
        continue;
      }
      if (targetData) {
        const f = relocationFieldSize(machine, t);
        if (f === 4) a = le ? targetData.readInt32LE(r) : targetData.readInt32BE(r);
        else if (f === 8) a = le ? Number(targetData.readBigInt64LE(r)) : Number(targetData.readBigInt64BE(r));
        else if (f === 2) a = le ? targetData.readInt16LE(r) : targetData.readInt16BE(r);
        else if (f === 1) a = targetData.readInt8(r);
      }
    }
    offset[n] = r;
    type[n] = t;
    sym[n] = x;
    addend[n] = a;
    entryOffset[n] = i * ent;
    n++;
  }
  if (badSym > MAX_DETAILED) file.warn(`${badSym - MAX_DETAILED} more relocations refer to symbols that do not exist`, s);
  if (badOff > MAX_DETAILED) file.warn(`${badOff - MAX_DETAILED} more relocations patch offsets outside section ${target!.index} (${target!.name})`, s);
  const trim = n < raw;
  return new RelocationTable(
    file, s, target, symbols, isRela,
    trim ? offset.slice(0, n) : offset,
    trim ? type.slice(0, n) : type,
    trim ? sym.slice(0, n) : sym,
    trim ? addend.slice(0, n) : addend,
    trim ? entryOffset.slice(0, n) : entryOffset,
  );
}
