/**
 * Provenance benchmark: index the whole Debian linux-source-6.1 tree, load the index, query
 * 100,000 lines of C against it, and measure how often copies are found (recall) and how often
 * independent code is (false matches).
 *
 *   npm run build && node dist/bench/provenance.js [--rebuild] [--jobs N]
 *
 * The index is built by the real command (`gplcheck provenance index`) in a child process,
 * under /usr/bin/time -v when present, for wall time and peak RSS; it is kept in
 * $GPLCHECK_CACHE/provenance/ and reused unless --rebuild. The tree comes through
 * kernel-symbols/build/linux-source.sh (or $GPLCHECK_LINUX_SRC).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tokenize } from '../analyzers/provenance';
import { loadProvenanceIndex, matchSource, type ProvenanceIndex } from '../kernel-symbols/provenance';
import { cacheDir, linuxSourceTree } from '../kernel-symbols/provenance/testing';

const REPO = path.resolve(__dirname, '..', fs.existsSync(path.resolve(__dirname, '..', 'package.json')) ? '' : '..');

function cliPath(): string {
  const js = path.join(REPO, 'dist', 'src', 'cli.js');
  if (!fs.existsSync(js)) throw new Error('build first: npm run build');
  return js;
}

export interface BuildFigures {
  wallS: number;
  maxRssMB?: number;
  bytes: number;
  summary: string;
}

/** Builds the index with the CLI in a child process; wall time and peak RSS from /usr/bin/time. */
export function buildIndex(tree: string, out: string, jobs?: number): BuildFigures {
  const args = [cliPath(), 'provenance', 'index', tree, '--out', out, ...(jobs !== undefined ? ['--jobs', String(jobs)] : [])];
  const timeBin = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const t0 = Date.now();
  const r = timeBin
    ? spawnSync(timeBin, ['-v', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 })
    : spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const wallS = (Date.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`index build failed: ${r.stderr}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const summary = r.stderr.split('\n').find((l) => / fingerprints \(/.test(l)) ?? '';
  return { wallS, ...(rss ? { maxRssMB: (Number(rss[1]) * 1024) / 1e6 } : {}), bytes: fs.statSync(out).size, summary };
}

/** Load time of the index in a fresh process (median of n). */
export function coldLoadMs(file: string, n = 3): number {
  const times: number[] = [];
  const mod = path.join(REPO, 'dist', 'kernel-symbols', 'provenance', 'index.js');
  for (let i = 0; i < n; i++) {
    const r = spawnSync(process.execPath, ['-e', `const t=process.hrtime.bigint();require(${JSON.stringify(mod)}).loadProvenanceIndex(${JSON.stringify(file)});console.log(Number(process.hrtime.bigint()-t)/1e6)`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    times.push(Number(r.stdout.trim()));
  }
  return times.sort((a, b) => a - b)[n >> 1];
}

function cFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e));
    else if (/\.[ch]$/.test(p) && !p.endsWith('.mod.c')) out.push(p);
  };
  walk(dir);
  return out;
}

/** The first files of `dirs` (sorted) that add up to at least `lines` lines. */
function takeLines(dirs: string[], lines: number): { files: string[]; lines: number } {
  const files: string[] = [];
  let n = 0;
  for (const d of dirs) {
    for (const f of cFiles(d)) {
      if (n >= lines) break;
      files.push(f);
      n += fs.readFileSync(f, 'latin1').split('\n').length;
    }
  }
  return { files, lines: n };
}

export interface QueryFigures {
  files: number;
  lines: number;
  tokens: number;
  ms: number;
  regions: number;
  matchedTokens: number;
}

export function query(files: string[], indices: ProvenanceIndex[], root = ''): QueryFigures {
  const data = files.map((f) => fs.readFileSync(f));
  const t0 = process.hrtime.bigint();
  let tokens = 0;
  let regions = 0;
  let matchedTokens = 0;
  for (let i = 0; i < files.length; i++) {
    const r = matchSource(path.relative(root, files[i]), data[i], indices);
    tokens += r.tokens;
    regions += r.matches.length;
    for (const m of r.matches) matchedTokens += m.tokens;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const lines = data.reduce((a, d) => a + d.toString('latin1').split('\n').length, 0);
  return { files: files.length, lines, tokens, ms, regions, matchedTokens };
}

/**
 * Recall: functions of lib/*.c (120-800 normalised tokens) copied with a share `p` of their
 * statement lines replaced by unrelated statements (deterministic); found when a region names
 * the function's own file and overlaps its lines.
 */
export function recall(tree: string, indices: ProvenanceIndex[], p: number): { functions: number; found: number; medianShare: number } {
  let seed = 12345;
  const rnd = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const junk = ['\t\tcount = helper(count, 7);', '\tif (flag & 4)\n\t\treturn -1;', '\tptr->len += step * 2;', '\tfor (k = 0; k < n; k++)\n\t\tsum ^= tab[k];', '\twhile (--left > 0) total <<= 1;'];
  let functions = 0;
  let found = 0;
  const shares: number[] = [];
  for (const f of fs.readdirSync(path.join(tree, 'lib')).filter((x) => x.endsWith('.c')).sort()) {
    const lines = fs.readFileSync(path.join(tree, 'lib', f), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^[a-z_][\w\s*]*\b\w+\(.*[,)]\s*$/.test(lines[i])) continue;
      let j = i;
      while (j < lines.length && lines[j] !== '}' && j - i < 200) j++;
      if (lines[j] !== '}') continue;
      const fn = lines.slice(i, j + 1);
      const n = tokenize(Buffer.from(fn.join('\n'))).length;
      if (n < 120 || n > 800) {
        i = j;
        continue;
      }
      const copy = fn.map((l, k) => (k > 1 && k < fn.length - 1 && /;\s*$/.test(l) && rnd() < p ? junk[Math.floor(rnd() * junk.length)] : l));
      functions++;
      const r = matchSource('copy.c', Buffer.from(copy.join('\n')), indices);
      const m = r.matches.find((x) => x.origin.path === `lib/${f}` && x.origin.line <= j + 1 && x.origin.endLine >= i + 1);
      if (m) {
        found++;
        shares.push(m.share);
      }
      i = j;
    }
  }
  shares.sort((a, b) => a - b);
  return { functions, found, medianShare: shares[shares.length >> 1] ?? 0 };
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<string[]> {
  const out: string[] = [];
  const tree = process.env.GPLCHECK_LINUX_SRC ?? linuxSourceTree();
  const jobsAt = argv.indexOf('--jobs');
  const jobs = jobsAt >= 0 ? Number(argv[jobsAt + 1]) : undefined;
  const file = path.join(cacheDir(), 'provenance', `linux-${path.basename(path.dirname(tree))}.provindex`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (argv.includes('--rebuild') || !fs.existsSync(file)) {
    const b = buildIndex(tree, file, jobs);
    out.push(
      `provenance index: ${b.summary.replace(/ written to .*$/, '')}; wall ${b.wallS.toFixed(1)} s on ${jobs ?? os.availableParallelism()} threads` +
        `${b.maxRssMB !== undefined ? `, peak RSS ${b.maxRssMB.toFixed(0)} MB` : ''}; file ${(b.bytes / 1e6).toFixed(1)} MB`,
    );
  } else {
    out.push(`provenance index: reusing ${path.relative(REPO, file)} (${(fs.statSync(file).size / 1e6).toFixed(1)} MB; --rebuild to time the build)`);
  }
  out.push(`provenance index load: ${coldLoadMs(file).toFixed(0)} ms in a fresh process (median of 3)`);
  const index = loadProvenanceIndex(file);
  const c = index.meta.counts;
  out.push(`provenance index content: ${c.files} files, ${(c.bytes / 1e6).toFixed(0)} MB, ${c.tokens} tokens, ${c.postings} postings, ${c.common} common hashes; k=${index.meta.k} w=${index.meta.w}`);

  const kernel = takeLines([path.join(tree, 'drivers/net/ethernet/intel')], 100_000);
  const q1 = query(kernel.files, [index], tree);
  out.push(
    `provenance query, kernel code (drivers/net/ethernet/intel, every line is in the index): ${q1.files} files, ${q1.lines} lines, ` +
      `${(q1.ms / 1000).toFixed(2)} s (${Math.round(q1.lines / (q1.ms / 1000))} lines/s), ${q1.regions} regions, ${((100 * q1.matchedTokens) / q1.tokens).toFixed(1)}% of tokens matched`,
  );
  const own = ['test/fixtures/modules/src', 'vmkernel', 'analyzers/c/testdata', 'elf/testdata', 'kernel-symbols/provenance/testdata', 'node_modules/tree-sitter/vendor/tree-sitter/lib/src', 'node_modules/tree-sitter-c/src'].map((d) => path.join(REPO, d));
  const independent = takeLines(own, 100_000);
  const q2 = query(independent.files, [index], REPO);
  out.push(
    `provenance query, independent code (this project's C, the tree-sitter runtime and its generated C parser): ${q2.files} files, ${q2.lines} lines, ` +
      `${(q2.ms / 1000).toFixed(2)} s, ${q2.regions} regions (${q2.matchedTokens} of ${q2.tokens} tokens)`,
  );
  for (const p of [0, 0.1, 0.2, 0.3]) {
    const r = recall(tree, [index], p);
    out.push(`provenance recall, lib/*.c functions of 120-800 tokens with ${Math.round(p * 100)}% of statement lines replaced: ${r.found}/${r.functions} (${((100 * r.found) / r.functions).toFixed(1)}%), median share ${r.medianShare}`);
  }
  return out;
}

if (require.main === module) {
  run()
    .then((lines) => {
      for (const l of lines) console.log(l);
    })
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}
