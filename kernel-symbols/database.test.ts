/**
 * The shipped databases against the real Module.symvers of the Debian packages they were
 * built from (fetched and unpacked on demand; a download failure fails the test), plus the
 * loader API: names, paths, unknown names, damaged files, user imports.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { fetchDebianSymvers } from './debian';
import {
  DatabaseFormatError,
  KernelSymbolsError,
  UnknownDatabaseError,
  DB_SUFFIX,
  importSymvers,
  listDatabases,
  loadDatabase,
  userDataDir,
  versionOfRelease,
} from './index';
import type { KernelDbMeta } from './types';

const SHIPPED = ['5.10', '6.1', '6.12'];

/** Counts straight from the text, without the parser under test. */
function countsOf(text: string): KernelDbMeta['counts'] {
  const rows = text.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
  const ns = rows.map((r) => r[4]).filter((n) => n !== '');
  return {
    total: rows.length,
    gpl: rows.filter((r) => r[3] === 'EXPORT_SYMBOL_GPL').length,
    plain: rows.filter((r) => r[3] === 'EXPORT_SYMBOL').length,
    namespaced: ns.length,
    namespaces: new Set(ns).size,
    vmlinux: rows.filter((r) => r[2] === 'vmlinux').length,
    modules: new Set(rows.map((r) => r[2]).filter((m) => m !== 'vmlinux')).size,
  };
}

