/**
 * ELF analyser: one object, module, executable or shared object in, ElfFileFacts out.
 * Records raw names only (what is imported, exported, which function references what);
 * linking against a kernel's exports and judging happen later in the pipeline.
 *
 * Throws an ElfError (from elf/) only when nothing of the file can be read; damaged parts of an
 * otherwise readable file become `warnings`.
 */
import { createHash } from 'crypto';
import type { ElfFileFacts, ElfFunction, ElfImport, ElfInternalRef, ExportFact, ReferenceSite } from '../facts';
import { ElfFile, ElfSection, RelocationTable, SymbolTable, VersionTable, isElf as isElfMagic, readElf } from '../../elf';
import {
  ET_DYN, ET_EXEC, ET_REL, PT_DYNAMIC, SHF_ALLOC, SHF_EXECINSTR, SHN_LORESERVE, SHN_UNDEF, SHT_DYNAMIC,
  STB_LOCAL, STT_FUNC, STT_NOTYPE, STT_SECTION, isCallRelocation, isX86PcRelative32, EM_386, EM_X86_64,
} from '../../elf/constants';

export interface AnalyzeElfOptions {
  /** Compute `hash` (sha256 of the bytes). Off by default: the pipeline may hash files itself. */
  hash?: boolean;
  /** Record `internalRefs` (default true). */
  internalRefs?: boolean;
  /**
   * Collect reference sites (every relocation that names an import, with its function) and
   * `internalRefs`: true (the default), false, or a choice made per file once its licence tags
   * and kind are known. Without them only the symbol tables are read: imports carry no sites
   * and the facts say `sitesOmitted`. Reading relocations is most of what analysing a module
   * costs; the pipeline decides which files need them.
   */
  sites?: boolean | ((file: { licenses: readonly string[]; unitKind: ElfFileFacts['unitKind'] }) => boolean);
}

/** True when the bytes start with the ELF magic (4 bytes suffice). */
export function isElf(data: Uint8Array): boolean {
  return isElfMagic(data);
}

/** Functions of one section, sorted by start, for "which function holds this offset". */
class FunctionIndex {
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  readonly names: string[];
  constructor(entries: FunctionEntry[], sectionEnd: number) {
    entries.sort((a, b) => a.start - b.start);
    // One entry per start address. Of aliases the first in the symbol table wins: locals come
    // first there, so `toy_init` is preferred over its `init_module` alias, as in the source.
    const kept = entries.filter((e, i) => i === 0 || e.start !== entries[i - 1].start);
    const n = kept.length;
    this.starts = new Float64Array(n);
    this.ends = new Float64Array(n);
    this.names = new Array(n);
    for (let i = 0; i < n; i++) {
      const e = kept[i];
      this.starts[i] = e.start;
      // A size-0 function (assembly without .size) reaches to the next function.
      this.ends[i] = e.end > e.start ? e.end : i + 1 < n ? kept[i + 1].start : sectionEnd;
      this.names[i] = e.name;
    }
  }

  /** Name of the function containing `off`, or undefined. */
  find(off: number): string | undefined {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    if (hi < 0 || off < s[0]) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    return off < this.ends[lo] ? this.names[lo] : undefined;
  }
}

/** Is the relocation at `off` of code section `code` a call (or tail call)? */
function isCall(machine: number, type: number, code: Buffer | undefined, off: number): boolean {
  if (isCallRelocation(machine, type)) return true;
  // x86 PC32 against a local symbol: a call if the field is the operand of call/jmp/jcc rel32.
  if ((machine === EM_X86_64 || machine === EM_386) && type === 2 && code && off >= 1 && off <= code.length) {
    const op = code[off - 1];
    if (op === 0xe8 || op === 0xe9) return true;
    if (op >= 0x80 && op <= 0x8f && off >= 2 && code[off - 2] === 0x0f) return true;
  }
  return false;
}

