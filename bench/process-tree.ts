/**
 * Runs a command and measures the peak resident memory of the process and every process it
 * starts, together: the scan analyses C sources in child processes (src/process-pool.ts), whose
 * memory a process's own peak RSS does not include. The tree's RSS is sampled from /proc every
 * 20 ms (Linux only); a peak shorter than that between two samples can be missed, so
 * bench/linux-tree.ts reports the larger of the sampled peak and the scan's own exact peak.
 *   node dist/bench/process-tree.js dist/bench/scan-child.js DIR [--jobs N] [--cache DIR]
 */
import { spawn } from 'child_process';
import * as fs from 'fs';

const SAMPLE_MS = 20;

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process has just ended
  }
}

/** The pid and every descendant's, from /proc/PID/task/TID/children. */
function tree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      for (const c of (read(`/proc/${out[i]}/task/${t}/children`) ?? '').split(' ')) if (c.trim()) out.push(Number(c));
    }
  }
  return out;
}

/** Resident memory of the process tree rooted at `pid`, in bytes. */
export function treeRss(pid: number): number {
  let kb = 0;
  for (const p of tree(pid)) {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(read(`/proc/${p}/status`) ?? '');
    if (m) kb += Number(m[1]);
  }
  return kb * 1024;
}

export interface Measured {
  stdout: string;
  /** Peak RSS of the command's process tree, sampled, in MB (1e6 bytes). */
  peakTreeMB: number;
}

/** Runs `node args…` to its end; rejects if it fails. */
export function runMeasured(args: string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    let peak = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const timer = setInterval(() => {
      if (child.pid !== undefined) peak = Math.max(peak, treeRss(child.pid));
    }, SAMPLE_MS);
    child.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`node ${args.join(' ')}: ${signal ? `signal ${signal}` : `exit code ${code}`}`));
      else resolve({ stdout, peakTreeMB: peak / 1e6 });
    });
  });
}

if (require.main === module) {
  // node dist/bench/process-tree.js SCRIPT ARGS...: runs `node SCRIPT ARGS...`, prints its
  // output and the peak RSS of its process tree
  runMeasured(process.argv.slice(2)).then(
    (r) => console.log(`${r.stdout.trim()}\npeak RSS of the process tree: ${r.peakTreeMB.toFixed(0)} MB`),
    (e: Error) => {
      console.error(e.message);
      process.exitCode = 1;
    },
  );
}
