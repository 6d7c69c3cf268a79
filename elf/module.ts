/**
 * Linux kernel module sections: `.modinfo`, `__versions` and the export tables.
 *
 * Export layouts (Linux 5.4 - 6.4, include/linux/export.h):
 * - In a compiled `.o`: one section per export, `___ksymtab+SYM` or `___ksymtab_gpl+SYM`, holding
 *   one `struct kernel_symbol` whose three fields point (through relocations) at SYM,
 *   `__kstrtab_SYM` and `__kstrtabns_SYM`, the latter two strings in `__ksymtab_strings`.
 * - In a linked `.ko` (or vmlinux.o): the same entries merged into `__ksymtab` / `__ksymtab_gpl`,
 *   resolved through `.rela__ksymtab` / `.rela__ksymtab_gpl`; CRCs in `__kcrctab[_gpl]`.
 * With CONFIG_HAVE_ARCH_PREL32_RELOCATIONS (x86-64, arm64, powerpc64...) the fields are 32-bit
 * place-relative offsets (12-byte entries); otherwise pointers (3 x pointer size).
 * Linux 6.5+ objects carry `.export_symbol` instead (entries `__export_symbol_SYM:` .asciz
 * licence ("GPL" or ""), .asciz namespace, aligned pointer to SYM); modpost turns them into the
 * same merged tables in the `.ko`. A namespace `module:a,b` (EXPORT_SYMBOL_GPL_FOR_MODULES, 6.16)
 * is reported as `forModules`.
 * This module knows nothing of licences: `gplOnly` only says which table an export is in.
 */
import { EM_AARCH64, EM_PPC64, EM_X86_64, ET_REL, SHT_NOBITS } from './constants';
import { ElfFormatError, hex } from './errors';
import type { ElfFile, ElfSection } from './file';
import type { RelocationTable } from './relocations';
import { cString } from './view';

export interface ModinfoEntry {
  key: string;
  value: string;
}

export interface ModuleVersion {
  symbol: string;
  crc: number;
}

export interface KernelExport {
  /** The exported name (from `__ksymtab_strings`, or the section name `___ksymtab+SYM`). */
  symbol: string;
  /** In `__ksymtab_gpl` / `___ksymtab_gpl+SYM` (EXPORT_SYMBOL_GPL / _NS_GPL). */
  gplOnly: boolean;
  /** The namespace (EXPORT_SYMBOL_NS*); '' when none. */
  namespace: string;
  /** Section holding the `struct kernel_symbol` entry, and the entry's offset in it. */
  section: string;
  sectionIndex: number;
  offset: number;
  /** Merged `__ksymtab*` of a linked module, or per-symbol `___ksymtab*+SYM` sections of an object. */
  layout: 'merged' | 'per-symbol' | 'export_symbol';
  /** `EXPORT_SYMBOL_GPL_FOR_MODULES`: the modules allowed to use it (namespace `module:...`). */
  forModules?: string[];
  /** From `__kcrctab[_gpl]` when the module carries one entry per export. */
  crc?: number;
}

// --------------------------------------------------------------------------------------------
// .modinfo

/** `.modinfo` key=value strings in file order (NUL padding skipped). */
export function readModinfo(file: ElfFile): ModinfoEntry[] {
  const s = file.section('.modinfo');
  if (!s || s.type === SHT_NOBITS) return [];
  const data = file.sectionData(s);
  const out: ModinfoEntry[] = [];
  let pos = 0;
  while (pos < data.length) {
    let end = data.indexOf(0, pos);
    if (end < 0) {
      file.warn(`string at offset ${hex(pos)} is not NUL-terminated`, s, pos);
      end = data.length;
    }
    if (end > pos) {
      const str = data.toString('utf8', pos, end);
      const eq = str.indexOf('=');
      if (eq <= 0) {
        file.warn(`string at offset ${hex(pos)} is not key=value: ${JSON.stringify(str.length > 80 ? str.slice(0, 80) + '...' : str)}`, s, pos);
      } else {
        out.push({ key: str.slice(0, eq), value: str.slice(eq + 1) });
      }
    }
    pos = end + 1;
  }
  return out;
}

// --------------------------------------------------------------------------------------------
// __versions

/**
 * `__versions` checked but not decoded: a copy of its bytes, entries made when asked for. A
 * scan of a distribution's modules has some 190,000 entries and reads none of them; decoding
 * them all into objects that live until the end of the scan cost about a tenth of it.
 */
export class VersionTable {
  constructor(
    private readonly data: Buffer,
    private readonly wordBytes: 4 | 8,
    private readonly le: boolean,
  ) {}

