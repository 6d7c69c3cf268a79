/**
 * Broken binaries through the whole scan (elf/corrupt.test.ts covers the reader alone): each
 * damaged file is scanned beside intact modules and a C module with the library API, and
 *   - the scan finishes within 5 s, nothing escapes;
 *   - the damage is reported naming the file: an error when nothing could be read, else
 *     warnings naming the section, with the rest of the file still read;
 *   - the intact files' units and findings are those of a scan without the damaged file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { hex, readElf } from '../../elf';
import { applyAll, type Mutation } from '../fuzz/mutate';
import { REPO, Workspace } from '../fuzz/harness';

jest.setTimeout(120_000);

const bytes = (p: string) => fs.readFileSync(path.join(REPO, p));
const KO = 'test/fixtures/modules/build/gpl_shim/gpl_shim.ko';
const OBJ = 'test/fixtures/modules/build/prop_via_shim/prop_via_shim.o';

/** Index of the section called `name` in the fixture (found with the reader, before damage). */
function sec(file: string, name: string): number {
  const s = readElf(file, bytes(file)).section(name);
  if (!s) throw new Error(`${file} has no section ${name}`);
  return s.index;
}

let ws: Workspace;
beforeAll(async () => {
  ws = await new Workspace().init();
});
afterAll(() => ws.dispose());

/** Scan `data` as `name`; check the common properties; return what the file under test got. */
async function scanBroken(name: string, data: Buffer) {
  const { out, ms, shown } = await ws.scanWith(name, data);
  expect(ws.problems(out, shown, ms)).toEqual([]);
  if (process.env.SHOW) process.stdout.write(`${expect.getState().currentTestName}\n  E ${JSON.stringify(out.result.errors.map((e) => e.message))}\n  W ${JSON.stringify(out.result.warnings.slice(0, 4).map((e) => e.message))}\n`);
  return {
    errors: out.result.errors.map((e) => e.message),
    warnings: out.result.warnings.map((w) => w.message),
    facts: out.facts.find((f) => f.path === shown),
    units: out.result.units.filter((u) => u.paths.includes(shown)),
  };
}

const damaged = (file: string, ...m: Mutation[]) => applyAll(bytes(file), m);
/** The fixture as the reader sees it (the numbers in the expected messages come from it). */
const elf = (file: string) => readElf(file, bytes(file));

describe('truncated files', () => {
  test.each([
    ['inside the identification', 6, 'mutant/m.ko: file is truncated: 6 bytes, the ELF identification needs 16'],
    ['inside the ELF header', 40, 'mutant/m.ko: file is truncated: 40 bytes, an ELF64 header needs 64'],
  ])('%s: an error naming the file', async (_what, size, message) => {
    const r = await scanBroken('m.ko', bytes(KO).subarray(0, size));
    expect(r.facts).toBeUndefined();
    expect(r.errors).toEqual([message]);
  });

  test('cut in the middle: the section table is gone, an error naming the file', async () => {
    const r = await scanBroken('m.ko', bytes(KO).subarray(0, bytes(KO).length >> 1));
    const shoff = hex(elf(KO).header.shoff);
    expect(r.errors).toEqual([`mutant/m.ko: section header table at offset ${shoff} lies past the end of the file (size ${hex(bytes(KO).length >> 1)})`]);
  });

  test('every cut of a module is reported or read, never thrown (64 cut points)', async () => {
    const full = bytes(KO);
    for (let k = 0; k < 64; k++) {
      const r = await scanBroken('m.ko', full.subarray(0, Math.floor((full.length * k) / 64)));
      expect(r.facts !== undefined || r.errors.length === 1).toBe(true);
    }
  });
});

