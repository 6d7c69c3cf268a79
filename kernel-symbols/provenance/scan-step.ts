/**
 * The scan's provenance step (`gplcheck scan --provenance INDEX...`): after analysis, every
 * scanned C file is read again (from the page cache), fingerprinted and matched; the matches
 * land in its facts (CFileFacts.provenance). Without --provenance nothing here runs.
 * Also: the report section that lists every matched region with its unit.
 */
import * as fs from 'fs';
import type { CFileFacts, FileFacts, ProvenanceMatch, ReadError } from '../../analyzers/facts';
import type { ProvenanceIndex } from './load';
import { DEFAULT_MIN_TOKENS, matchSource } from './match';

export interface ProvenanceScanOptions {
  indices: ProvenanceIndex[];
  /** Smallest reported region in normalised tokens (--provenance-min-tokens). */
  minTokens?: number;
  minShare?: number;
}

/** modpost's generated glue is Linux's template filled with the module's own tables. */
function isGenerated(p: string): boolean {
  return p.endsWith('.mod.c');
}

/** Matches every C file of `facts` in place; `absolute` maps a shown path to the file on disk. */
export function attachProvenance(facts: FileFacts[], absolute: (shownPath: string) => string | undefined, options: ProvenanceScanOptions): ReadError[] {
  const errors: ReadError[] = [];
  for (const f of facts) {
    if (f.analyzer !== 'c' || isGenerated(f.path)) continue;
    const abs = absolute(f.path);
    if (!abs) continue;
    let data: Buffer;
    try {
      data = fs.readFileSync(abs);
    } catch (e) {
      errors.push({ path: f.path, message: `provenance: cannot read again (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
      continue;
    }
    f.provenance = matchSource(f.path, data, options.indices, { minTokens: options.minTokens, minShare: options.minShare });
  }
  return errors;
}

/** The report's provenance section. */
export interface ProvenanceReport {
  /** The indices (file counts and winnowing parameters are known when the scan loaded them,
   *  not when shards were merged). */
  indices: { name: string; kernel: string; sourceLabel?: string; files?: number; k?: number; w?: number }[];
  minTokens?: number;
  /** C files fingerprinted, and their normalised tokens. */
  files: number;
  tokens: number;
  /** Tokens inside reported regions. */
  matchedTokens: number;
  regions: (ProvenanceMatch & { unit?: string })[];
}

/**
 * The section from the facts (so merged shards give the same section): every region, with the
 * unit its file belongs to. Undefined when no file was fingerprinted.
 */
export function provenanceReport(
  facts: readonly FileFacts[],
  unitFacts: ReadonlyMap<string, readonly FileFacts[]>,
  options?: ProvenanceScanOptions,
): ProvenanceReport | undefined {
  const cs = facts.filter((f): f is CFileFacts => f.analyzer === 'c' && f.provenance !== undefined);
  if (cs.length === 0 && !options) return undefined;
  const unitOf = new Map<string, string>();
  for (const [unit, fs_] of unitFacts) for (const f of fs_) if (!unitOf.has(f.path)) unitOf.set(f.path, unit);
  const regions: ProvenanceReport['regions'] = [];
  let tokens = 0;
  let matchedTokens = 0;
  for (const f of cs) {
    tokens += f.provenance!.tokens;
    for (const m of f.provenance!.matches) {
      matchedTokens += m.tokens;
      const unit = unitOf.get(f.path);
      regions.push({ ...(unit !== undefined ? { unit } : {}), ...m });
    }
  }
  const names = new Set<string>(cs.flatMap((f) => f.provenance!.indices));
  const indices = options
    ? options.indices.map((i) => ({
        name: i.meta.name,
        kernel: i.meta.kernel,
        ...(i.meta.sourceLabel ? { sourceLabel: i.meta.sourceLabel } : {}),
        files: i.meta.counts.files,
        k: i.meta.k,
        w: i.meta.w,
      }))
    : [...names].map((name) => ({ name, kernel: regions.find((r) => r.origin.index === name)?.origin.kernel ?? 'unknown' }));
  return { indices, ...(options ? { minTokens: options.minTokens ?? DEFAULT_MIN_TOKENS } : {}), files: cs.length, tokens, matchedTokens, regions };
}