  /** The entries, in section order; empty slots and names without a NUL are left out. */
  entries(): ModuleVersion[] {
    const { data, wordBytes: w, le } = this;
    const out: ModuleVersion[] = [];
    for (let o = 0; o + VERSION_ENTRY <= data.length; o += VERSION_ENTRY) {
      const nul = nameEnd(data, o + w, o + VERSION_ENTRY);
      if (nul < 0 || nul === o + w) continue; // malformed (warned when read) or empty
      const crc = w === 8 ? (le ? data.readUInt32LE(o) : data.readUInt32BE(o + 4)) : le ? data.readUInt32LE(o) : data.readUInt32BE(o);
      out.push({ symbol: data.toString('latin1', o + w, nul), crc });
    }
    return out;
  }
}

/** `struct modversion_info { unsigned long crc; char name[64 - sizeof(long)]; }` */
const VERSION_ENTRY = 64;

/** The first NUL in [from, to), or -1. */
function nameEnd(data: Buffer, from: number, to: number): number {
  for (let i = from; i < to; i++) if (data[i] === 0) return i;
  return -1;
}

/** `__versions`, checked (problems become warnings of `file`), or undefined when absent. */
export function readVersionTable(file: ElfFile): VersionTable | undefined {
  const s = file.section('__versions');
  if (!s || s.type === SHT_NOBITS) return undefined;
  const data = file.sectionData(s);
  const w = file.is64 ? 8 : 4;
  const count = Math.floor(data.length / VERSION_ENTRY);
  if (data.length % VERSION_ENTRY !== 0) {
    file.warn(`entry at offset ${hex(count * VERSION_ENTRY)} lies past the end of the section (size ${hex(data.length)})`, s, count * VERSION_ENTRY);
  }
  for (let o = 0; o < count * VERSION_ENTRY; o += VERSION_ENTRY) {
    if (nameEnd(data, o + w, o + VERSION_ENTRY) < 0) file.warn(`entry at offset ${hex(o)}: name is not NUL-terminated within ${VERSION_ENTRY - w} bytes`, s, o);
  }
  // a copy: the file's bytes may be a buffer the caller reuses
  return new VersionTable(Buffer.from(data.subarray(0, count * VERSION_ENTRY)), w, file.le);
}

// --------------------------------------------------------------------------------------------
// Exports

interface Target {
  section: ElfSection;
  offset: number;
}

/** Where relocation `i` of `t` points: symbol value + addend, as (section, offset). */
function relocTarget(file: ElfFile, t: RelocationTable, i: number): Target | undefined {
  const st = t.symbols;
  const x = t.sym[i];
  if (!st || x === 0) return undefined;
  const sec = file.sections[st.shndx[x]];
  if (!sec || st.shndx[x] === 0) return undefined;
  let off = st.value[x] + t.addend[i];
  if (file.header.type !== ET_REL) off -= sec.addr;
  return { section: sec, offset: off };
}

/** Where a field of a fully linked table points, from its contents (no relocations). */
function contentTarget(file: ElfFile, sec: ElfSection, data: Buffer, off: number, w: number, prel: boolean): Target | undefined {
  if (off + w > data.length) return undefined;
  let addr: number;
  if (prel) addr = sec.addr + off + (file.le ? data.readInt32LE(off) : data.readInt32BE(off));
  else if (w === 8) addr = Number(file.le ? data.readBigInt64LE(off) : data.readBigInt64BE(off));
  else addr = file.le ? data.readUInt32LE(off) : data.readUInt32BE(off);
  const s = file.sectionForAddress(addr);
  return s ? { section: s, offset: addr - s.addr } : undefined;
}

/** Machines whose kernels build export tables from 32-bit relative offsets. */
function prel32Machine(file: ElfFile): boolean {
  const m = file.header.machine;
  return m === EM_X86_64 || m === EM_AARCH64 || m === EM_PPC64;
}

class TableReader {
  readonly data: Buffer;
  readonly relocs: Map<number, number>[] = [];
  readonly tables: RelocationTable[];
  constructor(
    readonly file: ElfFile,
    readonly sec: ElfSection,
  ) {
    this.data = file.sectionData(sec);
    this.tables = file.relocationsFor(sec);
    for (const t of this.tables) this.relocs.push(t.byOffset());
  }

  hasRelocations(): boolean {
    return this.tables.some((t) => t.count > 0);
  }

  /** Whether any relocation patches an offset that is 4 mod 8 (so fields are 32-bit). */
  has32BitFieldOffsets(): boolean {
    for (const t of this.tables) for (let i = 0; i < t.count; i++) if (t.offset[i] % 8 === 4) return true;
    return false;
  }

