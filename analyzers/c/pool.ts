/**
 * analyzeC in worker threads. analyzeC is a pure function of (path, bytes) with one parser per
 * thread, so any number of workers can run it; this pool is the simple way to do so.
 *
 *   const pool = new CAnalyzerPool({ threads: 2 });
 *   const facts = await pool.analyze('drivers/x/y.c', bytes);
 *   await pool.close();
 *
 * Each worker loads this package's analyser module (the compiled .js; under ts-jest the .ts
 * source, compiled on load with the TypeScript compiler). Workers go back to their event loop
 * after every file, which is when the finalisers that free tree-sitter trees run.
 */
import * as os from 'os';
import { Worker } from 'worker_threads';
import type { CFileFacts } from '../facts';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
if (workerData.module.endsWith('.ts')) {
  const ts = require('typescript');
  const fs = require('fs');
  require.extensions['.ts'] = (m, filename) => {
    const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true },
    });
    m._compile(out.outputText, filename);
  };
}
const { analyzeC } = require(workerData.module);
parentPort.on('message', (m) => {
  try {
    const data = typeof m.data === 'string' ? m.data : Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    parentPort.postMessage({ id: m.id, facts: analyzeC(m.path, data, m.options) });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: (e && e.message) || String(e) });
  }
});
`;

export interface CAnalyzerPoolOptions {
  /** Number of worker threads (default: available parallelism). */
  threads?: number;
}

interface Pending {
  resolve: (f: CFileFacts) => void;
  reject: (e: Error) => void;
  path: string;
}

export class CAnalyzerPool {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly pending = new Map<number, Pending & { worker: number }>();
  private nextId = 1;
  private closed = false;

  constructor(options: CAnalyzerPoolOptions = {}) {
    const n = Math.max(1, options.threads ?? (os.availableParallelism?.() ?? os.cpus().length));
    const module = require.resolve('./analyze');
    for (let i = 0; i < n; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module } });
      w.on('message', (m: { id: number; facts?: CFileFacts; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (Number.isFinite(this.load[p.worker]) && --this.load[p.worker] === 0) w.unref(); // idle workers do not keep the process alive
        if (m.facts) p.resolve(m.facts);
        else p.reject(new Error(`${p.path}: ${m.error ?? 'C analyser failed'}`));
      });
      w.on('error', (e) => this.failWorker(i, e));
      w.unref();
      this.workers.push(w);
      this.load.push(0);
    }
  }

  get threads(): number {
    return this.workers.length;
  }

  /** Analyse one file in the least busy worker. The Buffer is copied to the worker. */
  analyze(path: string, data: Buffer | string): Promise<CFileFacts> {
    if (this.closed) return Promise.reject(new Error('CAnalyzerPool is closed'));
    let best = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i] < this.load[best]) best = i;
    const id = this.nextId++;
    if (this.load[best]++ === 0) this.workers[best].ref();
    return new Promise<CFileFacts>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, path, worker: best });
      this.workers[best].postMessage({ id, path, data });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const [id, p] of this.pending) {
      p.reject(new Error(`${p.path}: CAnalyzerPool closed before the file was analysed`));
      this.pending.delete(id);
    }
  }

  private failWorker(index: number, e: Error): void {
    this.load[index] = Number.POSITIVE_INFINITY; // never chosen again
    if (this.load.every((l) => l === Number.POSITIVE_INFINITY)) this.closed = true;
    for (const [id, p] of this.pending) {
      if (p.worker !== index) continue;
      this.pending.delete(id);
      p.reject(new Error(`${p.path}: C analyser worker failed: ${e.message}`));
    }
  }
}
