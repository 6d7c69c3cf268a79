/**
 * Building the inline/macro reach graph (see ../reach.ts) from a kernel's headers with the C
 * analyser.
 *
 * For every header under the given directories (Debian's linux-headers-<abi>-common has
 * `include/` and `arch/x86/include/`):
 *  - analyzeC gives its function definitions (static inline ones, with line ranges), the calls
 *    and function values inside each, and its `#define`s with the names their bodies call;
 *  - an inline function's edges: the names it calls (calls the analyser found through the
 *    file's own macros are left out: the macro is a node itself, so the chain shows it), the
 *    functions it uses as values, and exported names it mentions as values (data exports such
 *    as `jiffies`, found lexically: identifiers not after `.`, `->`, `struct`/`union`/`enum`);
 *  - a function-like macro's edges: the names its body calls, and exported names it mentions
 *    (`printk()` passes `_printk` to another macro);
 *  - `#if`/`#ifdef` branches are evaluated against the kernel's own configuration
 *    (include/generated/autoconf.h of the linux-headers-<abi>-amd64 package, kconfig.ts):
 *    code under a condition that is false for that build is left out; a condition on anything
 *    but CONFIG_ options and a few predefined names is unknown, and both branches stay;
 *  - definitions of the same name left after that (per header, unknown conditions) are merged:
 *    the graph is their union.
 * Nodes are then the defined names that are not exported and reach at least one export; the
 * other defined names are listed apart (`others`), so that a name the headers define is never
 * taken for one they do not (a macro such as 6.12's `strscpy`, whose body pastes tokens).
 */
import * as fs from 'fs';
import * as path from 'path';
import { analyzeC, releaseTrees } from '../../analyzers/c';
import type { CFileFacts } from '../../analyzers/facts';
import type { ReachBody, ReachMeta } from '../reach';
import { deadLines, type Config } from './kconfig';
import { REACH_FORMAT_NAME, REACH_FORMAT_VERSION } from '../reach';
import { listHeaders as listHeaderFiles } from '../source-index';

/** Header directories of an x86-64 headers package, relative to its root. */
export const DEFAULT_HEADER_DIRS = ['include', 'arch/x86/include'];

export interface DefinitionFacts {
  name: string;
  kind: 'inline' | 'macro';
  file: string;
  line: number;
  conditional: boolean;
  /** Names referred to (calls first). */
  refs: string[];
}

/** Every `.h` under `dirs` of `root`, relative to root, sorted. */
export function listHeaders(root: string, dirs: readonly string[] = DEFAULT_HEADER_DIRS): string[] {
  return listHeaderFiles(root, dirs);
}

const CH_DOT = 46;
const CH_GT = 62;
const CH_MINUS = 45;

/** Operators whose operand is not evaluated: names in it are no reference. */
const UNEVALUATED = new Set([
  'sizeof', 'typeof', '__typeof__', '__typeof', '__alignof__', '_Alignof', 'offsetof',
  '__builtin_constant_p', '__builtin_types_compatible_p', '__same_type', '__is_constexpr',
]);

/**
 * Identifiers of C text used as values (not after `.`/`->`, not a struct/union/enum tag),
 * comments, string and char literals skipped. `#`-stringified and `##`-pasted names are left
 * out, and so are the operands of sizeof/typeof/__builtin_constant_p and the like, and the
 * right side of `__builtin_constant_p(x) && y` (the kernel's compile-time-only idiom, as in
 * 6.1's flush_workqueue(): `y` is folded away unless the caller passed a constant).
 */
