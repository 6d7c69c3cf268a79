/**
 * Benchmark: cold scans against re-scans of the unchanged tree from the cache, on
 * drivers/net/ethernet of Debian's linux-source-6.1 (2,800 files, 67 MB; found as
 * bench/linux-tree.ts finds the tree), measured two ways:
 *  - the library: scan() in a child process (bench/scan-child.ts), cold with a fresh cache
 *    directory, then warm: the result cache; and warm with facts (the library's default,
 *    which reads every file's facts back from the per-file cache);
 *  - the command end to end: `node dist/src/cli.js scan DIR --cache-dir C --fail-on none`,
 *    default text report to a pipe, process start and module loading included.
 * Every figure is the best of `--runs N` (default 3): other work on the machine only ever
 * adds time.
 *   node dist/bench/cache.js [DIR] [--runs N]
 * Goal: a cached re-scan >= 20x faster than cold.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.resolve(__dirname, '../..');
const CLI = path.join(__dirname, '../src/cli.js');

function ms(f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function apiScan(dir: string, cache: string, facts = false): number {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'scan-child.js'), dir, '--cache', cache, ...(facts ? ['--facts'] : [])], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  return (JSON.parse(out.trim().split('\n').pop()!) as { ms: number }).ms;
}

function cliScan(dir: string, cache: string): number {
  return ms(() => {
    execFileSync(process.execPath, [CLI, 'scan', dir, '--cache-dir', cache, '--fail-on', 'none'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 28,
      env: { ...process.env, NO_COLOR: '1' },
    });
  });
}

const best = (xs: number[]) => Math.min(...xs);
const s = (x: number) => `${(x / 1000).toFixed(x < 1000 ? 2 : 1)} s`;

export async function run(dir?: string, runs = 3): Promise<string[]> {
  if (!dir) {
    const tree = execFileSync(path.join(REPO, 'kernel-symbols/build/linux-source.sh'), { encoding: 'utf8' }).trim();
    dir = path.join(tree, 'drivers/net/ethernet');
  }
  const shown = dir.startsWith(REPO) ? path.relative(REPO, dir) : dir;
  const fresh = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-bench-cache-'));
  const made: string[] = [];
  const lines: string[] = [];
  try {
    const api = { cold: [] as number[], warm: [] as number[], facts: [] as number[] };
    const cli = { cold: [] as number[], warm: [] as number[] };
    for (let i = 0; i < runs; i++) {
      const c = fresh();
      made.push(c);
      api.cold.push(apiScan(dir, c));
      fs.rmSync(c, { recursive: true, force: true });
      const d = fresh();
      made.push(d);
      cli.cold.push(cliScan(dir, d));
      fs.rmSync(d, { recursive: true, force: true });
    }
    // one cache for the warm runs; the files have not changed for a while (not racy)
    const c = fresh();
    made.push(c);
    apiScan(dir, c);
    cliScan(dir, c);
    for (let i = 0; i < runs; i++) {
      api.warm.push(apiScan(dir, c));
      api.facts.push(apiScan(dir, c, true));
      cli.warm.push(cliScan(dir, c));
    }
    lines.push(`cache: ${shown}, ${os.availableParallelism()} analysis processes, best of ${runs}`);
    lines.push(
      `  library scan(): cold ${s(best(api.cold))}, from the result cache ${s(best(api.warm))}: ${(best(api.cold) / best(api.warm)).toFixed(0)}x; ` +
        `with facts from the per-file cache ${s(best(api.facts))}: ${(best(api.cold) / best(api.facts)).toFixed(1)}x`,
    );
    lines.push(
      `  command (text report, process start included): cold ${s(best(cli.cold))}, cached ${s(best(cli.warm))}: ${(best(cli.cold) / best(cli.warm)).toFixed(0)}x; goal >= 20x`,
    );
    lines.push(`  all runs (ms): ${JSON.stringify({ api, cli }, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}`);
  } finally {
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
  }
  return lines;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const r = args.indexOf('--runs');
  const runs = r >= 0 ? Number(args[r + 1]) : 3;
  const dir = args.find((a, i) => !a.startsWith('--') && (r < 0 || i !== r + 1));
  run(dir, runs).then((l) => console.log(l.join('\n')));
}
