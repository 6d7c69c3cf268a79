/**
 * Linking: facts of every scanned file are grouped into units (a module's sources and its
 * binary become one unit) and every reference is resolved, first against the exports of the
 * other scanned units, then against the kernel database. Nothing here judges; rules do.
 */
import * as path from 'path';
import type {
  BuildFacts,
  CFileFacts,
  ElfFileFacts,
  ExportFact,
  FileFacts,
  Location,
  ReadError,
  ReferenceSite,
  UnitKind,
} from '../analyzers/facts';
import { evaluateStringExpression, groupSources } from '../analyzers/c';
import { codeTableOf, packCode, type CodeTable } from './code-table';
import { modpostGplCompatible } from '../kernel-symbols/licenses';
import { reachFor, type InlineReach } from '../kernel-symbols/reach';
import type { KernelSymbolDb } from '../kernel-symbols/types';
import { LAZY_SITES, type Evidence, type LazySiteSource, type LicenseDecl, type LinkedImport, type LinkedModel, type Unit } from '../rules/model';

interface Draft {
  id: string;
  kind: UnitKind;
  paths: string[];
  licenses: LicenseDecl[];
  importNs: Set<string>;
  exports: ExportFact[];
  functions: Set<string>;
  /** symbol -> sites, by evidence kind; source sites as references into the linker's code
   *  tables (see Sources), built only when a reader asks for an import's sites */
  refs: Map<string, { source: number[]; binary: ReferenceSite[] }>;
  facts: FileFacts[];
  hasSource: boolean;
  hasBinary: boolean;
  /** Why the unit is built into the kernel image rather than a module (Kbuild and Kconfig). */
  builtIn?: string;
}

function newDraft(id: string, kind: UnitKind): Draft {
  return {
    id,
    kind,
    paths: [],
    licenses: [],
    importNs: new Set(),
    exports: [],
    functions: new Set(),
    refs: new Map(),
    facts: [],
    hasSource: false,
    hasBinary: false,
  };
}

/**
 * The code tables (src/code-table.ts) of the linked sources. A source reference is one number:
 * the index of the call among the calls of all the tables, in the order they were added. An
 * import keeps 4 bytes a reference, in one pool, in place of a site object, which is built only
 * when a reader asks for the import's sites.
 */
class Sources {
  private readonly tables: CodeTable[] = [];
  /** The reference of each table's first call (tables without calls are left out). */
  private readonly starts: number[] = [];
  private calls = 0;
  /** The source references of every import whose sites are built when read, one after another. */
  private pool = new Int32Array(1 << 16);
  private used = 0;

  add(f: CFileFacts): { table: CodeTable; base: number } {
    const table = packCode(f);
    const base = this.calls;
    if (table.count > 0) {
      if (base + table.count > 0x7fffffff) throw new Error(`${f.path}: more than 2^31 calls in the scan's sources; the linker counts them in 32 bits`);
      this.tables.push(table);
      this.starts.push(base);
      this.calls += table.count;
    }
    return { table, base };
  }

  /** How many references the pool holds: where the next one goes. */
  get size(): number {
    return this.used;
  }

  push(ref: number): void {
    if (this.used === this.pool.length) {
      const bigger = new Int32Array(this.pool.length * 2);
      bigger.set(this.pool);
      this.pool = bigger;
    }
    this.pool[this.used++] = ref;
  }

  /** The reference at `i` in the pool. */
  ref(i: number): number {
    return this.pool[i];
  }

  /** Linking is done: the pool keeps no room to grow. */
  trim(): void {
    if (this.used < this.pool.length) this.pool = this.pool.slice(0, this.used);
  }

  site(ref: number): ReferenceSite {
    const t = this.tableOf(ref);
    return this.tables[t].site(ref - this.starts[t]);
  }

  /** The function the referring call lies in, without building it. */
  functionOf(ref: number): string | undefined {
    const t = this.tableOf(ref);
    return this.tables[t].functionOf(ref - this.starts[t]);
  }

