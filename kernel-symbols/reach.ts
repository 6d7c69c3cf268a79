/**
 * Inline and macro reach: which exported symbols a header's `static inline` functions and
 * function-like macros lead to. A module that calls `devm_kzalloc` (a static inline in
 * include/linux/device.h) links against `devm_kmalloc` (EXPORT_SYMBOL_GPL), because the
 * header's code is compiled into the module.
 *
 * The data is a graph, one per kernel version, built from the headers of Debian's
 * `linux-headers-<abi>-common` package by build/inline-reach.ts:
 *  - a node is a name defined in the headers as a static inline function or a function-like
 *    macro that is not itself exported by that kernel, and from which at least one export
 *    can be reached;
 *  - an edge goes from a node to a name its body calls (or, for a macro, names; for an inline
 *    function, references as a value), when that name is a node or an export;
 *  - the walk stops at exports: an exported name is what the module links to.
 * `reach(name)` walks the graph breadth first, so each export comes with a shortest chain of
 * intermediate names (ties broken by name order: the same data always gives the same paths).
 * `reachedBy(symbol)` walks it backwards: the inline functions and macros that lead to an export.
 *
 * File format (version 1): a gzip stream of two JSON lines, a ReachMeta header and a body of
 * columns (see ReachBody). Deterministic: the same headers and database give the same bytes.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { shippedDataDir } from './database';
import { DatabaseFormatError, KernelSymbolsError } from './errors';
import type { KernelDbMeta } from './types';

export const REACH_FORMAT_NAME = 'gplcheck-inline-reach' as const;
export const REACH_FORMAT_VERSION = 1;
export const REACH_SUFFIX = '.reach.json.gz';

export interface ReachMeta {
  format: typeof REACH_FORMAT_NAME;
  formatVersion: number;
  /** Name of the kernel database whose exports the walk stopped at (`6.1`). */
  name: string;
  /** Upstream series (`6.1`). */
  version: string;
  /** Kernel release of that database (`6.1.0-56-amd64`). */
  kernel: string;
  source: {
    /** Debian package the headers came from, e.g. `linux-headers-6.1.0-56-common`. */
    package?: string;
    packageVersion?: string;
    suite?: string;
    /** Header directories read, relative to the headers' root (`include`, `arch/x86/include`). */
    dirs: string[];
    /** sha256 of the export database file the walk used. */
    databaseSha256?: string;
    /** The configuration `#if` branches were evaluated against (autoconf.h of the kernel's -amd64 headers package). */
    config?: { package?: string; file: string; sha256: string; options: number };
  };
  counts: {
    /** Header files read. */
    headers: number;
    /** Static inline functions and function-like macros defined in them (distinct names). */
    definitions: number;
    /** Of those, the ones that reach at least one export (the graph's nodes). */
    nodes: number;
    /** Distinct exports reached from some node. */
    exportsReached: number;
    /** (node, export) pairs: the size of the full reach table. */
    pairs: number;
  };
}

/** Column layout of the body line. */
export interface ReachBody {
  /** Header paths relative to the headers' root, sorted. */
  files: string[];
  /** SPDX-License-Identifier expression of each file ('' when it has none). */
  spdx: string[];
  /** Node names (sorted) followed by the exported names they reach directly (sorted), joined by ' '. */
  names: string;
  nodeCount: number;
  /** One character per node: 'F' static inline function, 'M' function-like macro, 'B' both (in different configurations). */
  kinds: string;
  /** Per node: how many definitions (per configuration or header); then [fileIndex, line] pairs, node by node, most-included header first, then in path order. */
  defCounts: number[];
  defs: number[];
  /** Per node: how many edges; then all edge targets (indices into names), node by node, each list sorted by name. */
  edgeCounts: number[];
  edges: number[];
  /** The other names the headers define as static inline functions or function-like macros
   *  (they reach no export), sorted, joined by ' ': such a name is no export, but not absent. */
  others?: string;
}

export type DefinitionKind = 'inline' | 'macro' | 'both';

export interface ReachDefinition {
  name: string;
  kind: DefinitionKind;
  /** Header path relative to the headers' root, e.g. `include/linux/device.h` (the first definition: in the most-included header). */
  file: string;
  line: number;
  /** The header's SPDX expression, when it has one. */
  spdx?: string;
  /** Every definition (different configurations or headers), most-included header first; the first is file:line above. */
  all: { file: string; line: number; spdx?: string }[];
}

export interface ReachEntry {
  /** An exported symbol. */
  symbol: string;
  /** Intermediate inline functions/macros between the starting name and the symbol (empty: direct). */
  path: string[];
}

export interface ReachedBy {
  /** A static inline function or function-like macro that leads to the symbol. */
  name: string;
  /** Intermediate names between `name` and the symbol. */
  path: string[];
}

