// Runs Debian's real modpost on the committed module fixtures and checks it says what the kbuild
// build recorded and what test/fixtures/modules/cases.ts expects.

import { existsSync, readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import * as elfy from 'elfy';
import {
  MODULE_CASES,
  MODULE_FIXTURES_BUILD_DIR,
  MODULE_FIXTURES_DIR,
  MODULE_FIXTURES_SRC_DIR,
  moduleCase,
} from '../fixtures/modules/cases';
import {
  ModpostMessage,
  ModpostOracleError,
  parseModpostOutput,
  runModpost,
  runModpostDetailed,
} from './modpost';

jest.setTimeout(60_000);

const essentials = (ms: ModpostMessage[]) =>
  ms.map((m) => {
    const e: Record<string, string | null> = { kind: m.kind, level: m.level, module: m.module };
    if (m.symbol !== undefined) e.symbol = m.symbol;
    if (m.namespace !== undefined) e.namespace = m.namespace;
    return e;
  });

function modinfo(file: string): string[] {
  const parsed = elfy.parse(readFileSync(file)) as unknown as {
    body: { sections: { name: string; data: Buffer }[] };
  };
  const sec = parsed.body.sections.find((s) => s.name === '.modinfo');
  if (!sec) throw new Error(`${file}: no .modinfo`);
  return sec.data.toString('latin1').split('\0').filter(Boolean);
}

describe('module fixture list', () => {
  it('matches build.sh, src/ and build/', () => {
    const script = readFileSync(path.join(MODULE_FIXTURES_DIR, 'build.sh'), 'utf8');
    const block = /\nCASES=\(\n([\s\S]*?)\n\)/.exec(script);
    expect(block).not.toBeNull();
    const specs = block![1].split('\n').map((l) => l.trim()).filter(Boolean);
    expect(specs).toEqual(
      MODULE_CASES.map((c) => (c.providers.length ? `${c.name}:${c.providers.join(',')}` : c.name)),
    );
    const names = MODULE_CASES.map((c) => c.name).sort();
    const dirs = (d: string) => readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(dirs(MODULE_FIXTURES_SRC_DIR)).toEqual(names);
    expect(dirs(MODULE_FIXTURES_BUILD_DIR)).toEqual(names);
  });

  it.each(MODULE_CASES.map((c) => [c.name, c] as const))('%s: committed artefacts agree with the case', (_n, c) => {
    for (const f of [c.object, c.ko, c.modC, c.modpostOutput, c.source]) expect(existsSync(f)).toBe(true);
    const info = JSON.parse(readFileSync(path.join(c.dir, 'build-info.json'), 'utf8'));
    expect(info.case).toBe(c.name);
    expect(info.providers).toEqual(c.providers);
    expect(info.modpostExitCode).toBe(c.modpostAccepts ? 0 : 1);
    expect(info.kernelRelease).toBe(readFileSync(path.join(MODULE_FIXTURES_BUILD_DIR, 'kernel-release'), 'utf8').trim());
    expect(existsSync(path.join(c.dir, 'Module.symvers'))).toBe(c.modpostAccepts);
    for (const s of c.extraSymvers) expect(existsSync(s)).toBe(true);
    // the licence tags the case claims are those in the object and in the linked module
    for (const f of [c.object, c.ko]) {
      const tags = modinfo(f).filter((kv) => kv.startsWith('license=')).map((kv) => kv.slice('license='.length));
      expect(tags).toEqual(c.licenses);
    }
    expect(modinfo(c.ko)).toContain(`name=${c.name}`);
    expect(readFileSync(c.source, 'utf8').split('\n')[0]).toBe(`// SPDX-License-Identifier: ${c.spdx}`);
  });
});

describe('real modpost on the committed objects', () => {
  it.each(MODULE_CASES.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const run = await runModpostDetailed(c.dir);
    expect(essentials(run.messages)).toEqual(c.expected);
    expect(run.exitCode).toBe(c.modpostAccepts ? 0 : 1);

    // the same text the kbuild build printed, and the same records parsed from it
    const recorded = readFileSync(c.modpostOutput, 'utf8');
    expect(run.output).toBe(recorded);
    expect(parseModpostOutput(recorded)).toEqual(run.messages);

    if (c.modpostAccepts) {
      // what modpost writes for an accepted module is what kbuild got: symbol list and .mod.c
      expect(run.moduleSymvers).toBe(readFileSync(c.moduleSymvers!, 'utf8'));
      expect(run.modC[c.name]).toBe(readFileSync(c.modC, 'utf8'));
    } else {
      // after an error modpost writes nothing, which is why kbuild cannot link the .ko
      expect(run.moduleSymvers).toBeNull();
      expect(run.modC).toEqual({});
    }
  });

  it('runs on object paths with extra symbol lists', async () => {
    const c = moduleCase('prop_uses_gpl_export');
    const provider = moduleCase('gpl_provider');
    const ms = await runModpost([c.object], { extraSymvers: [provider.moduleSymvers!] });
    expect(essentials(ms)).toEqual(c.expected);
  });

  it('reports undefined symbols, and not the GPL-only use, without the provider symbol list', async () => {
    const ms = await runModpost([moduleCase('prop_uses_gpl_export').object]);
    expect(essentials(ms)).toEqual([
      { kind: 'unresolved-symbol', level: 'ERROR', module: 'prop_uses_gpl_export', symbol: 'toy_gpl_checksum' },
      { kind: 'unresolved-symbol', level: 'ERROR', module: 'prop_uses_gpl_export', symbol: 'toy_plain_version' },
    ]);
    const warned = await runModpost([moduleCase('prop_uses_gpl_export').object], { warnUnresolved: true });
    expect(warned.map((m) => m.level)).toEqual(['WARNING', 'WARNING']);
  });

  it('checks several modules in one run against each other', async () => {
    const shimRun = await runModpost([moduleCase('gpl_shim').object, moduleCase('prop_via_shim').object]);
    expect(shimRun).toEqual([]);
    const nsRun = await runModpost(
      ['gpl_provider', 'ns_missing', 'ns_ok', 'prop_uses_gpl_export'].map((n) => moduleCase(n).object),
    );
    expect(essentials(nsRun)).toEqual([...moduleCase('ns_missing').expected, ...moduleCase('prop_uses_gpl_export').expected]);
  });

  it('turns the namespace error into a warning with -N', async () => {
    const run = await runModpostDetailed(moduleCase('ns_missing').dir, { allowMissingNamespaceImports: true });
    expect(run.exitCode).toBe(0);
    expect(essentials(run.messages)).toEqual([{ ...moduleCase('ns_missing').expected[0], level: 'WARNING' }]);
  });

  it('fails with a typed error on bad input', async () => {
    await expect(runModpost(['/nonexistent/x.o'])).rejects.toThrow(ModpostOracleError);
    await expect(runModpost([moduleCase('clean_gpl').ko])).rejects.toThrow(/\*\.o/);
    await expect(runModpost(MODULE_FIXTURES_SRC_DIR)).rejects.toThrow(/no \.o file/);
    await expect(runModpost([moduleCase('clean_gpl').object], { extraSymvers: ['/nonexistent/Module.symvers'] })).rejects.toThrow(
      /extra Module\.symvers/,
    );
  });
});

