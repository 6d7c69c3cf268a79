/** Entry point of the read-ahead thread (src/read-ahead.ts): reads what it is given, then ends. */
import { parentPort } from 'worker_threads';
import { readBatches } from './read-ahead';

parentPort?.once('message', (d: Parameters<typeof readBatches>[0]) => readBatches(d));
