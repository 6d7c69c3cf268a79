/** The pipeline: files -> analyzers -> facts -> link -> rules -> findings. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FileFacts, ReadError } from '../analyzers/facts';
import { RULES, type RuleSettings } from '../rules';
import type { KernelSymbolDb } from '../kernel-symbols/types';
import type { LeftOut, ScanResult } from '../reports/types';
import { defaultCacheDir } from './cache';
import { openResultCache } from './result-cache';
import { classifyByName, resolveLimits, type Limits } from './analyze';
import { DiscoveryStream, leftOutCount, type DiscoveredFile } from './discover';
import { link } from './link';
import { KnowledgeBase } from '../kernel-symbols/history';
import { TOOL, PACKAGE_ROOT } from './version';
import { analyzeBatch, type BatchFile, type BatchResult, type BatchTask } from './worker';
import { ReadAhead } from './read-ahead';
import { assess } from './assess';
import { isUnder, type LoadedConfig } from './config';
import { needingSites, type EvidenceLevel } from './evidence';
import { Interner } from './intern';
import { ProcessPool } from './process-pool';
import { boundHeapGrowth, isLongScan, phaseEnded } from './memory';
import { attachProvenance, provenanceReport, type ProvenanceScanOptions } from '../kernel-symbols/provenance';

export interface ScanOptions {
  db: KernelSymbolDb;
  rules?: RuleSettings;
  cwd?: string;
  /** Glob patterns to leave out (see discover). */
  exclude?: string[];
  /** Respect .gitignore files (default true). */
  gitignore?: boolean;
  /** Analysis processes for C sources; 1 analyses in the calling process. Default: every core. */
  jobs?: number;
  /** Cache directory, for the per-file facts cache and the result cache (src/result-cache.ts);
   *  false turns both off. Default: off for the library, the CLI turns it on in the user's
   *  cache directory. */
  cache?: string | false;
  /** false: the caller does not use ScanOutput.facts, so a result served from the result cache
   *  is returned without analysing any file (facts then throws when read). Default true: a
   *  cached result comes with facts from the per-file cache. */
  needFacts?: boolean;
  /** Scan only slice `index` (1-based) of `count`: files are assigned by a hash of their path. */
  shard?: { index: number; count: number };
  /** gplcheck.config.json as loaded (src/config.ts): severities, declared licences, third-party and ignored paths. */
  config?: LoadedConfig | null;
  command?: string;
  now?: Date;
  /** Called as files are analysed (for a progress bar): files done so far and in all. */
  onProgress?: (done: number, total: number) => void;
  /** Match C sources against provenance indices of kernel trees (--provenance). */
  provenance?: ProvenanceScanOptions;
  /** Bounds on what one file may cost (size of sources, parse time, decompressed size); see src/analyze.ts. */
  limits?: Limits;
  /** Which binaries are read with every reference site (src/evidence.ts). Default `boundary`;
   *  a shard always reads `all`, so that a merge has what one scan would have had. */
  evidence?: EvidenceLevel;
}

export interface ScanOutput {
  result: ScanResult;
  /** Facts of every analysed file, in path order. */
  facts: FileFacts[];
}

/** Everything analysis produced, before linking: what a shard hands to `merge`. */
export interface AnalysisOutput {
  facts: FileFacts[];
  errors: ReadError[];
  stats: { files: number; bytes: number; analysed: number; skipped: number; excluded: number; leftOut?: LeftOut; cacheHits: number };
}

const BATCH_FILES = 32;

/** FNV-1a over the path's UTF-16 code units: stable across runs, machines and Node versions. */
export function shardOf(p: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < p.length; i++) {
    h ^= p.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % count) + 1;
}

/**
 * An analysis process holds one batch of files at a time, yet V8 would let its young
 * generation grow to 48 MB, and the C library's allocator would keep an arena for each thread
 * and memory freed at the top of it up to the largest block seen. With semi-spaces of 4 MB,
 * one arena and freed memory above 128 KB given back, a process scanning drivers/gpu peaked at
 * 128 instead of 200 MB, for about 5% more time.
 */
const ANALYSIS_NODE_OPTIONS: string[] = ['--max-semi-space-size=4'];
const ANALYSIS_ENV: Record<string, string> = { MALLOC_ARENA_MAX: '1', MALLOC_TRIM_THRESHOLD_: '131072' };

