/**
 * When a scan counts as long: by its time, or by its size when its facts come fast (from the
 * cache). What the bound does to V8 is not visible in any statistic; the whole tree's figures
 * are in the README.
 */
import { LARGE_SCAN_FILES, PHASE_COLLECT_AFTER_MS, isLongScan } from './memory';

describe('isLongScan', () => {
  test('a scan that has run 30 s, or one of 20,000 files or more however fast it went', () => {
    expect(isLongScan(0, 0)).toBe(false);
    expect(isLongScan(PHASE_COLLECT_AFTER_MS - 1, LARGE_SCAN_FILES - 1)).toBe(false);
    expect(isLongScan(PHASE_COLLECT_AFTER_MS, 0)).toBe(true);
    expect(isLongScan(0, LARGE_SCAN_FILES)).toBe(true);
  });
});
