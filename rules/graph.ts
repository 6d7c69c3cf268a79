/**
 * The boundary graph and the transitive analysis over it.
 *
 * The graph is plain data built from the linked model and the raw facts of each unit: the units
 * with their licences, every symbol that crosses a unit boundary, and the edges between them —
 * references from a function of a unit to a symbol (calls, address taken, data; with every
 * location), calls between functions inside a unit (from C call expressions and from the
 * relocations of binaries), exports, and includes.
 *
 * The transitive analysis walks it at function level: from a function of a unit, through a
 * symbol another scanned unit exports with plain EXPORT_SYMBOL, into that function of the
 * provider, through the provider's own call graph (and into further scanned units), until a
 * symbol exported GPL-only is reached. Breadth-first, so every path kept is a shortest one
 * (counted in hops); ties are broken by name, so the result is deterministic.
 *
 * Nothing here judges: rules read the reach and decide what to report.
 */
import type { CFileFacts, ExportType, IncludeCategory, Location, ReferenceSite, UnitKind } from '../analyzers/facts';
import { loaderGplCompatible } from '../kernel-symbols/licenses';
import { siteCount, siteFunctions, type Evidence, type LinkedImport, type LinkedModel, type Unit } from './model';
import type { EvidenceStep } from './types';

export type RefKind = 'call' | 'address' | 'data';

export interface GraphUnit {
  id: string;
  kind: UnitKind;
  licenses: string[];
  /** modpost's verdict: every tag GPL-compatible. */
  gplCompatible: boolean;
  /** The loader's verdict: the first `license=` tag (kernel/module/main.c set_license()). */
  loaderGplCompatible: boolean;
  paths: string[];
}

export interface GraphSymbol {
  symbol: string;
  exportType: ExportType | 'unknown';
  namespace?: string;
  /** `vmlinux`, a kernel module path from the database, a scanned unit id, or null. */
  provider: string | null;
  providerKind: 'kernel' | 'scanned' | 'unknown';
}

/** A function of a unit (or its file scope, `function: null`) references a symbol it does not define. */
export interface ReferenceEdge {
  unit: string;
  function: string | null;
  symbol: string;
  provider: string | null;
  providerKind: 'kernel' | 'scanned' | 'unknown';
  exportType: ExportType | 'unknown';
  namespace?: string;
  /** The strongest kind among the sites: call, else address, else data. */
  kind: RefKind;
  evidence: Evidence;
  locations: Location[];
  /** The source reaches the symbol only through these static inline functions or macros of the
   *  kernel headers (LinkedImport.via): the first is the name the source calls. */
  via?: string[];
}

/** A function calls (or takes the address of) another function of the same unit. */
export interface CallEdge {
  unit: string;
  from: string;
  to: string;
  kind: RefKind;
  evidence: Evidence;
  locations: Location[];
}

export interface ExportEdge {
  unit: string;
  symbol: string;
  exportType: ExportType;
  namespace?: string;
  location: Location;
}

export interface IncludeEdge {
  unit: string;
  file: string;
  target: string;
  category: IncludeCategory;
  system: boolean;
  resolved?: string;
  location: Location;
}

/** The shortest path found from a unit to one GPL-only symbol. */
export interface ReachPath {
  unit: string;
  /** The GPL-only symbol reached. */
  target: string;
  /** Who exports it GPL-only: `vmlinux`, a kernel module path, or a scanned unit id. */
  targetProvider: string;
  /** The first symbol on the path that the unit takes from outside itself. */
  entry: string;
  /** Scanned units the path passes through, in order (empty: the unit uses the symbol itself). */
  via: string[];
  /** One step per hop: the function at that hop and where it references the next one; the last step is the target. */
  steps: EvidenceStep[];
}

/** A unit resolves symbols against a provider (a scanned unit, vmlinux or a kernel module). */
export interface UnitLink {
  from: string;
  to: string;
  providerKind: 'kernel' | 'scanned' | 'unknown';
  /** distinct symbols, of which GPL-only */
  symbols: number;
  gplOnly: number;
  /** places that reference them */
  sites: number;
}

export interface BoundaryGraph {
  units: GraphUnit[];
  symbols: GraphSymbol[];
  /** Unit-level edges: who resolves symbols against whom. */
  links: UnitLink[];
  exports: ExportEdge[];
  includes: IncludeEdge[];
  /** Units whose function-level edges follow: those not GPL-compatible and the shims their paths pass through. */
  functionLevel: string[];
  references: ReferenceEdge[];
  calls: CallEdge[];
  /** For every unit that is not GPL-compatible: the shortest path to each GPL-only symbol it reaches. */
  reach: ReachPath[];
  /** Function-level edges left out beyond FUNCTION_LEVEL_MAX_EDGES (units in scan order). */
  omitted?: { units: string[]; references: number; calls: number };
}

