/**
 * How much evidence a scan collects from binaries. Reading relocations (every place that
 * references an import, with its function) is most of what analysing a module costs, and a
 * GPL-compatible module that no boundary path passes through needs none of it: the kernel's
 * rules for it are about which symbols it imports, not where. So by default (`boundary`):
 *
 *  1. a kernel module whose licence tags pass the kernel's license.h test is first read for its
 *     symbol tables only (imports, exports, functions; `sitesOmitted` in its facts); every
 *     other binary (a module that is not GPL-compatible or has no licence, an object, a
 *     program) is read in full;
 *  2. after analysis, `needingSites` picks the modules read that way whose references are
 *     evidence after all, and the pipeline reads them again in full: a module that exports a
 *     symbol some other scanned file references with full evidence (a shim used by a core,
 *     transitively), and a module that uses a namespaced export without importing the
 *     namespace.
 *
 * `all` reads every binary in full (`--evidence all`). Shards always do, and `gplcheck merge`
 * applies the level afterwards (`applyEvidenceLevel`), so that it reports exactly what a
 * single scan would have.
 */
import type { ElfFileFacts, FileFacts } from '../analyzers/facts';
import type { AnalyzeElfOptions } from '../analyzers/elf';
import { modpostGplCompatible } from '../kernel-symbols/licenses';
import type { KernelSymbolDb } from '../kernel-symbols/types';
import { forEachCallee } from './code-table';

export type EvidenceLevel = 'boundary' | 'all';

export const EVIDENCE_LEVELS: readonly EvidenceLevel[] = ['boundary', 'all'];

/** Step 1: is this binary read for its symbol tables only? */
function leanByDefault(f: { licenses: readonly string[]; unitKind: ElfFileFacts['unitKind'] }): boolean {
  return f.unitKind === 'kernel-module' && modpostGplCompatible(f.licenses);
}

/** The analyser's `sites` option for a level. */
export function elfSitesOption(level: EvidenceLevel): AnalyzeElfOptions['sites'] {
  if (level === 'all') return true;
  return (f) => !leanByDefault(f);
}

/** Names a fact references with full evidence. */
function referencedNames(f: FileFacts, out: (name: string) => void): void {
  if (f.analyzer === 'elf') {
    for (const i of f.imports) out(i.symbol);
  } else if (f.analyzer === 'c') {
    forEachCallee(f, out);
  }
}

/**
 * Paths of the binaries read without sites (step 1 above; `lean` tells which) that need them
 * (step 2), in the order of `facts`.
 */
export function needingSites(
  facts: readonly FileFacts[],
  db: KernelSymbolDb,
  lean: (f: ElfFileFacts) => boolean = (f) => f.sitesOmitted === true,
): string[] {
  const omitted = facts.filter((f): f is ElfFileFacts => f.analyzer === 'elf' && lean(f));
  if (omitted.length === 0) return [];
  const exporters = new Map<string, ElfFileFacts[]>();
  const namespaceOf = new Map<string, string | undefined>();
  for (const f of facts) {
    for (const e of f.analyzer === 'kbuild' ? [] : f.exports) {
      if (!namespaceOf.has(e.symbol)) namespaceOf.set(e.symbol, e.namespace);
    }
  }
  for (const f of omitted) {
    for (const e of f.exports) {
      const list = exporters.get(e.symbol);
      if (list) list.push(f);
      else exporters.set(e.symbol, [f]);
    }
  }
  const needed = new Set<ElfFileFacts>();
  const queue: FileFacts[] = [];
  const need = (f: ElfFileFacts): void => {
    if (!needed.has(f)) {
      needed.add(f);
      queue.push(f);
    }
  };
  // A namespaced export used without its namespace imported.
  for (const f of omitted) {
    for (const i of f.imports) {
      const ns = namespaceOf.has(i.symbol) ? namespaceOf.get(i.symbol) : db.lookup(i.symbol)?.namespace;
      if (ns && !f.importNs.includes(ns)) {
        need(f);
        break;
      }
    }
  }
  // Providers of what files with full evidence reference, transitively.
  const isLean = new Set<FileFacts>(omitted);
  for (const f of facts) if (!isLean.has(f)) queue.push(f);
  while (queue.length) {
    referencedNames(queue.pop()!, (name) => {
      for (const p of exporters.get(name) ?? []) need(p);
    });
  }
  return omitted.filter((f) => needed.has(f)).map((f) => f.path);
}

/**
 * The facts a scan at `level` would have produced, from facts read in full (a merge of shards):
 * binaries that step 1 reads lean and step 2 does not read again lose their sites.
 */
export function applyEvidenceLevel(facts: readonly FileFacts[], db: KernelSymbolDb, level: EvidenceLevel): FileFacts[] {
  if (level === 'all') return [...facts];
  const needed = new Set(needingSites(facts, db, leanByDefault));
  return facts.map((f) =>
    f.analyzer !== 'elf' || f.sitesOmitted || !leanByDefault(f) || needed.has(f.path)
      ? f
      : { ...f, imports: f.imports.map((i) => ({ symbol: i.symbol, sites: [] })), internalRefs: [], sitesOmitted: true as const },
  );
}
