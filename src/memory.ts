/**
 * Memory the garbage collector cannot judge by itself.
 *
 * tree-sitter keeps each parse tree in native memory that V8 does not see, and frees it only
 * when the tree's JavaScript object is collected. A thread that parses many files while its own
 * heap stays small may therefore go gigabytes deep before V8 thinks of collecting. After every
 * so many bytes parsed, `noteParsed` asks V8 for a full collection, which frees the dropped trees.
 *
 * Between the phases of a large scan (analysis, linking, rules, graph) the working data of the
 * phase just ended dies at once. V8 grows its heap in proportion to what survived its last
 * collection, so a tree scan's heap used to reach twice what it held. `phaseEnded` collects
 * there in a long scan with a large heap, where a few collections cost a few per cent.
 */
import * as v8 from 'v8';
import * as vm from 'vm';

/** Bytes of C parsed between two forced collections. */
export const COLLECT_EVERY_BYTES = 2 * 1024 * 1024;

let gc: (() => void) | null | undefined;
let parsedSince = 0;

function collector(): (() => void) | null {
  if (gc === undefined) {
    try {
      if (typeof (globalThis as { gc?: unknown }).gc === 'function') {
        gc = (globalThis as unknown as { gc: () => void }).gc;
      } else {
        v8.setFlagsFromString('--expose-gc');
        gc = vm.runInNewContext('gc') as () => void;
      }
    } catch {
      gc = null; // not available: memory then depends on V8's own schedule
    }
  }
  return gc;
}

/**
 * Records `bytes` of parsed source; when enough has piled up, collects and then yields to the
 * event loop, where the native finalisers of the collected trees run.
 */
export async function noteParsed(bytes: number): Promise<void> {
  parsedSince += bytes;
  if (parsedSince < COLLECT_EVERY_BYTES) return;
  parsedSince = 0;
  collector()?.();
  await new Promise((resolve) => setImmediate(resolve));
}

/** Below this much heap in use, a collection at a phase's end is not worth its time. */
export const PHASE_COLLECT_BYTES = 256 * 1024 * 1024;
/** A full collection takes about a second for each gigabyte in use: only a scan that has run at
 *  least this long collects, so that the few collections cost it a few per cent at most. */
export const PHASE_COLLECT_AFTER_MS = 30_000;

/** A scan of at least this many files holds a large tree's facts, however fast they came (from
 *  the per-file cache, the whole Linux tree's in 15 s): it counts as a long scan. Unbounded,
 *  such a scan's heap went to 1.1 GB in linking and the graph, and the process to 1.5 GB. */
export const LARGE_SCAN_FILES = 20_000;

/** Does a scan `elapsedMs` into its work, of `files` files, bound and collect (below)? */
export function isLongScan(elapsedMs: number, files: number): boolean {
  return elapsedMs >= PHASE_COLLECT_AFTER_MS || files >= LARGE_SCAN_FILES;
}

/** How much V8 may grow its heap beyond what survived its last full collection, in per cent,
 *  in a long scan (see boundHeapGrowth). */
export const LATE_HEAP_GROWING_PERCENT = 20;

/**
 * Until the function returned is called, in a long scan (`elapsedMs` into its work), V8 sets
 * its next collection at 1.2 times the heap that survived the last one, rather than at up to 4
 * times when it sees the heap grow fast: taking in the facts, linking and the graph make
 * garbage at a great rate while they add to what the scan keeps. Calls may nest; the last
 * restore gives V8 its own choice back. Left alone when the process was started with its own
 * `--heap-growing-percent`.
 */
export function boundHeapGrowth(elapsedMs: number, files = 0): () => void {
  const own = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /^--heap[-_]growing[-_]percent/.test(a));
  if (own || !isLongScan(elapsedMs, files)) return () => {};
  if (bounded++ === 0) v8.setFlagsFromString(`--heap-growing-percent=${LATE_HEAP_GROWING_PERCENT}`);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    if (--bounded === 0) v8.setFlagsFromString('--heap-growing-percent=0');
  };
}

/** How many phases have bounded the heap's growth and not yet restored it. */
let bounded = 0;

/**
 * A phase of the scan has ended and its working data is garbage: collect if the heap is large
 * and the scan, `elapsedMs` into its work, is a long one.
 */
export function phaseEnded(elapsedMs: number, files = 0): void {
  if (!isLongScan(elapsedMs, files) || process.memoryUsage().heapUsed < PHASE_COLLECT_BYTES) return;
  collector()?.();
}