const KIND_OF: Record<string, DefinitionKind> = { F: 'inline', M: 'macro', B: 'both' };

export class InlineReach {
  readonly names: readonly string[];
  private readonly index = new Map<string, number>();
  private readonly edgeStart: Int32Array;
  private readonly defStart: Int32Array;
  private reverse?: number[][];
  private readonly memo = new Map<number, ReachEntry[]>();
  private otherNames?: Set<string>;

  constructor(
    readonly meta: ReachMeta,
    private readonly body: ReachBody,
    readonly file?: string,
  ) {
    this.names = body.names === '' ? [] : body.names.split(' ');
    for (let i = 0; i < this.names.length; i++) this.index.set(this.names[i], i);
    this.edgeStart = new Int32Array(body.nodeCount + 1);
    for (let i = 0; i < body.nodeCount; i++) this.edgeStart[i + 1] = this.edgeStart[i] + body.edgeCounts[i];
    this.defStart = new Int32Array(body.nodeCount + 1);
    for (let i = 0; i < body.nodeCount; i++) this.defStart[i + 1] = this.defStart[i] + 2 * body.defCounts[i];
  }

  /** Number of nodes (inline functions and macros that reach an export). */
  get size(): number {
    return this.body.nodeCount;
  }

  /** True when the headers define `name` as a static inline function or function-like macro,
   *  whether or not it reaches an export. */
  defines(name: string): boolean {
    if (this.has(name)) return true;
    this.otherNames ??= new Set(this.body.others ? this.body.others.split(' ') : []);
    return this.otherNames.has(name);
  }

  /** True when `name` is an inline function or macro of the headers that reaches an export. */
  has(name: string): boolean {
    const i = this.index.get(name);
    return i !== undefined && i < this.body.nodeCount;
  }

  /** The node names, sorted. */
  nodes(): string[] {
    return this.names.slice(0, this.body.nodeCount);
  }

  definition(name: string): ReachDefinition | undefined {
    const i = this.index.get(name);
    if (i === undefined || i >= this.body.nodeCount) return undefined;
    const all: ReachDefinition['all'] = [];
    for (let k = this.defStart[i]; k < this.defStart[i + 1]; k += 2) {
      const f = this.body.defs[k];
      const one: ReachDefinition['all'][number] = { file: this.body.files[f], line: this.body.defs[k + 1] };
      if (this.body.spdx[f]) one.spdx = this.body.spdx[f];
      all.push(one);
    }
    return { name, kind: KIND_OF[this.body.kinds[i]], ...all[0], all };
  }

  /** Names `name` refers to directly (nodes and exports). */
  direct(name: string): string[] {
    const i = this.index.get(name);
    if (i === undefined || i >= this.body.nodeCount) return [];
    return this.body.edges.slice(this.edgeStart[i], this.edgeStart[i + 1]).map((j) => this.names[j]);
  }

  /** Every export `name` reaches, with a shortest chain of intermediates; sorted by symbol. [] when not a node. */
  reach(name: string): ReachEntry[] {
    const start = this.index.get(name);
    if (start === undefined || start >= this.body.nodeCount) return [];
    const hit = this.memo.get(start);
    if (hit) return hit;
    const { nodeCount, edges } = this.body;
    const parent = new Map<number, number>([[start, -1]]);
    const found: number[] = [];
    let frontier = [start];
    while (frontier.length) {
      const next: number[] = [];
      for (const u of frontier) {
        for (let k = this.edgeStart[u]; k < this.edgeStart[u + 1]; k++) {
          const v = edges[k];
          if (parent.has(v)) continue;
          parent.set(v, u);
          if (v < nodeCount) next.push(v);
          else found.push(v);
        }
      }
      frontier = next;
    }
    const out = found
      .map((v) => {
        const chain: string[] = [];
        for (let u = parent.get(v)!; u !== start; u = parent.get(u)!) chain.push(this.names[u]);
        return { symbol: this.names[v], path: chain.reverse() };
      })
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    this.memo.set(start, out);
    return out;
  }

  /** The inline functions and macros that reach `symbol`, nearest first, each with its chain. */
  reachedBy(symbol: string): ReachedBy[] {
    const target = this.index.get(symbol);
    if (target === undefined) return [];
    const rev = this.reverseEdges();
    // Backwards breadth-first walk; `next[u]` is u's step towards the target.
    const next = new Map<number, number>([[target, -1]]);
    const order: number[] = [];
    let frontier = [target];
    while (frontier.length) {
      const level: number[] = [];
      for (const v of frontier) {
        for (const u of rev[v] ?? []) {
          if (next.has(u)) continue;
          next.set(u, v);
          level.push(u);
        }
      }
      level.sort((a, b) => a - b);
      order.push(...level);
      frontier = level;
    }
    return order.map((u) => {
      const chain: string[] = [];
      for (let w = next.get(u)!; w !== target; w = next.get(w)!) chain.push(this.names[w]);
      return { name: this.names[u], path: chain };
    });
  }