describe('header and section table fields out of range', () => {
  test('section count past the end of the file', async () => {
    const r = await scanBroken('m.ko', damaged(KO, { kind: 'header', field: 'shnum', value: 'max16', random: 0 }));
    expect(r.errors).toEqual([`mutant/m.ko: section header table at offset ${hex(elf(KO).header.shoff)} (65535 entries of 0x40 bytes) lies past the end of the file (size ${hex(bytes(KO).length)})`]);
  });

  test('section table offset past the end', async () => {
    const r = await scanBroken('m.ko', damaged(KO, { kind: 'header', field: 'shoff', value: 'len+1', random: 0 }));
    const size = bytes(KO).length;
    expect(r.errors).toEqual([`mutant/m.ko: section header table at offset ${hex(size + 1)} lies past the end of the file (size ${hex(size)})`]);
  });

  test('section-name string table index out of range: read, the names are missing', async () => {
    const r = await scanBroken('m.ko', damaged(KO, { kind: 'header', field: 'shstrndx', value: 'max16', random: 0 }));
    expect(r.errors).toEqual([]);
    const first = elf(KO).sections[1];
    const nameOffset = bytes(KO).readUInt32LE(elf(KO).header.shoff + elf(KO).header.shentsize);
    expect(first.name).not.toBe('');
    expect(r.warnings).toContain(`mutant/m.ko: section 1 (<unnamed>): name offset ${hex(nameOffset)} lies past the end of the section name table (size 0x0)`);
    expect(r.facts).toBeDefined();
  });

  test('an unknown ELF class: unsupported, named', async () => {
    const r = await scanBroken('m.ko', damaged(KO, { kind: 'header', field: 'class', value: 'max8', random: 0 }));
    expect(r.errors).toEqual(['mutant/m.ko: unknown ELF class 255 (identification byte 4; 1 = ELF32, 2 = ELF64)']);
  });

  test('a section whose contents lie past the end: a warning naming the section, the rest read', async () => {
    const i = sec(KO, '.modinfo');
    const r = await scanBroken('m.ko', damaged(KO, { kind: 'section', index: i, field: 'offset', value: 'len+1', random: 0 }));
    const size = bytes(KO).length;
    const modinfo = elf(KO).section('.modinfo')!;
    expect(r.warnings).toEqual([`mutant/m.ko: section ${i} (.modinfo): contents at offset ${hex(size + 1)} (size ${hex(modinfo.size)}) lie past the end of the file (size ${hex(size)})`]);
    // the rest is read: its imports and exports, without the licence that .modinfo held
    expect(r.facts).toMatchObject({ licenses: [], exports: expect.arrayContaining([expect.objectContaining({ symbol: expect.any(String) })]) });
  });

  test('a section size past the end of the file', async () => {
    const i = sec(OBJ, '.symtab');
    const r = await scanBroken('m.o', damaged(OBJ, { kind: 'section', index: i, field: 'size', value: 'max32', random: 0 }));
    expect(r.warnings).toContain(`mutant/m.o: section ${i} (.symtab): contents at offset ${hex(elf(OBJ).section('.symtab')!.offset)} (size 0xffffffff) lie past the end of the file (size ${hex(bytes(OBJ).length)})`);
  });

  test.each([
    ['zero', '0x0'],
    ['max32', '0xffffffff'],
    ['one', '0x1'],
  ] as const)('absurd sh_entsize of the symbol table (%s)', async (v, shown) => {
    const i = sec(OBJ, '.symtab');
    const r = await scanBroken('m.o', damaged(OBJ, { kind: 'section', index: i, field: 'entsize', value: v, random: 0 }));
    expect(r.warnings).toEqual([`mutant/m.o: section ${i} (.symtab): sh_entsize ${shown} is not the size of an ELF64 symbol (0x18); reading 0x18-byte entries`]);
    expect(r.units[0].imports.length).toBeGreaterThan(0);
  });

  test('absurd sh_entsize of a relocation table', async () => {
    const i = sec(OBJ, '.rela.init.text');
    const r = await scanBroken('m.o', damaged(OBJ, { kind: 'section', index: i, field: 'entsize', value: 'max32', random: 0 }));
    expect(r.warnings).toContain(`mutant/m.o: section ${i} (.rela.init.text): sh_entsize 0xffffffff is not the size of a RELA entry of ELF64 (0x18); reading 0x18-byte entries`);
    expect(r.facts).toBeDefined();
  });

  test('overlapping sections: the symbol table placed over the string table', async () => {
    const buf = bytes(OBJ);
    const f = readElf(OBJ, buf);
    const strtab = f.section('.strtab')!;
    const r = await scanBroken('m.o', damaged(OBJ, { kind: 'section', index: f.section('.symtab')!.index, field: 'offset', value: 'random', random: strtab.offset }));
    expect(r.warnings[0]).toMatch(/^mutant\/m\.o: section \d+ \(\.strtab\): contents \[0x[0-9a-f]+, 0x[0-9a-f]+\) overlap section \d+ \(\.symtab\)/);
    expect(r.facts).toBeDefined();
  });
});

