// gplcheck's loader predictions (loader-refusal, proprietary-taint) against the verdicts of the real
// Linux 6.1 loader on the same .ko files: those the boot test loaded in its QEMU guest
// (OUTDIR/modules). Uses the recorded result of an earlier boot when there is one (BOOT_TEST_OUT or
// .cache/boot-test), else boots (about 20-40 s with the Debian packages cached).

import { existsSync } from 'fs';
import * as path from 'path';
import { loadDatabase } from '../../kernel-symbols';
import { scan } from '../../src/scan';
import type { Finding } from '../../rules/types';
import { BootResult, VMKERNEL_MODULES, defaultBootOutDir, readBootResult, runBootTest } from './boot';

jest.setTimeout(420_000);

let boot: BootResult;
let findings: Finding[];

beforeAll(async () => {
  const out = defaultBootOutDir();
  boot = existsSync(path.join(out, 'events.jsonl')) ? readBootResult(out) : await runBootTest();
  const kos = VMKERNEL_MODULES.map((m) => boot.modules[m].koPath);
  const { result } = await scan(kos, { db: loadDatabase('6.1'), jobs: 1, cache: false });
  findings = result.findings;
});

const of = (unit: string, rule: string) => findings.filter((f) => f.unit === unit && f.ruleId === rule);

/** What gplcheck predicts for a module: refused by the loader, or tainting the kernel P. */
function prediction(unit: string) {
  const refusal = of(unit, 'loader-refusal');
  const taint = of(unit, 'proprietary-taint');
  const gplOnly = of(unit, 'gpl-only-symbol');
  return { loads: refusal.length === 0 && gplOnly.length === 0, taintsP: taint.length > 0, refusal, taint };
}

test.each([...VMKERNEL_MODULES])('%s: predicted load and P taint equal the real loader\'s', (m) => {
  const real = boot.modules[m];
  const p = prediction(m);
  expect({ loads: p.loads, taintsP: p.taintsP }).toEqual({ loads: real.loaded, taintsP: real.taintFlags.proprietary });
});

test('vmk_core: proprietary-taint quotes the line the loader printed', () => {
  const [f] = prediction('vmk_core').taint;
  const line = f.message.match(/"(vmk_core: module license '[^']+' taints kernel\.)"/)![1];
  expect(boot.modules.vmk_core.dmesg).toContain(line);
});

test('vmk_shim: neither refused nor tainting', () => {
  expect(prediction('vmk_shim')).toMatchObject({ loads: true, taintsP: false });
  expect(boot.modules.vmk_shim.inheritTaintRefusal).toBeNull();
});

test('vmk_refuse: loader-refusal names vmkcore_world_count from vmk_core, with the loader\'s exact message', () => {
  const real = boot.modules.vmk_refuse.inheritTaintRefusal!;
  expect(real).not.toBeNull();
  const [f] = prediction('vmk_refuse').refusal;
  expect(f.symbol).toBe(real.symbols);
  expect(f.message).toContain(`imports ${real.symbols} from ${real.owner}`);
  expect(f.message).toContain(`"${real.line}"`);
});
