/** What every reporter renders. Built by the pipeline; reporters never compute findings. */
import type { ReadError } from '../analyzers/facts';
import type { KernelDbMeta } from '../kernel-symbols/types';
import type { Unit } from '../rules/model';
import type { Finding, RuleMeta } from '../rules/types';

export interface ScanResult {
  tool: { name: string; version: string };
  database: KernelDbMeta;
  /** The command line and start time, so a report can be reproduced. */
  invocation: { command: string; cwd?: string; date: string };
  /** The scanned inputs as given. */
  inputs: string[];
  units: Unit[];
  findings: Finding[];
  errors: ReadError[];
  /** Parts of readable files that could not be understood (unparsable regions, bad entries). */
  warnings: ReadError[];
  rules: RuleMeta[];
  stats: { files: number; bytes: number; analysed: number; skipped: number; ms: number };
}

export interface Reporter {
  /** Format name as given to --format. */
  name: string;
  render(result: ScanResult, options: { color?: boolean }): string;
}
