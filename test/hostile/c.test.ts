/**
 * Hostile C sources through the whole scan: binary files named .c, invalid UTF-8, NUL bytes, a
 * 10 MB single line, 100,000-deep nesting, files over the size limit, parses past the time
 * limit. Each ends within 5 s with facts (and warnings saying what was not parsed) or an error
 * naming the file and the limit; the intact files beside it keep their results.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyzeC } from '../../analyzers/c';
import type { CFileFacts } from '../../analyzers/facts';
import { scan } from '../../src/scan';
import { REPO, Workspace } from '../fuzz/harness';

jest.setTimeout(180_000);

let ws: Workspace;
beforeAll(async () => {
  ws = await new Workspace('gplcheck-hostile-c-').init();
});
afterAll(() => ws.dispose());

/** Deterministic pseudo-random bytes (xorshift32). */
function noise(n: number, seed = 2463534242): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

async function scanC(name: string, data: Buffer | string, extra: Parameters<Workspace['scanWith']>[2] = {}) {
  const { out, ms, shown } = await ws.scanWith(name, Buffer.isBuffer(data) ? data : Buffer.from(data), extra);
  expect(ws.problems(out, shown, ms)).toEqual([]);
  const found = out.facts.find((f) => f.path === shown);
  const facts = found?.analyzer === 'c' ? (found as CFileFacts) : undefined;
  return {
    ms,
    facts,
    found,
    errors: out.result.errors.map((e) => e.message),
    warnings: out.result.warnings.map((w) => w.message),
    callees: facts ? [...new Set(facts.calls.map((c) => c.callee))].sort() : [],
  };
}

describe('bytes that are not C text', () => {
  test('1 MiB of random bytes named .c: read lexically, with warnings, in time', async () => {
    const r = await scanC('blob.c', noise(1 << 20));
    expect(r.facts).toBeDefined();
    expect(r.warnings.some((w) => /unparsable region/.test(w))).toBe(true);
  });

  test('an ELF object named .c is read as the ELF object it is', async () => {
    const r = await scanC('obj.c', fs.readFileSync(path.join(REPO, 'test/fixtures/modules/build/gpl_shim/gpl_shim.ko')));
    expect(r.found?.analyzer).toBe('elf');
    expect(r.errors).toEqual([]);
  });

  test('invalid UTF-8 in comments, strings and identifiers: the calls around it are still found', async () => {
    const src = Buffer.concat([
      Buffer.from('// SPDX-License-Identifier: GPL-2.0\n#include <linux/slab.h>\n/* '),
      Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]),
      Buffer.from(' */\nstatic const char *s = "'),
      Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
      Buffer.from('";\nint f(void *p)\n{\n\tkfree(p);\n\treturn x'),
      Buffer.from([0xc3]),
      Buffer.from('y;\n}\nint g(void) { return vmalloc_to_pfn(0); }\n'),
    ]);
    const r = await scanC('utf8.c', src);
    expect(r.callees).toEqual(['kfree', 'vmalloc_to_pfn']);
    expect(r.facts!.spdx.map((s) => s.expression)).toEqual(['GPL-2.0']);
  });

  test('NUL bytes between definitions', async () => {
    const r = await scanC('nul.c', Buffer.from('int f(void *p) { kfree(p); return 0; }\n\0\0\0\0\nint g(void) { return vfree(0); }\n\0'));
    expect(r.callees).toEqual(['kfree', 'vfree']);
  });

  test('a file of NUL bytes only', async () => {
    const r = await scanC('zeros.c', Buffer.alloc(1 << 20));
    expect(r.facts).toBeDefined();
    expect(r.callees).toEqual([]);
  });
});