export function valueIdentifiers(text: string): Set<string> {
  const out = new Set<string>();
  const re = /\/\*[\s\S]*?(?:\*\/|$)|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|##\s*[A-Za-z_]\w*|#\s*[A-Za-z_]\w*|[A-Za-z_]\w*(?:\s*##)?|\d\w*|\|\||&&|[(){}\[\];,?:]/g;
  interface Tok {
    t: string;
    /** an identifier that counts as a value use */
    value: boolean;
  }
  const toks: Tok[] = [];
  let prevWord = '';
  let pasteNext = false;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const t = m[0];
    const c = t.charCodeAt(0);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) {
      if (c === 35) prevWord = ''; // # / ##
      if (c === 40 || c === 41 || c === 123 || c === 125 || c === 91 || c === 93 || c === 59 || c === 44 || c === 63 || c === 58 || t === '&&' || t === '||') {
        toks.push({ t, value: false });
      }
      continue;
    }
    if (t.endsWith('#')) {
      prevWord = '';
      pasteNext = true;
      continue; // pasted
    }
    if (pasteNext) {
      pasteNext = false;
      continue;
    }
    // previous non-space character
    let i = m.index - 1;
    while (i >= 0 && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\\' || text[i] === '\r')) i--;
    const p = i >= 0 ? text.charCodeAt(i) : 0;
    const member = p === CH_DOT || (p === CH_GT && i > 0 && text.charCodeAt(i - 1) === CH_MINUS);
    const tagged = prevWord === 'struct' || prevWord === 'union' || prevWord === 'enum';
    toks.push({ t, value: !member && !tagged });
    prevWord = t;
  }
  const OPEN = new Set(['(', '[', '{']);
  const CLOSE = new Set([')', ']', '}']);
  /** Index after the group opened at `i` (or i when toks[i] does not open one). */
  const group = (i: number): number => {
    if (!OPEN.has(toks[i]?.t)) return i;
    let depth = 0;
    for (let k = i; k < toks.length; k++) {
      if (OPEN.has(toks[k].t)) depth++;
      else if (CLOSE.has(toks[k].t) && --depth === 0) return k + 1;
    }
    return toks.length;
  };
  for (let i = 0; i < toks.length; i++) {
    const tk = toks[i];
    if (UNEVALUATED.has(tk.t)) {
      let j = group(i + 1);
      if (j === i + 1) continue; // `sizeof x`: leave the next token as is
      if (tk.t === '__builtin_constant_p' && toks[j]?.t === '&&') {
        j++;
        if (OPEN.has(toks[j]?.t)) j = group(j);
        else {
          while (j < toks.length && !['||', '&&', '?', ':', ';', ','].includes(toks[j].t) && !CLOSE.has(toks[j].t)) j = OPEN.has(toks[j].t) ? group(j) : j + 1;
        }
      }
      i = j - 1;
      continue;
    }
    if (tk.value) out.add(tk.t);
  }
  return out;
}

/**
 * The definitions of one analysed header: static inline functions with what they refer to,
 * and function-like macros with what their bodies refer to. `isExport` picks the names that
 * may be added from a lexical look at the bodies (exports mentioned as values). `dead` (from
 * kconfig.ts deadLines, index 0 = line 1) drops definitions, calls and body lines the kernel's
 * configuration does not compile.
 */
export function definitionsOf(
  facts: CFileFacts,
  text: string,
  isExport: (name: string) => boolean,
  dead?: readonly boolean[],
): DefinitionFacts[] {
  const out: DefinitionFacts[] = [];
  const lines = text.split('\n');
  const live = (line: number | undefined): boolean => line === undefined || !dead?.[line - 1];
  for (const fn of facts.functions) {
    if (!fn.static && !fn.inline) continue;
    if (!live(fn.location.line)) continue;
    const refs: string[] = [];
    const seen = new Set<string>([fn.name]);
    const add = (n: string): void => {
      if (seen.has(n)) return;
      seen.add(n);
      refs.push(n);
    };
    const inside = (l: { function?: string; line?: number }): boolean =>
      l.function === fn.name && l.line !== undefined && l.line >= fn.location.line! && l.line <= fn.endLine && live(l.line);
    for (const c of facts.calls) if (!c.site.viaMacros && inside(c.site.location)) add(c.callee);
    for (const c of facts.addressTaken) if (inside(c.site.location)) add(c.callee);
    const body: string[] = [];
    for (let l = fn.location.line!; l <= fn.endLine; l++) body.push(live(l) ? lines[l - 1] ?? '' : '');
    for (const id of valueIdentifiers(body.join('\n'))) if (isExport(id)) add(id);
    out.push({ name: fn.name, kind: 'inline', file: facts.path, line: fn.location.line!, conditional: !!fn.conditional, refs });
  }
  for (const m of facts.macros) {
    if (!m.params || !live(m.location.line)) continue;
    const refs: string[] = [];
    const seen = new Set<string>([m.name, ...m.params]);
    for (const n of m.calls) if (!seen.has(n)) (seen.add(n), refs.push(n));
    for (const id of valueIdentifiers(m.body)) if (!seen.has(id) && isExport(id)) (seen.add(id), refs.push(id));
    out.push({ name: m.name, kind: 'macro', file: facts.path, line: m.location.line!, conditional: !!m.conditional, refs });
  }
  return out;
}