/** The compiled entry point of the analysis processes (under ts-jest, the built one). */
function workerFile(): string | undefined {
  const here = path.join(__dirname, 'worker-process.js');
  if (fs.existsSync(here)) return here;
  const built = path.join(PACKAGE_ROOT, 'dist', 'src', 'worker-process.js');
  return fs.existsSync(built) ? built : undefined;
}

/** A batch whose process failed (one that crashed or ran out of memory): every file of it is an error, the scan goes on. */
function failedBatch(task: BatchTask, e: unknown): BatchResult {
  const why = e instanceof Error ? e.message : String(e);
  return {
    facts: task.files.map(() => null),
    errors: task.files.map((f) => ({ path: f.path, message: `${f.path}: analysis failed (${why}); this file's batch of ${task.files.length} was not analysed` })),
    bytes: 0,
    skipped: 0,
    cacheHits: 0,
  };
}

/** C facts are held until linking: their strings are shared as each batch arrives (src/intern.ts). */
function shareStrings(r: BatchResult, interner: Interner): void {
  for (let i = 0; i < r.facts.length; i++) {
    const f = r.facts[i];
    if (f && f.analyzer === 'c') r.facts[i] = interner.facts(f);
  }
}

/**
 * The batches of one scan, taken as discovery forms them (src/discover.ts streams the walk).
 * Sources and build files ("heavy") go to a pool of analysis processes (src/process-pool.ts) from
 * the second such batch on, while the walk goes on: parsing is the expensive part of a scan and
 * the facts of a source file are small. Binaries and the rest ("light") are analysed in this
 * process once the walk is done, a thread reading their batches ahead (src/read-ahead.ts):
 * reading ELF is cheap next to copying its many relocation sites across. With one job, or
 * without the processes' compiled entry point, every batch is analysed here.
 */
class Batches {
  private readonly tasks: BatchTask[] = [];
  private readonly results: (BatchResult | Promise<BatchResult> | undefined)[] = [];
  /** Heavy tasks not sent to the pool: the first waits here for a second (then both go), and
   *  all of them without a pool; none once the pool has started. */
  private readonly heavyHere: number[] = [];
  private readonly light: number[] = [];
  private readonly file: string | undefined;
  private pool: ProcessPool<BatchTask, BatchResult> | undefined;
  private filesDone = 0;

  constructor(
    private readonly jobs: number,
    private readonly interner: Interner,
    /** Called as batches are done, with the files of every batch done so far. */
    private readonly onDone: (files: number) => void,
  ) {
    this.file = jobs > 1 ? workerFile() : undefined;
  }

  /** Whether heavy batches go to the pool as they come (false: they wait for `finish`, here). */
  get parallel(): boolean {
    return this.pool !== undefined;
  }

  addHeavy(task: BatchTask): void {
    this.heavyHere.push(this.add(task));
    // one batch of sources alone is analysed here: a process would take longer to start
    if (!this.file || (!this.pool && this.heavyHere.length < 2)) return;
    this.pool ??= new ProcessPool<BatchTask, BatchResult>(this.file, this.jobs, ANALYSIS_NODE_OPTIONS, ANALYSIS_ENV);
    for (const i of this.heavyHere.splice(0)) {
      const t = this.tasks[i];
      this.results[i] = this.pool.run(t).then(
        (r) => this.done(t, r),
        (e: unknown) => this.done(t, failedBatch(t, e)),
      );
    }
  }

  addLight(task: BatchTask): void {
    this.light.push(this.add(task));
  }

  /** Analyses what is left here and waits for the pool: every batch's result, in the order the batches were added. */
  async finish(): Promise<BatchResult[]> {
    const light = this.light.map((i) => this.tasks[i]);
    // With more than one core, a thread reads the binaries' batches ahead of their analysis.
    const readAhead = this.jobs > 1 && light.length >= MIN_READ_AHEAD_BATCHES ? ReadAhead.start() : undefined;
    readAhead?.begin(
      light.map((t) => t.files),
      light[0].limits,
      light[light.length - 1].within,
    );
    try {
      for (const i of this.heavyHere) {
        this.results[i] = await this.here(this.tasks[i]);
        // Return to the event loop after each batch of sources: tree-sitter frees a parse tree's
        // native memory only in a finaliser, which never runs while this thread stays busy.
        await new Promise((r) => setImmediate(r));
      }
      // binaries in this thread, one batch after the other, while the pool parses
      for (let place = 0; place < this.light.length; place++) {
        const pre = readAhead ? readAhead.take(place) : undefined;
        this.results[this.light[place]] = await this.here(this.tasks[this.light[place]], pre);
        readAhead?.done(place);
      }
      return await Promise.all(this.results as (BatchResult | Promise<BatchResult>)[]);
    } finally {
      readAhead?.close();
    }
  }