describe('size: a limit with a clear message, configurable', () => {
  test('a 10 MB single line is over the default 8 MiB limit: an error naming the file and the limit', async () => {
    const line = Buffer.alloc(10_000_000, 'a');
    const r = await scanC('line.c', line);
    expect(r.errors).toEqual([
      'mutant/line.c: 9.5 MiB, larger than the 8 MiB limit for C sources and build files; not parsed (raise --max-source-size or limits.maxSourceBytes to read it)',
    ]);
    expect(r.ms).toBeLessThan(1000);
  });

  test.each([
    ['an expression', () => `int x = ${'a+'.repeat(5_000_000)}1;\n`],
    ['a string literal', () => `static const char s[] = "${'x'.repeat(10_000_000)}";\nint f(void) { return kfree(s); }\n`],
    ['a comment', () => `/* ${'x'.repeat(10_000_000)} */ int f(void) { return kfree(0); }\n`],
  ])('a 10 MB single line of %s, with the limit raised: facts within 5 s', async (_what, make) => {
    const r = await scanC('line.c', make(), { limits: { maxSourceBytes: 16 << 20 } });
    expect(r.facts).toBeDefined();
    expect(r.ms).toBeLessThan(5000);
  });

  test('a Makefile over the limit', async () => {
    const r = await scanC('Makefile', `obj-m += ${'x.o '.repeat(1 << 20)}\n`, { limits: { maxSourceBytes: 1 << 20 } });
    expect(r.errors).toEqual([
      'mutant/Makefile: 4.0 MiB, larger than the 1 MiB limit for C sources and build files; not parsed (raise --max-source-size or limits.maxSourceBytes to read it)',
    ]);
  });

  test('the limit holds with worker threads too', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-c-jobs-'));
    try {
      // more than one batch of sources, so that they go to the worker pool
      for (let i = 0; i < 70; i++) fs.writeFileSync(path.join(dir, `ok${i}.c`), 'int f(void) { return kfree(0); }\n');
      fs.writeFileSync(path.join(dir, 'big.c'), Buffer.alloc(3 << 20, ' '));
      const opts = { db: ws.db, cwd: dir, cache: false as const, limits: { maxSourceBytes: 2 << 20 } };
      const [one, two] = [await scan(['.'], { ...opts, jobs: 1 }), await scan(['.'], { ...opts, jobs: 2 })];
      for (const r of [one, two]) {
        expect(r.result.errors).toEqual([
          { path: 'big.c', message: 'big.c: 3 MiB, larger than the 2 MiB limit for C sources and build files; not parsed (raise --max-source-size or limits.maxSourceBytes to read it)' },
        ]);
      }
      expect(two.facts).toEqual(one.facts);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('limits are checked', async () => {
    await expect(scan(['.'], { db: ws.db, cwd: ws.root, limits: { maxSourceBytes: -1 } })).rejects.toThrow('limits.maxSourceBytes must be a positive number, not -1');
  });
});

describe('100,000-deep nesting', () => {
  const N = 100_000;
  test.each([
    ['parentheses', `int f(void) { return ${'('.repeat(N)}kfree(0)${')'.repeat(N)}; }\n`],
    ['braces', `void f(void) { ${'{'.repeat(N)} kfree(0); ${'}'.repeat(N)} }\n`],
    ['brackets', `int a = b${'['.repeat(N)}0${']'.repeat(N)};\nvoid f(void) { kfree(0); }\n`],
    ['calls', `int f(void) { return ${'g('.repeat(N)}kfree(0)${')'.repeat(N)}; }\n`],
    ['if statements', `void f(void) {\n${'if (a) {\n'.repeat(N)}kfree(0);\n${'}\n'.repeat(N)}}\n`],
    ['#if blocks', `${'#if A\n'.repeat(N)}int f(void) { return kfree(0); }\n${'#endif\n'.repeat(N)}`],
    ['unclosed parentheses', `int f(void) { return ${'('.repeat(N)}kfree(0); }\n`],
    ['unclosed braces', `void f(void) { ${'{'.repeat(N)} kfree(0);\n`],
    ['unclosed calls', `${'f('.repeat(N)}\n`],
    ['initialisers', `int a[] = ${'{'.repeat(N)}1${'}'.repeat(N)};\nvoid f(void) { kfree(0); }\n`],
  ])('%s: facts within 5 s', async (_what, text) => {
    const r = await scanC('deep.c', text);
    expect(r.facts).toBeDefined();
    expect(r.ms).toBeLessThan(5000);
    if (_what !== 'unclosed calls') expect(r.callees).toContain('kfree');
  });

  test('one million unclosed parentheses (over 256 KiB): not given to the parser, said so', async () => {
    const r = await scanC('deep.c', `int f(void) { kfree(0); return ${'('.repeat(1_000_000)}\n`);
    expect(r.warnings).toContain('brackets nest deeper than 4096 levels; not parsed, the whole file was read lexically');
    expect(r.callees).toEqual(['kfree']);
  });
});

describe('parse time limit', () => {
  /** About 1 MB of real C: the vmkernel sources, repeated. */
  const big = () => {
    const files = ['vmkernel/shim/vmk_main.c', 'vmkernel/shim/vmk_mem.c', 'vmkernel/shim/vmk_pci.c'].map((p) => fs.readFileSync(path.join(REPO, p), 'utf8'));
    let s = '';
    while (s.length < 1_000_000) s += files.join('\n');
    return s;
  };

  test('past the limit the parse is cut and the file read lexically, with a warning naming the limit', async () => {
    const text = big();
    const full = analyzeC('x.c', text);
    const cut = await scanC('big.c', text, { limits: { parseTimeMs: 1 } });
    // (which step the limit falls in depends on the machine's speed)
    expect(cut.warnings).toContainEqual(expect.stringMatching(/^parse time limit of 1 ms reached during (parsing|the tree walk); the whole file was read lexically$/));
    // the lexical reading still finds nearly all the parsed one found (it misses a call whose
    // argument is a call, `pci_dev_put(to_pci(dev))`, read as a declaration)
    const parsed = [...new Set(full.calls.map((c) => c.callee))];
    const found = parsed.filter((c) => cut.callees.includes(c));
    expect(found.length).toBeGreaterThanOrEqual(Math.floor(parsed.length * 0.9));
    expect(cut.callees).toEqual(expect.arrayContaining(['kfree', 'kmalloc', 'module_init', 'pci_get_device']));
  });

  test('a file cut by the time limit is not kept in the facts cache', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-c-cache-'));
    try {
      const text = big();
      await scanC('big.c', text, { cache, limits: { parseTimeMs: 1 } });
      const entries = () => fs.readdirSync(cache, { recursive: true }).filter((f) => String(f).endsWith('.json')).length;
      const cutEntries = entries();
      await scanC('big.c', text, { cache });
      expect(entries()).toBe(cutEntries + 1);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  test('the parser is usable after a cut parse (the next file parses normally)', () => {
    analyzeC('x.c', big(), { timeLimitMs: 1 });
    const f = analyzeC('y.c', 'int f(void) { return kfree(0); }\n', { timeLimitMs: 5000 });
    expect(f.warnings).toEqual([]);
    expect(f.calls.map((c) => c.callee)).toEqual(['kfree']);
  });
});

describe('the limits on the command line', () => {
  test('--max-source-size, --parse-timeout and --max-decompressed-size reach the scan', () => {
    const cli = path.join(REPO, 'dist/src/cli.js');
    if (!fs.existsSync(cli)) throw new Error('run `npm run build` first: this test runs dist/src/cli.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-c-cli-'));
    try {
      fs.writeFileSync(path.join(dir, 'big.c'), `${'int f(void) { return kfree(0); }\n'.repeat(80_000)}`);
      fs.copyFileSync(path.join(REPO, 'test/fixtures/modules/build/gpl_shim/gpl_shim.ko'), path.join(dir, 'm.ko'));
      require('child_process').execFileSync('gzip', [path.join(dir, 'm.ko')]);
      const run = (...args: string[]) => {
        const r = require('child_process').spawnSync(process.execPath, [cli, 'scan', '.', '--format', 'json', '--no-cache', '--fail-on', 'none', ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30 });
        return JSON.parse(r.stdout) as { errors: { path: string; message: string }[]; warnings: { path: string; message: string }[] };
      };
      expect(run().errors).toEqual([]);
      expect(run('--max-source-size', '1').errors).toEqual([
        { path: 'big.c', message: 'big.c: 2.5 MiB, larger than the 1 MiB limit for C sources and build files; not parsed (raise --max-source-size or limits.maxSourceBytes to read it)' },
      ]);
      expect(run('--parse-timeout', '1').warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/^parse time limit of 1 ms reached during /));
      expect(run('--max-decompressed-size', '1').errors).toEqual([]);
      fs.writeFileSync(path.join(dir, 'z.ko.gz'), require('zlib').gzipSync(Buffer.alloc(2 << 20)));
      expect(run('--max-decompressed-size', '1').errors).toEqual([
        { path: 'z.ko.gz', message: 'z.ko.gz: decompresses to more than 1 MiB (the limit for compressed modules); not analysed' },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
