/**
 * Damaged input: every problem gives a typed error (fatal) or a warning (the rest still read),
 * with an exact message naming the file, the section and the offset. Nothing else may escape.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ElfError, ElfFile, ElfFormatError, ElfUnsupportedError, NotElfError, readElf } from '.';
import { analyzeElf } from '../analyzers/elf';

const TD = path.join(__dirname, 'testdata');
const load = (name: string): Buffer => fs.readFileSync(path.join(TD, name));
const hex = (n: number) => `0x${n.toString(16)}`;

/** The error `fn` throws (fails the test when it throws nothing). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}

/** Section header field writer for an ELF64 little-endian file. */
class Patch {
  readonly buf: Buffer;
  readonly f: ElfFile;
  constructor(name: string) {
    this.buf = Buffer.from(load(name));
    this.f = readElf(name, load(name));
  }
  sec(name: string) {
    const s = this.f.section(name);
    if (!s) throw new Error(`no section ${name}`);
    return s;
  }
  private shdr(index: number) {
    return this.f.header.shoff + index * this.f.header.shentsize;
  }
  setSection(name: string, field: 'name' | 'offset' | 'size' | 'entsize', value: number): this {
    const o = this.shdr(this.sec(name).index);
    if (field === 'name') this.buf.writeUInt32LE(value, o);
    else this.buf.writeBigUInt64LE(BigInt(value), o + { offset: 24, size: 32, entsize: 56 }[field]);
    return this;
  }
  /** Rewrites RELA entry `i` of section `name`. */
  setRela(name: string, i: number, field: 'offset' | 'sym' | 'addend', value: number): this {
    const o = this.sec(name).offset + i * 24;
    if (field === 'offset') this.buf.writeBigUInt64LE(BigInt(value), o);
    else if (field === 'sym') this.buf.writeUInt32LE(value, o + 12);
    else this.buf.writeBigInt64LE(BigInt(value), o + 16);
    return this;
  }
  read(shown = 't.ko'): ElfFile {
    return readElf(shown, this.buf);
  }
}

const messages = (f: ElfFile) => f.warnings.map((w) => w.message);

