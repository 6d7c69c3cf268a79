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
import type { Evidence, LinkedImport, LinkedModel, Unit } from './model';
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

export interface BoundaryGraph {
  units: GraphUnit[];
  symbols: GraphSymbol[];
  references: ReferenceEdge[];
  calls: CallEdge[];
  exports: ExportEdge[];
  includes: IncludeEdge[];
  /** For every unit that is not GPL-compatible: the shortest path to each GPL-only symbol it reaches. */
  reach: ReachPath[];
}

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

/** Per-unit indexes, not serialised. */
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
  graph: BoundaryGraph;
  reachTable?: ReachTable;
  units: Map<string, UnitIndex>;
  /** memo: `${unit}\0${function}` -> shortest path to each GPL-only target */
  reachMemo: Map<string, Map<string, Hop[]>>;
}

/** One hop of a path under construction. */
interface Hop {
  unit: string;
  fn: string;
  edge: ReferenceEdge | CallEdge;
}

const cache = new WeakMap<LinkedModel, GraphIndex>();

/** The graph of a linked model, built once per model. */
export function graphIndex(model: LinkedModel): GraphIndex {
  let g = cache.get(model);
  if (!g) {
    g = buildIndex(model);
    cache.set(model, g);
  }
  return g;
}

export function boundaryGraph(model: LinkedModel): BoundaryGraph {
  return graphIndex(model).graph;
}

/** Forget a model's graph (after changing the model, e.g. declaring licences from a configuration). */
export function invalidateGraph(model: LinkedModel): void {
  cache.delete(model);
}

function buildIndex(model: LinkedModel): GraphIndex {
  const graph: BoundaryGraph = { units: [], symbols: [], references: [], calls: [], exports: [], includes: [], reach: [] };
  const units = new Map<string, UnitIndex>();
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
    const functions = new Set(unit.functions);
    const idx: UnitIndex = { unit, functions, refs: new Map(), calls: new Map(), order: [] };
    units.set(unit.id, idx);

    for (const e of unit.exports) {
      graph.exports.push({
        unit: unit.id,
        symbol: e.symbol,
        exportType: e.type,
        ...(e.namespace ? { namespace: e.namespace } : {}),
        location: e.location,
      });
      if (!symbols.has(e.symbol)) {
        symbols.set(e.symbol, {
          symbol: e.symbol,
          exportType: e.type,
          ...(e.namespace ? { namespace: e.namespace } : {}),
          provider: unit.id,
          providerKind: 'scanned',
        });
      }
    }

    for (const imp of unit.imports) {
      if (!symbols.has(imp.symbol) || imp.providerKind !== 'unknown') {
        const known = symbols.get(imp.symbol);
        if (!known || known.providerKind === 'unknown') {
          symbols.set(imp.symbol, {
            symbol: imp.symbol,
            exportType: imp.exportType,
            ...(imp.namespace ? { namespace: imp.namespace } : {}),
            provider: imp.provider ?? null,
            providerKind: imp.providerKind,
          });
        }
      }
      const byFn = new Map<string, ReferenceSite[]>();
      for (const s of imp.sites) {
        const fn = s.location.function ?? '';
        const list = byFn.get(fn);
        if (list) list.push(s);
        else byFn.set(fn, [s]);
      }
      for (const [fn, sites] of byFn) {
        const locations = sites.map((s) => s.location);
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
          ...(viaOf(imp) ? { via: viaOf(imp) } : {}),
        };
        graph.references.push(edge);
        const list = idx.refs.get(fn);
        if (list) list.push(edge);
        else idx.refs.set(fn, [edge]);
      }
    }

    // Calls inside the unit, from the raw facts of its files.
    const internal = new Map<string, { sites: ReferenceSite[] }>();
    const addInternal = (from: string, to: string, site: ReferenceSite) => {
      if (from === to) return;
      const key = `${from}\0${to}`;
      const e = internal.get(key);
      if (e) e.sites.push(site);
      else internal.set(key, { sites: [site] });
    };
    for (const f of model.facts.get(unit.id) ?? []) {
      if (f.analyzer === 'c') {
        for (const c of f.calls) {
          const from = c.site.location.function;
          if (from && functions.has(c.callee)) addInternal(from, c.callee, c.site);
        }
        for (const c of f.addressTaken) {
          const from = c.site.location.function;
          if (from && functions.has(c.callee)) addInternal(from, c.callee, c.site);
        }
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
      } else if (f.analyzer === 'elf') {
        for (const r of f.internalRefs) addInternal(r.from, r.to, { location: r.location, kind: r.kind });
      }
    }
    for (const [key, { sites }] of internal) {
      const [from, to] = key.split('\0');
      const locations = sites.map((s) => s.location);
      const edge: CallEdge = { unit: unit.id, from, to, kind: strongest(sites), evidence: locationEvidence(locations), locations };
      graph.calls.push(edge);
      const list = idx.calls.get(from);
      if (list) list.push(edge);
      else idx.calls.set(from, [edge]);
    }
    for (const list of idx.refs.values()) list.sort((a, b) => byName(a.symbol, b.symbol));
    const rank = new Map(unit.functions.map((f, i) => [f, i]));
    const r = (f: string) => (f === '' ? Infinity : rank.get(f) ?? unit.functions.length);
    idx.order = [...idx.refs.keys()].sort((a, b) => r(a) - r(b) || byName(a, b));
    for (const list of idx.calls.values()) list.sort((a, b) => byName(a.to, b.to));
  }

  graph.symbols = [...symbols.values()].sort((a, b) => byName(a.symbol, b.symbol));
  const reachTable = (model as { reach?: ReachTable }).reach;
  const index: GraphIndex = { graph, units, reachMemo: new Map(), ...(reachTable ? { reachTable } : {}) };
  for (const unit of model.units) {
    if (unit.gplCompatible) continue;
    graph.reach.push(...reachOfUnit(index, unit.id));
  }
  return index;
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

/** Is this edge a step into another scanned unit's plain export? */
function plainScanned(e: ReferenceEdge, from: string): boolean {
  return e.providerKind === 'scanned' && e.exportType === 'plain' && e.provider !== null && e.provider !== from;
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
      const idx = index.units.get(u);
      if (!idx) continue;
      for (const e of idx.refs.get(f) ?? []) {
        const hop: Hop = { unit: u, fn: f, edge: e };
        if (e.exportType === 'gpl') {
          if (!found.has(e.symbol)) found.set(e.symbol, pathTo(node, hop));
          continue;
        }
        if (!plainScanned(e, u)) continue;
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
  const scanned = e.providerKind === 'scanned' ? index.units.get(provider) : undefined;
  const exp = scanned?.unit.exports.find((x) => x.symbol === e.symbol);
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
  const idx = index.units.get(unitId)!;
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
      if (!plainScanned(e, unitId)) continue;
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
  const idx = index.units.get(unit.id);
  if (!idx) return [];
  const out: LaunderedUse[] = [];
  for (const imp of unit.imports) {
    if (imp.providerKind !== 'scanned' || imp.exportType !== 'plain' || !imp.provider || imp.provider === unit.id) continue;
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
