/**
 * Benchmark of the kernel knowledge base (issue 4):
 *  - loading an inline reach table and the KnowledgeBase of every shipped kernel;
 *  - `gplcheck symbols index` over the whole linux-source-6.1 tree (unpacked by
 *    kernel-symbols/build/linux-source.sh), the index file's size and load time;
 *  - with --treesitter: the C analyser (tree-sitter) over the files the lexical pass found an
 *    export macro in, for the time it takes and whether it finds the same export names.
 *   node --expose-gc dist/bench/knowledge.js [--treesitter]
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const REPO = [path.join(__dirname, '..'), path.join(__dirname, '..', '..'), process.cwd()].find((d) => fs.existsSync(path.join(d, 'kernel-symbols', 'build', 'linux-source.sh')))!;

function child(what: string): void {
  const t0 = process.hrtime.bigint();
  if (what === 'reach') {
    const r = (require(path.join(__dirname, '..', 'kernel-symbols', 'reach')) as typeof import('../kernel-symbols/reach')).loadReach('6.1');
    r.reach('kzalloc');
  } else {
    const h = require(path.join(__dirname, '..', 'kernel-symbols', 'history')) as typeof import('../kernel-symbols/history');
    h.KnowledgeBase.load({ databases: 'shipped' }).describe('task_work_add');
  }
  process.stdout.write(JSON.stringify({ ms: ms(t0) }));
}

function cold(what: string, runs = 5): number {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(JSON.parse(execFileSync(process.execPath, [__filename, '--child', what], { encoding: 'utf8' })).ms);
  return median(xs);
}

export async function run(treesitter = false): Promise<string[]> {
  const out: string[] = [];
  out.push(`knowledge: inline reach table 6.1 cold load + first reach() ${cold('reach').toFixed(1)} ms; KnowledgeBase of 5.10/6.1/6.12 cold ${cold('kb').toFixed(1)} ms (median of 5 fresh processes)`);
  const si = require(path.join(__dirname, '..', 'kernel-symbols', 'source-index')) as typeof import('../kernel-symbols/source-index');
  const root = execFileSync(path.join(REPO, 'kernel-symbols', 'build', 'linux-source.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop()!;
  const t0 = process.hrtime.bigint();
  const built = si.buildSourceIndex(root);
  const tBuild = ms(t0);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-bench-'));
  const file = path.join(tmp, 'linux.srcindex.gz');
  const bytes = si.writeSourceIndex(file, built);
  const t1 = process.hrtime.bigint();
  si.loadSourceIndex(file);
  const tLoad = ms(t1);
  const c = built.meta.counts;
  out.push(
    `knowledge: symbols index of ${built.meta.tree} ${built.meta.kernelVersion ?? ''}: ${c.filesScanned} files, ${c.exportSites} export sites, ` +
      `${c.headers} headers, ${c.declarations} declarations in ${(tBuild / 1000).toFixed(1)} s; file ${(bytes / 1024).toFixed(0)} KB, load ${tLoad.toFixed(0)} ms`,
  );
  if (treesitter) {
    const { analyzeC, releaseTrees } = require(path.join(__dirname, '..', 'analyzers', 'c')) as typeof import('../analyzers/c');
    const files = [...new Set(built.exports.map((e) => e.file))].filter((f) => !f.endsWith('.S'));
    let bytesRead = 0;
    let same = 0;
    const differ: string[] = [];
    const t2 = process.hrtime.bigint();
    for (let i = 0; i < files.length; i++) {
      const text = fs.readFileSync(path.join(root, files[i]), 'utf8');
      bytesRead += text.length;
      const facts = analyzeC(files[i], text);
      const a = new Set(facts.exports.map((e) => e.symbol));
      const b = new Set(built.exports.filter((e) => e.file === files[i]).map((e) => e.symbol));
      if (a.size === b.size && [...a].every((x) => b.has(x))) same++;
      else differ.push(files[i]);
      if (i % 100 === 99) {
        releaseTrees();
        await new Promise((r) => setImmediate(r));
      }
    }
    const tTs = ms(t2);
    out.push(
      `knowledge: C analyser (tree-sitter) over the ${files.length} C files with export macros (${(bytesRead / 1e6).toFixed(0)} MB): ` +
        `${(tTs / 1000).toFixed(1)} s; same export names as the lexical pass in ${same} files` +
        (differ.length ? `, different in ${differ.length} (e.g. ${differ.slice(0, 5).join(', ')})` : ''),
    );
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return out;
}

if (require.main === module) {
  if (process.argv[2] === '--child') child(process.argv[3]);
  else
    run(process.argv.includes('--treesitter')).then(
      (lines) => lines.forEach((l) => console.log(l)),
      (e) => {
        console.error(e);
        process.exitCode = 1;
      },
    );
}
