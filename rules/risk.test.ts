import * as path from 'path';
import { loadDatabase } from '../kernel-symbols';
import { REPORTERS } from '../reports';
import { scan } from '../src/scan';
import type { ScanResult } from '../reports/types';
import { RISK_LEVELS, CRITICAL_BREADTH } from './risk';

const REPO = path.resolve(__dirname, '..');
const db = loadDatabase('6.1');
const run = async (inputs: string[]) => (await scan(inputs, { db, cwd: REPO, jobs: 1, cache: false })).result;
const riskOf = (r: ScanResult, id: string) => r.units.find((u) => u.id === id)?.risk;

/** Words that would turn an assessment into a legal conclusion. */
const LEGAL_CONCLUSION = /violat|infring|illegal|unlawful|is a derived work|is a derivative work|breach/i;

let vmkernel: ScanResult;
let fixtures: ScanResult;
beforeAll(async () => {
  // The checkout's .gitignore leaves out build products: the sources only.
  vmkernel = await run(['vmkernel']);
  fixtures = await run(['test/fixtures/modules/build']);
});

describe('gplcheck scan vmkernel (sources)', () => {
  test('reads only the sources', () => {
    expect(vmkernel.units.map((u) => [u.id, u.kind, u.evidence])).toEqual([
      ['vmk_core', 'kernel-module', 'source'],
      ['vmk_refuse', 'kernel-module', 'source'],
      ['vmk_shim', 'kernel-module', 'source'],
      ['vmm', 'userspace', 'source'],
    ]);
  });

  test('reports the path core → shim → GPL-only symbol, with a location at each hop', () => {
    const f = vmkernel.findings.find((x) => x.ruleId === 'gpl-only-via-shim' && x.symbol === 'vmk_time_ns')!;
    expect(f.unit).toBe('vmk_core');
    expect(f.message).toMatch(/^vmk_core uses vmk_time_ns, exported by vmk_shim with plain EXPORT_SYMBOL; inside vmk_shim it reaches GPL-only ktime_get \(path: vmkcore_create_worlds → vmk_time_ns → ktime_get\)/);
    expect(f.path!.map((s) => [s.unit, s.symbol, s.location ? `${s.location.path}:${s.location.line}` : null])).toEqual([
      ['vmk_core', 'vmkcore_create_worlds', 'vmkernel/core/vmkcore_main.c:62'],
      ['vmk_shim', 'vmk_time_ns', 'vmkernel/shim/vmk_time.c:29'],
      ['vmlinux', 'ktime_get', null],
    ]);
    // what modpost lets through: one finding per laundering export the core uses
    const exports = vmkernel.findings.filter((x) => x.ruleId === 'gpl-only-via-shim').map((x) => x.symbol);
    expect(exports).toEqual(expect.arrayContaining(['vmk_time_ns', 'vmk_timer_create', 'vmk_timer_cancel', 'vmk_timer_destroy', 'vmk_work_flush', 'vmk_work_destroy', 'vmk_workqueue_destroy', 'vmk_dev_free']));
    // the honest EXPORT_SYMBOL_GPL wrappers are not laundering
    expect(exports).not.toContain('vmk_time_raw_ns');
    expect(exports).not.toContain('vmk_pci_find_ext_capability');
  });

  test('gives each unit a risk and a rationale written from the evidence', () => {
    const core = riskOf(vmkernel, 'vmk_core')!;
    expect(core.level).toBe('critical');
    expect(core.rationale).toMatch(/^Not GPL-compatible \(MODULE_LICENSE "Proprietary"\)\. It reaches \d+ GPL-only kernel symbols \(/);
    expect(core.rationale).toMatch(/through \d+ plain exports of vmk_shim/);
    expect(core.rationale).toMatch(/e\.g\. \w+ → vmk_\w+ → /);
    expect(core.rationale).toMatch(/\(gpl-only-via-shim\)/);
    expect(core.rationale).toMatch(/Loading it taints the kernel P \(proprietary-taint\)/);
    expect(riskOf(vmkernel, 'vmk_refuse')).toEqual({
      level: 'medium',
      rationale:
        'GPL-compatible (MODULE_LICENSE "GPL"). The loader refuses it: it uses GPL-only symbols and also vmkcore_world_count of a module that taints the kernel P (loader-refusal).',
    });
    const shim = riskOf(vmkernel, 'vmk_shim')!;
    expect(shim.level).toBe('low');
    expect(shim.rationale).toMatch(/^GPL-compatible \(MODULE_LICENSE "GPL"\)\. It serves as the shim: \d+ functions it exports with plain EXPORT_SYMBOL \(vmk_dev_alloc, vmk_dev_free, vmk_time_ns/);
    expect(shim.rationale).toMatch(/are used by vmk_core, which is not GPL-compatible\.$/);
    expect(riskOf(vmkernel, 'vmm')!.level).toBe('none');
    for (const u of vmkernel.units) expect(u.risk!.rationale).not.toMatch(LEGAL_CONCLUSION);
  });

  test('the text report shows risk, rationale and paths', () => {
    const text = REPORTERS.text.render(vmkernel, { color: false });
    expect(text).toMatch(/^vmk_core {2}kernel-module, "Proprietary" \(not GPL-compatible\), source\n.*\n {2}risk critical: Not GPL-compatible/m);
    expect(text).toContain('             1. vmk_core  vmkcore_create_worlds  calls vmk_time_ns  at vmkernel/core/vmkcore_main.c:62:39\n');
    expect(text).toContain('             2. vmk_shim  vmk_time_ns  calls ktime_get  at vmkernel/shim/vmk_time.c:29:21\n');
    expect(text).toContain('             3. vmlinux  ktime_get  exported with EXPORT_SYMBOL_GPL\n');
    expect(text).toMatch(/^Risk per unit: 1 critical, 1 medium, 1 low, 1 none$/m);
  });

  test('the JSON report carries units[].risk and the graph', () => {
    const doc = JSON.parse(REPORTERS.json.render(vmkernel, {})) as {
      units: { id: string; risk?: { level: string } }[];
      graph: { reach: { unit: string; via: string[] }[] };
      summary: { byRisk: Record<string, number> };
    };
    expect(doc.units.map((u) => [u.id, u.risk?.level])).toEqual([
      ['vmk_core', 'critical'],
      ['vmk_refuse', 'medium'],
      ['vmk_shim', 'low'],
      ['vmm', 'none'],
    ]);
    expect(doc.graph.reach.filter((r) => r.unit === 'vmk_core').every((r) => r.via[0] === 'vmk_shim')).toBe(true);
    expect(doc.summary.byRisk).toEqual({ critical: 1, medium: 1, low: 1, none: 1 });
  });
});

describe('the module fixtures (binaries)', () => {
  test.each([
    ['prop_direct', 'critical', /It uses 2 GPL-only symbols directly \(ktime_get and synchronize_rcu; \d+ places\)/],
    ['prop_uses_gpl_export', 'critical', /GPL-only symbol directly \(toy_gpl_checksum/],
    ['prop_via_shim', 'high', /It reaches 1 GPL-only kernel symbol \(ktime_get\) through 1 plain export of gpl_shim \(shim_clock_now_ns\), e\.g\. prop_via_shim_init → shim_clock_now_ns → ktime_get; modpost and the loader see only plain exports here/],
    ['nolic', 'medium', /^No licence declared \(the kernel treats that as not GPL-compatible\)\. missing MODULE_LICENSE\(\) in /],
    ['clean_prop', 'low', /^Not GPL-compatible \(MODULE_LICENSE "Proprietary"\)\. .*Loading it taints the kernel P/],
    ['ns_missing', 'low', /without importing the namespace \(shim_ns_helper; namespace-not-imported\)/],
    ['gpl_shim', 'low', /It serves as the shim: 1 function it exports with plain EXPORT_SYMBOL \(shim_clock_now_ns\) reach/],
    ['clean_gpl', 'none', /^GPL-compatible \(MODULE_LICENSE "GPL"\)\. No finding points to a licence-boundary problem\.$/],
  ])('%s: %s', (id, level, rationale) => {
    const risk = riskOf(fixtures, id)!;
    expect(risk.level).toBe(level);
    expect(risk.rationale).toMatch(rationale);
    expect(risk.rationale).not.toMatch(LEGAL_CONCLUSION);
  });

  test('every unit is assessed, with one of the five levels', () => {
    for (const u of fixtures.units) expect(RISK_LEVELS).toContain(u.risk?.level);
    expect(CRITICAL_BREADTH).toBeGreaterThan(1);
  });
});