export function analyzeElf(path: string, data: Buffer, options: AnalyzeElfOptions = {}): ElfFileFacts {
  const f = readElf(path, data);
  const h = f.header;
  const isRel = h.type === ET_REL;

  // ---- module sections
  const modinfo = f.modinfo();
  const licenses: string[] = [];
  const importNs: string[] = [];
  const depends: string[] = [];
  let moduleName: string | undefined;
  let vermagic: string | undefined;
  let description: string | undefined;
  for (const { key, value } of modinfo) {
    switch (key) {
      case 'license': licenses.push(value); break;
      case 'import_ns': importNs.push(value); break;
      case 'depends': for (const d of value.split(',')) if (d) depends.push(d); break;
      case 'name': moduleName ??= value; break;
      case 'vermagic': vermagic ??= value; break;
      case 'description': description ??= value; break;
    }
  }
  const versions = f.versionTable(); // decoded when the facts' `versions` are read (elfFacts)
  const exports: ExportFact[] = f.kernelExports().map((e) => {
    const x: ExportFact = { symbol: e.symbol, type: e.gplOnly ? 'gpl' : 'plain', location: { path, section: e.section, offset: e.offset } };
    if (e.namespace) x.namespace = e.namespace;
    if (e.forModules) x.forModules = e.forModules;
    return x;
  });

  // ---- symbols, functions, imports, references
  const st = f.symbols() ?? f.dynamicSymbols();
  const functions: ElfFunction[] = [];
  const imports: ElfImport[] = [];
  const internalRefs: ElfInternalRef[] = [];
  /** The section index of each of `functions`. */
  const sectionOf: number[] = [];
  // guard: a damaged part becomes a warning; nothing but an ElfError leaves analyzeElf.
  if (st) f.guard(() => collectFunctions(f, st, functions, sectionOf), undefined);

  // ---- kind of unit
  const hasDynamic = f.sections.some((s) => s.type === SHT_DYNAMIC) || f.segments.some((p) => p.type === PT_DYNAMIC);
  const interpreter = f.interpreter();
  let unitKind: ElfFileFacts['unitKind'];
  if (f.section('.modinfo') || f.section('.gnu.linkonce.this_module')) unitKind = 'kernel-module';
  else if (isRel) unitKind = 'object';
  else if ((h.type === ET_EXEC || h.type === ET_DYN) && (hasDynamic || interpreter !== undefined || functions.some((fn) => fn.name === 'main' && fn.global))) unitKind = 'userspace';
  else unitKind = 'object';

  const wantSites = typeof options.sites === 'function' ? options.sites({ licenses, unitKind }) : options.sites !== false;
  // "Which function holds this offset" is asked of reference sites only.
  const indexes = new Map<number, FunctionIndex>();
  if (wantSites) {
    const perSection = new Map<number, FunctionEntry[]>();
    for (let i = 0; i < functions.length; i++) {
      const fn = functions[i];
      let list = perSection.get(sectionOf[i]);
      if (!list) perSection.set(sectionOf[i], (list = []));
      list.push({ start: fn.offset, end: fn.offset + fn.size, name: fn.name });
    }
    for (const [x, list] of perSection) indexes.set(x, new FunctionIndex(list, f.sections[x].size));
  }
  if (st) {
    // A linked image imports what its .dynsym leaves undefined (its .symtab may carry
    // `name@VERSION` spellings of the same symbols); an object imports from its .symtab.
    const importTable = isRel ? st : f.dynamicSymbols() ?? st;
    f.guard(() => collectReferences(f, importTable, path, imports, internalRefs, indexes, wantSites, options.internalRefs !== false), undefined);
  }

  const facts = elfFacts(path, unitKind, { class: h.class, endian: h.endian, type: h.typeName, machine: h.machineName }, modinfo, licenses, importNs, depends, versions, exports, imports, functions, internalRefs);
  if (!wantSites) facts.sitesOmitted = true;
  if (options.hash) facts.hash = createHash('sha256').update(data).digest('hex');
  if (moduleName !== undefined) facts.moduleName = moduleName;
  if (vermagic !== undefined) facts.vermagic = vermagic;
  if (description !== undefined) facts.description = description;
  if (unitKind === 'userspace') {
    const dyn = f.dynamic();
    facts.dynamic = { needed: dyn ? dyn.needed : [], imports: f.dynamicImports() };
    if (interpreter !== undefined) facts.dynamic.interpreter = interpreter;
  }
  // Read last: every lazy decoder above may have added some.
  facts.warnings = f.warnings.map((w) => ({ path, message: w.message }));
  return facts;
}

/**
 * The facts, with `versions` made from the table the first time they are read (then kept, and
 * assignable): the facts read and serialise as with a plain array, and a scan that reads no CRC
 * makes none of the objects. An accessor in the literal, so that all ELF facts have one shape;
 * made here, so that it holds on to the table alone (not the file being read).
 */
function elfFacts(
  path: string,
  unitKind: ElfFileFacts['unitKind'],
  elf: ElfFileFacts['elf'],
  modinfo: ElfFileFacts['modinfo'],
  licenses: string[],
  importNs: string[],
  depends: string[],
  table: VersionTable | undefined,
  exports: ExportFact[],
  imports: ElfImport[],
  functions: ElfFunction[],
  internalRefs: ElfInternalRef[],
): ElfFileFacts {
  let versions: ElfFileFacts['versions'] | undefined;
  return {
    analyzer: 'elf',
    path,
    unitKind,
    elf,
    modinfo,
    licenses,
    importNs,
    depends,
    get versions() {
      return (versions ??= table ? table.entries() : []);
    },
    set versions(v) {
      versions = v;
    },
    exports,
    imports,
    functions,
    internalRefs,
    warnings: [],
  };
}

interface FunctionEntry {
  start: number;
  end: number;
  name: string;
}

/** The functions of the symbol table into `out`, the index of each one's section into `sectionOf`. */
function collectFunctions(f: ElfFile, st: SymbolTable, out: ElfFunction[], sectionOf: number[]): void {
  const isRel = f.header.type === ET_REL;
  for (let i = 1; i < st.count; i++) {
    if ((st.info[i] & 15) !== STT_FUNC) continue;
    const x = st.shndx[i];
    if (x === SHN_UNDEF || x >= SHN_LORESERVE) continue;
    const sec = f.sections[x];
    if (!sec) continue;
    const name = st.name(i);
    if (!name) continue;
    const start = isRel ? st.value[i] : st.value[i] - sec.addr;
    const size = st.size[i];
    const global = st.info[i] >> 4 !== STB_LOCAL;
    out.push({ name, section: sec.name, offset: start, size, global });
    sectionOf.push(x);
  }
}

