/** gplcheck.config.json: validation messages, lookup, and what each setting does to a scan. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv from 'ajv';
import { loadDatabase } from '../kernel-symbols';
import { REPORTERS } from '../reports';
import { RULES } from '../rules';
import { ConfigError, loadConfig, parseConfig } from './config';
import { scan } from './scan';

jest.setTimeout(120_000);

const REPO = path.resolve(__dirname, '..');
const FIX = path.join(REPO, 'test/fixtures/modules/build');
const db = loadDatabase('6.1');

const err = (text: string): string => {
  try {
    parseConfig(text, 'gplcheck.config.json', '/nowhere');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('validation', () => {
  test('the schema compiles and accepts a full configuration', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(__dirname, 'gplcheck-config.schema.json'), 'utf8'));
    expect(new Ajv({ strict: true }).validateSchema(schema)).toBe(true);
    const c = parseConfig(
      JSON.stringify({
        $schema: './src/gplcheck-config.schema.json',
        rules: { 'gpl-only-via-shim': 'warning', 'proprietary-taint': 'off' },
        licenses: { 'vmkernel/vmm': 'MIT' },
        thirdParty: ['vendor'],
        ignore: ['build'],
      }),
      'gplcheck.config.json',
      '/proj',
    );
    expect(c.rules).toEqual({ 'gpl-only-via-shim': 'warning', 'proprietary-taint': 'off' });
    expect(c.thirdParty).toEqual(['/proj/vendor']);
    expect(c.ignore).toEqual(['/proj/build']);
    expect(c.licenses).toEqual([{ key: 'vmkernel/vmm', license: 'MIT' }]);
  });

  test.each([
    ['{', /^gplcheck\.config\.json: not valid JSON \(/],
    ['[]', /^gplcheck\.config\.json: \(top level\): must be an object, not an array$/],
    ['{"rule": {}}', /^gplcheck\.config\.json: rule: unknown field \(allowed: rules, licenses, thirdParty, ignore\)$/],
    ['{"rules": {"gpl-only-symbol": "fatal"}}', /^gplcheck\.config\.json: rules\["gpl-only-symbol"\]: must be one of "error", "warning", "info", "off", not "fatal"$/],
    ['{"rules": {"no-such-rule": "off"}}', /^gplcheck\.config\.json: rules\["no-such-rule"\]: no such rule \(known: .*gpl-only-via-shim.*\)$/],
    ['{"thirdParty": "vendor"}', /^gplcheck\.config\.json: thirdParty: must be an array, not string$/],
    ['{"ignore": ["a", 3]}', /^gplcheck\.config\.json: ignore\[1\]: must be a string, not number$/],
    ['{"licenses": {"vmm": ""}}', /^gplcheck\.config\.json: licenses\.vmm: must NOT have fewer than 1 characters$/],
    ['{"ignore": ["a", "a"]}', /^gplcheck\.config\.json: ignore: lists the same entry twice$/],
    ['{"rules": {"gpl-only-symbol": 1}, "x": 2}', /^gplcheck\.config\.json: x: unknown field .*; rules\["gpl-only-symbol"\]: must be one of/],
  ])('%s', (text, message) => {
    expect(err(text)).toMatch(message);
  });

  test('every rule id can be configured', () => {
    const all = Object.fromEntries(RULES.map((r) => [r.meta.id, 'off']));
    expect(Object.keys(parseConfig(JSON.stringify({ rules: all }), 'c.json', '/').rules)).toHaveLength(RULES.length);
  });
});

describe('lookup', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-config-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('gplcheck.config.json in the working directory, or none', () => {
    expect(loadConfig(undefined, dir)).toBeNull();
    fs.writeFileSync(path.join(dir, 'gplcheck.config.json'), '{"ignore": ["build"]}');
    expect(loadConfig(undefined, dir)).toMatchObject({ file: 'gplcheck.config.json', ignore: [path.join(dir, 'build')] });
  });

  test('--config FILE must exist; its paths are relative to its own directory', () => {
    expect(() => loadConfig('missing.json', dir)).toThrow(new ConfigError('missing.json', '', 'no such file'));
    fs.mkdirSync(path.join(dir, 'etc'));
    fs.writeFileSync(path.join(dir, 'etc/gc.json'), '{"thirdParty": ["../vendor"]}');
    expect(loadConfig('etc/gc.json', dir)).toMatchObject({ file: 'etc/gc.json', thirdParty: [path.join(dir, 'vendor')] });
  });
});

describe('effects on a scan', () => {
  let dir: string;
  beforeAll(() => {
    // a tree of real fixture binaries: the laundering pair and a module without a licence
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-config-scan-'));
    for (const m of ['gpl_shim', 'prop_via_shim', 'nolic']) {
      fs.mkdirSync(path.join(dir, m));
      fs.copyFileSync(path.join(FIX, m, `${m}.ko`), path.join(dir, m, `${m}.ko`));
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = async (config: object) => {
    fs.writeFileSync(path.join(dir, 'gplcheck.config.json'), JSON.stringify(config));
    return (await scan(['.'], { db, cwd: dir, jobs: 1, cache: false, config: loadConfig(undefined, dir) })).result;
  };
  const ids = (r: { findings: { unit: string; ruleId: string; severity: string }[] }) => r.findings.map((f) => `${f.unit} ${f.ruleId} ${f.severity}`);

  test('without settings', async () => {
    expect(ids(await run({}))).toEqual([
      'nolic missing-license error',
      'nolic proprietary-taint info',
      'prop_via_shim gpl-only-via-shim error',
      'prop_via_shim proprietary-taint info',
    ]);
  });

  test('rules: severities and off', async () => {
    expect(ids(await run({ rules: { 'gpl-only-via-shim': 'warning', 'proprietary-taint': 'off' } }))).toEqual([
      'nolic missing-license error',
      'prop_via_shim gpl-only-via-shim warning',
    ]);
  });

  test('licenses: declared for a unit that carries none, by unit id or path; unused entries are said', async () => {
    const r = await run({ licenses: { nolic: 'GPL', 'prop_via_shim/prop_via_shim.ko': 'GPL', nothing: 'MIT' } });
    // nolic now has a licence; what the loader reads in its binary is still nothing ('unspecified')
    expect(ids(r)).toEqual(['nolic proprietary-taint info', 'prop_via_shim gpl-only-via-shim error', 'prop_via_shim proprietary-taint info']);
    expect(r.units.find((u) => u.id === 'nolic')).toMatchObject({ licenses: [{ value: 'GPL', location: { path: 'gplcheck.config.json' } }], gplCompatible: true });
    expect(r.units.find((u) => u.id === 'nolic')!.risk!.rationale).toMatch(/^Licence "GPL" as declared in gplcheck\.config\.json \(GPL-compatible\)\./);
    expect(r.warnings).toEqual(
      expect.arrayContaining([
        { path: 'gplcheck.config.json', message: 'licenses["nothing"]: matches no scanned unit (by id or path); not used' },
        { path: 'gplcheck.config.json', message: 'licenses["prop_via_shim/prop_via_shim.ko"]: prop_via_shim declares its own licence ("Proprietary"); "GPL" is not used for it' },
      ]),
    );
  });

  test('thirdParty: scanned and linked, but no finding against it and its risk is not assessed', async () => {
    const r = await run({ thirdParty: ['prop_via_shim'] });
    expect(ids(r)).toEqual(['nolic missing-license error', 'nolic proprietary-taint info']);
    expect(r.units.find((u) => u.id === 'prop_via_shim')!.risk).toEqual({
      level: 'none',
      rationale: 'Third-party code (listed under thirdParty in gplcheck.config.json): not assessed; 2 findings not reported.',
    });
    expect(r.graph!.reach.map((x) => x.unit)).toEqual(['nolic', 'prop_via_shim']);
  });

  test('ignore: not scanned at all', async () => {
    const r = await run({ ignore: ['nolic', 'gpl_shim/'] });
    expect(r.units.map((u) => u.id)).toEqual(['prop_via_shim']);
    expect(r.stats.excluded).toBe(2);
    expect(r.stats.leftOut).toEqual({ gitignore: 0, exclude: 0, ignored: 2, cache: 0, metadata: 0, special: 0 });
    expect(REPORTERS.text.render(r, {})).toContain("; left out: 2 under the configuration's ignored paths)");
  });
});

describe('the CLI', () => {
  const CLI = path.join(REPO, 'dist/src/cli.js');
  beforeAll(() => {
    // the compiled command, as users run it (tsc emits even when another file has a type error)
    spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO, encoding: 'utf8' });
    if (!fs.existsSync(path.join(REPO, 'dist/src/config.js'))) throw new Error('dist/src/config.js was not built');
  });
  test('--config names the file and the field of a bad configuration, exit 2', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-config-cli-'));
    try {
      fs.writeFileSync(path.join(dir, 'bad.json'), '{"rules": {"gpl-only-via-shim": "loud"}}');
      const r = spawnSync(process.execPath, [CLI, 'scan', path.join(FIX, 'gpl_shim'), '--config', 'bad.json'], { cwd: dir, encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe('gplcheck: bad.json: rules["gpl-only-via-shim"]: must be one of "error", "warning", "info", "off", not "loud"\n');
      fs.writeFileSync(path.join(dir, 'gplcheck.config.json'), '{"rules": {"gpl-only-via-shim": "off"}}');
      const ok = spawnSync(process.execPath, [CLI, 'scan', path.join(FIX, 'gpl_shim'), path.join(FIX, 'prop_via_shim'), '--format', 'json'], { cwd: dir, encoding: 'utf8' });
      expect(ok.status).toBe(0);
      expect(JSON.parse(ok.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).not.toContain('gpl-only-via-shim');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