let tmp: string;
const envBefore = process.env.GPLCHECK_DATA_DIR;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-ks-'));
  // Keep the user's own databases out of these tests.
  process.env.GPLCHECK_DATA_DIR = path.join(tmp, 'empty-user-dir');
});
afterAll(() => {
  if (envBefore === undefined) delete process.env.GPLCHECK_DATA_DIR;
  else process.env.GPLCHECK_DATA_DIR = envBefore;
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe.each(SHIPPED)('shipped database %s', (name) => {
  let db: ReturnType<typeof loadDatabase>;
  let text: string;
  beforeAll(() => {
    db = loadDatabase(name);
    text = fs.readFileSync(fetchDebianSymvers(db.meta).path, 'utf8');
  }, 300_000);

  test('provenance: a Debian amd64 generic kernel of the right series', () => {
    expect(db.meta.format).toBe('gplcheck-kernel-symbols');
    expect(db.meta.name).toBe(name);
    expect(db.meta.version).toBe(name);
    expect(db.meta.arch).toBe('amd64');
    expect(versionOfRelease(db.meta.kernel)).toBe(name);
    expect(db.meta.kernel).toMatch(/-amd64$/);
    expect(db.meta.source.kind).toBe('debian-package');
    expect(db.meta.source.package).toBe(`linux-headers-${db.meta.kernel}`);
    expect(db.meta.source.packageVersion).toMatch(new RegExp(`^${name.replace('.', '\\.')}\\.\\d+-`));
    expect(db.meta.source.file).toBe(`usr/src/linux-headers-${db.meta.kernel}/Module.symvers`);
    expect(db.meta.source.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('counts match the Module.symvers it came from exactly', () => {
    const expected = countsOf(text);
    expect(expected.total).toBeGreaterThan(20000);
    expect(db.meta.counts).toEqual(expected);
    expect(db.size).toBe(expected.total);
  });

  test('every line of the Module.symvers is in the database, field for field', () => {
    let checked = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const [crc, symbol, module, macro, ns] = line.split('\t');
      const e = db.lookup(symbol);
      if (
        !e ||
        e.crc !== parseInt(crc, 16) ||
        e.module !== module ||
        e.type !== (macro === 'EXPORT_SYMBOL_GPL' ? 'gpl' : 'plain') ||
        (e.namespace ?? '') !== ns
      ) {
        throw new Error(`${symbol}: database has ${JSON.stringify(e)}, Module.symvers has ${JSON.stringify(line)}`);
      }
      checked++;
    }
    expect(checked).toBe(db.size);
    expect([...db.symbols()]).toHaveLength(checked);
  });
});

describe('GPL-ness of well-known symbols', () => {
  test.each([
    ['6.1', 'ktime_get', 'gpl'],
    ['6.1', 'synchronize_rcu', 'gpl'],
    ['6.1', 'devm_kmalloc', 'gpl'],
    ['6.1', '_printk', 'plain'],
    ['6.1', 'kfree', 'plain'],
    ['6.1', 'kthread_create_on_node', 'plain'],
    ['6.1', 'kmalloc_trace', 'plain'],
    ['5.10', 'ktime_get', 'gpl'],
    ['5.10', 'printk', 'plain'],
    ['6.12', 'synchronize_rcu', 'gpl'],
    ['6.12', '_printk', 'plain'],
  ])('%s: %s is %s', (name, symbol, type) => {
    const e = loadDatabase(name).lookup(symbol);
    expect(e).toMatchObject({ symbol, type, module: 'vmlinux' });
    expect(e!.namespace).toBeUndefined();
  });

  test('namespaced exports keep their namespace and module', () => {
    expect(loadDatabase('6.1').lookup('usb_stor_suspend')).toMatchObject({
      type: 'gpl',
      namespace: 'USB_STORAGE',
      module: 'drivers/usb/storage/usb-storage',
    });
    expect(loadDatabase('6.1').lookup('cxl_bus_type')).toMatchObject({ type: 'gpl', namespace: 'CXL', module: 'vmlinux' });
  });

  test('6.12 (Debian) restricts anon_inode_make_secure_inode to kvm with a module: namespace', () => {
    const e = loadDatabase('6.12').lookup('anon_inode_make_secure_inode');
    expect(e).toMatchObject({ type: 'gpl', namespace: 'module:kvm', forModules: ['kvm'] });
  });

  test('unknown symbols are absent', () => {
    expect(loadDatabase('6.1').lookup('not_a_kernel_symbol_xyz')).toBeUndefined();
    expect(loadDatabase('6.1').lookup('')).toBeUndefined();
  });
});

describe('finding databases', () => {
  test('default is 6.1, loaded once and cached', () => {
    const a = loadDatabase();
    expect(a.meta.name).toBe('6.1');
    expect(loadDatabase('6.1')).toBe(a);
    expect(loadDatabase('6.1', { cache: false })).not.toBe(a);
  });

  test('listDatabases gives the shipped ones in version order', () => {
    expect(listDatabases().map((m) => m.name)).toEqual(SHIPPED);
  });

  test('an unknown name is an error that lists the known ones', () => {
    let err: unknown;
    try {
      loadDatabase('4.19');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownDatabaseError);
    expect((err as Error).message).toBe(
      "unknown kernel symbol database '4.19'; known: 5.10, 6.1, 6.12 (import one with importSymvers / a Module.symvers path)",
    );
    expect((err as UnknownDatabaseError).known).toEqual(SHIPPED);
  });

  test('a missing path is an error naming it', () => {
    expect(() => loadDatabase('./no/such/Module.symvers')).toThrow(/no\/such\/Module\.symvers: no such kernel symbol database/);
  });

  test('a database file path loads directly', () => {
    const p = path.join(__dirname, 'data', '6.1' + DB_SUFFIX);
    expect(loadDatabase(p).meta.name).toBe('6.1');
  });

  test('user data dir follows GPLCHECK_DATA_DIR, then XDG_DATA_HOME, then ~/.local/share', () => {
    expect(userDataDir({ GPLCHECK_DATA_DIR: '/x/y' })).toBe(path.resolve('/x/y'));
    expect(userDataDir({ XDG_DATA_HOME: '/d' })).toBe(path.join('/d', 'gplcheck', 'symbols'));
    expect(userDataDir({})).toBe(path.join(os.homedir(), '.local', 'share', 'gplcheck', 'symbols'));
  });
});

describe('damaged or foreign database files', () => {
  const real = () => zlib.gunzipSync(fs.readFileSync(path.join(__dirname, 'data', '6.1' + DB_SUFFIX))).toString('utf8');
  function write(name: string, text: string): string {
    const p = path.join(tmp, name + DB_SUFFIX);
    fs.writeFileSync(p, zlib.gzipSync(text));
    return p;
  }

  test('a newer format version is refused with both versions named', () => {
    const text = real().replace('"formatVersion":1', '"formatVersion":2');
    const p = write('newer', text);
    expect(() => loadDatabase(p)).toThrow(DatabaseFormatError);
    expect(() => loadDatabase(p)).toThrow(`${p}: database format version 2 is not supported (this gplcheck reads version 1)`);
  });

  test('a truncated body is refused', () => {
    const text = real();
    const p = write('truncated', text.slice(0, Math.floor(text.length / 2)));
    expect(() => loadDatabase(p)).toThrow(`${p}: body is not JSON`);
  });

  test('columns that disagree with the header are refused', () => {
    const p = write('mismatch', real().replace(/"total":\d+/, '"total":5'));
    expect(() => loadDatabase(p)).toThrow(/damaged: column lengths disagree with the header's 5 exports/);
  });

  test('gzip of something else is refused', () => {
    const p = write('foreign', '{"hello":1}\n{}\n');
    expect(() => loadDatabase(p)).toThrow(`${p}: not a gplcheck-kernel-symbols database`);
  });

  test('a damaged file in the user dir is skipped by listDatabases, reported by loadDatabase', () => {
    const dir = path.join(tmp, 'damaged-user');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'broken' + DB_SUFFIX), Buffer.from([0x1f, 0x8b, 0, 1, 2]));
    expect(listDatabases({ dataDir: dir }).map((m) => m.name)).toEqual(SHIPPED);
    expect(() => loadDatabase(path.join(dir, 'broken' + DB_SUFFIX))).toThrow(KernelSymbolsError);
  });
});

test('a package version the archive does not have fails with a clear message', () => {
  const meta = loadDatabase('5.10').meta;
  const gone = { ...meta, source: { ...meta.source, packageVersion: '5.10.0-not-in-archive' } };
  expect(() => fetchDebianSymvers(gone)).toThrow(
    new RegExp(`cannot fetch ${meta.source.package} 5\\.10\\.0-not-in-archive \\(the source of database '5\\.10'\\) from the Debian archive: [^]*not found`),
  );
}, 120_000);

describe('importing a Module.symvers as a user database', () => {
  let symvers: string;
  beforeAll(() => {
    symvers = fetchDebianSymvers(loadDatabase('5.10').meta).path;
  }, 300_000);

  test('round trip: import, list, load by name, same exports as the file', () => {
    const dataDir = path.join(tmp, 'user');
    const meta = importSymvers(symvers, { name: 'vendor-5.10', dataDir });
    const shipped = loadDatabase('5.10');
    expect(meta).toMatchObject({
      name: 'vendor-5.10',
      kernel: shipped.meta.kernel, // found from the linux-headers-<release> directory
      version: '5.10',
      arch: 'amd64',
      source: { kind: 'module.symvers', file: path.resolve(symvers), sha256: shipped.meta.source.sha256 },
      counts: shipped.meta.counts,
    });
    expect(fs.existsSync(path.join(dataDir, 'vendor-5.10' + DB_SUFFIX))).toBe(true);

    const names = listDatabases({ dataDir }).map((m) => m.name);
    expect(names).toEqual(['5.10', 'vendor-5.10', '6.1', '6.12']);

    const db = loadDatabase('vendor-5.10', { dataDir });
    expect(db.meta).toEqual(meta);
    expect(db.size).toBe(shipped.size);
    for (const e of shipped.symbols()) expect(db.lookup(e.symbol)).toEqual(e);
  });

  test('GPLCHECK_DATA_DIR is where imports go by default', () => {
    const dataDir = path.join(tmp, 'env-user');
    process.env.GPLCHECK_DATA_DIR = dataDir;
    try {
      const meta = importSymvers(symvers, { name: 'mine', kernel: '5.10.0-custom', arch: 'x86_64' });
      expect(meta).toMatchObject({ kernel: '5.10.0-custom', version: '5.10', arch: 'x86_64' });
      expect(listDatabases().map((m) => m.name)).toContain('mine');
      expect(loadDatabase('mine').lookup('ktime_get')?.type).toBe('gpl');
      expect(() => loadDatabase('nope')).toThrow("known: 5.10, mine, 6.1, 6.12");
    } finally {
      process.env.GPLCHECK_DATA_DIR = path.join(tmp, 'empty-user-dir');
    }
  });

  test('a shipped name cannot be taken, a bad name is refused', () => {
    const dataDir = path.join(tmp, 'user2');
    expect(() => importSymvers(symvers, { name: '6.1', dataDir })).toThrow(/a shipped database has that name/);
    expect(() => importSymvers(symvers, { name: '../evil', dataDir })).toThrow(/bad database name "\.\.\/evil"/);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  test('a Module.symvers path loads in memory without importing', () => {
    const db = loadDatabase(symvers);
    expect(db.meta.source.kind).toBe('module.symvers');
    expect(db.meta.counts).toEqual(loadDatabase('5.10').meta.counts);
  });
});
