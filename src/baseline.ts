/**
 * Baselines: findings a reviewer has accepted, each with the reason, so that CI fails only on
 * new ones. Entries match findings by a fingerprint of rule, unit, symbol and the functions
 * the evidence sits in (reports/common.ts findingFingerprint): no line numbers, so moving code
 * or rebuilding keeps them; a use from another function is new.
 *
 *   gplcheck baseline PATHS… --output gplcheck-baseline.json   writes every finding, reason ""
 *   gplcheck scan PATHS… --baseline gplcheck-baseline.json     new / accepted / stale
 *   gplcheck scan PATHS… --baseline FILE --prune               also drops stale entries
 *
 * A baseline with an empty reason is refused: accepting a finding is a decision someone made.
 */
import * as fs from 'fs';
import { findingFingerprint, findingFunctions } from '../reports/common';
import type { BaselineComparison, BaselineEntry } from '../reports/render';
import type { ScanResult } from '../reports/types';
import type { Finding } from '../rules/types';

export const BASELINE_FORMAT = 'gplcheck-baseline';
export const BASELINE_FORMAT_VERSION = 1;
export const DEFAULT_BASELINE_FILE = 'gplcheck-baseline.json';

export const BASELINE_INSTRUCTIONS =
  'Each entry accepts one finding. Write in "reason" why it is accepted (who decided, on what grounds, ' +
  'e.g. a legal review reference). `gplcheck scan --baseline FILE` refuses this file while any reason is ' +
  'empty; it then reports findings as new or accepted, and entries no finding matches as stale ' +
  '(`--prune` removes those). Entries match by fingerprint (rule, unit, symbol, functions), not by line.';

export interface BaselineFile {
  format: typeof BASELINE_FORMAT;
  formatVersion: number;
  instructions: string;
  tool: { name: string; version: string };
  database: { name: string; kernel: string };
  created: string;
  command: string;
  entries: BaselineEntry[];
}

/** A baseline file that cannot be used; the message names the file (and the entry). */
export class BaselineError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`baseline ${file}: ${message}`);
    this.name = 'BaselineError';
  }
}

export function entryFor(f: Finding): BaselineEntry {
  return {
    fingerprint: findingFingerprint(f),
    ruleId: f.ruleId,
    unit: f.unit,
    ...(f.symbol ? { symbol: f.symbol } : {}),
    functions: findingFunctions(f),
    message: f.message,
    reason: '',
  };
}

function describe(e: Pick<BaselineEntry, 'ruleId' | 'unit' | 'symbol'>): string {
  return `${e.ruleId}, unit ${e.unit}${e.symbol ? `, symbol ${e.symbol}` : ''}`;
}

/**
 * A baseline of every finding of the result. Reasons already written in `previous` are kept for
 * the findings that are still there.
 */
export function createBaseline(result: ScanResult, previous?: BaselineFile): BaselineFile {
  const reasons = new Map((previous?.entries ?? []).map((e) => [e.fingerprint, e.reason]));
  const seen = new Set<string>();
  const entries: BaselineEntry[] = [];
  for (const f of result.findings) {
    const e = entryFor(f);
    if (seen.has(e.fingerprint)) continue;
    seen.add(e.fingerprint);
    entries.push({ ...e, reason: reasons.get(e.fingerprint) ?? '' });
  }
  return {
    format: BASELINE_FORMAT,
    formatVersion: BASELINE_FORMAT_VERSION,
    instructions: BASELINE_INSTRUCTIONS,
    tool: result.tool,
    database: { name: result.database.name, kernel: result.database.kernel },
    created: result.invocation.date,
    command: result.invocation.command,
    entries,
  };
}

export function serializeBaseline(b: BaselineFile): string {
  return JSON.stringify(b, null, 2) + '\n';
}

export function writeBaseline(file: string, b: BaselineFile): void {
  fs.writeFileSync(file, serializeBaseline(b));
}