describe('symbols and relocations', () => {
  test('symbol names past the end of their string table', async () => {
    const r = await scanBroken('m.o', damaged(OBJ, ...[1, 2, 3, 4, 5].map((entry): Mutation => ({ kind: 'entry', table: 'sym', index: 0, entry, field: 0, value: 'max32', random: 0 }))));
    const symtab = elf(OBJ).section('.symtab')!;
    const strtab = elf(OBJ).sections[symtab.link];
    expect(r.warnings).toContain(
      `mutant/m.o: section ${symtab.index} (.symtab): symbol 1: name offset 0xffffffff lies past the end of string table section ${strtab.index} (.strtab) (size ${hex(strtab.size)})`,
    );
    expect(r.facts).toBeDefined();
  });

  test('relocations pointing outside their section', async () => {
    const r = await scanBroken('m.o', damaged(OBJ, { kind: 'entry', table: 'rel', index: 0, entry: 0, field: 0, value: 'max32', random: 0 }));
    const rela = elf(OBJ).relocationSections()[0];
    const target = elf(OBJ).sections[rela.info];
    expect(r.warnings).toEqual([
      `mutant/m.o: section ${rela.index} (${rela.name}): relocation at offset 0x0: patched offset 0xffffffff (R_X86_64_PLT32, 4 bytes) lies outside section ${target.index} (${target.name}) (size ${hex(target.size)})`,
    ]);
  });

  test('relocations naming missing symbols', async () => {
    const r = await scanBroken('m.o', damaged(OBJ, { kind: 'entry', table: 'rel', index: 0, entry: 1, field: 1, value: 'max31', random: 0 }));
    const rela = elf(OBJ).relocationSections()[0];
    const symtab = elf(OBJ).section('.symtab')!;
    expect(r.warnings).toEqual([
      `mutant/m.o: section ${rela.index} (${rela.name}): relocation at offset 0x18: symbol index 2147483647 is out of range (section ${symtab.index} (.symtab) has ${symtab.size / 24} symbols)`,
    ]);
  });

  test('every relocation and symbol entry of a table damaged: still read, warnings bounded', async () => {
    const f = readElf(OBJ, bytes(OBJ));
    const rela = f.section('.rela.init.text')!;
    const n = rela.size / rela.entsize;
    const ms: Mutation[] = [];
    for (let e = 0; e < n; e++) ms.push({ kind: 'entry', table: 'rel', index: 0, entry: e, field: e, value: 'max32', random: 0 });
    const r = await scanBroken('m.o', damaged(OBJ, ...ms));
    expect(r.facts).toBeDefined();
    expect(r.warnings.length).toBeLessThan(1000);
  });
});

describe('other classes and byte orders', () => {
  test.each([
    ['elf/testdata/toyarch-i386.o', 32, 'little'],
    ['elf/testdata/toyarch-ppc.o', 32, 'big'],
    ['elf/testdata/toyarch-s390x.o', 64, 'big'],
    ['elf/testdata/exports65-s390x.o', 64, 'big'],
  ] as const)('%s is read, and damaged it is reported', async (file, cls, endian) => {
    const good = await scanBroken('m.o', bytes(file));
    expect(good.facts).toMatchObject({ analyzer: 'elf', elf: { class: cls, endian } });
    const symtab = sec(file, '.symtab');
    const bad = await scanBroken('m.o', damaged(file, { kind: 'section', index: symtab, field: 'size', value: 'len+1', random: 0 }));
    expect([...bad.errors, ...bad.warnings].join('\n')).toMatch(new RegExp(`m\\.o: section ${symtab} \\(\\.symtab\\)`));
    const cut = await scanBroken('m.o', bytes(file).subarray(0, 30));
    expect(cut.errors).toEqual([expect.stringMatching(/^mutant\/m\.o: /)]);
  });
});

describe('not ELF, or empty, under an ELF name', () => {
  test.each(['m.ko', 'm.o', 'libm.so'])('a C source named %s: an error that says so', async (name) => {
    const r = await scanBroken(name, bytes('vmkernel/shim/vmk_mem.c'));
    expect(r.errors).toEqual([`mutant/${name}: not an ELF file (no ELF magic), although its name says it is an object`]);
  });

  test.each(['m.ko', 'm.o'])('an empty %s', async (name) => {
    const r = await scanBroken(name, Buffer.alloc(0));
    expect(r.errors).toEqual([`mutant/${name}: empty file (0 bytes), not an ELF object`]);
  });

  test('random bytes behind the ELF magic', async () => {
    const junk = Buffer.alloc(4096);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 2654435761) >>> 24;
    junk.write('\x7fELF', 0, 'latin1');
    const r = await scanBroken('m.ko', junk);
    expect(r.errors).toEqual([expect.stringMatching(/^mutant\/m\.ko: /)]);
  });

  test('an ELF object with a name the scan does not know is still found by its magic', async () => {
    const r = await scanBroken('blob.bin', bytes(KO));
    expect(r.units.map((u) => u.id)).toEqual(['gpl_shim']);
  });
});