  relocAt(off: number): { t: RelocationTable; i: number } | undefined {
    for (let k = 0; k < this.tables.length; k++) {
      const i = this.relocs[k].get(off);
      if (i !== undefined) return { t: this.tables[k], i };
    }
    return undefined;
  }

  target(off: number, w: number, prel: boolean): Target | undefined {
    const r = this.relocAt(off);
    if (r) return relocTarget(this.file, r.t, r.i);
    if (this.hasRelocations() || this.file.header.type === ET_REL) return undefined;
    return contentTarget(this.file, this.sec, this.data, off, w, prel);
  }

  /** Name of the symbol the relocation at `off` refers to ('' if none). */
  symbolAt(off: number): string {
    const r = this.relocAt(off);
    if (!r || !r.t.symbols) return '';
    const x = r.t.sym[r.i];
    return x === 0 || r.t.symbols.isSection(x) ? '' : r.t.symbols.name(x);
  }

  /** The NUL-terminated string a field points at; throws ElfFormatError when it cannot. */
  string(off: number, w: number, prel: boolean, what: string): string | undefined {
    const tg = this.target(off, w, prel);
    if (!tg) return undefined;
    return this.file.stringAt(tg.section, tg.offset, what, { section: this.sec, offset: off });
  }
}

function readCrcs(file: ElfFile, name: string, count: number): Buffer | undefined {
  const s = file.section(name);
  if (!s || s.type === SHT_NOBITS || !s.readable || s.size !== count * 4) return undefined;
  return file.sectionData(s);
}

function mergedExports(file: ElfFile, sec: ElfSection, gplOnly: boolean, out: KernelExport[]): void {
  const r = new TableReader(file, sec);
  let prel: boolean;
  if (!file.is64) prel = false;
  else if (r.hasRelocations()) prel = r.has32BitFieldOffsets() || sec.size % 24 !== 0;
  else prel = prel32Machine(file);
  const w = prel ? 4 : file.is64 ? 8 : 4;
  const ent = 3 * w;
  const count = Math.floor(r.data.length / ent);
  if (r.data.length % ent !== 0) {
    file.warn(`entry at offset ${hex(count * ent)} lies past the end of the section (size ${hex(r.data.length)})`, sec, count * ent);
  }
  const crcs = readCrcs(file, gplOnly ? '__kcrctab_gpl' : '__kcrctab', count);
  for (let i = 0; i < count; i++) {
    const o = i * ent;
    file.guard(() => {
      // The name string is what the loader matches; the value's symbol is the fallback.
      let name = file.guard(() => r.string(o + w, w, prel, `entry at offset ${hex(o)}: name`), undefined);
      if (name === undefined || name === '') {
        name = r.symbolAt(o);
        if (!name) {
          file.warn(`entry at offset ${hex(o)}: the exported name cannot be resolved (no relocation to a string or symbol)`, sec, o);
          return;
        }
      }
      const ns = file.guard(() => r.string(o + 2 * w, w, prel, `entry at offset ${hex(o)}: namespace`), undefined) ?? '';
      const e = withNamespace({ symbol: name, gplOnly, namespace: ns, section: sec.name, sectionIndex: sec.index, offset: o, layout: 'merged' });
      if (crcs) e.crc = file.le ? crcs.readUInt32LE(i * 4) : crcs.readUInt32BE(i * 4);
      out.push(e);
    }, undefined);
  }
}

function perSymbolExport(file: ElfFile, sec: ElfSection, symbol: string, gplOnly: boolean, out: KernelExport[]): void {
  const r = new TableReader(file, sec);
  const size = r.data.length;
  // 3 fields (value, name, namespace); 32-bit offsets or pointers.
  const w = file.is64 && size >= 16 && !r.has32BitFieldOffsets() ? 8 : 4;
  const prel = w === 4 && file.is64;
  let namespace = '';
  if (size >= 3 * w) {
    let ns: string | undefined;
    try {
      ns = r.string(2 * w, w, prel, 'namespace');
    } catch (e) {
      if (!(e instanceof ElfFormatError)) throw e;
      file.addWarning(e);
      ns = undefined;
    }
    if (ns === undefined) {
      // No usable relocation: the assembler's label for the namespace string.
      ns = nsFromLabel(file, symbol);
      if (ns === undefined) file.warn(`the namespace field at offset ${hex(2 * w)} cannot be resolved`, sec, 2 * w);
    }
    namespace = ns ?? '';
  } else if (size < 2 * w) {
    file.warn(`size ${hex(size)} is too small for a struct kernel_symbol (${hex(3 * w)})`, sec, 0);
  }
  out.push(withNamespace({ symbol, gplOnly, namespace, section: sec.name, sectionIndex: sec.index, offset: 0, layout: 'per-symbol' }));
}

