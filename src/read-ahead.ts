/**
 * A thread that reads the next batches of binaries while this one analyses the current batch.
 *
 * Binaries are analysed in the scan's own thread (src/scan.ts): their facts are too many to copy
 * across processes. Opening, reading and closing them was a fifth of that work, on a core that
 * otherwise waits. The read-ahead thread runs readCandidate (src/read.ts), the same checks, into
 * a ring of shared memory, and says per file where the bytes lie; nothing is copied or posted.
 *
 * The thread is given every batch at its start and reads them in order, at most
 * READ_AHEAD_BATCHES beyond the one the scan is analysing, each into its slot of the ring (a
 * slot is reused only once the scan is done with the batch that had it). A file that is not
 * plainly read (an error, or too large for what is left of its slot) is left to the scan's
 * thread, which reads it as before and so reports it the same way. Until the thread has started,
 * and if it stalls or fails, the scan reads the batches itself: its result is the same either way.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { ReadError } from '../analyzers/facts';
import { readCandidate, type Limits } from './read';

/** How many batches the thread may read beyond the one being analysed. */
export const READ_AHEAD_BATCHES = 3;
/** One slot of the ring: one batch's files. */
export const SLOT_BYTES = 12 * 1024 * 1024;
/** The batch being analysed, those read beyond it, and the one being read. */
const SLOTS = READ_AHEAD_BATCHES + 2;
/** The scan waits this long for a batch before it reads the rest itself. */
const STALL_MS = 5000;

/** Fields of the control array. */
const STARTED = 0; // 1 once the thread runs
const HANDLED = 1; // batches the thread has read or passed over
const DONE = 2; // batches the scan has analysed
const STOP = 3; // 1: the thread is to stop
const WAITING = 4; // 1 while the thread waits for DONE to move

/** A file's entry in `where`, when it is not the offset of its bytes in the ring. */
const LEFT = -1; // read it yourself (an error, or no room in the slot)
const NOT_WANTED = -2; // readCandidate's null: not a file of interest

/** A batch's entry in `batchState`. */
const READ = 1;

export interface FileToRead {
  path: string;
  absolute: string;
  raw?: Uint8Array;
}

/** A file of a batch: its bytes (valid until `done` for the batch), null for a file not of
 *  interest, undefined for one the caller reads itself. */
export type ReadAheadResult = Buffer | null | undefined;

interface Shared {
  control: Int32Array;
  /** Per batch: 0 not yet handled, READ, or passed over (the scan had read it itself). */
  batchState: Int32Array;
  /** Per file (batches one after the other): the offset of its bytes in the ring, LEFT or NOT_WANTED. */
  where: Int32Array;
  /** Per file: the length of its bytes. */
  length: Int32Array;
  ring: SharedArrayBuffer;
}

interface ThreadData extends Shared {
  batches: FileToRead[][];
  limits?: Limits;
  within?: string[];
}

/** The compiled entry point of the thread (under ts-jest, the built one), if there is one. */
function threadFile(): string | undefined {
  const here = path.join(__dirname, 'read-ahead-thread.js');
  if (fs.existsSync(here)) return here;
  const built = path.join(__dirname, '..', 'dist', 'src', 'read-ahead-thread.js');
  return fs.existsSync(built) ? built : undefined;
}

const shared = (n: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * Math.max(1, n)));

export class ReadAhead {
  private readonly first: number[] = [];
  private s: Shared | undefined;
  private begun = false;
  private stopped = false;

  private constructor(private readonly worker: Worker) {
    worker.on('error', () => this.stop());
    worker.on('exit', () => this.stop());
  }

  /**
   * Starts the thread (it takes some 50 ms; the scan reads the first batches itself meanwhile),
   * or undefined where its compiled entry point is missing. It reads nothing until `begin`.
   */
  static start(): ReadAhead | undefined {
    const file = threadFile();
    if (!file) return undefined;
    return new ReadAhead(new Worker(file, { resourceLimits: { maxYoungGenerationSizeMb: 4 } }));
  }

