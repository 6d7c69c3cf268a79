/** The Markdown audit report of a real scan: content a reviewer relies on, read back from the text. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO, scanReportInputs } from '../test/report-inputs';
import { buildAudit } from './audit';
import { findingFingerprint } from './common';
import markdown from './markdown';
import { createSourceAccess } from './sources';

jest.setTimeout(120_000);

async function render() {
  const { result, facts } = await scanReportInputs();
  return { result, md: markdown.render(result, { sources: createSourceAccess(REPO), facts }) };
}

test('sections in order: summary, units, findings, graph, headers, method, reproduce', async () => {
  const { md } = await render();
  const order = ['## Summary', '## Units', '## Findings', '## Boundary graph', '## Headers used', '## Method', '### References', '## Reproduce'];
  const at = order.map((h) => md.indexOf(h));
  expect(at.every((i) => i >= 0)).toBe(true);
  expect([...at].sort((a, b) => a - b)).toEqual(at);
});

test('every finding appears with its rule, fingerprint and locations', async () => {
  const { result, md } = await render();
  for (const f of result.findings) {
    expect(md).toContain(findingFingerprint(f));
    expect(md).toContain('`' + f.ruleId + '`');
  }
  // binary evidence: section, offset and function
  expect(md).toMatch(/binary: `test\/fixtures\/modules\/build\/prop_direct\/prop_direct\.ko \.(init|exit)\.text\+0x[0-9a-f]+ \(in prop_direct_(init|exit)\)`/);
});

test('the cited source line is shown with its neighbours and marked', async () => {
  const { md } = await render();
  const src = fs.readFileSync(path.join(REPO, 'test/fixtures/modules/src/prop_direct/prop_direct.c'), 'utf8').split('\n');
  const line = src.findIndex((l) => l.includes('state->loaded_at = ktime_get();')) + 1;
  const marked = new RegExp(`>\\s*${line} \\| \\s*state->loaded_at = ktime_get\\(\\);`);
  expect(md).toMatch(marked);
  expect(md).toContain(`${line - 1} | `);
  expect(md).toContain(`${line + 1} | `);
});

test('evidence chains list every hop of a transitive finding', async () => {
  const { result, md } = await render();
  const chained = result.findings.filter((f) => f.path && f.path.length > 1);
  expect(chained.length).toBeGreaterThan(0);
  for (const f of chained) {
    const block = md.slice(md.indexOf(findingFingerprint(f)));
    const chainText = block.slice(block.indexOf('Evidence chain:'), block.indexOf('Where:'));
    for (const step of f.path!) expect(chainText).toContain('`' + step.symbol + '`');
  }
});

test('units with licence, risk and rationale; headers; references; reproduction facts', async () => {
  const { result, md } = await render();
  for (const u of result.units) expect(md).toContain('| `' + u.id + '` |');
  const withRisk = result.units.filter((u) => u.risk);
  for (const u of withRisk) expect(md).toContain(u.risk!.rationale.replace(/[\\`*_{}\[\]<>|#]/g, (c) => '\\' + c).slice(0, 40));
  expect(md).toMatch(/\| `linux\/module\.h` \| kernel \|/);
  for (const rule of result.rules) for (const ref of rule.references) if (ref.url) expect(md).toContain(`(${ref.url})`);
  expect(md).toContain('`gplcheck scan test/fixtures/modules vmkernel`');
  expect(md).toContain(result.database.source.packageVersion!);
  expect(md).toContain(`${result.tool.name} ${result.tool.version}`);
});

test('missing source files and missing facts are tolerated: no snippets; headers from the graph, or none', async () => {
  const { result } = await scanReportInputs();
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-md-'));
  try {
    const md = markdown.render(result, { sources: createSourceAccess(empty) });
    expect(md).not.toContain('```c');
    // without the facts the headers come from the result's boundary graph
    expect(md).toMatch(/\| `linux\/module\.h` \| kernel \|/);
    const { graph: _graph, ...withoutGraph } = result;
    const bare = markdown.render(withoutGraph, { sources: createSourceAccess(empty) });
    expect(bare).toContain('The include facts were not available to this rendering.');
    expect(buildAudit(result, {}).units.flatMap((u) => u.findings).every((f) => f.locations.every((l) => !l.snippet))).toBe(true);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});
