/**
 * The module fixtures give the same GPL-only symbols from their sources as from their
 * objects, except where the source-binary-mismatch rule explains the difference when both
 * are scanned together.
 */
import * as path from 'path';
import { MODULE_CASES, moduleCase } from '../fixtures/modules/cases';
import { loadDatabase } from '../../kernel-symbols';
import { scan } from '../../src/scan';

const db = loadDatabase('6.1');
const srcDir = (name: string) => path.dirname(moduleCase(name).source);

async function gplImports(paths: string[], unit: string) {
  const { result } = await scan(paths, { db });
  const u = result.units.find((x) => x.id === unit);
  if (!u) throw new Error(`no unit ${unit} in ${paths.join(' ')}`);
  return { unit: u, result, gpl: u.imports.filter((i) => i.exportType === 'gpl').map((i) => i.symbol).sort() };
}

describe.each(MODULE_CASES.map((c) => [c.name, c] as const))('%s', (name, c) => {
  test('GPL-only symbols from sources equal those from the object, or the difference is reported', async () => {
    const providers = c.providers.map(moduleCase);
    const fromSource = await gplImports([srcDir(name), ...providers.map((p) => srcDir(p.name))], name);
    const fromBinary = await gplImports([c.ko, ...providers.map((p) => p.ko)], name);
    const together = await gplImports([srcDir(name), c.ko, ...providers.flatMap((p) => [srcDir(p.name), p.ko])], name);
    expect(together.unit.evidence).toBe('both');
    const onlyOne = [
      ...fromSource.gpl.filter((s) => !fromBinary.gpl.includes(s)),
      ...fromBinary.gpl.filter((s) => !fromSource.gpl.includes(s)),
    ];
    const explained = new Set(
      together.result.findings.filter((f) => f.ruleId === 'source-binary-mismatch' && f.unit === name).map((f) => f.symbol),
    );
    expect(onlyOne.filter((s) => !explained.has(s))).toEqual([]);
    // and every fixture case has at least the GPL-only imports its modpost case is about
    for (const m of c.expected) if (m.kind === 'gpl-only') expect(fromSource.gpl).toContain(m.symbol);
  });
});