  /** Gives the thread the batches to read, in the order they will be taken. Once only. */
  begin(batches: readonly (readonly FileToRead[])[], limits?: Limits, within?: string[]): void {
    if (this.begun) throw new Error('ReadAhead.begin: called twice');
    this.begun = true;
    if (this.stopped) return;
    let files = 0;
    for (const b of batches) {
      this.first.push(files);
      files += b.length;
    }
    const s: Shared = {
      control: shared(5),
      batchState: shared(batches.length),
      where: shared(files),
      length: shared(files),
      ring: new SharedArrayBuffer(SLOTS * SLOT_BYTES),
    };
    this.s = s;
    const data: ThreadData = {
      ...s,
      batches: batches.map((b) => b.map((f) => (f.raw ? { path: f.path, absolute: f.absolute, raw: f.raw } : { path: f.path, absolute: f.absolute }))),
      ...(limits ? { limits } : {}),
      ...(within ? { within } : {}),
    };
    this.worker.postMessage(data);
  }

  /** Whether the thread has begun reading (until then `take` gives undefined). */
  get started(): boolean {
    return !!this.s && !this.stopped && Atomics.load(this.s.control, STARTED) === 1;
  }

  /**
   * The files of batch `b` (batches are taken in order, each once), or undefined when the caller
   * is to read the whole batch itself: the thread has not started yet, or has stopped or stalled.
   */
  take(b: number): ReadAheadResult[] | undefined {
    if (!this.s || !this.started) return undefined;
    const { control, batchState } = this.s;
    const since = Date.now();
    for (;;) {
      const handled = Atomics.load(control, HANDLED);
      if (handled > b) break;
      if (Date.now() - since > STALL_MS) {
        this.stop(); // a file that takes this long to read: read the rest here
        return undefined;
      }
      Atomics.wait(control, HANDLED, handled, 100);
    }
    if (batchState[b] !== READ) return undefined;
    const { where, length, ring } = this.s;
    const out: ReadAheadResult[] = [];
    const end = b + 1 < this.first.length ? this.first[b + 1] : where.length;
    for (let k = this.first[b]; k < end; k++) {
      const at = where[k];
      out.push(at >= 0 ? Buffer.from(ring, at, length[k]) : at === NOT_WANTED ? null : undefined);
    }
    return out;
  }

  /** The caller is done with batch `b` (whether it took it or read it itself). */
  done(b: number): void {
    if (!this.s) return;
    const { control } = this.s;
    Atomics.store(control, DONE, b + 1);
    // (a wake-up costs a system call; the thread is mostly not waiting)
    if (Atomics.load(control, WAITING) === 1) Atomics.notify(control, DONE);
  }

  /**
   * Ends the thread and lets go of the ring; `take` gives undefined from now on. Idempotent.
   * Does not wait for the thread to end: a thread still starting up ends only once started.
   */
  close(): void {
    this.stop();
    this.s = undefined;
    this.worker.unref();
    this.worker.terminate().catch(() => undefined);
  }

  private stop(): void {
    this.stopped = true;
    if (!this.s) return;
    Atomics.store(this.s.control, STOP, 1);
    Atomics.notify(this.s.control, DONE);
  }
}

/** The thread's side: reads the batches, then returns. */
export function readBatches(d: ThreadData): void {
  const { control, batchState, where, length, ring, batches } = d;
  Atomics.store(control, STARTED, 1);
  let k = 0;
  for (let b = 0; b < batches.length; k += batches[b].length, b++) {
    // wait for room: at most READ_AHEAD_BATCHES beyond the batch being analysed
    for (;;) {
      if (Atomics.load(control, STOP) === 1) return;
      const done = Atomics.load(control, DONE);
      if (b - done <= READ_AHEAD_BATCHES) break;
      Atomics.store(control, WAITING, 1);
      Atomics.wait(control, DONE, done, 1000);
      Atomics.store(control, WAITING, 0);
    }
    if (Atomics.load(control, DONE) <= b) {
      const base = (b % SLOTS) * SLOT_BYTES;
      let used = 0;
      const into = (size: number): Buffer | undefined => {
        if (used + size > SLOT_BYTES) return undefined;
        const buf = Buffer.from(ring, base + used, size);
        used += size;
        return buf;
      };
      const files = batches[b];
      for (let i = 0; i < files.length; i++) {
        const f = files[i];
        let r: Buffer | null | ReadError | undefined;
        try {
          r = readCandidate(f.raw ? Buffer.from(f.raw) : f.absolute, f.path, d.limits, into, d.within);
        } catch {
          r = undefined; // (out of memory) the scan's thread reads it
        }
        if (Buffer.isBuffer(r)) {
          where[k + i] = r.byteOffset;
          length[k + i] = r.length;
        } else {
          where[k + i] = r === null ? NOT_WANTED : LEFT;
        }
      }
      Atomics.store(batchState, b, READ);
    }
    Atomics.add(control, HANDLED, 1);
    Atomics.notify(control, HANDLED);
  }
}
