/**
 * The work done for a batch of files: read, look up the cache, analyse. Runs in the analysis
 * processes (src/worker-process.ts) and, with --jobs 1, in the scan's own. Never throws: every
 * problem becomes an error that names the file.
 */
import type { FileFacts, ReadError } from '../analyzers/facts';
import { analyzeFileData, classifyByName, readCandidate, type Limits } from './analyze';
import { PARSE_LIMIT_NOTE } from '../analyzers/c';
import { FactsCache, type CacheIdentity } from './cache';
import { noteParsed } from './memory';
import { compressionOf } from './decompress';
import { elfSitesOption, type EvidenceLevel } from './evidence';
import type { ReadAheadResult } from './read-ahead';

export interface BatchFile {
  path: string;
  absolute: string;
  /** The path's bytes, when they are not valid UTF-8 (`absolute` then only shows it). */
  raw?: Uint8Array;
}

export interface BatchTask {
  files: BatchFile[];
  cache?: { dir: string; identity: CacheIdentity };
  limits?: Limits;
  /** Only look files up in the cache: a file not found there is returned in `misses`,
   *  unanalysed (the caller sends those to the analysis processes). */
  cachedOnly?: boolean;
  /** Which binaries are read with their reference sites (src/evidence.ts); default `all`. */
  evidence?: EvidenceLevel;
  /** The scan roots (real paths): a file that, opened, lies outside them is not read (readCandidate). */
  within?: string[];
}

export interface BatchResult {
  /** In the order of the task's files; null where a file gave no facts. */
  facts: (FileFacts | null)[];
  errors: ReadError[];
  bytes: number;
  skipped: number;
  cacheHits: number;
  /** With `cachedOnly`: the files the cache did not have. */
  misses?: BatchFile[];
}

let cache: FactsCache | undefined;
let cacheSpec = '';

/**
 * `preRead`: the files as the read-ahead thread (src/read-ahead.ts) got them, in the order of
 * `task.files`: their bytes, or null for a file not of interest; a file it left (undefined: an
 * error, or no room) is read here, and so reported as before.
 */
export async function analyzeBatch(task: BatchTask, preRead?: readonly ReadAheadResult[]): Promise<BatchResult> {
  if (task.cache) {
    const spec = JSON.stringify(task.cache);
    if (spec !== cacheSpec) {
      cache = new FactsCache(task.cache.dir, task.cache.identity);
      cacheSpec = spec;
    }
  }
  const sharedCache = task.cache ? cache : undefined;
  const out: BatchResult = { facts: [], errors: [], bytes: 0, skipped: 0, cacheHits: 0 };
  for (let k = 0; k < task.files.length; k++) {
    const file = task.files[k];
    // A binary is analysed at once and its bytes are not kept (its facts hold strings and
    // numbers only); a compressed one is handed to a decompressor, which may outlive the read.
    const cls = classifyByName(file.path);
    const transient = cls === 'other' && compressionOf(file.path) === undefined;
    const ahead = preRead?.[k];
    const data = ahead !== undefined ? ahead : readCandidate(file.raw ? Buffer.from(file.raw) : file.absolute, file.path, task.limits, transient ? 'transient' : 'fresh', task.within);
    if (data === null) {
      out.skipped++;
      out.facts.push(null);
      continue;
    }
    if (!Buffer.isBuffer(data)) {
      out.errors.push(data);
      out.facts.push(null);
      continue;
    }
    out.bytes += data.length;
    // Only sources are cached: parsing C is the costly step, while reading an ELF file again
    // is cheaper than reading back its many relocation sites from JSON.
    const useCache = sharedCache && cls !== 'other' ? sharedCache : undefined;
    let key: string | undefined;
    if (useCache) {
      key = useCache.key(data, file.path);
      const hit = useCache.get(key);
      if (hit) {
        out.cacheHits++;
        out.facts.push(hit);
        continue;
      }
    }
    if (task.cachedOnly && useCache) {
      (out.misses ??= []).push(file);
      out.bytes -= data.length; // counted when the miss is analysed
      out.facts.push(null);
      continue;
    }
    const r = await analyzeFileData(file.path, data, task.limits, { sites: elfSitesOption(task.evidence ?? 'all') });
    if (cls === 'c') await noteParsed(data.length);
    if (r.kind === 'facts') {
      out.facts.push(r.facts);
      // Facts cut short by a time limit depend on the machine's load: never kept.
      if (useCache && key && !r.facts.warnings.some((w) => w.message.includes(PARSE_LIMIT_NOTE))) useCache.put(key, r.facts);
    } else {
      out.facts.push(null);
      if (r.kind === 'error') out.errors.push(r.error);
      else out.skipped++;
    }
  }
  return out;
}
