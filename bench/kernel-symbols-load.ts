/**
 * Benchmark: loading the default kernel symbol database (target: well under 100 ms).
 *   node dist/bench/kernel-symbols-load.js [--runs N] [--db NAME]
 * Prints the median cold load (a fresh Node process: require the module, gunzip, parse,
 * build the Map), the median warm reload in one process (no cache), and the lookup rate.
 * `--child` is the internal mode a fresh process runs in.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

function child(db: string): void {
  const t0 = process.hrtime.bigint();
  const ks = require(path.join(__dirname, '..', 'kernel-symbols', 'database')) as typeof import('../kernel-symbols/database');
  const loaded = ks.loadDatabase(db);
  const t = ms(t0);
  process.stdout.write(JSON.stringify({ ms: t, size: loaded.size }));
}

export interface KernelSymbolsLoadResult {
  db: string;
  exports: number;
  coldMedianMs: number;
  warmMedianMs: number;
  lookupsPerSecond: number;
}

export function run(db = '6.1', runs = 7): KernelSymbolsLoadResult {
  const cold: number[] = [];
  let exports = 0;
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, [__filename, '--child', '--db', db], { encoding: 'utf8' });
    const r = JSON.parse(out) as { ms: number; size: number };
    cold.push(r.ms);
    exports = r.size;
  }
  const ks = require(path.join(__dirname, '..', 'kernel-symbols', 'database')) as typeof import('../kernel-symbols/database');
  const warm: number[] = [];
  let loaded = ks.loadDatabase(db, { cache: false });
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    loaded = ks.loadDatabase(db, { cache: false });
    warm.push(ms(t0));
  }
  const names = [...loaded.symbols()].map((e) => e.symbol);
  const n = 1_000_000;
  let hits = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (loaded.lookup(names[i % names.length])) hits++;
  const lookupMs = ms(t0);
  if (hits !== n) throw new Error('lookup missed a symbol the database lists');
  return { db, exports, coldMedianMs: median(cold), warmMedianMs: median(warm), lookupsPerSecond: Math.round(n / (lookupMs / 1000)) };
}

if (require.main === module) {
  const db = arg('--db', '6.1');
  if (process.argv.includes('--child')) {
    child(db);
  } else {
    const runs = Number(arg('--runs', '7'));
    const r = run(db, runs);
    console.log(
      `kernel-symbols load '${r.db}' (${r.exports} exports): cold ${r.coldMedianMs.toFixed(1)} ms (fresh process, median of ${runs}), ` +
        `warm ${r.warmMedianMs.toFixed(1)} ms, lookups ${(r.lookupsPerSecond / 1e6).toFixed(1)} M/s (target: load < 100 ms)`,
    );
  }
}
