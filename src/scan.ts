/** The pipeline: files -> analyzers -> facts -> link -> rules -> findings. */
import type { FileFacts, ReadError } from '../analyzers/facts';
import { RULES, runRules, type RuleSettings } from '../rules';
import type { KernelSymbolDb } from '../kernel-symbols/types';
import type { ScanResult } from '../reports/types';
import { analyzeBuffer, readCandidate } from './analyze';
import { discover } from './discover';
import { link } from './link';
import { TOOL } from './version';

export interface ScanOptions {
  db: KernelSymbolDb;
  rules?: RuleSettings;
  cwd?: string;
  /** Glob patterns to leave out (see discover). */
  exclude?: string[];
  /** Respect .gitignore files (default true). */
  gitignore?: boolean;
  command?: string;
  now?: Date;
}

export interface ScanOutput {
  result: ScanResult;
  facts: FileFacts[];
}

export async function scan(inputs: string[], options: ScanOptions): Promise<ScanOutput> {
  const t0 = Date.now();
  const found = discover(inputs, { cwd: options.cwd, exclude: options.exclude, gitignore: options.gitignore });
  const errors: ReadError[] = [...found.errors];
  const facts: FileFacts[] = [];
  const warnings: ReadError[] = [];
  let bytes = 0;
  let skipped = 0;
  for (const file of found.files) {
    const data = readCandidate(file.absolute, file.path);
    if (data === null) {
      skipped++;
      continue;
    }
    if (!Buffer.isBuffer(data)) {
      errors.push(data);
      continue;
    }
    bytes += data.length;
    const r = analyzeBuffer(file.path, data);
    if (r.kind === 'facts') {
      facts.push(r.facts);
      warnings.push(...r.facts.warnings);
    } else if (r.kind === 'error') errors.push(r.error);
    else skipped++;
  }
  const model = link(facts, options.db, errors);
  const findings = runRules(model, options.rules);
  const result: ScanResult = {
    tool: TOOL,
    database: options.db.meta,
    invocation: {
      command: options.command ?? `gplcheck scan ${inputs.join(' ')}`,
      date: (options.now ?? new Date()).toISOString(),
    },
    inputs,
    units: model.units,
    findings,
    errors: errors.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    warnings,
    rules: RULES.map((r) => r.meta),
    stats: { files: found.files.length, bytes, analysed: facts.length, skipped, excluded: found.excluded, ms: Date.now() - t0 },
  };
  return { result, facts };
}
