/**
 * The linker counts a source call of a kernel header's static inline function or function-like
 * macro as use of the exports it reaches (kernel-symbols/reach.ts), and the findings show the
 * chain. Checked on small sources and on the committed fixture modules, whose real .ko files
 * say what the compiler actually made of those calls.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDatabase, loadReach } from '../kernel-symbols';
import { runRule } from '../rules';
import gplOnlySymbol from '../rules/gpl-only-symbol';
import { isCompilerInserted } from '../rules/util';
import { analyzeBuffer } from '../src/analyze';
import { link } from '../src/link';
import { MODULE_CASES } from './fixtures/modules/cases';
import { factsOf } from './rule-tester';

// Only the shipped kernels in the history (a user's own databases would change the phrases).
process.env.GPLCHECK_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-via-data-'));
const db = loadDatabase('6.1');

const modSrc = (name: string, license: string, body: string, extra = '') => ({
  [`${name}/Kbuild`]: `obj-m += ${name}.o\n`,
  [`${name}/${name}.c`]:
    `// SPDX-License-Identifier: MIT\n#include <linux/module.h>\n#include <linux/slab.h>\n#include <linux/device.h>\n${extra}\n` +
    `static int ${name}_probe(struct device *dev)\n{\n${body}\n\treturn 0;\n}\n` +
    `MODULE_LICENSE("${license}");\n`,
});

function unitOf(files: Record<string, string>, name: string, reach?: null) {
  const model = link(factsOf({ name, files }), db, [], reach === null ? { reach: null } : {});
  return { model, unit: model.units.find((u) => u.id === name)! };
}

test('devm_kzalloc in a source counts as use of the GPL-only devm_kmalloc, with the chain', () => {
  const { model, unit } = unitOf(modSrc('prop', 'Proprietary', '\tvoid *p = devm_kzalloc(dev, 64, GFP_KERNEL);\n\t(void)p;'), 'prop');
  const imp = unit.imports.find((i) => i.symbol === 'devm_kmalloc')!;
  expect(imp).toMatchObject({ exportType: 'gpl', provider: 'vmlinux', providerKind: 'kernel', evidence: 'source', via: ['devm_kzalloc'] });
  expect(imp.sites.map((s) => `${s.location.path}:${s.location.line}`)).toEqual(['prop/prop.c:8']);
  expect(unit.imports.find((i) => i.symbol === 'devm_kzalloc')).toBeUndefined();
  const findings = runRule(gplOnlySymbol, model);
  expect(findings).toHaveLength(1);
  expect(findings[0]).toMatchObject({ symbol: 'devm_kmalloc', locations: [{ path: 'prop/prop.c', line: 8 }] });
  expect(findings[0].message).toMatch(/^GPL-incompatible module prop\.ko uses GPL-only symbol 'devm_kmalloc'/);
  expect(findings[0].path!.map((s) => s.symbol)).toEqual(['devm_kzalloc', 'devm_kmalloc']);
  expect(findings[0].path![0]).toMatchObject({ location: { path: 'prop/prop.c', line: 8 } });
  expect(findings[0].path![0].note).toMatch(/^static inline function of include\/linux\/device\.h:\d+ \(GPL-2\.0\)/);
});

test('kzalloc counts as use of kmalloc_trace, __kmalloc, kmalloc_large and kmalloc_caches through kmalloc (6.1)', () => {
  const { unit } = unitOf(modSrc('zal', 'GPL', '\tvoid *p = kzalloc(64, GFP_KERNEL);\n\tkfree(p);'), 'zal');
  const via = Object.fromEntries(unit.imports.filter((i) => i.via).map((i) => [i.symbol, i.via]));
  expect(via).toEqual({
    __kmalloc: ['kzalloc', 'kmalloc'],
    kmalloc_caches: ['kzalloc', 'kmalloc'],
    kmalloc_large: ['kzalloc', 'kmalloc'],
    kmalloc_trace: ['kzalloc', 'kmalloc'],
  });
  expect(unit.imports.find((i) => i.symbol === 'kfree')!.via).toBeUndefined();
});

test('a name the unit defines itself, or an export called by its own name, is not expanded', () => {
  const own = unitOf(modSrc('own', 'Proprietary', '\tdevm_kzalloc(dev);', 'static void *devm_kzalloc(struct device *d) { return d; }'), 'own').unit;
  expect(own.imports.map((i) => i.symbol)).not.toContain('devm_kmalloc');
  const both = unitOf(modSrc('both', 'Proprietary', '\tdevm_kzalloc(dev, 1, GFP_KERNEL);\n\tdevm_kmalloc(dev, 1, GFP_KERNEL);'), 'both').unit;
  const imp = both.imports.filter((i) => i.symbol === 'devm_kmalloc');
  expect(imp).toHaveLength(1);
  expect(imp[0].via).toBeUndefined(); // called by its own name too
  expect(imp[0].sites.map((s) => s.location.line).sort()).toEqual([8, 9]);
});

test('reach: null turns it off (the call stays an unknown import)', () => {
  const { unit } = unitOf(modSrc('off', 'Proprietary', '\tdevm_kzalloc(dev, 1, GFP_KERNEL);'), 'off', null);
  expect(unit.imports.map((i) => [i.symbol, i.providerKind])).toContainEqual(['devm_kzalloc', 'unknown']);
  expect(unit.imports.map((i) => i.symbol)).not.toContain('devm_kmalloc');
});

describe('fixture modules: source calls through inline functions and macros meet the real .ko imports', () => {
  const reach = loadReach('6.1');
  const explainedByHeaders = new Map<string, string[]>();
  afterAll(() => {
    // Not vacuous: these imports of the real modules are named by no source call, only by headers.
    expect(explainedByHeaders.get('clean_prop')).toEqual(expect.arrayContaining(['_printk', 'kmalloc_caches', 'kmalloc_trace']));
    expect(explainedByHeaders.get('multi_license')).toEqual(expect.arrayContaining(['kmalloc_trace']));
  });
  test.each(MODULE_CASES.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const src = path.relative(path.resolve(__dirname, '..'), c.source);
    const srcFacts = analyzeBuffer(src, fs.readFileSync(c.source));
    const koFacts = analyzeBuffer(c.ko, fs.readFileSync(c.ko));
    if (srcFacts.kind !== 'facts' || koFacts.kind !== 'facts' || koFacts.facts.analyzer !== 'elf') throw new Error('not analysed');
    const binary = koFacts.facts.imports.map((i) => i.symbol).filter((s) => db.lookup(s) && !isCompilerInserted(s));
    const fromSource = link([srcFacts.facts], db, []).units.find((u) => u.id === name)!;
    const withoutReach = link([srcFacts.facts], db, [], { reach: null }).units.find((u) => u.id === name)!;
    const named = new Set(fromSource.imports.map((i) => i.symbol));
    const namedWithout = new Set(withoutReach.imports.map((i) => i.symbol));
    // Every kernel export the compiled module imports is named by the source, directly or through a header.
    expect(binary.filter((s) => !named.has(s))).toEqual([]);
    // and the ones only a header explains carry the chain
    explainedByHeaders.set(name, binary.filter((x) => !namedWithout.has(x)).sort());
    for (const s of binary.filter((x) => !namedWithout.has(x))) {
      const imp = fromSource.imports.find((i) => i.symbol === s)!;
      expect(imp.via).toBeDefined();
      expect(reach.has(imp.via![0])).toBe(true);
    }
  });
});

test('a scan of sources: the JSON report carries the chain (via) and future-gpl-only the history, and validates', async () => {
  const Ajv = (await import('ajv')).default;
  const { scan } = await import('../src/scan');
  const json = (await import('../reports/json')).default;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-via-'));
  try {
    const files = modSrc('prop', 'Proprietary', '\tvoid *p = devm_kzalloc(dev, 64, GFP_KERNEL);\n\trecalibrate_cpu_khz();\n\t(void)p;');
    for (const [p, text] of Object.entries(files)) {
      fs.mkdirSync(path.join(dir, path.dirname(p)), { recursive: true });
      fs.writeFileSync(path.join(dir, p), text);
    }
    const { result } = await scan([dir], { db, jobs: 1, cache: false });
    const doc = JSON.parse(json.render(result, { color: false }));
    const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'reports', 'gplcheck-report.schema.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    const unit = doc.units.find((u: { id: string }) => u.id === 'prop');
    expect(unit.imports.find((i: { symbol: string }) => i.symbol === 'devm_kmalloc')).toMatchObject({ exportType: 'gpl', via: ['devm_kzalloc'] });
    const gpl = doc.findings.find((f: { ruleId: string }) => f.ruleId === 'gpl-only-symbol');
    expect(gpl).toMatchObject({ symbol: 'devm_kmalloc', path: [{ symbol: 'devm_kzalloc' }, { symbol: 'devm_kmalloc' }] });
    const future = doc.findings.find((f: { ruleId: string }) => f.ruleId === 'future-gpl-only');
    expect(future).toMatchObject({ symbol: 'recalibrate_cpu_khz', severity: 'warning', history: 'plain in 5.10 and 6.1, GPL-only in 6.12' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