function nsFromLabel(file: ElfFile, symbol: string): string | undefined {
  const st = file.symbols();
  if (!st) return undefined;
  const i = st.indexOf(`__kstrtabns_${symbol}`);
  if (i < 0) return undefined;
  const sec = file.sections[st.shndx[i]];
  if (!sec || !sec.readable || sec.type === SHT_NOBITS) return undefined;
  const data = file.sectionData(sec);
  const off = file.header.type === ET_REL ? st.value[i] : st.value[i] - sec.addr;
  if (off < 0 || off >= data.length) return undefined;
  return cString(data, off);
}

/** Every export of the file: merged tables of a linked module and per-symbol sections of an object. */
/** Linux 6.5+ `.export_symbol` of an object file. */
function exportSymbolSection(file: ElfFile, sec: ElfSection, out: KernelExport[]): void {
  const data = file.sectionData(sec);
  const w = file.is64 ? 8 : 4;
  const relocs = file.relocationsFor(sec).map((t) => ({ t, m: t.byOffset() }));
  // Entry labels `__export_symbol_SYM` by offset.
  const labels = new Map<number, string>();
  const st = file.symbols();
  if (st) {
    for (let i = 1; i < st.count; i++) {
      if (st.shndx[i] !== sec.index) continue;
      const n = st.name(i);
      if (n.startsWith('__export_symbol_')) labels.set(file.header.type === ET_REL ? st.value[i] : st.value[i] - sec.addr, n.slice(16));
    }
  }
  let pos = 0;
  while (pos < data.length) {
    const start = pos;
    const licEnd = data.indexOf(0, pos);
    const nsEnd = licEnd < 0 ? -1 : data.indexOf(0, licEnd + 1);
    if (nsEnd < 0) {
      file.warn(`entry at offset ${hex(start)}: licence and namespace strings are not NUL-terminated`, sec, start);
      return;
    }
    const licence = data.toString('latin1', pos, licEnd);
    const ns = data.toString('latin1', licEnd + 1, nsEnd);
    const ref = Math.ceil((nsEnd + 1) / w) * w;
    if (ref + w > data.length) {
      file.warn(`entry at offset ${hex(start)} lies past the end of the section (size ${hex(data.length)})`, sec, start);
      return;
    }
    pos = ref + w;
    let symbol = labels.get(start);
    if (symbol === undefined) {
      for (const { t, m } of relocs) {
        const i = m.get(ref);
        if (i !== undefined && t.symbols && t.sym[i] !== 0 && !t.symbols.isSection(t.sym[i])) symbol = t.symbols.name(t.sym[i]);
      }
    }
    if (!symbol) {
      file.warn(`entry at offset ${hex(start)}: no __export_symbol_ label and no relocation names the exported symbol`, sec, start);
      continue;
    }
    if (licence !== '' && licence !== 'GPL') file.warn(`entry at offset ${hex(start)} (${symbol}): unknown licence marker ${JSON.stringify(licence)}`, sec, start);
    out.push(withNamespace({ symbol, gplOnly: licence === 'GPL', namespace: ns, section: sec.name, sectionIndex: sec.index, offset: start, layout: 'export_symbol' }));
  }
}

/** Splits an EXPORT_SYMBOL_*_FOR_MODULES `module:a,b` namespace into `forModules`. */
function withNamespace(e: KernelExport): KernelExport {
  if (e.namespace.startsWith('module:')) {
    e.forModules = e.namespace.slice(7).split(',').filter((m) => m);
    e.namespace = '';
  }
  return e;
}

export function readKernelExports(file: ElfFile): KernelExport[] {
  const out: KernelExport[] = [];
  for (const s of file.sections) {
    const n = s.name;
    if (n === '.export_symbol') {
      file.guard(() => exportSymbolSection(file, s, out), undefined);
    } else if (n === '__ksymtab' || n === '__ksymtab_gpl') {
      file.guard(() => mergedExports(file, s, n === '__ksymtab_gpl', out), undefined);
    } else if (n.startsWith('___ksymtab')) {
      const plus = n.indexOf('+');
      if (plus < 0) continue;
      const kind = n.slice(0, plus);
      if (kind !== '___ksymtab' && kind !== '___ksymtab_gpl') continue;
      const sym = n.slice(plus + 1);
      file.guard(() => perSymbolExport(file, s, sym, kind === '___ksymtab_gpl', out), undefined);
    }
  }
  return out;
}