  /** Ends the pool's processes (after `finish`, or when the scan fails). */
  async close(): Promise<void> {
    await this.pool?.destroy();
  }

  private add(task: BatchTask): number {
    this.results.push(undefined);
    return this.tasks.push(task) - 1;
  }

  private async here(task: BatchTask, pre?: ReturnType<ReadAhead['take']>): Promise<BatchResult> {
    const r = await analyzeBatch(task, pre).catch((e: unknown) => failedBatch(task, e));
    return this.done(task, r);
  }

  private done(task: BatchTask, r: BatchResult): BatchResult {
    shareStrings(r, this.interner);
    this.filesDone += task.files.length;
    this.onDone(this.filesDone);
    return r;
  }
}

/** Fewer batches of binaries than this are read in this thread alone: the thread takes some
 *  50 ms to start, during which the first batches are read here anyway. */
const MIN_READ_AHEAD_BATCHES = 4;

/** While the walk goes on, this thread turns to the pool's messages every so many files. */
const WALK_YIELD_FILES = 512;

const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
const byPathAndMessage = (a: ReadError, b: ReadError): number => byPath(a, b) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);

/**
 * Discovery and analysis: per-file facts, no linking. Files are batched as the walk reaches
 * them and sources go to the analysis processes at once; the facts and errors come out in path
 * order whatever the order of the walk, the batches or the processes.
 */
