/**
 * Real scan results for the reporter tests: the committed module fixtures (sources and the
 * objects kbuild built from them) and the vmkernel reference hypervisor, through the real
 * pipeline (src/scan.ts) against the shipped 6.1 database. Cached per test file.
 */
import * as path from 'path';
import type { FileFacts } from '../analyzers/facts';
import { loadDatabase } from '../kernel-symbols';
import type { ScanResult } from '../reports/types';
import { scan } from '../src/scan';

export const REPO = path.resolve(__dirname, '..');
export const REPORT_INPUTS = ['test/fixtures/modules', 'vmkernel'];

let cached: Promise<{ result: ScanResult; facts: FileFacts[] }> | undefined;

/** Scan of the fixtures and vmkernel, paths relative to the repository (as a user in it would see). */
export function scanReportInputs(): Promise<{ result: ScanResult; facts: FileFacts[] }> {
  cached ??= scan(REPORT_INPUTS, {
    db: loadDatabase('6.1'),
    cwd: REPO,
    command: `gplcheck scan ${REPORT_INPUTS.join(' ')}`,
    now: new Date('2026-01-15T10:00:00Z'),
  });
  return cached;
}

export async function scanPaths(inputs: string[], cwd: string): Promise<{ result: ScanResult; facts: FileFacts[] }> {
  return scan(inputs, { db: loadDatabase('6.1'), cwd, command: `gplcheck scan ${inputs.join(' ')}` });
}
