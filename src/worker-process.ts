/**
 * The entry point of an analysis process of the pool (src/process-pool.ts): batches of files
 * come in as messages and their results go back, one batch at a time, in the order they came.
 */
import { analyzeBatch, type BatchResult, type BatchTask } from './worker';

const queue: { id: number; task: BatchTask }[] = [];
let busy = false;

async function drain(): Promise<void> {
  busy = true;
  for (let job = queue.shift(); job; job = queue.shift()) {
    let reply: { id: number; result: BatchResult } | { id: number; error: string };
    try {
      reply = { id: job.id, result: await analyzeBatch(job.task) };
    } catch (e) {
      reply = { id: job.id, error: e instanceof Error ? e.message : String(e) };
    }
    process.send!(reply);
  }
  busy = false;
}

process.on('message', (m: { id: number; task: BatchTask }) => {
  queue.push(m);
  if (!busy) void drain();
});
// the scan has ended (or died): nothing more will come
process.on('disconnect', () => process.exit(0));
