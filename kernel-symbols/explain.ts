/**
 * `gplcheck explain SYMBOL`: everything the knowledge base holds about one name.
 *  - its export type, namespace and providing module in every known kernel, and the history
 *    phrase ("plain in 5.10, GPL-only since 6.1");
 *  - in each kernel where it is a static inline function or function-like macro of the headers
 *    instead, where it is defined and which exports it reaches;
 *  - with a source index (`gplcheck symbols index`): its EXPORT_SYMBOL* sites (file:line) and
 *    the headers that declare it, with their SPDX licences;
 *  - the header inline functions and macros of the selected kernel that reach it.
 * explain() returns plain data; renderExplain() makes the text.
 */
import { DEFAULT_DATABASE } from './database';
import { UnknownDatabaseError } from './errors';
import { KnowledgeBase, describeHistory, type SymbolState } from './history';
import { reachFor, type InlineReach, type ReachDefinition, type ReachEntry } from './reach';
import type { Declaration, ExportSite, HeaderLicence, SourceIndex } from './source-index';
import type { KernelSymbolDb } from './types';

export interface InlineInKernel {
  /** Database name (`6.1`). */
  kernel: string;
  definition: ReachDefinition;
  /** Exports reached, with their type in that kernel. */
  reaches: (ReachEntry & { type: 'gpl' | 'plain' })[];
}

export interface ReachingName {
  name: string;
  /** Intermediate names between `name` and the symbol. */
  path: string[];
  definition?: ReachDefinition;
}

export interface ExplainResult {
  symbol: string;
  /** The kernel database asked about (`--kernel`). */
  kernel: string;
  /** State in every known kernel, oldest first. */
  states: SymbolState[];
  /** "plain in 5.10, GPL-only since 6.1" (and the namespace phrase, when it changed). */
  history: string;
  /** Kernels where the name is a header inline function or macro (reaching exports). */
  inline: InlineInKernel[];
  /** From the source index, when one was given. */
  index?: {
    tree: string;
    kernelVersion?: string;
    sites: ExportSite[];
    declarations: (Declaration & { licence?: HeaderLicence })[];
  };
  /** Header inline functions and macros of the selected kernel that reach the symbol, nearest first. */
  reachedBy: ReachingName[];
  /** Nothing known: not exported by any known kernel, not a header inline/macro, not in the index. */
  unknown: boolean;
}

export interface ExplainOptions {
  /** Database name of the kernel to focus on (default 6.1). */
  kernel?: string;
  knowledge?: KnowledgeBase;
  index?: SourceIndex;
}

export function explain(symbol: string, opts: ExplainOptions = {}): ExplainResult {
  const kb = opts.knowledge ?? KnowledgeBase.load();
  const kernel = opts.kernel ?? DEFAULT_DATABASE;
  const selected = kb.databases.find((d) => d.meta.name === kernel);
  if (!selected) {
    throw new UnknownDatabaseError(kernel, kb.names);
  }
  const h = kb.history(symbol);
  const inline: InlineInKernel[] = [];
  const reaches = new Map<KernelSymbolDb, InlineReach | undefined>();
  for (const db of kb.databases) {
    const r = reachFor(db.meta);
    reaches.set(db, r);
    const def = r?.definition(symbol);
    if (!r || !def) continue;
    inline.push({
      kernel: db.meta.name,
      definition: def,
      reaches: r.reach(symbol).map((e) => ({ ...e, type: db.lookup(e.symbol)?.type ?? 'plain' })),
    });
  }
  const sel = reaches.get(selected);
  const reachedBy: ReachingName[] = (sel?.reachedBy(symbol) ?? []).map((b) => {
    const d = sel!.definition(b.name);
    return { name: b.name, path: b.path, ...(d ? { definition: d } : {}) };
  });
  const result: ExplainResult = {
    symbol,
    kernel,
    states: h.states,
    history: describeHistory(h),
    inline,
    reachedBy,
    unknown: !h.states.some((s) => s.status !== 'absent') && inline.length === 0,
  };
  if (opts.index) {
    const sites = opts.index.exportSites(symbol);
    const declarations = opts.index.declarationsOf(symbol);
    result.index = {
      tree: opts.index.meta.tree,
      ...(opts.index.meta.kernelVersion ? { kernelVersion: opts.index.meta.kernelVersion } : {}),
      sites,
      declarations,
    };
    if (sites.length || declarations.length) result.unknown = false;
  }
  return result;
}