describe('fatal: typed errors with exact messages', () => {
  test('empty file', () => {
    const e = thrown(() => readElf('empty.ko', Buffer.alloc(0)));
    expect(e).toBeInstanceOf(NotElfError);
    expect(e.message).toBe('empty.ko: empty file (0 bytes), not an ELF object');
    expect((e as NotElfError).path).toBe('empty.ko');
  });

  test('not ELF, although named .ko', () => {
    const e = thrown(() => readElf('drivers/fake.ko', fs.readFileSync(path.join(TD, 'src/kmod/toyexp.c'))));
    expect(e).toBeInstanceOf(NotElfError);
    expect(e.message).toBe('drivers/fake.ko: not an ELF file (no ELF magic in the first 4 bytes)');
    expect(thrown(() => readElf('two.o', Buffer.from([0x7f, 0x45]))).message).toBe('two.o: not an ELF file (no ELF magic in the first 2 bytes)');
    expect(thrown(() => analyzeElf('drivers/fake.ko', Buffer.from('GPL'))).message).toBe('drivers/fake.ko: not an ELF file (no ELF magic in the first 3 bytes)');
  });

  test('truncated inside the identification and inside the header', () => {
    const ko = load('toyexp.ko');
    const e1 = thrown(() => readElf('t.ko', ko.subarray(0, 10)));
    expect(e1).toBeInstanceOf(ElfFormatError);
    expect(e1.message).toBe('t.ko: file is truncated: 10 bytes, the ELF identification needs 16');
    const e2 = thrown(() => readElf('t.ko', ko.subarray(0, 40)));
    expect(e2.message).toBe('t.ko: file is truncated: 40 bytes, an ELF64 header needs 64');
    expect((e2 as ElfFormatError).offset).toBe(0);
    const i386 = load('toyarch-i386.o');
    expect(thrown(() => readElf('t.o', i386.subarray(0, 51))).message).toBe('t.o: file is truncated: 51 bytes, an ELF32 header needs 52');
  });

  test('truncated before / inside the section header table of a relocatable file', () => {
    const ko = load('toyexp.ko');
    const f = readElf('t.ko', ko);
    const { shoff, shnum } = f.header;
    const cut1 = ko.subarray(0, shoff - 100);
    expect(thrown(() => readElf('t.ko', cut1)).message)
      .toBe(`t.ko: section header table at offset ${hex(shoff)} lies past the end of the file (size ${hex(shoff - 100)})`);
    const cut2 = ko.subarray(0, shoff + 100);
    const e = thrown(() => readElf('t.ko', cut2)) as ElfFormatError;
    expect(e.message).toBe(`t.ko: section header table at offset ${hex(shoff)} (${shnum} entries of 0x40 bytes) lies past the end of the file (size ${hex(shoff + 100)})`);
    expect([e.section, e.offset]).toEqual([undefined, shoff]);
  });

  test('unknown class, absurd section header size and count', () => {
    const bad = Buffer.from(load('toyexp.ko'));
    bad[4] = 3;
    const e = thrown(() => readElf('t.ko', bad));
    expect(e).toBeInstanceOf(ElfUnsupportedError);
    expect(e.message).toBe('t.ko: unknown ELF class 3 (identification byte 4; 1 = ELF32, 2 = ELF64)');

    const small = Buffer.from(load('toyexp.ko'));
    small.writeUInt16LE(0x10, 58);
    expect(thrown(() => readElf('t.ko', small)).message).toBe('t.ko: section header entry size 0x10 is smaller than an ELF64 section header (0x40)');

    const many = Buffer.from(load('toyexp.ko'));
    many.writeUInt16LE(0xffff, 60);
    const shoff = readElf('t.ko', load('toyexp.ko')).header.shoff;
    expect(thrown(() => readElf('t.ko', many)).message)
      .toBe(`t.ko: section header table at offset ${hex(shoff)} (65535 entries of 0x40 bytes) lies past the end of the file (size ${hex(many.length)})`);
  });
});