  private reverseEdges(): number[][] {
    if (this.reverse) return this.reverse;
    const rev: number[][] = new Array(this.names.length);
    const { nodeCount, edges } = this.body;
    for (let u = 0; u < nodeCount; u++) {
      for (let k = this.edgeStart[u]; k < this.edgeStart[u + 1]; k++) (rev[edges[k]] ??= []).push(u);
    }
    this.reverse = rev;
    return rev;
  }
}

// ------------------------------------------------------------------------------------------
// Encoding and decoding
// ------------------------------------------------------------------------------------------

export function encodeReach(meta: ReachMeta, body: ReachBody): Buffer {
  return zlib.gzipSync(Buffer.from(`${JSON.stringify(meta)}\n${JSON.stringify(body)}\n`), { level: 9 });
}

function check(file: string, meta: ReachMeta): void {
  if (!meta || meta.format !== REACH_FORMAT_NAME) throw new DatabaseFormatError(file, `not an inline reach table (format ${JSON.stringify(meta?.format)})`);
  if (meta.formatVersion !== REACH_FORMAT_VERSION) {
    throw new DatabaseFormatError(file, `inline reach format version ${meta.formatVersion} is not supported (this gplcheck reads version ${REACH_FORMAT_VERSION})`);
  }
}

export function decodeReach(data: Buffer, file = '<buffer>'): InlineReach {
  let text: string;
  try {
    text = zlib.gunzipSync(data).toString('utf8');
  } catch (e) {
    throw new DatabaseFormatError(file, `not a gzip stream (${(e as Error).message})`);
  }
  const nl = text.indexOf('\n');
  let meta: ReachMeta;
  let body: ReachBody;
  try {
    meta = JSON.parse(text.slice(0, nl));
    check(file, meta);
    body = JSON.parse(text.slice(nl + 1));
  } catch (e) {
    if (e instanceof KernelSymbolsError) throw e;
    throw new DatabaseFormatError(file, `damaged inline reach table (${(e as Error).message})`);
  }
  const n = body.nodeCount;
  if (
    !Array.isArray(body.files) ||
    body.kinds.length !== n ||
    body.defCounts.length !== n ||
    body.defCounts.reduce((a, b) => a + b, 0) * 2 !== body.defs.length ||
    body.edgeCounts.length !== n ||
    body.edgeCounts.reduce((a, b) => a + b, 0) !== body.edges.length
  ) {
    throw new DatabaseFormatError(file, 'damaged inline reach table (column lengths disagree)');
  }
  return new InlineReach(meta, body, file);
}

// ------------------------------------------------------------------------------------------
// Finding the table of a kernel database
// ------------------------------------------------------------------------------------------

const cache = new Map<string, InlineReach | null>();

/** Path of the shipped reach table of a database name (it may not exist). */
export function reachPath(name: string, dir = shippedDataDir()): string {
  return path.join(dir, `${name}${REACH_SUFFIX}`);
}

/** Loads a reach table by shipped name (`6.1`) or file path. Throws KernelSymbolsError when missing or damaged. */
export function loadReach(nameOrPath: string, dir?: string): InlineReach {
  const p = nameOrPath.endsWith(REACH_SUFFIX) || nameOrPath.includes(path.sep) ? nameOrPath : reachPath(nameOrPath, dir);
  const hit = cache.get(p);
  if (hit) return hit;
  let data: Buffer;
  try {
    data = fs.readFileSync(p);
  } catch (e) {
    throw new KernelSymbolsError(`${p}: cannot read inline reach table (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'db-read', p);
  }
  const r = decodeReach(data, p);
  cache.set(p, r);
  return r;
}

/**
 * The reach table to use with a kernel database: the shipped table of the same name, else
 * the shipped table of the same version series (a user database of a 6.1 kernel uses 6.1's),
 * else undefined. Never throws for a missing table; a damaged one throws.
 */
export function reachFor(meta: Pick<KernelDbMeta, 'name' | 'version'>, dir = shippedDataDir()): InlineReach | undefined {
  for (const name of [meta.name, meta.version]) {
    const p = reachPath(name, dir);
    if (cache.has(p)) {
      const hit = cache.get(p);
      if (hit) return hit;
      continue;
    }
    if (!fs.existsSync(p)) {
      cache.set(p, null);
      continue;
    }
    return loadReach(p);
  }
  return undefined;
}
