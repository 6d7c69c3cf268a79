/** When a scan counts as long: by its time, or by its size when its facts come fast (from the cache). */
import * as v8 from 'v8';
import { LARGE_SCAN_FILES, PHASE_COLLECT_AFTER_MS, boundHeapGrowth, isLongScan } from './memory';

describe('isLongScan', () => {
  test('a scan that has run 30 s, or one of 20,000 files or more however fast it went', () => {
    expect(isLongScan(0, 0)).toBe(false);
    expect(isLongScan(PHASE_COLLECT_AFTER_MS - 1, LARGE_SCAN_FILES - 1)).toBe(false);
    expect(isLongScan(PHASE_COLLECT_AFTER_MS, 0)).toBe(true);
    expect(isLongScan(0, LARGE_SCAN_FILES)).toBe(true);
  });
});

describe('boundHeapGrowth', () => {
  // V8 does not say what --heap-growing-percent is; setting it is visible in no statistic either.
  // What can be checked: the bound is taken and given back in pairs, for small scans not at all.
  test('a small, short scan is left alone; a large one is bounded until restored, nested calls once', () => {
    const set = jest.spyOn(v8, 'setFlagsFromString');
    try {
      boundHeapGrowth(10, 100)();
      expect(set).not.toHaveBeenCalled();
      const outer = boundHeapGrowth(10, LARGE_SCAN_FILES);
      const inner = boundHeapGrowth(PHASE_COLLECT_AFTER_MS, 0);
      expect(set.mock.calls).toEqual([['--heap-growing-percent=20']]);
      inner();
      inner(); // a second restore is a no-op
      expect(set).toHaveBeenCalledTimes(1);
      outer();
      expect(set.mock.calls).toEqual([['--heap-growing-percent=20'], ['--heap-growing-percent=0']]);
    } finally {
      set.mockRestore();
    }
  });
});
