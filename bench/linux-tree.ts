/**
 * Benchmark: gplcheck on the whole Linux 6.1 source tree (Debian linux-source-6.1) beside
 * the floor (reading the same bytes) and tree-sitter's bare single-threaded parse, then a
 * cold scan that fills a fresh cache and a re-scan of the unchanged tree from that cache.
 * Scans run in a child process (bench/scan-child.ts) so that their peak RSS is their own; the
 * peak given is that of the scan's process and its analysis processes together.
 *   node dist/bench/linux-tree.js [--limit N]    (N files only, for a quick look)
 * Goals: full analysis <= 2x the bare single-threaded parse; peak RSS < 1 GB; cached re-scan
 * >= 20x faster than cold.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { getParser } from '../analyzers/c';
import { runMeasured } from './process-tree';

const REPO = path.resolve(__dirname, '../..');

function sources(root: string, limit: number): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (out.length >= limit) return;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.[ch]$/.test(e.name)) out.push(p);
    }
  };
  walk(root);
  return out;
}

interface ChildResult {
  ms: number;
  files: number;
  bytes: number;
  /** The scan's own process, exact. */
  maxRssMB: number;
  /** The scan's process and its analysis processes together (bench/process-tree.ts). */
  peakMB: number;
  findings: number;
}

async function scanChild(dir: string, args: string[]): Promise<ChildResult> {
  const { stdout, peakTreeMB } = await runMeasured([path.join(__dirname, 'scan-child.js'), dir, ...args]);
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as Omit<ChildResult, 'peakMB'>;
  return { ...r, peakMB: Math.max(peakTreeMB, r.maxRssMB) };
}

export async function run(limit = Infinity): Promise<string[]> {
  const tree = execFileSync(path.join(REPO, 'kernel-symbols/build/linux-source.sh'), { encoding: 'utf8' }).trim();
  let dir = tree;
  const files = sources(tree, limit);
  if (Number.isFinite(limit)) {
    // a sample: copy the first N files so that every pass reads the same bytes
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-tree-'));
    for (const f of files) {
      const to = path.join(dir, path.relative(tree, f));
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(f, to);
    }
  }
  const lines: string[] = [];
  const mbOf = (b: number) => b / 1e6;

  let t0 = process.hrtime.bigint();
  let bytes = 0;
  for (const f of files) bytes += fs.readFileSync(f).length;
  const floorMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const mb = mbOf(bytes);
  const rate = (ms: number) => `${((files.length / ms) * 1000).toFixed(0)} files/s, ${((mb / ms) * 1000).toFixed(1)} MB/s`;
  lines.push(`linux tree: ${files.length} .c/.h files, ${mb.toFixed(0)} MB (${path.relative(REPO, tree)})`);
  lines.push(`  floor (read the bytes): ${(floorMs / 1000).toFixed(1)} s, ${rate(floorMs)}`);

  const parser = getParser();
  t0 = process.hrtime.bigint();
  for (let i = 0; i < files.length; i++) {
    parser.parse(fs.readFileSync(files[i], 'utf8'));
    if (i % 50 === 49) await new Promise((r) => setImmediate(r)); // let dropped trees be freed
  }
  const bareMs = Number(process.hrtime.bigint() - t0) / 1e6;
  lines.push(`  tree-sitter bare parse, one thread: ${(bareMs / 1000).toFixed(1)} s, ${rate(bareMs)}`);

  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-bench-cache-'));
  try {
    const peak = (r: ChildResult) => `peak RSS ${r.peakMB.toFixed(0)} MB (its own process ${(r.maxRssMB).toFixed(0)} MB)`;
    const cold = await scanChild(dir, ['--cache', cache]);
    lines.push(
      `  gplcheck scan, cold (${os.availableParallelism()} analysis processes, filling the cache): ${(cold.ms / 1000).toFixed(1)} s, ${rate(cold.ms)}, ` +
        `${peak(cold)}, ${(cold.ms / bareMs).toFixed(2)}x the bare parse`,
    );
    const warm = await scanChild(dir, ['--cache', cache]);
    lines.push(
      `  gplcheck re-scan of the unchanged tree from the cache: ${(warm.ms / 1000).toFixed(1)} s, ` +
        `${(cold.ms / warm.ms).toFixed(1)}x faster than cold, ${peak(warm)}`,
    );
    const report = await scanChild(dir, ['--cache', cache, '--report', 'json']);
    lines.push(`  the same, with its JSON report written (every import and the whole graph read back): ${(report.ms / 1000).toFixed(1)} s, ${peak(report)}`);
    const settings = await scanChild(dir, ['--cache', cache, '--other-settings']);
    lines.push(
      `  gplcheck re-scan with another rule setting (no stored result; every file's facts from the per-file cache, linked and judged again): ` +
        `${(settings.ms / 1000).toFixed(1)} s, ${(cold.ms / settings.ms).toFixed(1)}x faster than cold, ${peak(settings)}`,
    );
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
    if (dir !== tree) fs.rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

if (require.main === module) {
  const i = process.argv.indexOf('--limit');
  run(i > 0 ? Number(process.argv[i + 1]) : Infinity).then((l) => console.log(l.join('\n')));
}
