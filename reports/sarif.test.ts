/** SARIF output of a real scan, validated against the official OASIS schema (JSON Schema draft-04). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { REPO, scanPaths, scanReportInputs } from '../test/report-inputs';
import { findingFingerprint } from './common';
import sarif, { FINGERPRINT_KEY, toSarif } from './sarif';
import { createSourceAccess } from './sources';

jest.setTimeout(120_000);

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, 'schemas/sarif-schema-2.1.0.json'), 'utf8'));

function validator() {
  const ajv = new Ajv04({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

test('the committed schema is the official OASIS SARIF 2.1.0 schema', () => {
  expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
  expect(schema.id).toBe('https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json');
  // the shared copy, when it sits beside the checkout, is the same document
  for (const shared of [path.join(REPO, '../shared/schemas/sarif-schema-2.1.0.json')]) {
    if (fs.existsSync(shared)) expect(JSON.parse(fs.readFileSync(shared, 'utf8'))).toEqual(schema);
  }
});

test('a real scan renders as SARIF that validates against the official schema', async () => {
  const { result } = await scanReportInputs();
  expect(result.findings.length).toBeGreaterThan(3);
  const text = sarif.render(result, { sources: createSourceAccess(REPO) });
  const doc: Json = JSON.parse(text);
  const validate = validator();
  const ok = validate(JSON.parse(text));
  if (!ok) throw new Error(JSON.stringify(validate.errors!.slice(0, 10), null, 2));
  expect(doc.version).toBe('2.1.0');
  expect(doc.runs).toHaveLength(1);
});

test('the schema check can fail: a result without a message is rejected', async () => {
  const { result } = await scanReportInputs();
  const doc = toSarif(result) as Json;
  delete doc.runs[0].results[0].message;
  expect(validator()(doc)).toBe(false);
});

test('rules carry metadata, help text and references; every finding is one result', async () => {
  const { result } = await scanReportInputs();
  const run = (toSarif(result) as Json).runs[0];
  expect(run.tool.driver.name).toBe(result.tool.name);
  expect(run.tool.driver.version).toBe(result.tool.version);
  const gpl = run.tool.driver.rules.find((r: Json) => r.id === 'gpl-only-symbol');
  expect(gpl.name).toBe('GplOnlySymbol');
  expect(gpl.defaultConfiguration.level).toBe('error');
  expect(gpl.help.text).toContain('modpost');
  expect(gpl.help.markdown).toContain('[Linux scripts/mod/modpost.c');
  expect(gpl.helpUri).toMatch(/^https:\/\//);
  expect(run.results).toHaveLength(result.findings.length);
  result.findings.forEach((f, i) => {
    const r = run.results[i];
    expect(r.ruleId).toBe(f.ruleId);
    expect(run.tool.driver.rules[r.ruleIndex].id).toBe(f.ruleId);
    expect(r.message.text).toBe(f.message);
    expect(r.partialFingerprints[FINGERPRINT_KEY]).toBe(findingFingerprint(f));
    expect(r.properties.unit).toBe(f.unit);
  });
});

test('source evidence is a line region; binary evidence is section, offset and function', async () => {
  const { result } = await scanReportInputs();
  const run = (toSarif(result) as Json).runs[0];
  const i = result.findings.findIndex((f) => f.unit === 'prop_direct' && f.symbol === 'ktime_get');
  expect(i).toBeGreaterThanOrEqual(0);
  const r = run.results[i];
  // a source line is the primary location (the .c file is scanned beside the .ko)
  const primary = r.locations[0];
  const artifact = run.artifacts[primary.physicalLocation.artifactLocation.index];
  expect(artifact.location.uri).toBe('test/fixtures/modules/src/prop_direct/prop_direct.c');
  expect(primary.physicalLocation.artifactLocation.uriBaseId).toBe('SRCROOT');
  const line = primary.physicalLocation.region.startLine;
  const src = fs.readFileSync(path.join(REPO, 'test/fixtures/modules/src/prop_direct/prop_direct.c'), 'utf8').split('\n');
  expect(src[line - 1]).toContain('ktime_get');
  expect(primary.logicalLocations[0]).toEqual({ name: expect.stringMatching(/^prop_direct_/), kind: 'function' });
  // the binary site: artifact .ko, address = offset from its section, function as a logical location
  const bin = r.relatedLocations.find((l: Json) => l.physicalLocation.address);
  expect(run.artifacts[bin.physicalLocation.artifactLocation.index].location.uri).toMatch(/prop_direct\.(ko|o)$/);
  const addr = bin.physicalLocation.address;
  const section = run.addresses[addr.parentIndex];
  expect(section.kind).toBe('section');
  const loc = result.findings[i].locations.find((l) => l.section === section.name && l.offset === addr.offsetFromParent);
  expect(loc).toBeDefined();
  expect(bin.logicalLocations[0].name).toBe(loc!.function);
});

test('artifacts carry the file hashes when the files can be read', async () => {
  const { result } = await scanReportInputs();
  const run = (toSarif(result, { sources: createSourceAccess(REPO) }) as Json).runs[0];
  const ko = run.artifacts.find((a: Json) => a.location.uri.endsWith('prop_direct/prop_direct.ko'));
  const bytes = fs.readFileSync(path.join(REPO, 'test/fixtures/modules/build/prop_direct/prop_direct.ko'));
  expect(ko.hashes['sha-256']).toBe(require('crypto').createHash('sha256').update(bytes).digest('hex'));
  expect(ko.length).toBe(bytes.length);
});

test('fingerprints survive unrelated edits: lines move, fingerprints stay; a new function changes them', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-sarif-'));
  try {
    const src = path.join(REPO, 'test/fixtures/modules/src/prop_direct/prop_direct.c');
    fs.copyFileSync(src, path.join(dir, 'prop_direct.c'));
    const before = (await scanPaths(['.'], dir)).result;
    const run1 = (toSarif(before) as Json).runs[0];
    // an unrelated edit: a comment block at the top shifts every line
    const text = fs.readFileSync(src, 'utf8');
    const firstNl = text.indexOf('\n') + 1; // keep the SPDX line first
    fs.writeFileSync(path.join(dir, 'prop_direct.c'), text.slice(0, firstNl) + '/*\n * unrelated\n * comment\n */\n\n' + text.slice(firstNl));
    const after = (await scanPaths(['.'], dir)).result;
    const run2 = (toSarif(after) as Json).runs[0];
    expect(run1.results.length).toBeGreaterThan(0);
    const fp = (run: Json) => run.results.map((r: Json) => r.partialFingerprints[FINGERPRINT_KEY]).sort();
    expect(fp(run2)).toEqual(fp(run1));
    const line = (run: Json) => run.results.find((r: Json) => r.properties.symbol === 'ktime_get').locations[0].physicalLocation.region.startLine;
    expect(line(run2)).toBe(line(run1) + 5);
    // a use of the same symbol from a new function is a different fingerprint
    fs.writeFileSync(path.join(dir, 'prop_direct.c'), text + '\nstatic u64 another_user(void) { return ktime_get(); }\n');
    const third = (await scanPaths(['.'], dir)).result;
    const run3 = (toSarif(third) as Json).runs[0];
    const kt = (run: Json) => run.results.find((r: Json) => r.properties.symbol === 'ktime_get').partialFingerprints[FINGERPRINT_KEY];
    expect(kt(run3)).not.toBe(kt(run1));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
