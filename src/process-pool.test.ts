import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ProcessPool } from './process-pool';

// A member process that answers as src/worker-process.ts does, and can be told to die.
const MEMBER = `
const queue = [];
let busy = false;
const send = (m) => new Promise((done) => process.send(m, done));
async function drain() {
  busy = true;
  for (let m = queue.shift(); m; m = queue.shift()) {
    const t = m.task;
    if (t.exit !== undefined) process.exit(t.exit);
    if (t.signal) process.kill(process.pid, t.signal);
    if (t.fail) {
      await send({ id: m.id, error: t.fail });
      continue;
    }
    await new Promise((r) => setTimeout(r, t.delay || 0));
    await send({ id: m.id, result: { pid: process.pid, n: t.n * 2, table: new Int32Array([t.n, -1]), missing: undefined, env: process.env.GPLCHECK_POOL_TEST, argv: process.execArgv } });
  }
  busy = false;
}
process.on('message', (m) => {
  queue.push(m);
  if (!busy) drain();
});
process.on('disconnect', () => process.exit(0));
`;

let dir: string;
let file: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-pool-'));
  file = path.join(dir, 'member.js');
  fs.writeFileSync(file, MEMBER);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Task {
  n?: number;
  exit?: number;
  signal?: string;
  fail?: string;
  delay?: number;
}
interface Result {
  env?: string;
  argv: string[];
  pid: number;
  n: number;
  table: Int32Array;
  missing: undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('runs every task in at most `size` processes, with V8 serialisation both ways', async () => {
  const pool = new ProcessPool<Task, Result>(file, 2);
  try {
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => pool.run({ n, delay: n % 3 })));
    expect(results.map((r) => r.n)).toEqual(Array.from({ length: 20 }, (_, n) => n * 2));
    expect(new Set(results.map((r) => r.pid)).size).toBe(2);
    expect(Object.prototype.toString.call(results[5].table)).toBe('[object Int32Array]'); // (another realm's Int32Array under jest)
    expect([...results[5].table]).toEqual([5, -1]);
    expect('missing' in results[5]).toBe(true);
  } finally {
    await pool.destroy();
  }
});

test('the processes get the node options and environment given', async () => {
  const pool = new ProcessPool<Task, Result>(file, 1, ['--max-semi-space-size=4'], { GPLCHECK_POOL_TEST: 'yes' });
  try {
    const r = await pool.run({ n: 1 });
    expect(r.env).toBe('yes');
    expect(r.argv).toContain('--max-semi-space-size=4');
  } finally {
    await pool.destroy();
  }
});

test('a process that dies fails the task it worked on; the rest run in a new process', async () => {
  const pool = new ProcessPool<Task, Result>(file, 1);
  try {
    const first = pool.run({ n: 1 });
    const dying = pool.run({ exit: 3 });
    const waiting = pool.run({ n: 2 }); // sent to the same process before it died
    const killed = pool.run({ signal: 'SIGKILL' });
    const after = pool.run({ n: 3 });
    const r1 = await first;
    await expect(dying).rejects.toThrow('analysis process exited (code 3)');
    const r2 = await waiting;
    await expect(killed).rejects.toThrow('analysis process exited (signal SIGKILL)');
    const r3 = await after;
    expect([r1.n, r2.n, r3.n]).toEqual([2, 4, 6]);
    expect(r2.pid).not.toBe(r1.pid);
    expect(r3.pid).not.toBe(r2.pid);
    expect(alive(r1.pid)).toBe(false);
  } finally {
    await pool.destroy();
  }
});

test('an error the process reports fails that task only', async () => {
  const pool = new ProcessPool<Task, Result>(file, 1);
  try {
    const bad = pool.run({ fail: 'no such thing' });
    const good = pool.run({ n: 7 });
    await expect(bad).rejects.toThrow('no such thing');
    expect((await good).n).toBe(14);
  } finally {
    await pool.destroy();
  }
});

test('destroy ends every process and refuses further tasks', async () => {
  const pool = new ProcessPool<Task, Result>(file, 2);
  const pids = (await Promise.all([pool.run({ n: 1, delay: 20 }), pool.run({ n: 2, delay: 20 })])).map((r) => r.pid);
  await pool.destroy();
  for (const pid of pids) expect(alive(pid)).toBe(false);
  await expect(pool.run({ n: 1 })).rejects.toThrow('process pool destroyed');
});

test('a member that cannot start fails its task, not the scan', async () => {
  const pool = new ProcessPool<Task, Result>(path.join(dir, 'no-such-member.js'), 1);
  try {
    await expect(pool.run({ n: 1 })).rejects.toThrow(/analysis process exited \(code 1\)/);
  } finally {
    await pool.destroy();
  }
});