describe('damaged parts: warnings, the rest still read', () => {
  const ok = readElf('t.ko', load('toyexp.ko'));

  test('section contents past the end of the file', () => {
    const p = new Patch('toyexp.ko').setSection('.modinfo', 'offset', 0xffffff00);
    const f = p.read();
    const s = p.sec('.modinfo');
    const msg = `t.ko: section ${s.index} (.modinfo): contents at offset 0xffffff00 (size ${hex(s.size)}) lie past the end of the file (size ${hex(p.buf.length)})`;
    expect(f.modinfo()).toEqual([]);
    expect(messages(f)).toEqual([msg]);
    const w = f.warnings[0];
    expect([w.path, w.section, w.offset]).toEqual(['t.ko', { index: s.index, name: '.modinfo' }, 0]);
    expect(f.kernelExports().map((e) => e.symbol).sort()).toEqual(['toy_gpl_now', 'toy_ns_alloc', 'toy_plain']);
    expect(f.versions().length).toBe(ok.versions().length);
  });

  test('symbol name offset past its string table', () => {
    const p = new Patch('toyexp.ko');
    const st = p.f.symbols()!;
    const k = st.indexOf('toy_plain');
    p.buf.writeUInt32LE(0x7fff0, st.section.offset + k * 24);
    const f = p.read();
    const strtab = p.f.sections[st.section.link];
    const st2 = f.symbols()!;
    expect(messages(f)).toEqual([
      `t.ko: section ${st.section.index} (.symtab): symbol ${k}: name offset 0x7fff0 lies past the end of string table section ${strtab.index} (.strtab) (size ${hex(strtab.size)})`,
    ]);
    expect(f.warnings[0].offset).toBe(k * 24);
    expect(st2.name(k)).toBe('');
    expect(st2.count).toBe(st.count);
    expect(st2.indexOf('toy_gpl_now')).toBe(st.indexOf('toy_gpl_now'));
  });

  test('section name offset past the section name table', () => {
    const p = new Patch('toyexp.ko');
    const s = p.sec('.modinfo');
    const shstr = p.f.sections[p.f.header.shstrndx];
    p.setSection('.modinfo', 'name', 0xfffff);
    const f = p.read();
    expect(messages(f)).toEqual([`t.ko: section ${s.index} (<unnamed>): name offset 0xfffff lies past the end of the section name table (size ${hex(shstr.size)})`]);
    expect(f.section('.modinfo')).toBeUndefined();
    expect(analyzeElf('t.ko', p.buf).unitKind).toBe('kernel-module'); // .gnu.linkonce.this_module
  });

  test('section name table index out of range', () => {
    const buf = Buffer.from(load('toyexp.ko'));
    buf.writeUInt16LE(999, 62);
    const f = readElf('t.ko', buf);
    expect(messages(f)).toEqual([`t.ko: section name table index 999 is out of range (${ok.sections.length} sections); sections are unnamed`]);
    expect(f.sections.every((s) => s.name === '')).toBe(true);
    expect(f.symbols()!.count).toBe(ok.symbols()!.count);
  });

  test('absurd sh_entsize of the symbol table', () => {
    const p = new Patch('toyexp.ko').setSection('.symtab', 'entsize', 0x12345);
    const f = p.read();
    const s = p.sec('.symtab');
    expect(f.symbols()!.count).toBe(ok.symbols()!.count);
    expect(messages(f)).toEqual([`t.ko: section ${s.index} (.symtab): sh_entsize 0x12345 is not the size of an ELF64 symbol (0x18); reading 0x18-byte entries`]);
  });

  test('relocation patching outside its section, relocation naming a missing symbol', () => {
    const p = new Patch('toyexp.ko').setRela('.rela.text', 0, 'offset', 0x100000).setRela('.rela.text', 1, 'sym', 9999);
    const f = p.read();
    const rs = p.sec('.rela.text');
    const text = p.sec('.text');
    const st = p.f.symbols()!;
    const before = p.f.relocations(rs)!;
    const t = f.relocations(f.section('.rela.text')!)!;
    expect(messages(f)).toEqual([
      `t.ko: section ${rs.index} (.rela.text): relocation at offset 0x18: symbol index 9999 is out of range (section ${st.section.index} (.symtab) has ${st.count} symbols)`,
      `t.ko: section ${rs.index} (.rela.text): relocation at offset 0x0: patched offset 0x100000 (${before.typeName(0)}, 4 bytes) lies outside section ${text.index} (.text) (size ${hex(text.size)})`,
    ].sort((a, b) => (a.includes('0x0:') ? -1 : 1) - (b.includes('0x0:') ? -1 : 1)));
    expect(t.count).toBe(before.count - 2);
    expect(Array.from(t.offset)).toEqual(Array.from(before.offset).slice(2));
    expect(f.warnings.map((w) => w.offset).sort()).toEqual([0, 0x18]);
  });

  test('relocation section whose size is not a whole number of entries', () => {
    const p = new Patch('toyexp.ko');
    const rs = p.sec('.rela.text');
    const size = rs.size - 8;
    p.setSection('.rela.text', 'size', size);
    const f = p.read();
    const whole = Math.floor(size / 24);
    expect(messages(f)).toEqual([]); // decoded lazily
    expect(f.relocations(f.section('.rela.text')!)!.count).toBe(whole);
    expect(messages(f)).toEqual([`t.ko: section ${rs.index} (.rela.text): entry at offset ${hex(whole * 24)} lies past the end of the section (size ${hex(size)})`]);
    expect(f.warnings[0].offset).toBe(whole * 24);
  });

  test('overlapping sections', () => {
    const p = new Patch('toyexp.ko');
    const text = p.sec('.text');
    const mi = p.sec('.modinfo');
    p.setSection('.modinfo', 'offset', text.offset);
    const f = p.read();
    expect(messages(f)[0]).toBe(
      `t.ko: section ${mi.index} (.modinfo): contents [${hex(text.offset)}, ${hex(text.offset + mi.size)}) overlap section ${text.index} (.text) [${hex(text.offset)}, ${hex(text.offset + text.size)})`,
    );
  });

  test('export whose name string lies outside __ksymtab_strings: named from its symbol instead', () => {
    const p = new Patch('toyexp.ko');
    const rs = p.sec('.rela__ksymtab_gpl');
    const ks = p.sec('__ksymtab_gpl');
    const strs = p.sec('__ksymtab_strings');
    const t = p.f.relocations(rs)!;
    const i = Array.from(t.offset).indexOf(4); // name field of the first entry
    const sym = t.sym[i];
    p.setRela('.rela__ksymtab_gpl', i, 'addend', 0x10000);
    const f = p.read();
    const ex = f.kernelExports();
    const strOff = t.symbols!.value[sym] + 0x10000;
    expect(messages(f)).toEqual([
      `t.ko: section ${ks.index} (__ksymtab_gpl): entry at offset 0x0: name: string offset ${hex(strOff)} lies past the end of section ${strs.index} (__ksymtab_strings) (size ${hex(strs.size)})`,
    ]);
    expect(ex.map((e) => e.symbol).sort()).toEqual(['toy_gpl_now', 'toy_ns_alloc', 'toy_plain']);
  });

  test('__versions with a partial entry', () => {
    const p = new Patch('toyexp.ko');
    const s = p.sec('__versions');
    p.setSection('__versions', 'size', s.size - 10);
    const f = p.read();
    expect(f.versions().length).toBe(ok.versions().length - 1);
    const whole = Math.floor((s.size - 10) / 64) * 64;
    expect(messages(f)).toEqual([`t.ko: section ${s.index} (__versions): entry at offset ${hex(whole)} lies past the end of the section (size ${hex(s.size - 10)})`]);
  });

  test('__versions with a name that is not NUL-terminated', () => {
    const p = new Patch('toyexp.ko');
    const s = p.sec('__versions');
    p.buf.fill(0x41, s.offset + 64 + 8, s.offset + 128); // the second entry's name: 56 x 'A'
    const f = p.read();
    const want = ok.versions().filter((_, i) => i !== 1);
    expect(f.versions()).toEqual(want);
    expect(f.versionTable()!.entries()).toEqual(want);
    expect(messages(f)).toEqual([`t.ko: section ${s.index} (__versions): entry at offset 0x40: name is not NUL-terminated within 56 bytes`]);
  });

  test('an executable cut before its section table still gives interpreter and DT_NEEDED', () => {
    const exe = load('hello');
    const shoff = readElf('hello', exe).header.shoff;
    const cut = exe.subarray(0, shoff);
    const f = readElf('hello', cut);
    expect(messages(f)).toEqual([`hello: section header table at offset ${hex(shoff)} lies past the end of the file (size ${hex(shoff)})`]);
    expect(f.sections).toEqual([]);
    expect(f.interpreter()).toMatch(/ld-linux/);
    expect(f.dynamic()!.needed).toEqual(['libtoy.so.1', 'libc.so.6']);
    const facts = analyzeElf('hello', cut);
    expect(facts.unitKind).toBe('userspace');
    expect(facts.dynamic!.needed).toEqual(['libtoy.so.1', 'libc.so.6']);
    expect(facts.warnings).toEqual([{ path: 'hello', message: messages(f)[0] }]);
  });

  test('a program header table with a bad entry size is a warning when sections remain', () => {
    const buf = Buffer.from(load('hello'));
    buf.writeUInt16LE(8, 54);
    const f = readElf('hello', buf);
    expect(messages(f)).toEqual(['hello: program header entry size 0x8 is smaller than an ELF64 program header (0x38)']);
    expect(f.interpreter()).toBeUndefined();
    expect(f.dynamic()!.needed).toEqual(['libtoy.so.1', 'libc.so.6']);
  });

  test('big-endian file: bad symbol table entry size', () => {
    const buf = Buffer.from(load('toyarch-ppc.o'));
    const f0 = readElf('p.o', buf);
    const st = f0.section('.symtab')!;
    buf.writeUInt32BE(7, f0.header.shoff + st.index * f0.header.shentsize + 36);
    const f = readElf('p.o', buf);
    expect(f.symbols()!.count).toBe(f0.symbols()!.count);
    expect(messages(f)).toEqual([`p.o: section ${st.index} (.symtab): sh_entsize 0x7 is not the size of an ELF32 symbol (0x10); reading 0x10-byte entries`]);
  });
});

