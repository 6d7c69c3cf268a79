/**
 * A pool of child processes that analyse batches of files (src/worker-process.ts).
 *
 * Processes rather than threads, for memory: the native memory a thread uses (tree-sitter's
 * parse trees, file buffers) comes from the C library's allocator, which keeps it after the
 * thread has ended. Measured on the Linux 6.1 tree, two analysis threads left about 260 MB
 * resident in the scan's process for the rest of the scan, at the time it needs the most for
 * linking. A process gives everything back when it exits. It also keeps a crash in native code
 * to its own batch: the batch's files are reported as not analysed and the scan goes on.
 *
 * Tasks and results cross as V8 serialised messages (`serialization: 'advanced'`), the same
 * encoding worker threads use, so typed arrays and `undefined` survive as they are.
 * Each process works on one task at a time and has one more waiting, so that it does not sit
 * idle while this process is busy (it analyses binaries meanwhile).
 */
import { fork, type ChildProcess } from 'child_process';

interface Job<T, R> {
  id: number;
  task: T;
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

interface Member<T, R> {
  child: ChildProcess;
  /** Jobs sent to it, in order, not yet answered. */
  running: Job<T, R>[];
  /** Set once it has exited or failed: it takes no more jobs. */
  gone: boolean;
}

/** Jobs a process holds at once: the one it works on and the next. */
const IN_FLIGHT = 2;

export class ProcessPool<T, R> {
  private readonly members: Member<T, R>[] = [];
  private readonly queue: Job<T, R>[] = [];
  private nextId = 0;
  private destroyed = false;

  constructor(
    private readonly file: string,
    private readonly size: number,
    /** Node options for the processes, after this process's own (inspector options left out). */
    private readonly nodeOptions: string[] = [],
    /** Variables added to this process's environment for them. */
    private readonly env: Record<string, string> = {},
  ) {}

  /** Runs `task` in a process of the pool. Rejects if the process fails or exits meanwhile. */
  run(task: T): Promise<R> {
    if (this.destroyed) return Promise.reject(new Error('process pool destroyed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends every process; jobs not answered yet are rejected. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('process pool destroyed'));
    await Promise.all(
      this.members.map(
        (m) =>
          new Promise<void>((done) => {
            if (m.child.exitCode !== null || m.child.signalCode !== null) return done();
            m.child.once('exit', () => done());
            if (m.child.connected) m.child.disconnect();
            else m.child.kill();
          }),
      ),
    );
    this.members.length = 0;
  }

  private dispatch(): void {
    while (this.queue.length) {
      const live = this.members.filter((m) => !m.gone);
      let target = live.find((m) => m.running.length === 0) ?? live.find((m) => m.running.length < IN_FLIGHT);
      if (!target && live.length < this.size) target = this.spawn();
      if (!target) return;
      const job = this.queue.shift()!;
      target.running.push(job);
      const member = target;
      member.child.send({ id: job.id, task: job.task }, (e) => {
        // the process is going away: its exit fails the job it worked on and requeues the rest
        if (e) this.abandon(member);
      });
    }
  }

  private spawn(): Member<T, R> {
    const child = fork(this.file, [], {
      serialization: 'advanced',
      // the report may go to stdout: a process of the pool writes to stderr only
      stdio: ['ignore', 2, 2, 'ipc'],
      execArgv: [...process.execArgv.filter((a) => !a.startsWith('--inspect')), ...this.nodeOptions],
      env: { ...process.env, ...this.env },
    });
    const member: Member<T, R> = { child, running: [], gone: false };
    this.members.push(member);
    child.on('message', (m: { id: number; result?: R; error?: string }) => {
      const i = member.running.findIndex((j) => j.id === m.id);
      if (i < 0) return;
      const [job] = member.running.splice(i, 1);
      if (m.error !== undefined) job.reject(new Error(m.error));
      else job.resolve(m.result as R);
      this.dispatch();
    });
    child.on('error', (e) => this.fail(member, e));
    child.on('exit', (code, signal) => {
      if (!this.destroyed) this.fail(member, new Error(`analysis process exited (${signal ? `signal ${signal}` : `code ${code}`})`));
    });
    return member;
  }

  /** Takes no more jobs to the process, and ends it if it has not ended. */
  private abandon(member: Member<T, R>): void {
    if (member.gone) return;
    member.gone = true;
    if (member.child.exitCode === null && member.child.signalCode === null) member.child.kill();
  }

  /** A process failed: the job it worked on fails with it; the job it had waiting goes back to
   *  the front of the queue, for another process (or a new one). */
  private fail(member: Member<T, R>, e: Error): void {
    this.abandon(member);
    const [current, ...waiting] = member.running.splice(0);
    current?.reject(e);
    this.queue.unshift(...waiting);
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
    if (!this.destroyed) this.dispatch();
  }
}