function collectReferences(
  f: ElfFile,
  st: SymbolTable,
  path: string,
  imports: ElfImport[],
  internalRefs: ElfInternalRef[],
  indexes: Map<number, FunctionIndex>,
  wantSites: boolean,
  wantInternal: boolean,
): void {
  const isRel = f.header.type === ET_REL;
  const machine = f.header.machine;
  // Imports: undefined, non-local, named, non-section symbols of the main table, in table order.
  const byName = new Map<string, ElfImport>();
  for (let i = 1; i < st.count; i++) {
    if (st.shndx[i] !== SHN_UNDEF || st.info[i] >> 4 === STB_LOCAL || (st.info[i] & 15) === STT_SECTION) continue;
    const name = st.name(i);
    if (!name || byName.has(name)) continue;
    const imp: ElfImport = { symbol: name, sites: [] };
    byName.set(name, imp);
    imports.push(imp);
  }
  if (!wantSites) return;

  for (const rs of f.relocationSections()) {
    const t = f.relocations(rs);
    if (!t || t.count === 0 || !t.symbols) continue;
    const target = t.target;
    if (isRel) {
      // Only relocations of loaded sections (not .debug_*, .comment, notes).
      if (!target || (target.flags & SHF_ALLOC) === 0) continue;
      relocationsOfObject(f, t, target, path, machine, byName, internalRefs, indexes, wantInternal && (target.flags & SHF_EXECINSTR) !== 0);
    } else {
      relocationsOfImage(f, t, path, machine, byName);
    }
  }
}

function relocationsOfObject(
  f: ElfFile,
  t: RelocationTable,
  target: ElfSection,
  path: string,
  machine: number,
  byName: Map<string, ElfImport>,
  internalRefs: ElfInternalRef[],
  indexes: Map<number, FunctionIndex>,
  wantInternal: boolean,
): void {
  const syms = t.symbols!;
  const fromIndex = indexes.get(target.index);
  const isCode = (target.flags & SHF_EXECINSTR) !== 0;
  const code = isCode && target.readable ? f.sectionData(target) : undefined;
  const secName = target.name;
  const { offset, type, sym, addend } = t;
  for (let i = 0; i < t.count; i++) {
    const s = sym[i];
    if (s === 0) continue;
    const x = syms.shndx[s];
    const off = offset[i];
    if (x === SHN_UNDEF) {
      if (syms.info[s] >> 4 === STB_LOCAL) continue;
      const name = syms.name(s);
      if (!name) continue;
      let imp = byName.get(name);
      if (!imp) {
        // A symbol of another table (should not happen in objects); keep it anyway.
        imp = { symbol: name, sites: [] };
        byName.set(name, imp);
      }
      const fn = fromIndex?.find(off);
      const site: ReferenceSite = {
        location: fn === undefined ? { path, section: secName, offset: off } : { path, section: secName, offset: off, function: fn },
        kind: isCode && isCall(machine, type[i], code, off) ? 'call' : 'data',
      };
      imp.sites.push(site);
      continue;
    }
    if (!wantInternal || !fromIndex) continue;
    const from = fromIndex.find(off);
    if (from === undefined) continue;
    const stype = syms.info[s] & 15;
    let to: string | undefined;
    if (stype === STT_FUNC) {
      to = syms.name(s);
    } else if (stype === STT_SECTION || stype === STT_NOTYPE) {
      const toIndex = indexes.get(x);
      if (!toIndex) continue;
      // The referenced address; x86 rel32 fields are relative to the end of the field.
      const a = syms.value[s] + addend[i] + (isX86PcRelative32(machine, type[i]) ? 4 : 0);
      to = toIndex.find(a);
    }
    if (to === undefined || to === from || to === '') continue;
    internalRefs.push({
      from,
      to,
      location: { path, section: secName, offset: off, function: from },
      kind: isCall(machine, type[i], code, off) ? 'call' : 'address',
    });
  }
}

/** Executables and shared objects: dynamic relocations name imports at GOT/PLT addresses. */
function relocationsOfImage(f: ElfFile, t: RelocationTable, path: string, machine: number, byName: Map<string, ElfImport>): void {
  const syms = t.symbols!;
  for (let i = 0; i < t.count; i++) {
    const s = t.sym[i];
    if (s === 0 || syms.shndx[s] !== SHN_UNDEF) continue;
    const name = syms.name(s);
    const imp = byName.get(name);
    if (!imp) continue;
    const addr = t.offset[i];
    const sec = f.sectionForAddress(addr);
    const jumpSlot = (machine === EM_X86_64 && t.type[i] === 7) || (machine === EM_386 && t.type[i] === 7);
    imp.sites.push({
      location: sec ? { path, section: sec.name, offset: addr - sec.addr } : { path, offset: addr },
      kind: jumpSlot ? 'call' : 'data',
    });
  }
}
