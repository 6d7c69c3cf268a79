/**
 * Compressed kernel modules (`.ko.xz`, `.ko.zst`, `.ko.gz`, as `make modules_install` leaves
 * them with CONFIG_MODULE_COMPRESS_*), made here from the fixture modules with Debian's xz,
 * zstd and gzip: read like the plain module under their own name, and every damaged or
 * oversized one reported by name within the limits.
 */
import { execFileSync, execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDatabase } from '../../kernel-symbols';
import { scan, type ScanOutput } from '../../src/scan';
import { decompress, DecompressError } from '../../src/decompress';
import { MODULES, Workspace } from '../fuzz/harness';

jest.setTimeout(180_000);

const db = loadDatabase('6.1');
const now = new Date('2026-01-01T00:00:00Z');
const FIXTURES = ['gpl_shim', 'prop_via_shim', 'prop_direct', 'ns_missing', 'multi_license'];

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-compressed-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Compress `file` into `to` with a Debian tool, as the kernel's Makefile.modinst does. */
function compress(file: string, to: string, tool: 'xz' | 'zstd' | 'gzip', args: string[] = []): void {
  if (tool === 'xz') fs.writeFileSync(to, execFileSync('xz', [...(args.length ? args : ['--check=crc32', '--lzma2=dict=1MiB']), '-c', file]));
  else if (tool === 'zstd') execFileSync('zstd', ['-q', '-f', ...args, file, '-o', to]);
  else fs.writeFileSync(to, execFileSync('gzip', ['-9', '-c', ...args, file]));
}

/** A scan result with compressed names folded back to the plain ones, to compare with a plain scan. */
function normalised(out: ScanOutput): string {
  const r = out.result;
  return JSON.stringify({ units: r.units, findings: r.findings, errors: r.errors, warnings: r.warnings, graph: r.graph }).replace(/\.ko\.(xz|zst|gz)\b/g, '.ko');
}

describe('compressed fixture modules read as the plain ones', () => {
  test.each([
    ['xz', '.xz'],
    ['zstd', '.zst'],
    ['gzip', '.gz'],
  ] as const)('%s: same units, findings and graph as the plain modules; reports keep the real names', async (tool, ext) => {
    const plain = path.join(tmp, `plain-${tool}`);
    const packed = path.join(tmp, `packed-${tool}`);
    for (const m of FIXTURES) {
      fs.mkdirSync(path.join(plain, m), { recursive: true });
      fs.mkdirSync(path.join(packed, m), { recursive: true });
      const ko = path.join(MODULES, m, `${m}.ko`);
      fs.copyFileSync(ko, path.join(plain, m, `${m}.ko`));
      compress(ko, path.join(packed, m, `${m}.ko${ext}`), tool);
    }
    const a = await scan(['.'], { db, cwd: plain, jobs: 1, cache: false, now });
    const b = await scan(['.'], { db, cwd: packed, jobs: 1, cache: false, now });
    expect(b.result.errors).toEqual([]);
    expect(b.result.units.map((u) => u.id).sort()).toEqual([...FIXTURES].sort());
    expect(normalised(b)).toBe(normalised(a));
    // the real file names everywhere a path is shown
    expect(b.result.units.find((u) => u.id === 'prop_direct')!.paths).toEqual([`prop_direct/prop_direct.ko${ext}`]);
    const f = b.result.findings.find((x) => x.unit === 'prop_direct' && x.symbol === 'ktime_get')!;
    expect(f.message).toContain("GPL-incompatible module prop_direct.ko uses GPL-only symbol 'ktime_get'");
    expect(f.locations.map((l) => l.path)).toContain(`prop_direct/prop_direct.ko${ext}`);
    expect(b.facts.map((x) => x.path)).toEqual(FIXTURES.map((m) => `${m}/${m}.ko${ext}`).sort());
  });

  test('xz with the default CRC64 check and zstd with checksums and long distance matching', async () => {
    const dir = path.join(tmp, 'variants');
    fs.mkdirSync(dir, { recursive: true });
    const ko = path.join(MODULES, 'gpl_shim/gpl_shim.ko');
    compress(ko, path.join(dir, 'a.ko.xz'), 'xz', ['-6']);
    compress(ko, path.join(dir, 'b.ko.zst'), 'zstd', ['-19', '--long', '--check']);
    const r = await scan(['.'], { db, cwd: dir, jobs: 1, cache: false, now });
    expect(r.result.errors).toEqual([]);
    expect(r.facts.map((f) => [f.path, f.analyzer])).toEqual([
      ['a.ko.xz', 'elf'],
      ['b.ko.zst', 'elf'],
    ]);
  });
});