/** SPDX expression of a header ('' when none), from the analyser's facts. */
function spdxOf(f: CFileFacts): string {
  return f.spdx[0]?.expression ?? '';
}

export interface BuildReachOptions {
  /** Root of the unpacked headers (the directory holding include/ and arch/). */
  root: string;
  dirs?: readonly string[];
  /** Exported names of the kernel database the walk stops at. */
  isExport: (name: string) => boolean;
  /** The kernel's configuration (autoconf.h, kconfig.ts): branches it does not compile are left out. */
  config?: Config;
  meta: Omit<ReachMeta, 'format' | 'formatVersion' | 'counts' | 'source'> & { source: Omit<ReachMeta['source'], 'dirs'> };
  /** Called every 500 headers. */
  progress?: (done: number, total: number) => void;
}

export interface BuiltReach {
  meta: ReachMeta;
  body: ReachBody;
  /** Every definition read (for tests and diagnostics). */
  definitions: DefinitionFacts[];
  warnings: number;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Parses the headers and builds the graph. Async only to let tree finalisers run now and then. */
export async function buildReach(opts: BuildReachOptions): Promise<BuiltReach> {
  const dirs = [...(opts.dirs ?? DEFAULT_HEADER_DIRS)];
  const headers = listHeaders(opts.root, dirs);
  const definitions: DefinitionFacts[] = [];
  const spdxByFile = new Map<string, string>();
  const includedBy = new Map<string, number>();
  const headerSet = new Set(headers);
  let warnings = 0;
  for (let i = 0; i < headers.length; i++) {
    const rel = headers[i];
    const text = fs.readFileSync(path.join(opts.root, rel), 'utf8');
    const facts = analyzeC(rel, text);
    warnings += facts.warnings.length;
    spdxByFile.set(rel, spdxOf(facts));
    for (const inc of facts.includes) {
      const candidates = inc.system
        ? dirs.flatMap((d) => [`${d}/${inc.target}`, `${d}/uapi/${inc.target}`])
        : [path.posix.normalize(`${path.posix.dirname(rel)}/${inc.target}`)];
      for (const c of candidates) if (headerSet.has(c)) includedBy.set(c, (includedBy.get(c) ?? 0) + 1);
    }
    definitions.push(...definitionsOf(facts, text, opts.isExport, opts.config ? deadLines(text, opts.config) : undefined));
    if (i % 200 === 199) {
      releaseTrees();
      await new Promise((r) => setImmediate(r));
    }
    if (opts.progress && i % 500 === 499) opts.progress(i + 1, headers.length);
  }
  const built = graphOf(definitions, opts.isExport, (f) => includedBy.get(f) ?? 0);
  const files = [...new Set(built.nodes.flatMap((n) => n.defs.map((d) => d.file)))].sort(cmp);
  const fileIdx = new Map(files.map((f, i) => [f, i]));
  const names = [...built.nodes.map((n) => n.name), ...built.terminals];
  const nameIdx = new Map(names.map((n, i) => [n, i]));
  const edgeCounts: number[] = [];
  const edges: number[] = [];
  for (const n of built.nodes) {
    const targets = n.edges.map((t) => nameIdx.get(t)!).sort((a, b) => cmp(names[a], names[b]));
    edgeCounts.push(targets.length);
    edges.push(...targets);
  }
  const body: ReachBody = {
    files,
    spdx: files.map((f) => spdxByFile.get(f) ?? ''),
    names: names.join(' '),
    nodeCount: built.nodes.length,
    kinds: built.nodes.map((n) => (n.kinds.size > 1 ? 'B' : n.kinds.has('inline') ? 'F' : 'M')).join(''),
    defCounts: built.nodes.map((n) => n.defs.length),
    defs: built.nodes.flatMap((n) => n.defs.flatMap((d) => [fileIdx.get(d.file)!, d.line])),
    edgeCounts,
    edges,
  };
  const reaching = new Set(built.nodes.map((n) => n.name));
  const others = [...new Set(definitions.map((d) => d.name))].filter((n) => !reaching.has(n) && !opts.isExport(n)).sort(cmp);
  if (others.length) body.others = others.join(' ');
  const meta: ReachMeta = {
    format: REACH_FORMAT_NAME,
    formatVersion: REACH_FORMAT_VERSION,
    ...opts.meta,
    source: { ...opts.meta.source, dirs },
    counts: {
      headers: headers.length,
      definitions: new Set(definitions.map((d) => d.name)).size,
      nodes: built.nodes.length,
      exportsReached: built.exportsReached,
      pairs: built.pairs,
    },
  };
  return { meta, body, definitions, warnings };
}

interface GraphNode {
  name: string;
  kinds: Set<'inline' | 'macro'>;
  /** Definitions in path order. */
  defs: { file: string; line: number }[];
  edges: string[];
}

/** `include/asm-generic/...` holds fallbacks used only when the architecture has no definition of its own. */
const GENERIC = /^include\/asm-generic\//;
const ARCH = /^arch\//;

/**
 * Merges definitions by name, keeps the edges to defined or exported names, and prunes to the
 * names that reach an export. A name the architecture defines (`arch/x86/include`) ignores its
 * `include/asm-generic` fallback definitions, as the fallbacks are guarded against it.
 * A name's definitions are listed most-included header first (`rank`: how many headers include
 * the file), so `pr_info` shows include/linux/printk.h before a driver header's fallback, and
 * `spin_lock` include/linux/spinlock.h before the PREEMPT_RT variant; then in path order.
 */
export function graphOf(
  definitions: readonly DefinitionFacts[],
  isExport: (name: string) => boolean,
  rank: (file: string) => number = () => 0,
): { nodes: GraphNode[]; terminals: string[]; exportsReached: number; pairs: number } {
  const byName = new Map<string, { kinds: Set<'inline' | 'macro'>; defs: DefinitionFacts[]; refs: Set<string> }>();
  const ordered = [...definitions].sort((a, b) => rank(b.file) - rank(a.file) || cmp(a.file, b.file) || a.line - b.line);
  const archDefined = new Set(ordered.filter((d) => ARCH.test(d.file)).map((d) => d.name));
  for (const d of ordered) {
    if (isExport(d.name)) continue; // the build exports it: a call links to the export itself
    if (GENERIC.test(d.file) && archDefined.has(d.name)) continue;
    let e = byName.get(d.name);
    if (!e) byName.set(d.name, (e = { kinds: new Set(), defs: [], refs: new Set() }));
    e.defs.push(d);
    e.kinds.add(d.kind);
    for (const r of d.refs) e.refs.add(r);
  }
  // Keep edges to defined names or exports; then find the names from which an export is reachable.
  const succ = new Map<string, string[]>();
  const pred = new Map<string, string[]>();
  const reaching = new Set<string>();
  let frontier: string[] = [];
  for (const [name, e] of byName) {
    const out = [...e.refs].filter((r) => r !== name && (byName.has(r) || isExport(r)));
    succ.set(name, out);
    for (const r of out) {
      if (byName.has(r)) {
        let p = pred.get(r);
        if (!p) pred.set(r, (p = []));
        p.push(name);
      } else if (!reaching.has(name)) {
        reaching.add(name);
        frontier.push(name);
      }
    }
  }
  while (frontier.length) {
    const next: string[] = [];
    for (const v of frontier) {
      for (const u of pred.get(v) ?? []) {
        if (reaching.has(u)) continue;
        reaching.add(u);
        next.push(u);
      }
    }
    frontier = next;
  }
  const nodes: GraphNode[] = [...reaching].sort(cmp).map((name) => {
    const e = byName.get(name)!;
    return {
      name,
      kinds: e.kinds,
      defs: e.defs.map((d) => ({ file: d.file, line: d.line })),
      edges: succ.get(name)!.filter((r) => reaching.has(r) || !byName.has(r)),
    };
  });
  const terminals = [...new Set(nodes.flatMap((n) => n.edges.filter((r) => !byName.has(r))))].sort(cmp);
  // Size of the full table: for each node, the exports reachable from it.
  let pairs = 0;
  const nodeSet = new Map(nodes.map((n) => [n.name, n]));
  for (const n of nodes) {
    const seen = new Set<string>([n.name]);
    let f = [n.name];
    while (f.length) {
      const nx: string[] = [];
      for (const u of f) {
        for (const v of nodeSet.get(u)!.edges) {
          if (seen.has(v)) continue;
          seen.add(v);
          if (nodeSet.has(v)) nx.push(v);
          else pairs++;
        }
      }
      f = nx;
    }
  }
  return { nodes, terminals, exportsReached: terminals.length, pairs };
}