export async function analyze(inputs: string[], options: Omit<ScanOptions, 'rules'>): Promise<AnalysisOutput> {
  const started = Date.now();
  // the cache directory, when it lies in the scanned tree, is not input (the result cache's
  // discovery leaves it out the same way)
  const leaveOut = typeof options.cache === 'string' ? [path.resolve(options.cache)] : [];
  const found = new DiscoveryStream(inputs, { cwd: options.cwd, exclude: options.exclude, gitignore: options.gitignore, leaveOut });
  const ignore = options.config?.ignore ?? [];
  const jobs = Math.max(1, options.jobs ?? os.availableParallelism());
  const limits = resolveLimits(options.limits);
  const cache =
    typeof options.cache === 'string'
      ? {
          dir: options.cache,
          identity: { toolVersion: TOOL.version, database: `${options.db.meta.name}:${options.db.meta.source.sha256 ?? options.db.meta.kernel}` },
        }
      : undefined;
  const evidence: EvidenceLevel = options.shard ? 'all' : options.evidence ?? 'boundary';
  const interner = new Interner();
  /** The files to analyse, in the order of the walk. */
  const files: DiscoveredFile[] = [];
  let ignored = 0;
  let served = 0; // files served from the cache in this thread
  let analysed = 0; // files of the batches done
  // Once analysis has run long enough to call the scan a long one, the facts taken in bound
  // the heap's growth (src/memory.ts): a tree's facts left 250 MB of heap unused behind them.
  // Facts served from the cache count too: the whole tree's, read back with the heap's growth
  // unbounded, took the scan to 1.5 GB.
  let restoreHeapGrowth: (() => void) | undefined;
  const progress = (): void => {
    const elapsed = Date.now() - started;
    if (!restoreHeapGrowth && isLongScan(elapsed, files.length)) restoreHeapGrowth = boundHeapGrowth(elapsed, files.length);
    options.onProgress?.(served + analysed, files.length);
  };
  const batches = new Batches(jobs, interner, (n) => {
    analysed = n;
    progress();
  });
  const early: BatchResult[] = [];
  const toBatch = (f: DiscoveredFile): BatchFile => ({ path: f.path, absolute: f.absolute, ...(f.raw ? { raw: f.raw } : {}) });
  // the roots the walk has reached so far: a batch's files lie in them
  const task = (batch: BatchFile[]): BatchTask => ({ files: batch, ...(cache ? { cache } : {}), limits, evidence, within: [...found.roots] });
  // Cache hits among the sources are served here: reading back facts costs less than handing
  // them across processes. Only the misses go to the analysis processes.
  const serveHere = cache !== undefined && jobs > 1;
  let heavy: BatchFile[] = [];
  let misses: BatchFile[] = [];
  let light: BatchFile[] = [];
  /** The misses to the pool, a full batch at a time (`all`: the last one too). */
  const sendMisses = (all: boolean): void => {
    while (misses.length >= BATCH_FILES || (all && misses.length > 0)) batches.addHeavy(task(misses.splice(0, BATCH_FILES)));
  };
  const takeHeavy = async (): Promise<void> => {
    const batch = heavy;
    heavy = [];
    if (!serveHere) {
      batches.addHeavy(task(batch));
      return;
    }
    const r = await analyzeBatch({ ...task(batch), cachedOnly: true });
    shareStrings(r, interner);
    early.push(r);
    served += r.facts.length - (r.misses?.length ?? 0);
    misses.push(...(r.misses ?? []));
    sendMisses(false);
    progress();
  };
  let results: BatchResult[];
  try {
    try {
      let sinceYield = 0;
      for (const f of found) {
        if (ignore.length && ignore.some((d) => isUnder(f.absolute, d))) {
          ignored++;
          continue;
        }
        if (options.shard && shardOf(f.path, options.shard.count) !== options.shard.index) continue;
        files.push(f);
        if (classifyByName(f.path) === 'other') {
          light.push(toBatch(f));
          if (light.length === BATCH_FILES) {
            batches.addLight(task(light));
            light = [];
          }
        } else {
          heavy.push(toBatch(f));
          if (heavy.length === BATCH_FILES) await takeHeavy();
        }
        // the pool's results and its next batches wait for this thread's event loop
        if (++sinceYield >= WALK_YIELD_FILES && batches.parallel) {
          sinceYield = 0;
          await new Promise((r) => setImmediate(r));
        }
      }
      if (heavy.length) await takeHeavy();
      sendMisses(true);
      if (light.length) batches.addLight(task(light));
      progress();
      results = [...early, ...(await batches.finish())];
    } finally {
      await batches.close();
    }
  } finally {
    restoreHeapGrowth?.();
  }
  const facts: FileFacts[] = [];
  const errors: ReadError[] = [...found.errors];
  const leftOut = { ...found.leftOut, ignored };
  const stats = { files: files.length, bytes: 0, analysed: 0, skipped: 0, excluded: leftOutCount(leftOut), leftOut, cacheHits: 0 };
  for (const r of results) {
    for (const f of r.facts) if (f) facts.push(f);
    errors.push(...r.errors);
    stats.bytes += r.bytes;
    stats.skipped += r.skipped;
    stats.cacheHits += r.cacheHits;
  }
  stats.analysed = facts.length;
  if (evidence === 'boundary') errors.push(...(await readSitesWhereNeeded(facts, files, options.db, limits, found.roots)));
  if (options.provenance) {
    const abs = new Map(files.map((f) => [f.path, f.absolute]));
    errors.push(...attachProvenance(facts, (p) => abs.get(p), options.provenance));
  }
  facts.sort(byPath);
  errors.sort(byPathAndMessage);
  return { facts, errors, stats };
}

/** Step 2 of src/evidence.ts: binaries read for their symbol tables only whose reference
 *  sites turn out to be evidence are read again in full, in this thread (they are few). */
async function readSitesWhereNeeded(facts: FileFacts[], files: DiscoveredFile[], db: KernelSymbolDb, limits: Limits, within: string[]): Promise<ReadError[]> {
  const need = new Set(needingSites(facts, db));
  if (need.size === 0) return [];
  const errors: ReadError[] = [];
  const wanted = files.filter((f) => need.has(f.path));
  const again = new Map<string, FileFacts>();
  for (let i = 0; i < wanted.length; i += BATCH_FILES) {
    const batch = wanted.slice(i, i + BATCH_FILES);
    const r = await analyzeBatch({ files: batch.map((f) => ({ path: f.path, absolute: f.absolute, ...(f.raw ? { raw: f.raw } : {}) })), limits, evidence: 'all', within });
    r.facts.forEach((f, j) => {
      if (f) again.set(batch[j].path, f);
    });
    // A file that changed or vanished since keeps the facts first read, sites omitted; say why.
    for (const e of r.errors) errors.push({ path: e.path, message: `${e.message} (read again for its reference sites; they are left out)` });
  }
  for (let i = 0; i < facts.length; i++) {
    const f = again.get(facts[i].path);
    if (f && f.analyzer === 'elf') facts[i] = f;
  }
  return errors;
}

