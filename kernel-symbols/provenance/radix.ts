/**
 * Stable LSD radix sorts on 32-bit keys (two 16-bit passes): millions of hashes in tens of
 * milliseconds, where a comparison sort of typed arrays with a comparator takes seconds.
 */

/** Turns bucket counts into bucket starts (exclusive prefix sums), in place. */
function startsFromCounts(count: Uint32Array): void {
  let sum = 0;
  for (let b = 0; b < count.length; b++) {
    const c = count[b];
    count[b] = sum;
    sum += c;
  }
}

/** Sorts `keys` in place (ascending, unsigned). */
export function radixSortU32(keys: Uint32Array): Uint32Array {
  const n = keys.length;
  const tmp = new Uint32Array(n);
  const count = new Uint32Array(65536);
  // pass 1: low 16 bits, keys -> tmp
  for (let i = 0; i < n; i++) count[keys[i] & 0xffff]++;
  startsFromCounts(count);
  for (let i = 0; i < n; i++) tmp[count[keys[i] & 0xffff]++] = keys[i];
  // pass 2: high 16 bits, tmp -> keys
  count.fill(0);
  for (let i = 0; i < n; i++) count[tmp[i] >>> 16]++;
  startsFromCounts(count);
  for (let i = 0; i < n; i++) keys[count[tmp[i] >>> 16]++] = tmp[i];
  return keys;
}

/**
 * The permutation that sorts `keys` (stable: equal keys keep their order). `keys` is not
 * changed; the result lists positions of `keys` in ascending key order.
 */
export function radixOrderU32(keys: Uint32Array): Uint32Array {
  const n = keys.length;
  const idxA = new Uint32Array(n);
  const count = new Uint32Array(65536);
  for (let i = 0; i < n; i++) count[keys[i] & 0xffff]++;
  startsFromCounts(count);
  for (let i = 0; i < n; i++) idxA[count[keys[i] & 0xffff]++] = i;
  count.fill(0);
  for (let i = 0; i < n; i++) count[keys[i] >>> 16]++;
  startsFromCounts(count);
  const idxB = new Uint32Array(n);
  for (let j = 0; j < n; j++) {
    const i = idxA[j];
    idxB[count[keys[i] >>> 16]++] = i;
  }
  return idxB;
}
