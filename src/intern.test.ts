/** Interner: shares the strings of facts that crossed threads, without changing them. */
import * as fs from 'fs';
import * as path from 'path';
import { analyzeC } from '../analyzers/c';
import type { CFileFacts } from '../analyzers/facts';
import { Interner } from './intern';

const REPO = path.resolve(__dirname, '..');

test('facts copied across threads keep their content; repeated strings are stored once', () => {
  const files = ['vmkernel/shim/vmk_work.c', 'vmkernel/shim/vmk_time.c', 'vmkernel/core/vmkcore_sched.c'];
  const interner = new Interner();
  let strings = 0;
  for (const rel of files) {
    const original = analyzeC(rel, fs.readFileSync(path.join(REPO, rel)));
    const copy = structuredClone(original); // what an analysis process hands over
    const shared = interner.facts(copy) as CFileFacts;
    expect(shared).toEqual(original);
    expect(JSON.stringify(shared)).toBe(JSON.stringify(original));
    strings += shared.calls.length * 3 + copy.functions.length * 2 + copy.includes.length * 3;
  }
  expect(interner.size).toBeGreaterThan(10);
  expect(interner.size).toBeLessThan(strings / 2);
});

test('long strings are left alone', () => {
  const interner = new Interner();
  const long = 'x'.repeat(1000);
  expect(interner.s(long)).toBe(long);
  expect(interner.size).toBe(0);
  expect(interner.s('kmalloc')).toBe('kmalloc');
  expect(interner.size).toBe(1);
});
