/**
 * The reader against GNU binutils on the committed test objects (elf/testdata/build.sh):
 * ELF64 LE (x86-64 object, PIE executable, shared object, kernel .o and .ko), ELF32 LE (i386),
 * ELF32 BE (powerpc), ELF64 BE (s390x).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ElfFile, readElf } from '.';
import { SHN_ABS, SHN_COMMON, SHN_UNDEF } from './constants';
import {
  nmUndefined, readelfHeader, readelfInterpreter, readelfNeeded, readelfRelocations, readelfSections,
  readelfStrings, readelfSymbols,
} from './testdata/binutils';

const TD = path.join(__dirname, 'testdata');
const FILES = [
  'hello.o', 'hello', 'libtoy.so', 'toyarch-x86_64.o', 'toyarch-i386.o', 'toyarch-ppc.o',
  'toyarch-s390x.o', 'toyexp.o', 'toyexp.ko', 'exports65-x86_64.o', 'exports65-i386.o', 'exports65-s390x.o',
];

function open(name: string): ElfFile {
  const p = path.join(TD, name);
  return readElf(name, fs.readFileSync(p));
}

const u64 = (n: number): bigint => BigInt.asUintN(64, BigInt(n));

describe.each(FILES)('%s against readelf/nm', (name) => {
  const file = path.join(TD, name);
  const f = open(name);

  test('reads without warnings', () => {
    expect(f.warnings.map((w) => w.message)).toEqual([]);
  });

  test('header', () => {
    const h = readelfHeader(file);
    expect(`ELF${f.header.class}`).toBe(h['Class']);
    expect(h['Data']).toContain(f.header.endian === 'little' ? 'little endian' : 'big endian');
    expect(h['Type'].split(' ')[0]).toBe(f.header.typeName);
    expect(Number(h['Number of section headers'])).toBe(f.sections.length);
    expect(Number(h['Section header string table index'])).toBe(f.header.shstrndx);
    expect(BigInt(h['Entry point address'])).toBe(u64(f.header.entry));
    expect(Number(h['Number of program headers'])).toBe(f.segments.length);
  });

  test('section headers', () => {
    const want = readelfSections(file);
    expect(f.sections.map((s) => [s.index, s.name, s.offset, s.size, s.entsize, s.link, s.info, s.addralign]))
      .toEqual(want.map((s) => [s.index, s.name, s.offset, s.size, s.entsize, s.link, s.info, s.align]));
    for (const s of f.sections) {
      const r = want[s.index];
      // readelf abbreviates some type names; compare where it spells them out.
      if (/^[A-Z_]+$/.test(r.type) && !r.type.startsWith('LOOS') && !r.type.startsWith('GNU_') && !r.type.startsWith('VER')) {
        expect(`${s.index}:${s.typeName}`).toBe(`${s.index}:${r.type}`);
      }
      expect(BigInt(s.addr) & 0xffffffffn).toBe(BigInt(r.addr) & 0xffffffffn);
    }
  });

  test('symbol tables', () => {
    const want = readelfSymbols(file);
    const tables: [string, ReturnType<ElfFile['symbols']>][] = [['.symtab', f.symbols()], ['.dynsym', f.dynamicSymbols()]];
    for (const [tname, st] of tables) {
      const w = want.get(tname);
      if (!w) {
        expect(st).toBeUndefined();
        continue;
      }
      expect(st).toBeDefined();
      const all = st!.all();
      expect(all.length).toBe(w.length);
      for (let i = 0; i < w.length; i++) {
        const a = all[i];
        const r = w[i];
        const ndx = a.sectionIndex === SHN_UNDEF ? 'UND' : a.sectionIndex === SHN_ABS ? 'ABS' : a.sectionIndex === SHN_COMMON ? 'COM' : String(a.sectionIndex);
        let rname = r.name;
        if (tname === '.dynsym') rname = rname.replace(/ \(\d+\)$/, '').replace(/@.*$/, '');
        const ours = a.type === 'SECTION' ? st!.displayName(i) : a.name;
        expect([i, ours, u64(a.value), a.size, a.type, a.binding, a.visibility, ndx])
          .toEqual([r.index, rname, r.value, r.size, r.type, r.bind, r.vis, r.ndx]);
      }
    }
  });

  test('relocations: every section, every entry', () => {
    const want = readelfRelocations(file, f.is64);
    const ours = f.relocationSections();
    expect(ours.map((s) => s.name).sort()).toEqual([...want.keys()].sort());
    for (const s of ours) {
      const t = f.relocations(s)!;
      const w = want.get(s.name)!;
      expect(`${s.name}: ${t.count}`).toBe(`${s.name}: ${w.length}`);
      for (let i = 0; i < t.count; i++) {
        const r = t.get(i);
        const e = w[i];
        const row: unknown[] = [s.name, i, u64(r.offset), r.symbolIndex, r.typeName, r.symbol];
        const exp: unknown[] = [s.name, i, e.offset, e.symbolIndex, e.type, e.symbol.replace(/@.*$/, '')];
        if (e.addend !== undefined) {
          row.push(BigInt(r.addend));
          exp.push(e.addend);
        }
        expect(row).toEqual(exp);
      }
    }
  });

  test('undefined symbols match nm -u', () => {
    const st = f.symbols();
    const ours: string[] = [];
    if (st) {
      for (let i = 1; i < st.count; i++) if (!st.isDefined(i) && st.binding(i) !== 0 && st.name(i)) ours.push(st.name(i));
    }
    expect(ours.sort()).toEqual(nmUndefined(file).sort());
  });
});

describe('ELF flavours', () => {
  test.each([
    ['toyarch-x86_64.o', 64, 'little', 'x86_64'],
    ['toyarch-i386.o', 32, 'little', 'i386'],
    ['toyarch-ppc.o', 32, 'big', 'ppc'],
    ['toyarch-s390x.o', 64, 'big', 's390'],
  ])('%s is ELF%d %s-endian %s and has the same functions and imports', (name, cls, endian, machine) => {
    const f = open(name);
    expect([f.header.class, f.header.endian, f.header.machineName, f.header.typeName]).toEqual([cls, endian, machine, 'REL']);
    const st = f.symbols()!;
    // (i386 PIC code adds the compiler's __x86.get_pc_thunk.* helpers.)
    const fns = st.all().filter((s) => s.type === 'FUNC' && !s.name.startsWith('__x86.get_pc_thunk')).map((s) => s.name).sort();
    expect(fns).toEqual(['arch_cold', 'arch_entry', 'arch_work']);
    const und = st.all().filter((s) => !s.defined && s.name).map((s) => s.name).sort();
    expect(und).toEqual(expect.arrayContaining(['ext_call', 'ext_data']));
    // Every flavour calls ext_call from arch_work and arch_cold.
    const calls = f.relocationSections().flatMap((s) => f.relocations(s)!.all().filter((r) => r.symbol === 'ext_call'));
    expect(calls.length).toBeGreaterThanOrEqual(2);
  });

  test('i386 REL relocations carry their implicit addends (-4 for a call)', () => {
    const f = open('toyarch-i386.o');
    const rel = f.section('.rel.text')!;
    const t = f.relocations(rel)!;
    expect(t.isRela).toBe(false);
    const plt = t.all().filter((r) => r.typeName === 'R_386_PLT32' || (r.typeName === 'R_386_PC32' && r.symbol.startsWith('__x86.get_pc_thunk')));
    expect(plt.length).toBeGreaterThan(0);
    for (const r of plt) expect(r.addend).toBe(-4);
  });
});

describe('kernel module sections', () => {
  const symvers = fs.readFileSync(path.join(TD, 'toyexp.Module.symvers'), 'latin1').trim().split('\n').map((l) => l.split('\t'));

  test('.modinfo in file order, as readelf -p shows it', () => {
    for (const name of ['toyexp.o', 'toyexp.ko']) {
      const f = open(name);
      const strings = readelfStrings(path.join(TD, name), '.modinfo');
      expect(f.modinfo().map((e) => `${e.key}=${e.value}`)).toEqual(strings);
    }
    const ko = open('toyexp.ko').modinfo();
    expect(ko.filter((e) => e.key === 'license').map((e) => e.value)).toEqual(['Dual MIT/GPL', 'GPL']);
    expect(ko.find((e) => e.key === 'import_ns')!.value).toBe('DMA_BUF');
    expect(ko.find((e) => e.key === 'name')!.value).toBe('toyexp');
  });

  test('per-symbol ___ksymtab sections of the .o match Module.symvers', () => {
    const ex = open('toyexp.o').kernelExports();
    expect(ex.map((e) => [e.symbol, e.gplOnly ? 'EXPORT_SYMBOL_GPL' : 'EXPORT_SYMBOL', e.namespace, e.layout, e.section]))
      .toEqual(symvers.map((s) => [s[1], s[3], s[4] ?? '', 'per-symbol', `___ksymtab${s[3] === 'EXPORT_SYMBOL_GPL' ? '_gpl' : ''}+${s[1]}`]));
  });

  test('merged __ksymtab of the .ko matches Module.symvers, CRCs included', () => {
    const ex = open('toyexp.ko').kernelExports();
    const sorted = (xs: string[][]) => xs.map((x) => x.join(' ')).sort();
    expect(sorted(ex.map((e) => [e.symbol, e.gplOnly ? 'EXPORT_SYMBOL_GPL' : 'EXPORT_SYMBOL', e.namespace, `0x${e.crc!.toString(16).padStart(8, '0')}`])))
      .toEqual(sorted(symvers.map((s) => [s[1], s[3], s[4] ?? '', s[0]])));
    expect(ex.every((e) => e.layout === 'merged')).toBe(true);
    expect(ex.find((e) => e.symbol === 'toy_ns_alloc')).toMatchObject({ section: '__ksymtab_gpl', offset: 12 });
  });

  test('__versions lists every import of the .ko', () => {
    const f = open('toyexp.ko');
    const names = new Set(f.versions().map((v) => v.symbol));
    expect(names.has('module_layout')).toBe(true);
    for (const u of nmUndefined(path.join(TD, 'toyexp.ko'))) expect(names).toContain(u);
    for (const v of f.versions()) expect(v.crc).toBeGreaterThan(0);
  });

  test.each(['exports65-x86_64.o', 'exports65-i386.o', 'exports65-s390x.o'])('Linux 6.5+ .export_symbol layout: %s', (name) => {
    const f = open(name);
    expect(f.kernelExports().map((e) => [e.symbol, e.gplOnly, e.namespace, e.forModules, e.layout])).toEqual([
      ['e65_plain', false, '', undefined, 'export_symbol'],
      ['e65_gpl', true, '', undefined, 'export_symbol'],
      ['e65_counter', false, 'E65_DATA', undefined, 'export_symbol'],
      ['e65_ns', true, 'E65_NS', undefined, 'export_symbol'],
      ['e65_for_kvm', true, '', ['kvm', 'kvm_amd'], 'export_symbol'],
    ]);
    // Entry offsets are those of the __export_symbol_SYM labels.
    const labels = readelfSymbols(path.join(TD, name)).get('.symtab')!.filter((s) => s.name.startsWith('__export_symbol_'));
    expect(f.kernelExports().map((e) => [`__export_symbol_${e.symbol}`, BigInt(e.offset)]))
      .toEqual(labels.map((l) => [l.name, l.value]));
    expect(f.warnings).toEqual([]);
  });

  test('an object without module sections has none', () => {
    const f = open('hello.o');
    expect([f.modinfo(), f.versions(), f.kernelExports()]).toEqual([[], [], []]);
  });
});

describe('dynamic linking', () => {
  test('executable: interpreter, DT_NEEDED, .dynsym imports', () => {
    const f = open('hello');
    expect(f.interpreter()).toBe(readelfInterpreter(path.join(TD, 'hello')));
    expect(f.interpreter()).toMatch(/ld-linux/);
    expect(f.dynamic()!.needed).toEqual(readelfNeeded(path.join(TD, 'hello')));
    expect(f.dynamic()!.needed).toEqual(['libtoy.so.1', 'libc.so.6']);
    const nm = nmUndefined(path.join(TD, 'hello'), true).map((n) => n.replace(/@.*$/, ''));
    expect([...f.dynamicImports()].sort()).toEqual([...new Set(nm)].sort());
    expect(f.dynamicImports()).toEqual(expect.arrayContaining(['toy_dup', 'toy_release', 'printf', 'puts']));
  });

  test('shared object: soname, no interpreter', () => {
    const f = open('libtoy.so');
    expect(f.interpreter()).toBeUndefined();
    expect(f.dynamic()).toMatchObject({ soname: 'libtoy.so.1', needed: ['libc.so.6'] });
    expect(f.dynamicImports()).toEqual(expect.arrayContaining(['malloc', 'free', 'strlen', 'memcpy']));
  });

  test('objects have no dynamic section', () => {
    expect(open('hello.o').dynamic()).toBeUndefined();
    expect(open('hello.o').interpreter()).toBeUndefined();
  });
});
