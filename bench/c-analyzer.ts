/**
 * Benchmark: the C analyser beside tree-sitter's bare parse of the same files.
 *   node dist/bench/c-analyzer.js [DIR ...] [--threads N] [--limit N]
 * DIR defaults to Debian's linux-headers-<abi>-common (include/ and arch/x86/include: about
 * 5,000 headers). Pass an unpacked linux-source tree for the whole-kernel figure.
 * Measured on one thread, alternating file by file (so a busy machine slows both alike): the
 * bare `parser.parse(text)` and analyzeC, wall-clock and CPU time; the event loop turns every
 * 50 files so dropped trees are freed. Then analyzeC in a worker pool. Goal: analyzeC at most
 * 2x the bare parse.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyzeC, CAnalyzerPool, getParser } from '../analyzers/c';

const TURN_EVERY = 50;
const turn = () => new Promise<void>((r) => setImmediate(r));

function listSources(dirs: string[], limit: number): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.[ch]$/.test(e.name)) out.push(p);
    }
  };
  for (const d of dirs) walk(d);
  return out.slice(0, limit);
}

function defaultDirs(): string[] {
  const base = '/usr/src';
  const common = fs.existsSync(base) ? fs.readdirSync(base).filter((d) => /^linux-headers-.*-common$/.test(d)).sort() : [];
  if (common.length === 0) throw new Error('no linux-headers-*-common under /usr/src: run test/setup/debian.sh install-headers, or pass a directory');
  const root = path.join(base, common[common.length - 1]);
  return [path.join(root, 'include'), path.join(root, 'arch', 'x86', 'include')];
}

interface Pass {
  /** Wall-clock and CPU time (user + system of this process), ms. */
  ms: number;
  cpuMs: number;
}

const now = (): [number, number] => {
  const u = process.cpuUsage();
  return [Number(process.hrtime.bigint()) / 1e6, (u.user + u.system) / 1000];
};

export async function run(dirs: string[] = defaultDirs(), threads = os.availableParallelism?.() ?? os.cpus().length, limit = Infinity): Promise<string[]> {
  const files = listSources(dirs, limit);
  const texts = files.map((f) => fs.readFileSync(f));
  const bytes = texts.reduce((a, b) => a + b.length, 0);
  const mb = bytes / 1e6;
  const rate = (ms: number) => `${((files.length / ms) * 1000).toFixed(0)} files/s, ${((mb / ms) * 1000).toFixed(2)} MB/s`;
  const parser = getParser();
  // warm up both paths on a few files
  for (let i = 0; i < Math.min(20, files.length); i++) analyzeC(files[i], texts[i]);

  // the two passes alternate file by file, so a busy machine slows both alike
  const bare: Pass = { ms: 0, cpuMs: 0 };
  const facts: Pass = { ms: 0, cpuMs: 0 };
  let errors = 0;
  let warnings = 0;
  let calls = 0;
  const startRss = process.memoryUsage().rss; // what the benches run before in this process left
  let peakRss = startRss;
  for (let i = 0; i < files.length; i++) {
    const [w0, c0] = now();
    if (parser.parse(texts[i].toString('utf8')).rootNode.hasError) errors++;
    const [w1, c1] = now();
    const f = analyzeC(files[i], texts[i]);
    const [w2, c2] = now();
    bare.ms += w1 - w0;
    bare.cpuMs += c1 - c0;
    facts.ms += w2 - w1;
    facts.cpuMs += c2 - c1;
    if (f.warnings.length > 0) warnings++;
    calls += f.calls.length;
    if (i % TURN_EVERY === TURN_EVERY - 1) {
      await turn(); // tree-sitter trees are freed by finalisers that run on the event loop
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
  }

  const pool = new CAnalyzerPool({ threads });
  const t0 = process.hrtime.bigint();
  await Promise.all(files.map((f, i) => pool.analyze(f, texts[i])));
  const poolMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await pool.close();

  return [
    `c-analyzer: ${files.length} files, ${mb.toFixed(1)} MB (${dirs.join(', ')}); peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (${(startRss / 2 ** 20).toFixed(0)} MiB before it began)`,
    `c-analyzer: bare tree-sitter parse, 1 thread: ${(bare.ms / 1000).toFixed(2)} s (CPU ${(bare.cpuMs / 1000).toFixed(2)} s), ${rate(bare.ms)}; ${errors} files with ERROR nodes`,
    `c-analyzer: analyzeC, 1 thread: ${(facts.ms / 1000).toFixed(2)} s (CPU ${(facts.cpuMs / 1000).toFixed(2)} s), ${rate(facts.ms)}; ` +
      `${(facts.ms / bare.ms).toFixed(2)}x the bare parse (CPU ${(facts.cpuMs / bare.cpuMs).toFixed(2)}x; goal <= 2x); ${warnings} files with warnings, ${calls} calls`,
    `c-analyzer: analyzeC, ${threads} worker threads: ${(poolMs / 1000).toFixed(2)} s, ${rate(poolMs)}; ${(poolMs / bare.ms).toFixed(2)}x the 1-thread bare parse`,
  ];
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const dirs: string[] = [];
  let threads: number | undefined;
  let limit = Infinity;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--threads') threads = Number(args[++i]);
    else if (args[i] === '--limit') limit = Number(args[++i]);
    else dirs.push(args[i]);
  }
  run(dirs.length > 0 ? dirs : undefined, threads, limit)
    .then((lines) => lines.forEach((l) => console.log(l)))
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}
