/**
 * tree-sitter keeps each parse tree in native memory that V8 does not see, and frees it only
 * when the tree's JavaScript object is collected. A thread that parses many files while its own
 * heap stays small may therefore go gigabytes deep before V8 thinks of collecting. After every
 * so many bytes parsed, this asks V8 for a full collection, which frees the dropped trees.
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