/** At most this many function-level edges go into the graph, so that a report of thousands of
 *  modules stays within what one JSON document can hold. */
export const FUNCTION_LEVEL_MAX_EDGES = 200_000;

/** What a reference step says about the hop. */
export function refVerb(kind: RefKind): string {
  return kind === 'call' ? 'calls' : kind === 'address' ? 'takes the address of' : 'references';
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function strongest(sites: ReferenceSite[]): RefKind {
  if (sites.some((s) => s.kind === 'call')) return 'call';
  if (sites.some((s) => s.kind === 'address')) return 'address';
  return 'data';
}

function locationEvidence(locs: Location[]): Evidence {
  const src = locs.some((l) => l.line !== undefined);
  const bin = locs.some((l) => l.line === undefined);
  return src && bin ? 'both' : src ? 'source' : 'binary';
}

/** LinkedImport.via (set by the linker from the kernel's inline/macro reach table, when it has one). */
function viaOf(imp: LinkedImport): string[] | undefined {
  const via = (imp as { via?: string[] }).via;
  return via && via.length ? via : undefined;
}

/** What the inline/macro reach table says about a header definition, when the model carries one. */
interface HeaderDefinition {
  kind: string;
  file: string;
  line: number;
  spdx?: string;
}
type ReachTable = { definition(name: string): HeaderDefinition | undefined };

/** Per-unit indexes, not serialised; built on demand (a scan of thousands of GPL modules needs none). */
interface UnitIndex {
  unit: Unit;
  functions: Set<string>;
  /** function ('' = file scope) -> boundary references, sorted by symbol */
  refs: Map<string, ReferenceEdge[]>;
  /** function -> internal edges, sorted by target */
  calls: Map<string, CallEdge[]>;
  /** Functions that make boundary references, in definition order (file scope last). */
  order: string[];
}

export interface GraphIndex {
  model: LinkedModel;
  byId: Map<string, Unit>;
  reachTable?: ReachTable;
  units: Map<string, UnitIndex>;
  /** memo: `${unit}\0${function}` -> shortest path to each GPL-only target */
  reachMemo: Map<string, Map<string, Hop[]>>;
  graph?: BoundaryGraph;
}

/** One hop of a path under construction. */
interface Hop {
  unit: string;
  fn: string;
  edge: ReferenceEdge | CallEdge;
}

const cache = new WeakMap<LinkedModel, GraphIndex>();

/** The index of a linked model, made once per model. */
export function graphIndex(model: LinkedModel): GraphIndex {
  let g = cache.get(model);
  if (!g) {
    const reachTable = (model as { reach?: ReachTable }).reach;
    g = {
      model,
      byId: new Map(model.units.map((u) => [u.id, u])),
      units: new Map(),
      reachMemo: new Map(),
      ...(reachTable ? { reachTable } : {}),
    };
    cache.set(model, g);
  }
  return g;
}

/** Forget a model's graph (after changing the model, e.g. declaring licences from a configuration). */
export function invalidateGraph(model: LinkedModel): void {
  cache.delete(model);
}

/** Every call (or use as a value) from a function of the unit to another of its functions. */
function forEachInternalCall(index: GraphIndex, unit: Unit, functions: Set<string>, out: (from: string, to: string, site: ReferenceSite) => void): void {
  for (const f of index.model.facts.get(unit.id) ?? []) {
    if (f.analyzer === 'c') {
      for (const c of f.calls) {
        const from = c.site.location.function;
        if (from && from !== c.callee && functions.has(c.callee)) out(from, c.callee, c.site);
      }
      for (const c of f.addressTaken) {
        const from = c.site.location.function;
        if (from && from !== c.callee && functions.has(c.callee)) out(from, c.callee, c.site);
      }
    } else if (f.analyzer === 'elf') {
      for (const r of f.internalRefs) if (r.from !== r.to) out(r.from, r.to, { location: r.location, kind: r.kind });
    }
  }
}

/** How many reference and call edges the unit's index has, without building it (nor any site). */
function edgeCounts(index: GraphIndex, unit: Unit): { references: number; calls: number } {
  let references = 0;
  for (const imp of unit.imports) references += new Set(siteFunctions(imp).map((fn) => fn ?? '')).size;
  const pairs = new Map<string, Set<string>>();
  forEachInternalCall(index, unit, new Set(unit.functions), (from, to) => {
    const m = pairs.get(from);
    if (m) m.add(to);
    else pairs.set(from, new Set([to]));
  });
  let calls = 0;
  for (const m of pairs.values()) calls += m.size;
  return { references, calls };
}

/** The function-level index of one unit: its boundary references and its internal calls. */
function unitIndex(index: GraphIndex, id: string): UnitIndex | undefined {
  const have = index.units.get(id);
  if (have) return have;
  const unit = index.byId.get(id);
  if (!unit) return undefined;
  const functions = new Set(unit.functions);
  const idx: UnitIndex = { unit, functions, refs: new Map(), calls: new Map(), order: [] };
  index.units.set(id, idx);

  for (const imp of unit.imports) {
    const byFn = new Map<string, ReferenceSite[]>();
    for (const s of imp.sites) {
      const fn = s.location.function ?? '';
      const list = byFn.get(fn);
      if (list) list.push(s);
      else byFn.set(fn, [s]);
    }
    const via = viaOf(imp);
    for (const [fn, sites] of byFn) {
      const locations = sites.map((x) => x.location);
      const edge: ReferenceEdge = {
        unit: unit.id,
        function: fn === '' ? null : fn,
        symbol: imp.symbol,
        provider: imp.provider ?? null,
        providerKind: imp.providerKind,
        exportType: imp.exportType,
        ...(imp.namespace ? { namespace: imp.namespace } : {}),
        kind: strongest(sites),
        evidence: locationEvidence(locations),
        locations,
        ...(via ? { via } : {}),
      };
      const list = idx.refs.get(fn);
      if (list) list.push(edge);
      else idx.refs.set(fn, [edge]);
    }
  }

  // Calls inside the unit, from the raw facts of its files.
  const internal = new Map<string, Map<string, ReferenceSite[]>>();
  forEachInternalCall(index, unit, functions, (from, to, site) => {
    let m = internal.get(from);
    if (!m) internal.set(from, (m = new Map()));
    const list = m.get(to);
    if (list) list.push(site);
    else m.set(to, [site]);
  });
  for (const [from, m] of internal) {
    const list: CallEdge[] = [];
    for (const [to, sites] of m) {
      const locations = sites.map((x) => x.location);
      list.push({ unit: unit.id, from, to, kind: strongest(sites), evidence: locationEvidence(locations), locations });
    }
    list.sort((a, b) => byName(a.to, b.to));
    idx.calls.set(from, list);
  }
  for (const list of idx.refs.values()) list.sort((a, b) => byName(a.symbol, b.symbol));
  const rank = new Map(unit.functions.map((f, i) => [f, i]));
  const r = (f: string) => (f === '' ? Infinity : rank.get(f) ?? unit.functions.length);
  idx.order = [...idx.refs.keys()].sort((a, b) => r(a) - r(b) || byName(a, b));
  return idx;
}

/**
 * The boundary graph as plain data (made once per model; `maxEdges` other than the usual limit
 * makes another, for tests). Units, symbols, unit-level links, exports and includes cover
 * the whole scan; function-level references and calls are given for the units where the licence
 * question lies: every unit that is not GPL-compatible and every scanned unit a path of theirs
 * to a GPL-only symbol passes through (`functionLevel` lists them). Elsewhere units[].imports of
 * the report hold every reference with its location (and its function).
 */
export function boundaryGraph(model: LinkedModel, maxEdges = FUNCTION_LEVEL_MAX_EDGES): BoundaryGraph {
  const index = graphIndex(model);
  const usual = maxEdges === FUNCTION_LEVEL_MAX_EDGES;
  if (index.graph && usual) return index.graph;
  const graph: BoundaryGraph = {
    units: [],
    symbols: [],
    links: [],
    exports: [],
    includes: [],
    functionLevel: [],
    references: [],
    calls: [],
    reach: [],
  };
  const symbols = new Map<string, GraphSymbol>();
  for (const unit of model.units) {
    graph.units.push({
      id: unit.id,
      kind: unit.kind,
      licenses: unit.licenses.map((l) => l.value),
      gplCompatible: unit.gplCompatible,
      loaderGplCompatible: loaderGplCompatible(loaderLicenseOrder(model, unit)),
      paths: unit.paths,
    });
    // (literals with and without `namespace` rather than conditional spreads: these loops see
    // every export and import of the scan)
    for (const e of unit.exports) {
      const { symbol, type: exportType, namespace, location } = e;
      graph.exports.push(namespace ? { unit: unit.id, symbol, exportType, namespace, location } : { unit: unit.id, symbol, exportType, location });
      if (!symbols.has(symbol)) {
        symbols.set(
          symbol,
          namespace
            ? { symbol, exportType, namespace, provider: unit.id, providerKind: 'scanned' }
            : { symbol, exportType, provider: unit.id, providerKind: 'scanned' },
        );
      }
    }
    const links = new Map<string, UnitLink>();
    for (const imp of unit.imports) {
      const known = symbols.get(imp.symbol);
      if (!known || (known.providerKind === 'unknown' && imp.providerKind !== 'unknown')) {
        const { symbol, exportType, namespace, providerKind } = imp;
        const provider = imp.provider ?? null;
        symbols.set(symbol, namespace ? { symbol, exportType, namespace, provider, providerKind } : { symbol, exportType, provider, providerKind });
      }
      if (imp.providerKind === 'unknown' || !imp.provider) continue;
      let l = links.get(imp.provider);
      if (!l) links.set(imp.provider, (l = { from: unit.id, to: imp.provider, providerKind: imp.providerKind, symbols: 0, gplOnly: 0, sites: 0 }));
      l.symbols++;
      if (imp.exportType === 'gpl') l.gplOnly++;
      l.sites += siteCount(imp);
    }
    graph.links.push(...[...links.values()].sort((a, b) => byName(a.to, b.to)));
    for (const f of model.facts.get(unit.id) ?? []) {
      if (f.analyzer !== 'c') continue;
      for (const i of f.includes) {
        graph.includes.push({
          unit: unit.id,
          file: f.path,
          target: i.target,
          category: i.category,
          system: i.system,
          ...(i.resolved ? { resolved: i.resolved } : {}),
          location: i.location,
        });
      }
    }
  }
  graph.symbols = [...symbols.values()].sort((a, b) => byName(a.symbol, b.symbol));
  const detail = new Set<string>();
  for (const unit of model.units) {
    if (unit.gplCompatible) continue;
    detail.add(unit.id);
    for (const r of reachOfUnit(index, unit.id)) {
      graph.reach.push(r);
      for (const v of r.via) detail.add(v);
    }
    // No other unit's path passes through this one (paths pass through GPL-compatible shims
    // only): its index is dropped here and made again below, so that a tree of thousands of
    // such units never holds all their indexes at once.
    index.units.delete(unit.id);
  }
  for (const unit of model.units) {
    if (!detail.has(unit.id)) continue;
    // counted first: the edges of a unit left out are never built
    const count = edgeCounts(index, unit);
    if (graph.references.length + graph.calls.length + count.references + count.calls > maxEdges) {
      // keep the report renderable: the reach paths above still carry every hop
      const o = graph.omitted ?? (graph.omitted = { units: [], references: 0, calls: 0 });
      o.units.push(unit.id);
      o.references += count.references;
      o.calls += count.calls;
      continue;
    }
    const idx = unitIndex(index, unit.id)!;
    index.units.delete(unit.id); // its edges live on in the graph
    graph.functionLevel.push(unit.id);
    for (const fn of idx.order) for (const e of idx.refs.get(fn)!) graph.references.push(e);
    for (const from of [...idx.calls.keys()].sort(byName)) for (const e of idx.calls.get(from)!) graph.calls.push(e);
  }
  if (usual) index.graph = graph;
  return graph;
}

/**
 * The `license=` tags in `.modinfo` order, as the loader sees them: from the unit's binary when
 * there is one (the compiler may place the tags in another order than the source has them), else
 * in the order of the source.
 */
export function loaderLicenseOrder(model: LinkedModel, unit: Unit): string[] {
  for (const f of model.facts.get(unit.id) ?? []) {
    if (f.analyzer === 'elf' && f.unitKind === 'kernel-module') return f.licenses;
  }
  return unit.licenses.map((l) => l.value);
}

/** The unit's own C sources and headers (not kbuild's generated `.mod.c`). */
export function sourceFiles(model: LinkedModel, unit: Unit): CFileFacts[] {
  return (model.facts.get(unit.id) ?? []).filter((f): f is CFileFacts => f.analyzer === 'c' && !f.path.endsWith('.mod.c'));
}

/** Whether the order of the `license=` tags, and so the loader's verdict, is known. */
export function loaderLicenseOrderKnown(model: LinkedModel, unit: Unit): boolean {
  if (unit.licenses.length <= 1) return true;
  const same = unit.licenses.every((l) => loaderGplCompatible([l.value]) === loaderGplCompatible([unit.licenses[0].value]));
  if (same) return true;
  return (model.facts.get(unit.id) ?? []).some((f) => f.analyzer === 'elf' && f.unitKind === 'kernel-module');
}

/**
 * Is this edge a step into a shim: a plain export of another scanned unit that is GPL-compatible?
 * (A provider that is not GPL-compatible is no shim; its own GPL-only use is reported against it.)
 */
function intoShim(index: GraphIndex, e: ReferenceEdge, from: string): boolean {
  if (e.providerKind !== 'scanned' || e.exportType !== 'plain' || e.provider === null || e.provider === from) return false;
  return index.byId.get(e.provider)?.gplCompatible === true;
}

/**
 * Shortest paths from the function `fn` of `unit` to every GPL-only symbol it reaches,
 * through the unit's own call graph and the plain exports of other scanned units. Memoised.
 */
export function reachFrom(index: GraphIndex, unit: string, fn: string): Map<string, Hop[]> {
  const key = `${unit}\0${fn}`;
  const memo = index.reachMemo.get(key);
  if (memo) return memo;
  const found = new Map<string, Hop[]>();
  const start = key;
  const prev = new Map<string, { node: string; hop: Hop } | null>([[start, null]]);
  let frontier = [start];
  const pathTo = (node: string, last: Hop): Hop[] => {
    const out: Hop[] = [last];
    for (let p = prev.get(node); p; p = prev.get(p.node)) out.push(p.hop);
    return out.reverse();
  };
  while (frontier.length) {
    const next: string[] = [];
    for (const node of frontier) {
      const sep = node.indexOf('\0');
      const u = node.slice(0, sep);
      const f = node.slice(sep + 1);
      const idx = unitIndex(index, u);
      if (!idx) continue;
      for (const e of idx.refs.get(f) ?? []) {
        const hop: Hop = { unit: u, fn: f, edge: e };
        if (e.exportType === 'gpl') {
          if (!found.has(e.symbol)) found.set(e.symbol, pathTo(node, hop));
          continue;
        }
        if (!intoShim(index, e, u)) continue;
        const target = `${e.provider}\0${e.symbol}`;
        if (prev.has(target)) continue;
        prev.set(target, { node, hop });
        next.push(target);
      }
      for (const c of idx.calls.get(f) ?? []) {
        const target = `${u}\0${c.to}`;
        if (prev.has(target)) continue;
        prev.set(target, { node, hop: { unit: u, fn: f, edge: c } });
        next.push(target);
      }
    }
    frontier = next;
  }
  index.reachMemo.set(key, found);
  return found;
}

const KIND_WORD: Record<string, string> = { inline: 'static inline function', macro: 'function-like macro', both: 'static inline function or macro' };

/** The steps for a hop: the function, then (for a reference through header code) each inline function or macro. */
function stepsOf(index: GraphIndex, h: Hop): EvidenceStep[] {
  const first = stepOf(h);
  const via = 'symbol' in h.edge ? h.edge.via : undefined;
  if (!via) return [first];
  return [
    first,
    ...via.map((name) => {
      const d = index.reachTable?.definition(name);
      return {
        unit: h.unit,
        symbol: name,
        note: d
          ? `${KIND_WORD[d.kind] ?? 'definition'} of ${d.file}:${d.line}${d.spdx ? ` (${d.spdx})` : ''}, compiled into ${h.unit}`
          : `static inline function or macro of the kernel headers, compiled into ${h.unit}`,
      };
    }),
  ];
}

function stepOf(h: Hop): EvidenceStep {
  const e = h.edge;
  const to = 'symbol' in e ? e.via?.[0] ?? e.symbol : e.to;
  // a source line reads better than a section offset
  const loc = e.locations.find((l) => l.line !== undefined) ?? e.locations[0];
  return {
    unit: h.unit,
    symbol: h.fn === '' ? '(file scope)' : h.fn,
    ...(loc ? { location: loc } : {}),
    note: `${refVerb(e.kind)} ${to}`,
  };
}

/** The final step: the GPL-only symbol and who exports it. */
function targetStep(index: GraphIndex, e: ReferenceEdge): EvidenceStep {
  const provider = e.provider ?? 'the kernel';
  const scanned = e.providerKind === 'scanned' ? index.byId.get(provider) : undefined;
  const exp = scanned?.exports.find((x) => x.symbol === e.symbol);
  return {
    unit: provider,
    symbol: e.symbol,
    ...(exp ? { location: exp.location } : {}),
    note: `exported with EXPORT_SYMBOL_GPL${e.namespace ? ` in namespace ${e.namespace}` : ''}`,
  };
}

/** Turns hops into evidence steps (one per function visited, then the target). */
export function hopsToSteps(index: GraphIndex, hops: Hop[]): EvidenceStep[] {
  const steps = hops.flatMap((h) => stepsOf(index, h));
  const last = hops[hops.length - 1].edge as ReferenceEdge;
  steps.push(targetStep(index, last));
  return steps;
}

function unitsOf(hops: Hop[], start: string): string[] {
  const out: string[] = [];
  for (const h of hops) if (h.unit !== start && !out.includes(h.unit)) out.push(h.unit);
  return out;
}

/** Shortest path of a unit to each GPL-only symbol it reaches (directly or through scanned units). */
function reachOfUnit(index: GraphIndex, unitId: string): ReachPath[] {
  const idx = unitIndex(index, unitId)!;
  const best = new Map<string, Hop[]>();
  const consider = (target: string, hops: Hop[]) => {
    const b = best.get(target);
    if (!b || hops.length < b.length) best.set(target, hops);
  };
  for (const fn of idx.order) {
    for (const e of idx.refs.get(fn)!) {
      const first: Hop = { unit: unitId, fn, edge: e };
      if (e.exportType === 'gpl') {
        consider(e.symbol, [first]);
        continue;
      }
      if (!intoShim(index, e, unitId)) continue;
      for (const [target, hops] of reachFrom(index, e.provider!, e.symbol)) consider(target, [first, ...hops]);
    }
  }
  return [...best.keys()].sort(byName).map((target) => {
    const hops = best.get(target)!;
    const last = hops[hops.length - 1].edge as ReferenceEdge;
    const firstEdge = hops[0].edge as ReferenceEdge;
    return {
      unit: unitId,
      target,
      targetProvider: last.provider ?? 'the kernel',
      entry: firstEdge.symbol,
      via: unitsOf(hops, unitId),
      steps: hopsToSteps(index, hops),
    };
  });
}

/** A use of another unit's plain export that leads to GPL-only symbols inside the provider. */
export interface LaunderedUse {
  /** The imported symbol (the provider's plain export). */
  symbol: string;
  provider: string;
  import: LinkedImport;
  /** GPL-only symbol -> shortest path from the unit's first use of `symbol` */
  targets: Map<string, { steps: EvidenceStep[]; via: string[] }>;
}

/**
 * For a unit: each plain export of another scanned unit it uses that reaches GPL-only symbols,
 * with the shortest path per GPL-only symbol (starting at the unit's function that uses it).
 */
export function launderedUses(model: LinkedModel, unit: Unit): LaunderedUse[] {
  const index = graphIndex(model);
  const candidates = unit.imports.filter(
    (imp) =>
      imp.providerKind === 'scanned' &&
      imp.exportType === 'plain' &&
      !!imp.provider &&
      imp.provider !== unit.id &&
      index.byId.get(imp.provider)?.gplCompatible === true,
  );
  if (candidates.length === 0) return [];
  const idx = unitIndex(index, unit.id);
  if (!idx) return [];
  const out: LaunderedUse[] = [];
  for (const imp of candidates) {
    if (!imp.provider) continue;
    const reached = reachFrom(index, imp.provider, imp.symbol);
    if (reached.size === 0) continue;
    // the unit's first reference to the symbol, in the order its functions are defined
    let first: Hop | undefined;
    for (const fn of idx.order) {
      const e = idx.refs.get(fn)!.find((x) => x.symbol === imp.symbol);
      if (e) {
        first = { unit: unit.id, fn, edge: e };
        break;
      }
    }
    if (!first) continue;
    const targets = new Map<string, { steps: EvidenceStep[]; via: string[] }>();
    for (const target of [...reached.keys()].sort(byName)) {
      const hops = [first, ...reached.get(target)!];
      targets.set(target, { steps: hopsToSteps(index, hops), via: unitsOf(hops, unit.id) });
    }
    out.push({ symbol: imp.symbol, provider: imp.provider, import: imp, targets });
  }
  return out;
}

/** "a → b → c" from the steps of a path. */
export function pathText(steps: EvidenceStep[]): string {
  return steps.map((s) => s.symbol).join(' → ');
}
