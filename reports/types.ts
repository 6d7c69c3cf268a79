/** What every reporter renders. Built by the pipeline; reporters never compute findings. */
import type { FileFacts, ReadError } from '../analyzers/facts';
import type { KernelDbMeta } from '../kernel-symbols/types';
import type { ProvenanceReport } from '../kernel-symbols/provenance/scan-step';
import type { BoundaryGraph } from '../rules/graph';
import type { Unit } from '../rules/model';
import type { Finding, RuleMeta } from '../rules/types';
import type { BaselineComparison, RenderOptions } from './render';

export interface ScanResult {
  tool: { name: string; version: string };
  database: KernelDbMeta;
  /** The command line and start time, so a report can be reproduced. */
  invocation: { command: string; cwd?: string; date: string };
  /** The scanned inputs as given. */
  inputs: string[];
  units: Unit[];
  findings: Finding[];
  /** Units, symbols and the edges between them, with the shortest path to each GPL-only symbol (rules/graph.ts). */
  graph?: BoundaryGraph;
  errors: ReadError[];
  /** Parts of readable files that could not be understood (unparsable regions, bad entries). */
  warnings: ReadError[];
  rules: RuleMeta[];
  /** Set when the scan compared its findings with a baseline file (--baseline). */
  baseline?: BaselineComparison;
  /** files: discovered; analysed: read by an analyser; skipped: neither C, Kbuild nor ELF;
   *  excluded: left out by .gitignore, --exclude, the configuration's ignored paths, or as the
   *  scan's own cache directory. */
  stats: { files: number; bytes: number; analysed: number; skipped: number; excluded: number; ms: number };
  /** Present when the scan was one shard of several (`--shard i/n`). */
  shard?: ShardData;
  /** Code found in indexed Linux trees (`--provenance`): every region with its origin. */
  provenance?: ProvenanceReport;
}

/** A shard's own analysis, carried so that `gplcheck merge` can link all shards together. */
export interface ShardData {
  index: number;
  count: number;
  /** The evidence level asked for (src/evidence.ts); the shard itself read every binary in full. */
  evidence?: 'boundary' | 'all';
  facts: FileFacts[];
  errors: ReadError[];
  stats: { files: number; bytes: number; analysed: number; skipped: number; excluded: number; cacheHits: number };
}

export interface Reporter {
  /** Format name as given to --format. */
  name: string;
  render(result: ScanResult, options: RenderOptions): string;
  /** The same text as `render`, handed to `sink` in pieces, for reports too large for one string. */
  write?(result: ScanResult, options: RenderOptions, sink: (chunk: string) => void): void;
}

/**
 * A result read back from storage (the result cache) may hold its heavy properties - a unit's
 * imports, the graph's fields - as values read when asked for. Such an object has a method
 * under RELEASE: `obj[RELEASE](key)` says the caller is done with `obj[key]`, and the object
 * may drop it (it is read again if asked for again). A report that walks a whole kernel tree's
 * result so keeps one unit's imports at a time rather than all of them.
 */
export const RELEASE = Symbol('gplcheck.release');
