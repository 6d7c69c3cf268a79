/**
 * Module.symvers parsing on the real 6.1 file from Debian, and on copies of it with one line
 * damaged: every error names the file and the line.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fetchDebianSymvers } from './debian';
import { SymversSyntaxError, computeCounts, loadDatabase, parseSymvers, readSymvers } from './index';

let realPath: string;
let realText: string;
let lines: string[];
let tmp: string;

beforeAll(() => {
  realPath = fetchDebianSymvers(loadDatabase('6.1').meta).path;
  realText = fs.readFileSync(realPath, 'utf8');
  lines = realText.split('\n').filter((l) => l !== '');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-symvers-'));
}, 300_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Index (0-based) of the first real line exporting `symbol`. */
function lineOf(symbol: string): number {
  const i = lines.findIndex((l) => l.split('\t')[1] === symbol);
  if (i < 0) throw new Error(`${symbol} not in ${realPath}`);
  return i;
}

/** Writes the real file with line `i` (0-based) replaced, returns its path. */
function damaged(name: string, i: number, replacement: string): string {
  const copy = [...lines];
  copy[i] = replacement;
  const p = path.join(tmp, name, 'Module.symvers');
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, copy.join('\n') + '\n');
  return p;
}

function errorOf(f: () => unknown): SymversSyntaxError {
  try {
    f();
  } catch (e) {
    if (e instanceof SymversSyntaxError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

test('the real file parses completely, with sha256 and CRCs', () => {
  const r = readSymvers(realPath);
  expect(r.exports).toHaveLength(lines.length);
  expect(r.sha256).toBe(loadDatabase('6.1').meta.source.sha256);
  expect(r.crcsAllZero).toBe(false);
  const [crc, symbol, module] = lines[0].split('\t');
  expect(r.exports[0]).toMatchObject({ symbol, module, crc: parseInt(crc, 16) });
  expect(computeCounts(r.exports)).toEqual(loadDatabase('6.1').meta.counts);
});

test('GPL-ness and namespaces of known 6.1 exports', () => {
  const r = parseSymvers(realText, 'Module.symvers');
  const by = new Map(r.exports.map((e) => [e.symbol, e]));
  for (const s of ['ktime_get', 'synchronize_rcu', 'devm_kmalloc']) expect(by.get(s)?.type).toBe('gpl');
  for (const s of ['_printk', 'kfree', 'kthread_create_on_node', 'kmalloc_trace']) expect(by.get(s)?.type).toBe('plain');
  expect(by.get('usb_stor_suspend')?.namespace).toBe('USB_STORAGE');
  expect(by.get('kfree')).not.toHaveProperty('namespace');
});

test('older column orders (5.4-5.9: namespace third; before 5.4: four columns) read the same', () => {
  const now = parseSymvers(realText, 'Module.symvers').exports;
  const v54 = lines.map((l) => {
    const [crc, sym, mod, macro, ns] = l.split('\t');
    return [crc, sym, ns, mod, macro].join('\t');
  });
  expect(parseSymvers(v54.join('\n') + '\n', 'old').exports).toEqual(now);
  const plainOnly = lines.filter((l) => l.endsWith('\t'));
  const v4 = plainOnly.map((l) => l.split('\t').slice(0, 4).join('\t'));
  expect(parseSymvers(v4.join('\n'), 'older').exports).toEqual(parseSymvers(plainOnly.join('\n'), 'x').exports);
});

test('CRLF line endings and blank lines are tolerated', () => {
  const text = lines.slice(0, 50).join('\r\n') + '\r\n\r\n';
  expect(parseSymvers(text, 'crlf').exports).toEqual(parseSymvers(lines.slice(0, 50).join('\n'), 'lf').exports);
});

describe('malformed lines name the file and the line', () => {
  test('unknown export type', () => {
    const i = lineOf('ktime_get');
    const p = damaged('type', i, lines[i].replace('EXPORT_SYMBOL_GPL', 'EXPORT_SYMBOL_GLP'));
    const e = errorOf(() => readSymvers(p));
    expect(e.file).toBe(p);
    expect(e.line).toBe(i + 1);
    expect(e.message).toMatch(new RegExp(`^${p.replace(/[.+]/g, '\\$&')}:${i + 1}: unknown export type "EXPORT_SYMBOL_GLP"`));
    expect(e.code).toBe('symvers-syntax');
  });

  test('too few fields (spaces instead of tabs)', () => {
    const i = lineOf('kfree');
    const e = errorOf(() => readSymvers(damaged('spaces', i, lines[i].replace(/\t/g, ' '))));
    expect(e.line).toBe(i + 1);
    expect(e.message).toContain(`:${i + 1}: expected 5 tab-separated fields (CRC, symbol, module, export type, namespace), found 1`);
  });

  test('too many fields', () => {
    const i = lineOf('_printk');
    const e = errorOf(() => readSymvers(damaged('many', i, lines[i] + '\textra')));
    expect(e.message).toContain(`:${i + 1}: too many fields (6, expected 5)`);
  });

  test('bad CRC', () => {
    const i = lineOf('devm_kmalloc');
    const e = errorOf(() => readSymvers(damaged('crc', i, lines[i].replace(/^0x[0-9a-f]+/, '0xZZ12'))));
    expect(e.message).toContain(`:${i + 1}: bad CRC "0xZZ12" (expected 0x followed by up to 8 hex digits)`);
  });

  test('empty symbol and empty module', () => {
    const i = lineOf('synchronize_rcu');
    const [crc, sym, mod, macro, ns] = lines[i].split('\t');
    let e = errorOf(() => readSymvers(damaged('nosym', i, [crc, '', mod, macro, ns].join('\t'))));
    expect(e.message).toContain(`:${i + 1}: empty symbol name`);
    e = errorOf(() => readSymvers(damaged('nomod', i, [crc, sym, '', macro, ns].join('\t'))));
    expect(e.message).toContain(`:${i + 1}: empty module name for synchronize_rcu`);
  });

  test('a symbol exported twice names both lines', () => {
    const first = lineOf('kthread_create_on_node');
    const at = lines.length - 1;
    const e = errorOf(() => readSymvers(damaged('dup', at, lines[first])));
    expect(e.line).toBe(at + 1);
    expect(e.message).toContain(`:${at + 1}: symbol kthread_create_on_node is exported twice (first on line ${first + 1})`);
  });

  test('an unreadable file is a typed error naming it', () => {
    const p = path.join(tmp, 'missing', 'Module.symvers');
    expect(() => readSymvers(p)).toThrow(`${p}: cannot read Module.symvers`);
  });
});

test('EXPORT_SYMBOL_FOR_MODULES namespaces (Debian 6.12) become forModules', () => {
  const p = fetchDebianSymvers(loadDatabase('6.12').meta).path;
  const restricted = readSymvers(p).exports.filter((e) => e.namespace?.startsWith('module:'));
  expect(restricted.length).toBeGreaterThan(0);
  for (const e of restricted) expect(e.forModules).toEqual(e.namespace!.slice('module:'.length).split(','));
  expect(restricted.find((e) => e.symbol === 'anon_inode_make_secure_inode')).toMatchObject({
    type: 'gpl',
    module: 'vmlinux',
    namespace: 'module:kvm',
    forModules: ['kvm'],
  });
}, 300_000);
