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
   *  excluded: entries left out, in all; leftOut: the same by why (absent from results made
   *  before it was counted). */
  stats: { files: number; bytes: number; analysed: number; skipped: number; excluded: number; leftOut?: LeftOut; ms: number };
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
  stats: { files: number; bytes: number; analysed: number; skipped: number; excluded: number; leftOut?: LeftOut; cacheHits: number };
}

/**
 * The entries of the scanned trees that a scan did not read, and did not count as errors, by
 * why: files and directories alike, a directory counting once whatever it holds.
 */
export interface LeftOut {
  /** Matched a rule of a .gitignore file (scan --no-gitignore reads them). */
  gitignore: number;
  /** Matched an --exclude pattern. */
  exclude: number;
  /** Under one of the configuration's ignored paths. */
  ignored: number;
  /** The scan's own cache directory, inside the scanned tree. */
  cache: number;
  /** Never walked: version-control metadata (.git, .hg, .svn) and node_modules. */
  metadata: number;
  /** Not files: sockets, FIFOs and devices (reading a FIFO would block). */
  special: number;
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
