/** Radix sorts against Array.prototype.sort, with keys that use both 16-bit halves and repeat. */
import { radixOrderU32, radixSortU32 } from './radix';

// a fixed LCG: the same keys every run
function keys(n: number): Uint32Array {
  const out = new Uint32Array(n);
  let x = 20261125;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = i % 7 === 0 ? out[i >> 1] : x; // repeats, for stability
  }
  return out;
}

test('radixSortU32 sorts ascending, unsigned', () => {
  const k = keys(50_000);
  const expected = [...k].sort((a, b) => a - b);
  expect([...radixSortU32(k.slice())]).toEqual(expected);
  expect([...radixSortU32(new Uint32Array([0xffffffff, 0, 0x10000, 0xffff]))]).toEqual([0, 0xffff, 0x10000, 0xffffffff]);
});

test('radixOrderU32 gives the stable sorting permutation and leaves the keys alone', () => {
  const k = keys(50_000);
  const copy = k.slice();
  const order = radixOrderU32(k);
  const expected = [...k.keys()].sort((a, b) => k[a] - k[b] || a - b);
  expect([...order]).toEqual(expected);
  expect(k).toEqual(copy);
});
