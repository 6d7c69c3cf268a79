/**
 * modpost parity: the real modpost (linux-kbuild-6.1) and gplcheck look at the same objects of
 * every fixture case. Where modpost fails the build, gplcheck reports the same module, symbol
 * and kind of problem; where modpost is silent, gplcheck has no gpl-only-symbol finding.
 */
import * as path from 'path';
import { findKernelSymvers, runModpost, type ModpostMessage } from './modpost';
import { MODULE_CASES, moduleCase, type ModuleCase } from '../fixtures/modules/cases';
import { loadDatabase } from '../../kernel-symbols';
import { scan } from '../../src/scan';
import type { Finding } from '../../rules/types';

jest.setTimeout(120_000);

const KIND: Record<string, string> = {
  'gpl-only-symbol': 'gpl-only',
  'namespace-not-imported': 'namespace-not-imported',
  'missing-license': 'missing-license',
};

const key = (kind: string, module: string, symbol?: string) => `${kind} ${module}${symbol ? ` ${symbol}` : ''}`;

function modpostKeys(msgs: ModpostMessage[]): string[] {
  return msgs
    .filter((m) => ['gpl-only', 'namespace-not-imported', 'missing-license'].includes(m.kind))
    .map((m) => key(m.kind, (m.module ?? path.basename(m.file ?? '', '.o')).replace(/\.ko$/, ''), m.kind === 'missing-license' ? undefined : m.symbol))
    .sort();
}

function gplcheckKeys(findings: Finding[], unit: string): string[] {
  return findings
    .filter((f) => f.unit === unit && KIND[f.ruleId])
    .map((f) => key(KIND[f.ruleId], f.unit, f.ruleId === 'missing-license' ? undefined : f.symbol))
    .sort();
}

// The database of the kernel the fixtures were built against, straight from its Module.symvers.
const db = loadDatabase(findKernelSymvers());

async function scanCase(c: ModuleCase, pick: (c: ModuleCase) => string) {
  const files = [c, ...c.providers.map(moduleCase)].map(pick);
  const { result } = await scan(files, { db });
  expect(result.errors).toEqual([]);
  return result;
}

describe.each(MODULE_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  let modpost: string[];
  beforeAll(async () => {
    modpost = modpostKeys(await runModpost(c.dir));
  });

  test('gplcheck on the .o files reports what modpost reports', async () => {
    const result = await scanCase(c, (x) => x.object);
    expect(gplcheckKeys(result.findings, c.name)).toEqual(modpost);
  });

  test('gplcheck on the linked .ko files reports the same', async () => {
    const result = await scanCase(c, (x) => x.ko);
    expect(gplcheckKeys(result.findings, c.name)).toEqual(modpost);
  });
});

test('the laundering case: modpost is silent, gplcheck shows the import chain', async () => {
  const c = moduleCase('prop_via_shim');
  expect(modpostKeys(await runModpost(c.dir))).toEqual([]);
  const result = await scanCase(c, (x) => x.ko);
  expect(result.findings.filter((f) => f.ruleId === 'gpl-only-symbol')).toEqual([]);
  const prop = result.units.find((u) => u.id === 'prop_via_shim')!;
  const shim = result.units.find((u) => u.id === 'gpl_shim')!;
  const wrapper = prop.imports.find((i) => i.providerKind === 'scanned')!;
  expect(wrapper).toMatchObject({ symbol: 'shim_clock_now_ns', provider: 'gpl_shim', exportType: 'plain' });
  expect(shim.exports).toEqual(expect.arrayContaining([expect.objectContaining({ symbol: 'shim_clock_now_ns', type: 'plain' })]));
  expect(shim.imports).toEqual(expect.arrayContaining([expect.objectContaining({ symbol: 'ktime_get', exportType: 'gpl', provider: 'vmlinux' })]));
});
