/**
 * Real modules: Debian's linux-image-<abi>-amd64-unsigned (4,023 .ko in 6.1.0-56) against the
 * same kernel's Module.symvers (linux-headers-<abi>-amd64) and readelf.
 * The packages are fetched by test/setup/debian.sh (cached under .cache/, shared and locked).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readElf } from '.';
import { analyzeElf } from '../analyzers/elf';
import { readelfRelocations, readelfSymbols } from './testdata/binutils';

jest.setTimeout(900_000);

const REPO = path.resolve(__dirname, '..');
const debian = (...args: string[]) =>
  execFileSync(path.join(REPO, 'test/setup/debian.sh'), args, { encoding: 'utf8' }).trim().split('\n').pop()!;

interface SymversRow {
  crc: number;
  symbol: string;
  module: string;
  gpl: boolean;
  namespace: string;
}

let kernelDir: string;
let kos: string[]; // relative to kernelDir
let symvers: SymversRow[];

function listKos(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.ko')) out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

beforeAll(() => {
  const abi = debian('install-headers');
  const unpacked = debian('unpack', `linux-image-${abi}-amd64-unsigned`);
  kernelDir = path.join(unpacked, 'lib/modules', `${abi}-amd64`, 'kernel');
  kos = listKos(kernelDir);
  const text = fs.readFileSync(`/usr/src/linux-headers-${abi}-amd64/Module.symvers`, 'utf8');
  symvers = text.trim().split('\n').map((l) => {
    const c = l.split('\t');
    return { crc: parseInt(c[0], 16), symbol: c[1], module: c[2], gpl: c[3] === 'EXPORT_SYMBOL_GPL', namespace: c[4] ?? '' };
  });
});

const exportKey = (module: string, e: { symbol: string; gpl: boolean; namespace: string; crc?: number }) =>
  `${module} ${e.symbol} ${e.gpl ? 'GPL' : 'plain'} ${e.namespace || '-'} ${(e.crc ?? -1).toString(16)}`;

test('the package has the modules the test expects', () => {
  expect(kos.length).toBeGreaterThan(3000);
  expect(kos).toContain('arch/x86/kvm/kvm.ko');
});

test('every module reads cleanly, and all their exports are exactly Module.symvers minus vmlinux', () => {
  const ours: string[] = [];
  const warnings: string[] = [];
  for (const rel of kos) {
    const f = readElf(rel, fs.readFileSync(path.join(kernelDir, rel)));
    for (const e of f.kernelExports()) {
      expect(e.layout).toBe('merged');
      ours.push(exportKey(rel.replace(/\.ko$/, ''), { ...e, gpl: e.gplOnly }));
    }
    warnings.push(...f.warnings.map((w) => w.message));
  }
  expect(warnings).toEqual([]);
  const want = symvers.filter((r) => r.module !== 'vmlinux').map((r) => exportKey(r.module, r));
  expect(ours.length).toBe(want.length);
  expect(ours.sort()).toEqual(want.sort());
});

describe('a sample of a few hundred modules, analysed', () => {
  const sample = () => {
    const picked = kos.filter((_, i) => i % 10 === 0);
    for (const m of ['arch/x86/kvm/kvm.ko', 'drivers/usb/storage/usb-storage.ko', 'drivers/net/wireless/intel/iwlwifi/iwlwifi.ko']) {
      if (!picked.includes(m)) picked.push(m);
    }
    return picked;
  };

  test('facts: module name, __versions = imports + module_layout, every import has a site, exports as Module.symvers', () => {
    const mods = sample();
    expect(mods.length).toBeGreaterThan(300);
    const byModule = new Map<string, SymversRow[]>();
    for (const r of symvers) {
      let l = byModule.get(r.module);
      if (!l) byModule.set(r.module, (l = []));
      l.push(r);
    }
    for (const rel of mods) {
      const f = analyzeElf(rel, fs.readFileSync(path.join(kernelDir, rel)));
      expect([rel, f.unitKind, f.warnings]).toEqual([rel, 'kernel-module', []]);
      expect([rel, f.moduleName]).toEqual([rel, path.basename(rel, '.ko').replace(/-/g, '_')]);
      expect(f.licenses.length).toBeGreaterThan(0);
      const versions = new Set(f.versions.map((v) => v.symbol));
      const imports = f.imports.map((i) => i.symbol);
      for (const i of imports) expect(versions).toContain(i);
      expect([rel, [...versions].filter((v) => !imports.includes(v))]).toEqual([rel, ['module_layout']]);
      for (const i of f.imports) expect([rel, i.symbol, i.sites.length > 0]).toEqual([rel, i.symbol, true]);
      const want = (byModule.get(rel.replace(/\.ko$/, '')) ?? [])
        .map((r) => `${r.symbol} ${r.gpl ? 'gpl' : 'plain'} ${r.namespace}`).sort();
      expect([rel, f.exports.map((e) => `${e.symbol} ${e.type} ${e.namespace ?? ''}`).sort()]).toEqual([rel, want]);
    }
  });

  test('namespaced exports of usb-storage.ko', () => {
    const f = analyzeElf('usb-storage.ko', fs.readFileSync(path.join(kernelDir, 'drivers/usb/storage/usb-storage.ko')));
    expect(f.exports.length).toBeGreaterThan(10);
    expect(f.exports.every((e) => e.namespace === 'USB_STORAGE' && e.type === 'gpl')).toBe(true);
    expect(f.exports.map((e) => e.symbol)).toContain('usb_stor_Bulk_transport');
  });

  test('kvm.ko: symbols and every relocation as readelf sees them', () => {
    const file = path.join(kernelDir, 'arch/x86/kvm/kvm.ko');
    const f = readElf('kvm.ko', fs.readFileSync(file));
    const syms = readelfSymbols(file).get('.symtab')!;
    const st = f.symbols()!;
    expect(st.count).toBe(syms.length);
    for (const s of syms) {
      if (s.type === 'SECTION') continue;
      expect([s.index, st.name(s.index), BigInt(st.value[s.index]), st.size[s.index]]).toEqual([s.index, s.name, s.value, s.size]);
    }
    const rels = readelfRelocations(file, true);
    let total = 0;
    for (const rs of f.relocationSections()) {
      const t = f.relocations(rs)!;
      const w = rels.get(rs.name)!;
      expect([rs.name, t.count]).toEqual([rs.name, w.length]);
      for (let i = 0; i < t.count; i += 97) {
        expect([rs.name, BigInt(t.offset[i]), t.typeName(i), t.symbolName(i), BigInt(t.addend[i])])
          .toEqual([rs.name, w[i].offset, w[i].type, w[i].symbol, w[i].addend]);
      }
      total += t.count;
    }
    expect(total).toBeGreaterThan(40000);
  });
});