  /** The table a reference falls in: the last whose first call is at or before it. */
  private tableOf(ref: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= ref) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** A view of the sites of an import whose sites are built when read (rules/model.ts LAZY_SITES):
 *  its binary sites, and where its source references lie in the linker's pool. */
class LazySites implements LazySiteSource {
  constructor(
    private readonly binary: ReferenceSite[],
    private readonly start: number,
    private readonly sourceCount: number,
    private readonly sources: Sources,
  ) {}

  get count(): number {
    return this.binary.length + this.sourceCount;
  }

  build(): ReferenceSite[] {
    const out = this.binary.slice();
    for (let i = 0; i < this.sourceCount; i++) out.push(this.sources.site(this.sources.ref(this.start + i)));
    return out;
  }

  functions(): (string | undefined)[] {
    const out = this.binary.map((s) => s.location.function);
    for (let i = 0; i < this.sourceCount; i++) out.push(this.sources.functionOf(this.sources.ref(this.start + i)));
    return out;
  }
}

// Where an import keeps what its view is made of: hidden properties of its own, inside the
// object (a separate object would cost 40 bytes more an import).
const LAZY_BINARY = Symbol('gplcheck.lazyBinary');
const LAZY_START = Symbol('gplcheck.lazyStart');
const LAZY_COUNT = Symbol('gplcheck.lazyCount');

interface LazyFields {
  [LAZY_BINARY]: ReferenceSite[];
  [LAZY_START]?: number;
  [LAZY_COUNT]: number;
}

function buildSites(this: LinkedImport): ReferenceSite[] {
  return (this as unknown as { [LAZY_SITES]: LazySites })[LAZY_SITES].build();
}

function replaceSites(this: LinkedImport, v: ReferenceSite[]): void {
  Object.defineProperty(this, 'sites', { value: v, writable: true, enumerable: true, configurable: true });
  delete (this as unknown as LazyFields)[LAZY_START];
}

/** One accessor for every such import: objects built the same way then share their shape. */
const LAZY_SITES_ACCESSOR: PropertyDescriptor = { get: buildSites, set: replaceSites, enumerable: true, configurable: true };

/**
 * An import as the linker makes it: `symbol` .. `providerKind`, then `sites` - the binary ones
 * followed by the source ones, built each time they are read when there are source ones - then
 * `evidence`, the properties of LinkedImport in their order, and the hidden ones its sites are
 * built from. A class, so that V8 keeps every property inside the object: a literal given
 * properties after it was made keeps them in a second one (24 bytes more an import, of which a
 * tree has a million and a half).
 */
abstract class ImportRecord {
  declare symbol: string;
  declare exportType: LinkedImport['exportType'];
  declare namespace?: string;
  declare provider?: string;
  declare providerKind: LinkedImport['providerKind'];
  declare sites: ReferenceSite[];
  declare evidence: Evidence;
  /** The sources of the link that made the import (each link has a subclass: importClass). */
  protected abstract get sources(): Sources;

  constructor(
    symbol: string,
    exportType: LinkedImport['exportType'],
    namespace: string | undefined,
    provider: string | undefined,
    providerKind: LinkedImport['providerKind'],
    evidence: Evidence,
    binary: ReferenceSite[],
    source: number[],
    sources: Sources,
  ) {
    this.symbol = symbol;
    this.exportType = exportType;
    if (namespace !== undefined) this.namespace = namespace;
    if (provider !== undefined) this.provider = provider;
    this.providerKind = providerKind;
    if (source.length === 0) {
      this.sites = binary === NO_BINARY ? [] : binary;
      this.evidence = evidence;
      return;
    }
    Object.defineProperty(this, 'sites', LAZY_SITES_ACCESSOR);
    this.evidence = evidence;
    const start = sources.size;
    for (const r of source) sources.push(r);
    Object.defineProperty(this, LAZY_BINARY, { value: binary, configurable: true });
    Object.defineProperty(this, LAZY_START, { value: start, configurable: true });
    Object.defineProperty(this, LAZY_COUNT, { value: source.length, configurable: true });
  }