// ------------------------------------------------------------------------------------------
// Fuzzing: nothing but ElfError may escape, whatever the damage.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reads everything there is to read; returns 'error' / 'warnings' / 'clean'. */
function exercise(name: string, buf: Buffer): 'error' | 'warnings' | 'clean' {
  try {
    const f = readElf(name, buf);
    f.symbols()?.all();
    f.dynamicSymbols()?.all();
    for (const s of f.relocationSections()) f.relocations(s)?.all();
    f.modinfo();
    f.versions();
    f.kernelExports();
    f.dynamic();
    f.dynamicImports();
    f.interpreter();
    const facts = analyzeElf(name, buf);
    JSON.stringify(facts);
    return facts.warnings.length ? 'warnings' : 'clean';
  } catch (e) {
    if (e instanceof ElfError) {
      expect(e.message.startsWith(`${name}: `)).toBe(true);
      return 'error';
    }
    throw new Error(`${name}: a ${(e as Error)?.constructor?.name} escaped: ${(e as Error)?.stack}`);
  }
}

describe('fuzzing', () => {
  const FILES = ['toyexp.ko', 'toyexp.o', 'hello', 'libtoy.so', 'toyarch-i386.o', 'toyarch-ppc.o', 'toyarch-s390x.o'];

  test.each(FILES)('%s: 400 seeded random bit flips', (name) => {
    const orig = load(name);
    const rnd = mulberry32(0x5eed ^ name.length * 7919);
    const seen = { error: 0, warnings: 0, clean: 0 };
    for (let iter = 0; iter < 400; iter++) {
      const buf = Buffer.from(orig);
      const flips = 1 + Math.floor(rnd() * 8);
      for (let k = 0; k < flips; k++) {
        // Half of the flips hit the headers and tables, where damage matters most.
        const hot = rnd() < 0.5;
        const f0 = readElf(name, orig);
        const pos = hot
          ? (rnd() < 0.3 ? Math.floor(rnd() * 64) : f0.header.shoff + Math.floor(rnd() * (buf.length - f0.header.shoff)))
          : Math.floor(rnd() * buf.length);
        buf[Math.min(pos, buf.length - 1)] ^= 1 << Math.floor(rnd() * 8);
      }
      seen[exercise(name, buf)]++;
    }
    expect(seen.error + seen.warnings + seen.clean).toBe(400);
  });

  test.each(['toyexp.ko', 'hello.o', 'toyarch-s390x.o'])('%s: truncated at every length', (name) => {
    const orig = load(name);
    const step = orig.length > 4000 ? 5 : 1;
    let errors = 0;
    for (let n = 0; n < orig.length; n += step) if (exercise(name, orig.subarray(0, n)) === 'error') errors++;
    expect(errors).toBeGreaterThan(0);
  });

  test('random section header fields (offsets, sizes, entsizes, links) in toyexp.ko', () => {
    const orig = load('toyexp.ko');
    const f0 = readElf('t.ko', orig);
    const rnd = mulberry32(42);
    const values = [0, 1, 7, 0x18, 0xffffffff, 0x7fffffff, orig.length, orig.length - 1, 0x100000000];
    for (let iter = 0; iter < 600; iter++) {
      const buf = Buffer.from(orig);
      const s = Math.floor(rnd() * f0.sections.length);
      const o = f0.header.shoff + s * 64;
      const field = [24, 32, 56, 40, 44, 0][Math.floor(rnd() * 6)];
      const v = values[Math.floor(rnd() * values.length)];
      if (field >= 40 || field === 0) buf.writeUInt32LE(v >>> 0, o + field);
      else buf.writeBigUInt64LE(BigInt(v), o + field);
      exercise('t.ko', buf);
    }
  });
});