type FinishOptions = Pick<ScanOptions, 'db' | 'rules' | 'command' | 'now' | 'config' | 'cwd' | 'provenance'>;

/** Linking, rules and the result, from analysis output (one scan's, or shards' merged). */
export function finish(inputs: string[], analysis: AnalysisOutput, options: FinishOptions, ms: number): ScanOutput {
  const restoreHeapGrowth = boundHeapGrowth(ms, analysis.stats.files);
  try {
    return linkAndAssess(inputs, analysis, options, ms);
  } finally {
    restoreHeapGrowth();
  }
}

function linkAndAssess(inputs: string[], analysis: AnalysisOutput, options: FinishOptions, ms: number): ScanOutput {
  const facts = [...analysis.facts].sort(byPath);
  const errors = [...analysis.errors].sort(byPathAndMessage);
  const warnings = facts.flatMap((f) => f.warnings);
  const started = Date.now() - ms;
  const collect = () => phaseEnded(Date.now() - started, analysis.stats.files);
  collect();
  const model = link(facts, options.db, errors);
  collect();
  // Every known kernel, for rules that look across versions (future-gpl-only): loaded on first use only.
  let knowledge: KnowledgeBase | undefined;
  Object.defineProperty(model, 'knowledge', { get: () => (knowledge ??= KnowledgeBase.load()), enumerable: false });
  const { findings, graph, notes } = assess(model, { rules: options.rules, config: options.config, cwd: options.cwd, onRulesDone: collect });
  collect();
  warnings.push(...notes);
  const { cacheHits: _hits, ...stats } = analysis.stats;
  const result: ScanResult = {
    tool: TOOL,
    database: options.db.meta,
    invocation: {
      command: options.command ?? `gplcheck scan ${inputs.join(' ')}`,
      date: (options.now ?? reproducibleNow()).toISOString(),
    },
    inputs,
    units: model.units,
    findings,
    graph,
    errors,
    warnings,
    rules: RULES.map((r) => r.meta),
    stats: { ...stats, ms },
  };
  const provenance = provenanceReport(facts, model.facts, options.provenance);
  if (provenance) result.provenance = provenance;
  return { result, facts };
}

/** The report's date: SOURCE_DATE_EPOCH (the reproducible-builds convention) when set. */
function reproducibleNow(): Date {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  return epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
}

export async function scan(inputs: string[], options: ScanOptions): Promise<ScanOutput> {
  const t0 = Date.now();
  if (typeof options.cache === 'string') {
    // made now, before any walk: a cache directory inside the scanned tree is then always met,
    // and counted, as left out (src/discover.ts, leaveOut)
    try {
      fs.mkdirSync(options.cache, { recursive: true });
    } catch {
      // a cache that cannot be made only costs speed
    }
  }
  const results = openResultCache({ inputs, options, startNs: BigInt(t0) * 1_000_000n });
  const hit = results?.lookup();
  if (hit) {
    // the stored result, with this run's tool, database, command, date and time
    hit.tool = TOOL;
    hit.database = options.db.meta;
    hit.invocation = { command: options.command ?? `gplcheck scan ${inputs.join(' ')}`, date: (options.now ?? reproducibleNow()).toISOString() };
    const facts = options.needFacts === false ? undefined : [...(await analyze(inputs, options)).facts].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    hit.stats = { ...hit.stats, ms: Date.now() - t0 };
    if (facts) return { result: hit, facts };
    const out = { result: hit } as ScanOutput;
    Object.defineProperty(out, 'facts', {
      enumerable: false,
      get() {
        throw new Error('ScanOutput.facts: this result came from the result cache and the scan was run with needFacts: false');
      },
    });
    return out;
  }
  const analysis = await analyze(inputs, options);
  results?.filesRead();
  // one bound from linking to the end of the result's write (finish sets its own as well, for
  // merges): between the two, V8 would go back to its own growth just as the write begins
  const restoreHeapGrowth = boundHeapGrowth(Date.now() - t0, analysis.stats.files);
  try {
    const out = finish(inputs, analysis, options, Date.now() - t0);
    if (options.shard) {
      out.result.shard = { ...options.shard, evidence: options.evidence ?? 'boundary', facts: out.facts, errors: analysis.errors, stats: analysis.stats };
    }
    // writing the result builds every import's sites once more, as garbage
    results?.store(out.result);
    return out;
  } finally {
    restoreHeapGrowth();
  }
}

export { defaultCacheDir };