const TYPE_MACRO = { gpl: 'EXPORT_SYMBOL_GPL', plain: 'EXPORT_SYMBOL', absent: 'not exported' } as const;
const KIND_WORD = { inline: 'static inline function', macro: 'function-like macro', both: 'static inline function or macro' } as const;

function licenceText(l?: HeaderLicence): string {
  if (!l) return '';
  const marks = [l.uapi ? 'UAPI' : '', l.syscallNote ? 'syscall note' : ''].filter(Boolean).join(', ');
  return ` (${l.spdx ?? 'no SPDX line'}${marks ? `; ${marks}` : ''})`;
}

/** The explanation as text; `limit` caps the list of reaching inline functions and macros. */
export function renderExplain(r: ExplainResult, limit = 20): string {
  const out: string[] = [r.symbol];
  const width = Math.max(...r.states.map((s) => s.name.length), 4);
  for (const s of r.states) {
    const inl = r.inline.find((i) => i.kernel === s.name);
    let what: string = TYPE_MACRO[s.status];
    if (s.status !== 'absent') {
      what = `${what.padEnd(17)} ${s.module ?? ''}${s.namespace ? `  namespace ${s.namespace}` : ''}`;
    } else if (inl) {
      what = `${KIND_WORD[inl.definition.kind]} of the headers`;
    }
    out.push(`  ${s.name.padEnd(width)}  ${what}${s.name === r.kernel ? '   <- selected' : ''}`.trimEnd());
  }
  out.push(`  history: ${r.history}`);
  for (const i of r.inline) {
    const d = i.definition;
    out.push(`  ${i.kernel}: ${KIND_WORD[d.kind]} at ${d.file}:${d.line}${d.spdx ? ` (${d.spdx})` : ''}`);
    for (const e of i.reaches) {
      out.push(`      reaches ${e.symbol} (${e.type === 'gpl' ? 'GPL-only' : 'plain'})${e.path.length ? ` through ${e.path.join(' → ')}` : ''}`);
    }
  }
  if (r.index) {
    const where = `${r.index.tree}${r.index.kernelVersion ? ` ${r.index.kernelVersion}` : ''}`;
    if (r.index.sites.length === 0) out.push(`  export site: none found in ${where}`);
    for (const s of r.index.sites) {
      const extra = [s.namespace ? `namespace ${s.namespace}` : '', s.forModules ? `for ${s.forModules.join(', ')}` : '', s.conditional ? 'inside #if' : '']
        .filter(Boolean)
        .join(', ');
      out.push(`  export site: ${s.file}:${s.line} ${s.macro}${extra ? ` (${extra})` : ''}   [${where}]`);
    }
    if (r.index.declarations.length === 0) out.push('  declared in: no header of include/ or arch/*/include/');
    for (const d of r.index.declarations) out.push(`  declared in: ${d.file}:${d.line}${licenceText(d.licence)}`);
  } else {
    out.push('  export site and declaring headers: give a source index (--index FILE, from `gplcheck symbols index`)');
  }
  if (r.reachedBy.length === 0) out.push(`  reached from header inline functions and macros (${r.kernel}): none`);
  else {
    out.push(`  reached from ${r.reachedBy.length} header inline functions and macros (${r.kernel}):`);
    for (const b of r.reachedBy.slice(0, limit)) {
      const d = b.definition;
      out.push(`      ${b.name}${b.path.length ? ` → ${b.path.join(' → ')}` : ''}${d ? `   ${d.file}:${d.line}` : ''}`);
    }
    if (r.reachedBy.length > limit) out.push(`      … and ${r.reachedBy.length - limit} more`);
  }
  if (r.unknown) out.push('  not exported by any known kernel, and no header inline function or macro of that name reaches an export');
  return `${out.join('\n')}\n`;
}
