/**
 * Mutations of real files for the fuzz and hostile-input tests: byte-level (bit flips, byte
 * writes, truncation, splices, duplicated chunks), ELF-aware (header fields, section header
 * fields, relocation and symbol entries set to out-of-range values, in ELF32/ELF64 and either
 * byte order) and text-level (NUL bytes, invalid UTF-8, deep nesting, unterminated comments and
 * literals). Every mutation is plain data, so a failing fuzz case prints what was done.
 */

// ------------------------------------------------------------------------------------------
// ELF layout, read straight from the bytes (independent of elf/, which is under test)
// ------------------------------------------------------------------------------------------

export interface ElfLayout {
  is64: boolean;
  little: boolean;
  shoff: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
  /** per section: type, offset and size of its contents, entsize */
  sections: { type: number; offset: number; size: number; entsize: number; link: number }[];
}

export function isElfBytes(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

function rd(b: Buffer, off: number, size: 2 | 4 | 8, little: boolean): number {
  if (off < 0 || off + size > b.length) return -1;
  if (size === 2) return little ? b.readUInt16LE(off) : b.readUInt16BE(off);
  if (size === 4) return little ? b.readUInt32LE(off) : b.readUInt32BE(off);
  return Number(little ? b.readBigUInt64LE(off) : b.readBigUInt64BE(off));
}

function wr(b: Buffer, off: number, size: 2 | 4 | 8, little: boolean, value: bigint): void {
  if (off < 0 || off + size > b.length) return;
  const mask = (1n << BigInt(size * 8)) - 1n;
  const v = value & mask;
  if (size === 2) little ? b.writeUInt16LE(Number(v), off) : b.writeUInt16BE(Number(v), off);
  else if (size === 4) little ? b.writeUInt32LE(Number(v), off) : b.writeUInt32BE(Number(v), off);
  else little ? b.writeBigUInt64LE(v, off) : b.writeBigUInt64BE(v, off);
}

export function elfLayout(b: Buffer): ElfLayout | undefined {
  if (!isElfBytes(b) || b.length < 52) return undefined;
  const is64 = b[4] === 2;
  const little = b[5] !== 2;
  const shoff = rd(b, is64 ? 0x28 : 0x20, is64 ? 8 : 4, little);
  const shentsize = rd(b, is64 ? 0x3a : 0x2e, 2, little);
  const shnum = rd(b, is64 ? 0x3c : 0x30, 2, little);
  const shstrndx = rd(b, is64 ? 0x3e : 0x32, 2, little);
  const sections: ElfLayout['sections'] = [];
  if (shoff > 0 && shentsize >= (is64 ? 64 : 40)) {
    for (let i = 0; i < shnum && shoff + (i + 1) * shentsize <= b.length; i++) {
      const o = shoff + i * shentsize;
      sections.push({
        type: rd(b, o + 4, 4, little),
        offset: rd(b, o + (is64 ? 24 : 16), is64 ? 8 : 4, little),
        size: rd(b, o + (is64 ? 32 : 20), is64 ? 8 : 4, little),
        link: rd(b, o + (is64 ? 40 : 24), 4, little),
        entsize: rd(b, o + (is64 ? 56 : 36), is64 ? 8 : 4, little),
      });
    }
  }
  return { is64, little, shoff, shentsize, shnum, shstrndx, sections };
}

export const HEADER_FIELDS = ['shoff', 'shentsize', 'shnum', 'shstrndx', 'phoff', 'phnum', 'class', 'data'] as const;
export type HeaderField = (typeof HEADER_FIELDS)[number];
export const SECTION_FIELDS = ['name', 'type', 'offset', 'size', 'link', 'info', 'entsize', 'addralign'] as const;
export type SectionField = (typeof SECTION_FIELDS)[number];

function headerSlot(l: ElfLayout, f: HeaderField): [number, 1 | 2 | 4 | 8] {
  const is64 = l.is64;
  switch (f) {
    case 'class':
      return [4, 1];
    case 'data':
      return [5, 1];
    case 'shoff':
      return is64 ? [0x28, 8] : [0x20, 4];
    case 'phoff':
      return is64 ? [0x20, 8] : [0x1c, 4];
    case 'shentsize':
      return [is64 ? 0x3a : 0x2e, 2];
    case 'shnum':
      return [is64 ? 0x3c : 0x30, 2];
    case 'shstrndx':
      return [is64 ? 0x3e : 0x32, 2];
    case 'phnum':
      return [is64 ? 0x38 : 0x2c, 2];
  }
}

function sectionSlot(l: ElfLayout, f: SectionField): [number, 4 | 8] {
  const w: 4 | 8 = l.is64 ? 8 : 4;
  switch (f) {
    case 'name':
      return [0, 4];
    case 'type':
      return [4, 4];
    case 'offset':
      return [l.is64 ? 24 : 16, w];
    case 'size':
      return [l.is64 ? 32 : 20, w];
    case 'link':
      return [l.is64 ? 40 : 24, 4];
    case 'info':
      return [l.is64 ? 44 : 28, 4];
    case 'addralign':
      return [l.is64 ? 48 : 32, w];
    case 'entsize':
      return [l.is64 ? 56 : 36, w];
  }
}

/** Out-of-range and boundary values a field is set to; `rel` ones depend on the file. */
export const EXTREMES = ['zero', 'one', 'max8', 'max16', 'max31', 'max32', 'max64', 'len-1', 'len', 'len+1', 'half', 'other-section', 'random'] as const;
export type Extreme = (typeof EXTREMES)[number];

function extremeValue(kind: Extreme, b: Buffer, l: ElfLayout, random: number): bigint {
  switch (kind) {
    case 'zero':
      return 0n;
    case 'one':
      return 1n;
    case 'max8':
      return 0xffn;
    case 'max16':
      return 0xffffn;
    case 'max31':
      return 0x7fffffffn;
    case 'max32':
      return 0xffffffffn;
    case 'max64':
      return (1n << 64n) - 1n;
    case 'len-1':
      return BigInt(Math.max(0, b.length - 1));
    case 'len':
      return BigInt(b.length);
    case 'len+1':
      return BigInt(b.length + 1);
    case 'half':
      return BigInt(b.length >> 1);
    case 'other-section': {
      // an offset inside another section's contents: overlapping sections
      const s = l.sections[random % Math.max(1, l.sections.length)];
      return BigInt(s && s.offset >= 0 ? s.offset : 0);
    }
    case 'random':
      return BigInt(random >>> 0);
  }
}

// ------------------------------------------------------------------------------------------
// Mutations
// ------------------------------------------------------------------------------------------

/** Positions are fractions of the file's length (0 <= at < 1), so one mutation fits any file. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; remove: number; insert: number[] }
  | { kind: 'duplicate'; from: number; to: number; length: number }
  | { kind: 'header'; field: HeaderField; value: Extreme; random: number }
  | { kind: 'section'; index: number; field: SectionField; value: Extreme; random: number }
  | { kind: 'entry'; table: 'rel' | 'sym'; index: number; entry: number; field: number; value: Extreme; random: number }
  | { kind: 'text'; at: number; snippet: number; repeat: number };

/** Hostile text for C sources (and any other file): inserted `repeat` times. */
export const SNIPPETS: string[] = [
  '\0',
  '\xff\xfe',
  '(',
  '{',
  ')',
  '}',
  '[',
  '"',
  "'",
  '/*',
  '//',
  '\\\n',
  '#if X\n',
  '#endif\n',
  '#define F(x) F(x)\n',
  'f(',
  'EXPORT_SYMBOL(',
  'MODULE_LICENSE("GPL");\n',
  'int f(int a) {',
  '__attribute__((',
  '\u{1F600}',
  '\ud800',
];

const at = (frac: number, len: number) => Math.min(len, Math.max(0, Math.floor(frac * len)));

export function applyMutation(input: Buffer, m: Mutation): Buffer {
  const b = Buffer.from(input);
  const len = b.length;
  switch (m.kind) {
    case 'flip': {
      if (len === 0) return b;
      const i = Math.min(len - 1, at(m.at, len));
      b[i] ^= 1 << (m.bit & 7);
      return b;
    }
    case 'byte': {
      if (len === 0) return b;
      b[Math.min(len - 1, at(m.at, len))] = m.value & 0xff;
      return b;
    }
    case 'truncate':
      return b.subarray(0, at(m.at, len));
    case 'splice': {
      const i = at(m.at, len);
      return Buffer.concat([b.subarray(0, i), Buffer.from(m.insert), b.subarray(Math.min(len, i + m.remove))]);
    }
    case 'duplicate': {
      if (len === 0) return b;
      const from = at(m.from, len);
      const to = at(m.to, len);
      const n = Math.min(m.length, len - from, len - to);
      b.copy(b, to, from, from + n);
      return b;
    }
    case 'header': {
      const l = elfLayout(b);
      if (!l) return b;
      const [off, size] = headerSlot(l, m.field);
      const v = extremeValue(m.value, b, l, m.random);
      if (size === 1) b[off] = Number(v & 0xffn);
      else wr(b, off, size, l.little, v);
      return b;
    }
    case 'section': {
      const l = elfLayout(b);
      if (!l || l.sections.length === 0) return b;
      const i = m.index % l.sections.length;
      const [off, size] = sectionSlot(l, m.field);
      wr(b, l.shoff + i * l.shentsize + off, size, l.little, extremeValue(m.value, b, l, m.random));
      return b;
    }
    case 'entry': {
      const l = elfLayout(b);
      if (!l) return b;
      // SHT_REL 9 / SHT_RELA 4; SHT_SYMTAB 2 / SHT_DYNSYM 11
      const types = m.table === 'rel' ? [4, 9] : [2, 11];
      const tables = l.sections.filter((s) => types.includes(s.type) && s.entsize > 0 && s.offset > 0 && s.offset + s.size <= len);
      if (tables.length === 0) return b;
      const t = tables[m.index % tables.length];
      const count = Math.floor(t.size / t.entsize);
      if (count === 0) return b;
      const e = t.offset + (m.entry % count) * t.entsize;
      const v = extremeValue(m.value, b, l, m.random);
      if (m.table === 'rel') {
        // field 0: r_offset; field 1: the symbol index in r_info
        if (m.field % 2 === 0) wr(b, e, l.is64 ? 8 : 4, l.little, v);
        else if (l.is64) wr(b, e + 8 + (l.little ? 4 : 0), 4, l.little, v);
        else {
          const info = BigInt(rd(b, e + 4, 4, l.little));
          wr(b, e + 4, 4, l.little, ((v & 0xffffffn) << 8n) | (info & 0xffn));
        }
      } else {
        // field 0: st_name (string offset); 1: st_shndx; 2: st_value; 3: st_size
        const f = m.field % 4;
        if (f === 0) wr(b, e, 4, l.little, v);
        else if (f === 1) wr(b, e + (l.is64 ? 6 : 14), 2, l.little, v);
        else if (f === 2) wr(b, e + (l.is64 ? 8 : 4), l.is64 ? 8 : 4, l.little, v);
        else wr(b, e + (l.is64 ? 16 : 8), l.is64 ? 8 : 4, l.little, v);
      }
      return b;
    }
    case 'text': {
      const i = at(m.at, len);
      const snippet = SNIPPETS[m.snippet % SNIPPETS.length];
      const piece = Buffer.from(snippet.repeat(Math.max(1, m.repeat)), snippet === '\xff\xfe' ? 'latin1' : 'utf8');
      return Buffer.concat([b.subarray(0, i), piece, b.subarray(i)]);
    }
  }
}

export function applyAll(input: Buffer, ms: Mutation[]): Buffer {
  return ms.reduce((b, m) => applyMutation(b, m), input);
}