  /** rules/model.ts LAZY_SITES: a view of the sites, when they are built only when read. */
  get [LAZY_SITES](): LazySiteSource | undefined {
    const own = this as unknown as LazyFields;
    const start = own[LAZY_START];
    return start === undefined ? undefined : new LazySites(own[LAZY_BINARY], start, own[LAZY_COUNT], this.sources);
  }
}

/** The class of the imports one link makes: they share its sources. */
function importClass(sources: Sources): new (...args: ConstructorParameters<typeof ImportRecord>) => ImportRecord {
  return class extends ImportRecord {
    protected get sources(): Sources {
      return sources;
    }
  };
}

/** The binary sites of a symbol no binary references: one array for all, never written to
 *  (binary sites are assigned, not pushed). */
const NO_BINARY: ReferenceSite[] = [];
/** The same for source references (they are pushed through addSourceRef, which replaces it). */
const NO_SOURCE: number[] = [];

function refsOf(d: Draft, symbol: string): { source: number[]; binary: ReferenceSite[] } {
  let r = d.refs.get(symbol);
  if (!r) {
    r = { source: NO_SOURCE, binary: NO_BINARY };
    d.refs.set(symbol, r);
  }
  return r;
}

/**
 * Adds a source reference. Most symbols of a unit are referenced once or twice: the first
 * reference makes an array of one (an empty array's first push reserves room for 16), so that
 * the millions of them in a large tree cost 8 bytes a reference rather than 136.
 */
function addSourceRef(r: { source: number[] }, ref: number): void {
  if (r.source.length === 0) r.source = [ref];
  else r.source.push(ref);
}

/** The same tag seen in a module's source and in its binary is one tag; the source line,
 *  being the more precise evidence, is kept. */
function addLicense(d: Draft, decl: LicenseDecl): void {
  const same = d.licenses.findIndex((l) => l.value === decl.value && l.location.path !== decl.location.path);
  if (same < 0) d.licenses.push(decl);
  else if (decl.location.line !== undefined && d.licenses[same].location.line === undefined) d.licenses[same] = decl;
}

function stripExt(p: string): string {
  return path.basename(p).replace(/\.(xz|zst|gz)$/, '').replace(/\.(ko|o|mod\.o)$/, '').replace(/\.mod$/, '');
}

/** A linked module, also compressed as `make modules_install` may leave it (`foo.ko.xz`). */
const isKo = (p: string): boolean => /\.ko(\.(xz|zst|gz))?$/.test(p);

function addElf(d: Draft, f: ElfFileFacts): void {
  d.paths.push(f.path);
  d.facts.push(f);
  d.hasBinary = true;
  for (const l of f.licenses) addLicense(d, { value: l, location: { path: f.path, section: '.modinfo' } });
  for (const ns of f.importNs) d.importNs.add(ns);
  d.exports.push(...f.exports);
  for (const fn of f.functions) d.functions.add(fn.name);
  // An import without sites (a module named by its symbol table only) is evidenced by the
  // symbol table; one such list of one site serves every import of the file (binary sites are
  // assigned, never pushed to).
  let symtab: ReferenceSite[] | undefined;
  for (const imp of f.imports) {
    const sites = imp.sites.length ? imp.sites : (symtab ??= [{ location: { path: f.path, section: '.symtab' }, kind: 'data' }]);
    const r = d.refs.get(imp.symbol);
    if (!r) d.refs.set(imp.symbol, { source: NO_SOURCE, binary: sites });
    else if (r.binary.length === 0) r.binary = sites;
    else r.binary = r.binary.concat(sites);
  }
}

function addSource(d: Draft, f: CFileFacts): void {
  d.paths.push(f.path);
  d.facts.push(f);
  d.hasSource = true;
  for (const l of f.moduleLicenses) addLicense(d, { value: l.value, location: l.location });
  for (const ns of f.importNs) d.importNs.add(ns.namespace);
  d.exports.push(...f.exports);
  const table = codeTableOf(f);
  if (table) for (let i = 0; i < table.functionCount; i++) d.functions.add(table.functionName(i));
  else for (const fn of f.functions) d.functions.add(fn.name);
}

/** Source references are added after all files of a unit are in, so that calls to the
 *  unit's own functions and macros stay internal. */
function addSourceRefs(d: Draft, sources: Sources): void {
  const macros = new Set<string>();
  for (const f of d.facts) {
    if (f.analyzer !== 'c') continue;
    const table = codeTableOf(f);
    if (table) for (let i = 0; i < table.macroCount; i++) macros.add(table.macroName(i));
    else for (const m of f.macros) macros.add(m.name);
  }
  for (const f of d.facts) {
    if (f.analyzer !== 'c') continue;
    const { table, base } = sources.add(f);
    for (let i = 0; i < table.count; i++) {
      const callee = table.callee(i);
      // a call may mean a macro of the unit; a use as a value (address taken) may not
      if (d.functions.has(callee) || (i < table.calls && macros.has(callee))) continue;
      addSourceRef(refsOf(d, callee), base + i);
    }
  }
}

/**
 * `MODULE_LICENSE(DRV_LICENSE)` with `#define DRV_LICENSE "GPL"` in another file of the unit
 * (a driver's own header): the analyser, which sees one file, keeps the name; here it becomes
 * the string, from the unit's string macros (the one definition, or several that agree).
 */
function resolveLicenseNames(d: Draft, files: CFileFacts[]): void {
  if (!d.licenses.some((l) => /^[A-Za-z_]\w*$/.test(l.value))) return;
  const bodies = new Map<string, Set<string>>();
  for (const f of files) {
    for (const m of f.macros) {
      if (m.params || !m.body) continue;
      let set = bodies.get(m.name);
      if (!set) bodies.set(m.name, (set = new Set()));
      set.add(m.body);
    }
  }
  const bodyOf = (name: string): string | undefined => {
    const set = bodies.get(name);
    return set && set.size === 1 ? [...set][0] : undefined;
  };
  d.licenses = d.licenses.map((l) => {
    if (!/^[A-Za-z_]\w*$/.test(l.value)) return l;
    const value = evaluateStringExpression(l.value, bodyOf);
    return value === undefined ? l : { ...l, value };
  });
}

/** Option name (without `CONFIG_`) -> its types in the scanned Kconfig files. */
function kconfigTypes(builds: BuildFacts[]): Map<string, { type: string; location: Location }[]> {
  const out = new Map<string, { type: string; location: Location }[]>();
  for (const b of builds) {
    for (const o of b.configOptions ?? []) {
      const list = out.get(o.name);
      if (list) list.push(o);
      else out.set(o.name, [o]);
    }
  }
  return out;
}

/**
 * Why the objects of a Kbuild module entry are always built into the kernel image, or undefined
 * when they can be a loadable module: `obj-y`, or `obj-$(CONFIG_X)` where every scanned Kconfig
 * definition of X is `bool`. Without a Kconfig definition the entry counts as a module.
 */
function builtInReason(name: string, dir: string, buildsByDir: Map<string, BuildFacts[]>, types: ReturnType<typeof kconfigTypes>): string | undefined {
  const reasons: string[] = [];
  let entries = 0;
  for (const b of buildsByDir.get(path.normalize(dir)) ?? []) {
    for (const m of b.modules) {
      if (m.name !== name) continue;
      entries++;
      const at = `${b.path}:${m.location.line}`;
      if (m.kind === 'obj-y') {
        reasons.push(`obj-y in ${at}`);
        continue;
      }
      const option = m.config?.replace(/^CONFIG_/, '');
      const defs = option ? types.get(option) : undefined;
      if (!defs || defs.some((d) => d.type !== 'bool')) return undefined;
      reasons.push(`obj-$(${m.config}) in ${at}, and ${m.config} is a bool option (${defs.map((d) => `${d.location.path}:${d.location.line}`).join(', ')}): built in or not built, never a module`);
    }
  }
  return entries > 0 && reasons.length === entries ? reasons.join('; ') : undefined;
}

function sourceUnitKind(files: CFileFacts[], builds: BuildFacts[], name: string, isModule: boolean): UnitKind {
  const userspace =
    files.some((f) => f.hasMain) ||
    builds.some((b) => b.userspacePrograms.some((p) => p.name === name));
  if (userspace && !files.some((f) => f.moduleLicenses.length > 0)) return 'userspace';
  if (isModule || files.some((f) => f.moduleLicenses.length > 0)) return 'kernel-module';
  return 'source';
}

/**
 * A source call of a kernel header's static inline function or function-like macro (not
 * defined in the unit, not exported) is a use of every export it reaches: the header's code is
 * compiled into the unit. Its source sites move to those exports; the returned map gives, for
 * each export named only that way, the chain of names (`devm_kzalloc` for devm_kmalloc).
 */
function addInlineReach(d: Draft, reach: InlineReach, known: (symbol: string) => boolean, chains: Map<string, string[]>): Map<string, string[]> {
  const via = new Map<string, string[]>();
  const direct = new Set<string>();
  for (const [s, r] of d.refs) if (r.source.length) direct.add(s);
  for (const symbol of [...d.refs.keys()].sort(byCodeUnits)) {
    const r = d.refs.get(symbol)!;
    if (r.source.length === 0 || known(symbol) || !reach.has(symbol)) continue;
    for (const e of reach.reach(symbol)) {
      const t = refsOf(d, e.symbol);
      for (const x of r.source) addSourceRef(t, x);
      if (!direct.has(e.symbol) && !via.has(e.symbol)) {
        // units share the chains they have in common (a tree has a few thousand, in 0.2 million imports)
        const key = e.path.length ? `${symbol}\0${e.path.join('\0')}` : symbol;
        let chain = chains.get(key);
        if (!chain) chains.set(key, (chain = [symbol, ...e.path]));
        via.set(e.symbol, chain);
      }
    }
    if (r.binary.length === 0) d.refs.delete(symbol);
    else r.source = NO_SOURCE;
  }
  return via;
}

export interface LinkOptions {
  /** Inline/macro reach table; default: the shipped one for the database (reachFor); null: none. */
  reach?: InlineReach | null;
}

/** Links facts into a model. C facts not yet packed into a code table are packed in place
 *  (src/code-table.ts): they read and serialise as before. */
export function link(allFacts: FileFacts[], db: KernelSymbolDb, errors: ReadError[], options: LinkOptions = {}): LinkedModel {
  const elfs = allFacts.filter((f): f is ElfFileFacts => f.analyzer === 'elf');
  const allCs = allFacts.filter((f): f is CFileFacts => f.analyzer === 'c');
  // modpost's generated `<module>.mod.c` belongs to its module, whatever directory holds it.
  const cs = allCs.filter((f) => !f.path.endsWith('.mod.c'));
  const generated = allCs.filter((f) => f.path.endsWith('.mod.c'));
  const builds = allFacts.filter((f): f is BuildFacts => f.analyzer === 'kbuild');

  const drafts = new Map<string, Draft>();
  const uniqueId = (want: string): string => {
    if (!drafts.has(want)) return want;
    for (let i = 2; ; i++) if (!drafts.has(`${want}#${i}`)) return `${want}#${i}`;
  };

  // 1. Source groups.
  const byPath = new Map(cs.map((f) => [f.path, f]));
  const groups = groupSources(
    cs.map((f) => f.path),
    builds,
    cs,
  );
  const sourceUnitByName = new Map<string, Draft>();
  const configTypes = kconfigTypes(builds);
  const buildsByDir = new Map<string, BuildFacts[]>();
  for (const b of builds) {
    if (b.modules.length === 0) continue;
    const dir = path.normalize(path.dirname(b.path));
    const list = buildsByDir.get(dir);
    if (list) list.push(b);
    else buildsByDir.set(dir, [b]);
  }
  for (const g of groups) {
    const files = g.files.map((p) => byPath.get(p)).filter((f): f is CFileFacts => !!f);
    if (files.length === 0) continue;
    const builtIn = g.kind === 'module' ? builtInReason(g.name, g.dir, buildsByDir, configTypes) : undefined;
    const kind = g.kind === 'program' ? 'userspace' : builtIn ? 'source' : sourceUnitKind(files, builds, g.name, g.kind === 'module');
    const d = newDraft(uniqueId(g.name), kind);
    if (builtIn) d.builtIn = builtIn;
    for (const f of files) addSource(d, f);
    resolveLicenseNames(d, files);
    drafts.set(d.id, d);
    if (kind === 'kernel-module') sourceUnitByName.set(g.name, d);
  }

  // 2. Binaries. A binary joins the unit of its sources: a module's .ko the module of the same
  // name; an executable the program of the same name in its directory. The parts kbuild or
  // make leave beside it (foo.o, foo.mod.o, the objects a Kbuild lists for the module, an
  // object next to its .c) belong to that unit; once it has a linked binary they add no
  // evidence of their own, since the linked binary holds theirs.
  const unitOfSource = new Map<string, Draft>();
  for (const d of drafts.values()) for (const p of d.paths) unitOfSource.set(path.normalize(p), d);
  const partOf = new Map<string, string>();
  for (const b of builds) {
    const dir = path.dirname(b.path);
    for (const m of b.modules) for (const o of m.objects) partOf.set(path.normalize(path.join(dir, o)), m.name);
  }
  const koByDirName = new Map<string, Draft>();
  const binaryByName = new Map<string, Draft>();
  const join = (d: Draft, f: ElfFileFacts): void => {
    if (d.hasBinary) d.paths.push(f.path);
    else addElf(d, f);
  };
  const sortedElfs = [...elfs].sort((a, b) => rank(a) - rank(b) || (a.path < b.path ? -1 : 1));
  for (const f of sortedElfs) {
    const dir = path.dirname(f.path);
    const key = path.join(dir, stripExt(f.path));
    if (!isKo(f.path) && f.unitKind !== 'userspace') {
      const module = partOf.get(path.normalize(f.path));
      const owner =
        koByDirName.get(key) ??
        (module !== undefined ? sourceUnitByName.get(module) ?? binaryByName.get(module) : undefined) ??
        unitOfSource.get(path.normalize(`${key}.c`));
      if (owner) {
        join(owner, f);
        continue;
      }
    }
    let d: Draft | undefined;
    if (f.unitKind === 'userspace') {
      const src = unitOfSource.get(path.normalize(`${key}.c`));
      const prog = [...drafts.values()].find((x) => x.kind === 'userspace' && x.id === path.basename(f.path) && x.paths.some((p) => path.dirname(p) === dir));
      d = prog ?? (src && src.kind === 'userspace' ? src : undefined);
    } else {
      const name = f.moduleName ?? stripExt(f.path);
      const src = f.unitKind === 'kernel-module' ? sourceUnitByName.get(name) : undefined;
      if (src && !src.hasBinary) d = src;
    }
    if (!d || d.hasBinary) {
      const name = f.unitKind === 'userspace' ? f.path : f.moduleName ?? stripExt(f.path);
      d = newDraft(uniqueId(name), f.unitKind);
      drafts.set(d.id, d);
    }
    addElf(d, f);
    if (isKo(f.path)) {
      koByDirName.set(key, d);
      binaryByName.set(f.moduleName ?? stripExt(f.path), d);
    }
  }
  for (const g of generated) {
    const name = path.basename(g.path, '.mod.c');
    const owner = koByDirName.get(path.join(path.dirname(g.path), name)) ?? sourceUnitByName.get(name);
    if (owner) {
      owner.paths.push(g.path); // generated glue: name, vermagic, dependencies; no evidence of its own
      owner.facts.push(g);
    } else {
      const d = newDraft(uniqueId(name), 'source');
      addSource(d, g);
      drafts.set(d.id, d);
    }
  }
  // 3. Exports of scanned units, for resolution across the scanned set.
  const scannedExports = new Map<string, { unit: string; exp: ExportFact }>();
  for (const d of drafts.values()) {
    for (const e of d.exports) {
      if (!scannedExports.has(e.symbol)) scannedExports.set(e.symbol, { unit: d.id, exp: e });
    }
  }

  // 3b. The reach table of the kernel headers' inline functions and macros (applied in 4).
  let reach: InlineReach | undefined;
  if ([...drafts.values()].some((d) => d.hasSource && d.kind !== 'userspace')) {
    try {
      reach = options.reach === undefined ? reachFor(db.meta) : options.reach ?? undefined;
    } catch (e) {
      errors.push({ path: (e as { file?: string }).file ?? 'kernel-symbols', message: (e as Error).message });
    }
  }
  const known = (d: Draft) => (s: string) => d.functions.has(s) || scannedExports.has(s) || db.lookup(s) !== undefined;

  // 4. Resolve, one unit after the other: a unit's source references, and the exports its
  // calls of header inline functions and macros reach, are gathered just before it is resolved
  // and freed just after, so that a tree of thousands of units never holds all of them at once.
  const sources = new Sources();
  const Import = importClass(sources);
  const chains = new Map<string, string[]>();
  const units: Unit[] = [];
  const facts = new Map<string, FileFacts[]>();
  for (const d of drafts.values()) {
    if (d.hasSource) addSourceRefs(d, sources);
    const via = reach && d.hasSource && d.kind !== 'userspace' ? addInlineReach(d, reach, known(d), chains) : undefined;
    const imports: LinkedImport[] = [];
    const symbols = [...d.refs.keys()].sort(); // strings: by UTF-16 code units
    for (const symbol of symbols) {
      const r = d.refs.get(symbol)!;
      if (d.functions.has(symbol) && d.hasBinary && r.binary.length === 0) continue;
      const evidence: Evidence = r.source.length && r.binary.length ? 'both' : r.binary.length ? 'binary' : 'source';
      let imp: ImportRecord;
      if (d.kind === 'userspace') {
        // A program links against its C library and other userspace libraries, never
        // against kernel exports: the kernel is reached through system calls only.
        imp = new Import(symbol, 'unknown', undefined, undefined, 'unknown', evidence, r.binary, r.source, sources);
      } else {
        const scanned = scannedExports.get(symbol);
        if (scanned && scanned.unit === d.id) continue; // the unit's own export: internal
        if (scanned) {
          imp = new Import(symbol, scanned.exp.type, scanned.exp.namespace || undefined, scanned.unit, 'scanned', evidence, r.binary, r.source, sources);
        } else {
          const k = db.lookup(symbol);
          imp = k
            ? new Import(symbol, k.type, k.namespace || undefined, k.module, 'kernel', evidence, r.binary, r.source, sources)
            : new Import(symbol, 'unknown', undefined, undefined, 'unknown', evidence, r.binary, r.source, sources);
        }
      }
      imports.push(imp);
    }
    if (via?.size) for (const imp of imports) if (via.has(imp.symbol)) imp.via = via.get(imp.symbol);
    const unit: Unit = {
      id: d.id,
      kind: d.kind,
      paths: d.paths,
      licenses: d.licenses,
      gplCompatible: modpostGplCompatible(d.licenses.map((l) => l.value)),
      importNs: [...d.importNs].sort(),
      exports: d.exports,
      imports,
      functions: [...d.functions],
      evidence: d.hasSource && d.hasBinary ? 'both' : d.hasBinary ? 'binary' : 'source',
    };
    if (d.builtIn) unit.builtIn = d.builtIn;
    units.push(unit);
    facts.set(d.id, d.facts);
    // The unit has what it needs of them: free them now, not when the last unit is linked.
    d.refs.clear();
    d.functions.clear();
  }
  sources.trim();
  units.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { units, facts, database: db.meta, db, errors, ...(reach ? { reach } : {}) };
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Linked modules and programs first, so that their parts fold into them. */
function rank(f: ElfFileFacts): number {
  if (isKo(f.path)) return 0;
  if (f.unitKind === 'userspace') return 1;
  if (f.path.endsWith('.mod.o')) return 3;
  return 2;
}
