/**
 * End to end over every module of Debian's linux-image-<abi>-amd64-unsigned (4,023 in 6.1.0-56):
 * the GPL-only imports gplcheck reports for each module must equal those computed
 * independently from the package's undefined symbols (binutils' nm) and that kernel's own
 * Module.symvers; and with every module's license= values rewritten to a non-GPL string,
 * each of those imports must be a gpl-only-symbol finding, and nothing else.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createDatabase, debianModuleTree } from '../../kernel-symbols';
import { scan } from '../../src/scan';

jest.setTimeout(900_000);

let abi: string;
let modulesDir: string;
let symvers: string;
let kos: string[];
let expected: Map<string, Set<string>>; // module path (relative to modulesDir) -> GPL-only imports

/** nm -u -A over all modules in a few processes: "path: U symbol" lines. */
function undefinedSymbols(dir: string, files: string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of files) out.set(path.relative(dir, f), new Set());
  const rel = files.map((f) => path.relative(dir, f));
  for (let i = 0; i < rel.length; i += 500) {
    const text = execFileSync('nm', ['-u', '-A', ...rel.slice(i, i + 500)], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
    for (const line of text.split('\n')) {
      const m = /^(.*?):\s+U (\S+)$/.exec(line);
      if (m) out.get(m[1])!.add(m[2]);
    }
  }
  return out;
}

function gplOnlyFromSymvers(file: string): Set<string> {
  const gpl = new Set<string>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const cols = line.split('\t');
    if (cols[3] === 'EXPORT_SYMBOL_GPL') gpl.add(cols[1]);
  }
  return gpl;
}

beforeAll(() => {
  ({ abi, dir: modulesDir, symvers, modules: kos } = debianModuleTree());
  const gpl = gplOnlyFromSymvers(symvers);
  expected = new Map();
  for (const [mod, syms] of undefinedSymbols(modulesDir, kos)) {
    expected.set(mod, new Set([...syms].filter((s) => gpl.has(s))));
  }
});

function gplImportsByModule(units: { paths: string[]; imports: { symbol: string; exportType: string }[] }[], root: string) {
  const got = new Map<string, Set<string>>();
  for (const u of units) {
    const ko = u.paths.find((p) => p.endsWith('.ko'));
    if (!ko) continue;
    got.set(path.relative(root, path.resolve(ko)), new Set(u.imports.filter((i) => i.exportType === 'gpl').map((i) => i.symbol)));
  }
  return got;
}

const sorted = (m: Map<string, Set<string>>) => [...m].map(([k, v]) => [k, [...v].sort()] as const).sort();

test('the package has the expected module count and the scan reads every one', async () => {
  expect(kos.length).toBeGreaterThan(3000);
  const { db } = createDatabase(symvers, { name: 'debian-e2e', kernel: `${abi}-amd64` });
  const { result } = await scan([modulesDir], { db });
  expect(result.errors).toEqual([]);
  expect(result.units.filter((u) => u.kind === 'kernel-module')).toHaveLength(kos.length);
  const got = gplImportsByModule(result.units, modulesDir);
  expect(got.size).toBe(kos.length);
  expect(sorted(got)).toEqual(sorted(expected));
  // the real modules were accepted by modpost: no finding at all
  expect(result.findings).toEqual([]);
  const total = [...expected.values()].reduce((n, s) => n + s.size, 0);
  process.stdout.write(`debian modules: ${kos.length} modules, ${total} GPL-only imports, all matched\n`);
});

test('with every licence rewritten to a non-GPL string, every GPL-only import is a gpl-only-symbol finding and nothing else is', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-e2e-'));
  try {
    let rewritten = 0;
    for (const ko of kos) {
      const data = fs.readFileSync(ko);
      // license=VALUE\0 -> license=XXXX\0 (same length, so the ELF layout is untouched)
      const tag = Buffer.from('license=');
      for (let at = data.indexOf(tag); at >= 0; at = data.indexOf(tag, at + 1)) {
        const end = data.indexOf(0, at);
        if (end < 0) break;
        data.fill('X'.charCodeAt(0), at + tag.length, end);
        rewritten++;
      }
      const out = path.join(tmp, path.relative(modulesDir, ko));
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, data);
    }
    expect(rewritten).toBeGreaterThanOrEqual(kos.length);
    const { db } = createDatabase(symvers, { name: 'debian-e2e', kernel: `${abi}-amd64` });
    const { result } = await scan([tmp], { db });
    expect(result.errors).toEqual([]);
    const want: string[] = [];
    for (const [mod, syms] of expected) for (const s of syms) want.push(`${mod} ${s}`);
    const unitPath = new Map(result.units.map((u) => [u.id, u.paths.find((p) => p.endsWith('.ko'))!]));
    const got = result.findings
      .filter((f) => f.ruleId === 'gpl-only-symbol')
      .map((f) => `${path.relative(tmp, path.resolve(unitPath.get(f.unit)!))} ${f.symbol}`);
    expect(got.sort()).toEqual(want.sort());
    expect(result.findings.filter((f) => f.ruleId === 'missing-license')).toEqual([]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