/** Reads and checks a baseline file; `requireReasons` refuses entries without a reason. */
export function readBaseline(file: string, options: { requireReasons?: boolean } = {}): BaselineFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BaselineError(file, code === 'ENOENT' ? 'no such file (write one with `gplcheck baseline PATHS… --output FILE`)' : `cannot read: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new BaselineError(file, `not JSON: ${(e as Error).message}`);
  }
  const b = doc as Partial<BaselineFile>;
  if (!b || typeof b !== 'object' || b.format !== BASELINE_FORMAT) {
    throw new BaselineError(file, `not a gplcheck baseline (expected "format": "${BASELINE_FORMAT}")`);
  }
  if (b.formatVersion !== BASELINE_FORMAT_VERSION) {
    throw new BaselineError(file, `format version ${String(b.formatVersion)} is not supported (this gplcheck reads version ${BASELINE_FORMAT_VERSION})`);
  }
  if (!Array.isArray(b.entries)) throw new BaselineError(file, '"entries" is not a list');
  b.entries.forEach((e, i) => {
    const where = `entry ${i + 1}`;
    if (!e || typeof e !== 'object') throw new BaselineError(file, `${where} is not an object`);
    for (const k of ['fingerprint', 'ruleId', 'unit'] as const) {
      if (typeof e[k] !== 'string' || e[k] === '') throw new BaselineError(file, `${where} has no "${k}"`);
    }
    if (typeof e.reason !== 'string') throw new BaselineError(file, `${where} (${describe(e)}) has no "reason"`);
    if (!Array.isArray(e.functions)) e.functions = [];
    if (typeof e.message !== 'string') e.message = '';
  });
  if (options.requireReasons) {
    const empty = b.entries.map((e, i) => ({ e, i })).filter(({ e }) => e.reason.trim() === '');
    if (empty.length) {
      const { e, i } = empty[0];
      const more = empty.length > 1 ? ` (and ${empty.length - 1} more entr${empty.length === 2 ? 'y' : 'ies'} without a reason)` : '';
      throw new BaselineError(
        file,
        `entry ${i + 1} (${describe(e)}, fingerprint ${e.fingerprint}) has an empty "reason"${more}; ` +
          'write why each finding is accepted, or remove the entry',
      );
    }
  }
  return b as BaselineFile;
}

/** Which findings the baseline accepts, which are new, and which entries are stale. */
export function compareWithBaseline(result: ScanResult, baseline: BaselineFile, file: string): BaselineComparison {
  const byFp = new Map(baseline.entries.map((e) => [e.fingerprint, e]));
  const status: BaselineComparison['status'] = {};
  const matched = new Set<string>();
  let accepted = 0;
  let fresh = 0;
  for (const f of result.findings) {
    const fp = findingFingerprint(f);
    const e = byFp.get(fp);
    if (e) {
      status[fp] = { status: 'accepted', reason: e.reason };
      matched.add(fp);
      accepted++;
    } else {
      status[fp] = { status: 'new' };
      fresh++;
    }
  }
  const stale = baseline.entries.filter((e) => !matched.has(e.fingerprint));
  return { file, status, stale, counts: { new: fresh, accepted, stale: stale.length } };
}

/** The baseline without its stale entries. */
export function pruneBaseline(baseline: BaselineFile, comparison: BaselineComparison): BaselineFile {
  const stale = new Set(comparison.stale.map((e) => e.fingerprint));
  return { ...baseline, entries: baseline.entries.filter((e) => !stale.has(e.fingerprint)) };
}

/** The findings that count for --fail-on: all of them, or with a baseline only the new ones. */
export function countedFindings(result: ScanResult): Finding[] {
  const b = result.baseline;
  if (!b) return result.findings;
  return result.findings.filter((f) => b.status[findingFingerprint(f)]?.status !== 'accepted');
}

/** One line for the terminal. */
export function baselineSummary(c: BaselineComparison): string {
  return (
    `baseline ${c.file}: ${c.counts.new} new, ${c.counts.accepted} accepted, ${c.counts.stale} stale` +
    (c.counts.stale ? ' (run with --prune to drop stale entries)' : '')
  );
}