describe('parseModpostOutput', () => {
  it('parses the 6.1 messages', () => {
    const text = [
      "ERROR: modpost: GPL-incompatible module prop_direct.ko uses GPL-only symbol 'ktime_get'",
      'ERROR: modpost: module ns_missing uses symbol shim_ns_helper from namespace TOY_SHIM, but does not import it.',
      'ERROR: modpost: missing MODULE_LICENSE() in /somewhere/nolic/nolic.o',
      'WARNING: modpost: "toy_plain_version" [/somewhere/user/user.ko] undefined!',
      'WARNING: modpost: EXPORT symbol "f" [/x/m.ko] version generation failed, symbol will not be versioned.',
      'Is "f" prototyped in <asm/asm-prototypes.h>?',
      '',
    ].join('\n');
    expect(parseModpostOutput(text)).toEqual([
      {
        kind: 'gpl-only',
        level: 'ERROR',
        module: 'prop_direct',
        symbol: 'ktime_get',
        raw: "ERROR: modpost: GPL-incompatible module prop_direct.ko uses GPL-only symbol 'ktime_get'",
      },
      {
        kind: 'namespace-not-imported',
        level: 'ERROR',
        module: 'ns_missing',
        symbol: 'shim_ns_helper',
        namespace: 'TOY_SHIM',
        raw: 'ERROR: modpost: module ns_missing uses symbol shim_ns_helper from namespace TOY_SHIM, but does not import it.',
      },
      {
        kind: 'missing-license',
        level: 'ERROR',
        module: 'nolic',
        file: '/somewhere/nolic/nolic.o',
        raw: 'ERROR: modpost: missing MODULE_LICENSE() in /somewhere/nolic/nolic.o',
      },
      {
        kind: 'unresolved-symbol',
        level: 'WARNING',
        module: 'user',
        symbol: 'toy_plain_version',
        file: '/somewhere/user/user.ko',
        raw: 'WARNING: modpost: "toy_plain_version" [/somewhere/user/user.ko] undefined!',
      },
      {
        kind: 'other',
        level: 'WARNING',
        module: 'm',
        raw:
          'WARNING: modpost: EXPORT symbol "f" [/x/m.ko] version generation failed, symbol will not be versioned.\n' +
          'Is "f" prototyped in <asm/asm-prototypes.h>?',
      },
    ]);
  });

  it('keeps a line without prefix before any message as its own record', () => {
    expect(parseModpostOutput('x.mod: No such file or directory\n')).toEqual([
      { kind: 'other', level: null, module: null, raw: 'x.mod: No such file or directory' },
    ]);
    expect(parseModpostOutput('')).toEqual([]);
  });
});