describe('damaged and hostile compressed files', () => {
  let ws: Workspace;
  const packed: Record<string, Buffer> = {};
  beforeAll(async () => {
    ws = await new Workspace('gplcheck-compressed-ws-').init();
    const ko = path.join(MODULES, 'gpl_shim/gpl_shim.ko');
    for (const [tool, ext] of [
      ['xz', 'xz'],
      ['zstd', 'zst'],
      ['gzip', 'gz'],
    ] as const) {
      const to = path.join(tmp, `shim.ko.${ext}`);
      compress(ko, to, tool);
      packed[ext] = fs.readFileSync(to);
    }
  });
  afterAll(() => ws.dispose());

  async function errorsFor(name: string, data: Buffer, limits?: { maxDecompressedBytes: number }) {
    const { out, ms, shown } = await ws.scanWith(name, data, limits ? { limits } : {});
    expect(ws.problems(out, shown, ms)).toEqual([]);
    expect(out.facts.find((f) => f.path === shown)).toBeUndefined();
    return out.result.errors.map((e) => e.message);
  }

  test.each([
    ['xz', 'the data ends early (truncated file)'],
    ['zst', 'unexpected EOF'],
    ['gz', 'the data ends early (truncated file)'],
  ])('truncated .ko.%s', async (ext, why) => {
    const data = packed[ext].subarray(0, packed[ext].length >> 1);
    expect(await errorsFor(`m.ko.${ext}`, data)).toEqual([`mutant/m.ko.${ext}: damaged ${ext === 'zst' ? 'zstd' : ext === 'gz' ? 'gzip' : 'xz'} data: ${why}`]);
  });

  test('a flipped bit in xz data fails its integrity check', async () => {
    const data = Buffer.from(packed.xz);
    data[data.length >> 1] ^= 0x10;
    expect(await errorsFor('m.ko.xz', data)).toEqual(['mutant/m.ko.xz: damaged xz data: corrupt data (integrity check failed)']);
  });

  test('a flipped bit in gzip data fails its CRC', async () => {
    const data = Buffer.from(packed.gz);
    data[data.length - 6] ^= 0x01; // inside the CRC32 trailer
    expect(await errorsFor('m.ko.gz', data)).toEqual([expect.stringMatching(/^mutant\/m\.ko\.gz: damaged gzip data: corrupt data \(incorrect data check\)$/)]);
  });

  test.each(['xz', 'zst', 'gz'])('empty .ko.%s', async (ext) => {
    const name = ext === 'zst' ? 'zstd' : ext === 'gz' ? 'gzip' : 'xz';
    expect(await errorsFor(`m.ko.${ext}`, Buffer.alloc(0))).toEqual([`mutant/m.ko.${ext}: empty file (0 bytes), not ${name}-compressed data`]);
  });

  test('another format under the name: gzip data named .ko.xz, a plain module named .ko.zst', async () => {
    expect(await errorsFor('m.ko.xz', packed.gz)).toEqual([
      'mutant/m.ko.xz: not xz-compressed data (no xz magic in the first bytes), although its name says so',
    ]);
    expect(await errorsFor('m.ko.zst', fs.readFileSync(path.join(MODULES, 'gpl_shim/gpl_shim.ko')))).toEqual([
      'mutant/m.ko.zst: not zstd-compressed data (no zstd magic in the first bytes), although its name says so',
    ]);
  });

  test('a compressed C source named .ko.gz, and a compressed empty file', async () => {
    const src = path.join(tmp, 'src.c');
    fs.copyFileSync(path.resolve(__dirname, '../../vmkernel/shim/vmk_mem.c'), src);
    expect(await errorsFor('m.ko.gz', execFileSync('gzip', ['-c', src]))).toEqual([
      'mutant/m.ko.gz: holds no ELF object once decompressed (gzip), although its name says m.ko',
    ]);
    expect(await errorsFor('m.ko.xz', execSync('printf "" | xz -c'))).toEqual(['mutant/m.ko.xz: is empty once decompressed']);
  });

  test('an xz stream with a SHA-256 check (not what the kernel writes) is refused by name', async () => {
    const to = path.join(tmp, 'sha.ko.xz');
    compress(path.join(MODULES, 'gpl_shim/gpl_shim.ko'), to, 'xz', ['--check=sha256']);
    expect(await errorsFor('m.ko.xz', fs.readFileSync(to))).toEqual([
      'mutant/m.ko.xz: damaged xz data: unsupported options (an integrity check other than CRC32/CRC64, or a filter other than LZMA2)',
    ]);
  });

  describe('decompression bombs: stopped at the output limit, named with the limit', () => {
    let bombs: Record<string, Buffer>;
    beforeAll(() => {
      const zeros = path.join(tmp, 'zeros');
      // xz: 300 MiB of zeros in one stream, past the default 256 MiB limit, a few KiB compressed
      execSync(`head -c 300M /dev/zero > ${zeros}`);
      const xz = execFileSync('xz', ['-T1', '-0', '-c', zeros], { maxBuffer: 64 << 20 });
      // zstd frames and gzip members may be concatenated: 256 copies of 64 MiB of zeros make
      // 16 GiB of output, which only a decoder that stops at the limit gets through
      execSync(`head -c 64M /dev/zero > ${zeros}`);
      const zst = execFileSync('zstd', ['-q', '-c', zeros], { maxBuffer: 64 << 20 });
      const gz = execFileSync('gzip', ['-9', '-c', zeros], { maxBuffer: 64 << 20 });
      fs.rmSync(zeros);
      bombs = { xz, zst: Buffer.concat(Array(256).fill(zst)), gz: Buffer.concat(Array(256).fill(gz)) };
    });

    test.each([
      ['xz', '300 MiB'],
      ['zst', '16 GiB'],
      ['gz', '16 GiB'],
    ])('.ko.%s of %s with the default limit of 256 MiB', async (ext) => {
      expect(bombs[ext].length).toBeLessThan(20 << 20);
      expect(await errorsFor(`m.ko.${ext}`, bombs[ext])).toEqual([
        `mutant/m.ko.${ext}: decompresses to more than 256 MiB (the limit for compressed modules); not analysed`,
      ]);
    });

    test.each(['xz', 'zst', 'gz'])('a real module over a limit of 64 KiB (.ko.%s)', async (ext) => {
      expect(await errorsFor(`m.ko.${ext}`, packed[ext], { maxDecompressedBytes: 64 * 1024 })).toEqual([
        `mutant/m.ko.${ext}: decompresses to more than 64 KiB (the limit for compressed modules); not analysed`,
      ]);
    });

    test('a zstd frame asking for a 2 GiB window is refused before anything is allocated', async () => {
      // magic, frame header descriptor 0 (window descriptor follows), window 2^(10+21) = 2 GiB,
      // then one last raw block of 3 bytes
      const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x19, 0x00, 0x00, 0x61, 0x62, 0x63]);
      expect(await errorsFor('m.ko.zst', frame)).toEqual([
        'mutant/m.ko.zst: zstd frame asks for a 2048 MiB window, more than the 256 MiB limit for compressed modules; not analysed',
      ]);
    });
  });

  test('decompress() on its own: a typed error naming the file', async () => {
    const e = await decompress('x.ko.xz', Buffer.from('nope'), 'xz').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DecompressError);
    expect((e as DecompressError).path).toBe('x.ko.xz');
  });
});
