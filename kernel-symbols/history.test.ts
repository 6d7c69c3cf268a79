/**
 * Export history across the shipped Debian kernels 5.10, 6.1 and 6.12. The changed symbols
 * below were found by kernel-symbols/build/find-changes.ts over the shipped databases.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fetchDebianSymvers } from './debian';
import { KnowledgeBase, describeStatus, importSymvers, loadDatabase } from './index';

let tmp: string;
let kb: KnowledgeBase;
const envBefore = process.env.GPLCHECK_DATA_DIR;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-history-'));
  process.env.GPLCHECK_DATA_DIR = path.join(tmp, 'user');
  kb = KnowledgeBase.load();
});
afterAll(() => {
  if (envBefore === undefined) delete process.env.GPLCHECK_DATA_DIR;
  else process.env.GPLCHECK_DATA_DIR = envBefore;
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('databases come in version order', () => {
  expect(kb.names).toEqual(['5.10', '6.1', '6.12']);
});

test('history lists the state in every version, oldest first', () => {
  const h = kb.history('task_work_add');
  expect(h.states.map((s) => [s.name, s.status, s.module])).toEqual([
    ['5.10', 'plain', 'vmlinux'],
    ['6.1', 'gpl', 'vmlinux'],
    ['6.12', 'gpl', 'vmlinux'],
  ]);
  expect(h.statusChanged).toBe(true);
  expect(h.namespaceChanged).toBe(false);
  expect(h.states[1].kernel).toBe(loadDatabase('6.1').meta.kernel);
});

test.each([
  // plain -> GPL-only
  ['task_work_add', 'plain in 5.10, GPL-only since 6.1'],
  ['devlink_dpipe_header_ipv4', 'plain in 5.10, GPL-only since 6.1'],
  ['recalibrate_cpu_khz', 'plain in 5.10 and 6.1, GPL-only in 6.12'],
  // GPL-only -> plain
  ['add_to_page_cache_lru', 'GPL-only in 5.10, plain since 6.1'],
  // plain -> GPL-only -> gone
  ['close_fd_get_file', 'plain in 5.10, GPL-only in 6.1, removed in 6.12'],
  // removed
  ['PDE_DATA', 'plain in 5.10, removed in 6.1'],
  ['__kmalloc', 'plain in 5.10 and 6.1, removed in 6.12'],
  ['__alloc_percpu', 'GPL-only in 5.10 and 6.1, removed in 6.12'],
  ['kmalloc_trace', 'added in 6.1 as plain, removed in 6.12'],
  // gone and back
  ['get_xsave_addr', 'GPL-only in 5.10, absent in 6.1, GPL-only in 6.12'],
  // added
  ['__alloc_pages_noprof', 'added in 6.12 as plain'],
  // unchanged
  ['ktime_get', 'GPL-only in 5.10 to 6.12'],
  ['kfree', 'plain in 5.10 to 6.12'],
  ['not_a_kernel_symbol_xyz', 'not exported in 5.10 to 6.12'],
  // namespace changes
  ['dma_buf_attach', 'GPL-only in 5.10 to 6.12; namespace DMA_BUF since 6.1'],
  ['alloc_free_mem_region', 'added in 6.1 as GPL-only; namespace CXL in 6.1, no namespace in 6.12'],
  ['anon_inode_make_secure_inode', 'added in 6.1 as GPL-only; restricted to kvm since 6.12'],
])('%s: %s', (symbol, phrase) => {
  expect(kb.describe(symbol)).toBe(phrase);
});

test('changes() finds the plain/GPL flips among all symbols', () => {
  const flips = [...kb.changes({ status: true })].filter((h) => {
    const present = h.states.filter((s) => s.status !== 'absent').map((s) => s.status);
    return new Set(present).size > 1;
  });
  const names = flips.map((h) => h.symbol);
  expect(names).toEqual(expect.arrayContaining(['task_work_add', 'recalibrate_cpu_khz', 'add_to_page_cache_lru', 'close_fd_get_file']));
  // Sanity: flips are rare compared with additions and removals.
  expect(flips.length).toBeGreaterThan(10);
  expect(flips.length).toBeLessThan(200);
  for (const h of flips) expect(h.statusChanged).toBe(true);
});

test('phrases for short histories (two databases)', () => {
  const two = new KnowledgeBase([loadDatabase('6.12'), loadDatabase('5.10')]);
  expect(two.names).toEqual(['5.10', '6.12']);
  expect(two.describe('task_work_add')).toBe('plain in 5.10, GPL-only in 6.12');
  expect(two.describe('PDE_DATA')).toBe('plain in 5.10, removed in 6.12');
  expect(describeStatus(two.history('ktime_get'))).toBe('GPL-only in 5.10 and 6.12');
});

test('user databases join the history in version order', () => {
  const symvers = fetchDebianSymvers(loadDatabase('6.1').meta).path;
  importSymvers(symvers, { name: 'vendor-6.1' });
  const all = KnowledgeBase.load();
  expect(all.names).toEqual(['5.10', '6.1', 'vendor-6.1', '6.12']);
  expect(all.describe('task_work_add')).toBe('plain in 5.10, GPL-only since 6.1');
  expect(KnowledgeBase.load({ databases: 'shipped' }).names).toEqual(['5.10', '6.1', '6.12']);
  expect(KnowledgeBase.load({ databases: ['6.12', '5.10'] }).names).toEqual(['5.10', '6.12']);
}, 300_000);
