/**
 * `gplcheck merge`: join the JSON reports of `--shard i/n` scans into exactly what one scan of
 * the whole tree reports. Each shard carries its per-file facts; linking (and so resolution of
 * symbols exported in one shard and used in another) and the rules run again over all of them.
 */
import { applyEvidenceLevel } from './evidence';
import * as fs from 'fs';
import type { ReadError } from '../analyzers/facts';
import type { KernelSymbolDb } from '../kernel-symbols/types';
import type { RuleSettings } from '../rules';
import type { LeftOut, ShardData } from '../reports/types';
import { noneLeftOut } from './discover';
import { finish, type AnalysisOutput, type ScanOutput } from './scan';
import { TOOL } from './version';

export class MergeError extends Error {}

interface ShardReport {
  tool?: { name?: string; version?: string };
  inputs: string[];
  database: { name: string; source?: { sha256?: string } };
  shard?: ShardData;
}

export function readShard(file: string): ShardReport {
  let doc: ShardReport;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8')) as ShardReport;
  } catch (e) {
    throw new MergeError(`${file}: cannot read a JSON report: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || !doc.shard) {
    throw new MergeError(`${file}: not a shard report (scan with --shard i/n --format json)`);
  }
  return doc;
}

/** Checks that the shards belong together and cover every slice once, then joins them. */
export function mergeShards(
  files: string[],
  database: KernelSymbolDb | ((name: string) => KernelSymbolDb),
  options: { rules?: RuleSettings; command?: string; now?: Date } = {},
): ScanOutput {
  if (files.length === 0) throw new MergeError('no shard reports given');
  const t0 = Date.now();
  const docs = files.map((f) => ({ file: f, doc: readShard(f) }));
  const count = docs[0].doc.shard!.count;
  const db = typeof database === 'function' ? database(docs[0].doc.database.name) : database;
  const seen = new Map<number, string>();
  for (const { file, doc } of docs) {
    const s = doc.shard!;
    if (s.count !== count) throw new MergeError(`${file}: shard ${s.index}/${s.count} does not belong with ${docs[0].file} (${count} shards)`);
    if (seen.has(s.index)) throw new MergeError(`${file}: shard ${s.index}/${count} is also given as ${seen.get(s.index)}`);
    seen.set(s.index, file);
    // the shards' facts are linked by this gplcheck's code: facts of another version may not
    // have the shape it reads, and would be linked wrongly without a word
    if (doc.tool?.version !== TOOL.version) {
      throw new MergeError(`${file}: made by gplcheck ${doc.tool?.version ?? '(unknown version)'}, not by this gplcheck ${TOOL.version}; scan every shard with the version that merges them`);
    }
    if (doc.database.name !== db.meta.name || (doc.database.source?.sha256 ?? '') !== (db.meta.source.sha256 ?? '')) {
      throw new MergeError(`${file}: scanned against kernel symbols '${doc.database.name}', not '${db.meta.name}'; merge with --symbols ${doc.database.name}`);
    }
    if ((s.evidence ?? 'boundary') !== (docs[0].doc.shard!.evidence ?? 'boundary')) {
      throw new MergeError(`${file}: scanned with --evidence ${s.evidence ?? 'boundary'}, but ${docs[0].file} with --evidence ${docs[0].doc.shard!.evidence ?? 'boundary'}`);
    }
    if (JSON.stringify(doc.inputs) !== JSON.stringify(docs[0].doc.inputs)) {
      throw new MergeError(`${file}: scanned ${doc.inputs.join(' ')}, but ${docs[0].file} scanned ${docs[0].doc.inputs.join(' ')}`);
    }
  }
  const missing = [];
  for (let i = 1; i <= count; i++) if (!seen.has(i)) missing.push(`${i}/${count}`);
  if (missing.length) throw new MergeError(`missing shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);

  const analysis: AnalysisOutput = { facts: [], errors: [], stats: { files: 0, bytes: 0, analysed: 0, skipped: 0, excluded: 0, leftOut: noneLeftOut(), cacheHits: 0 } };
  const errorKeys = new Set<string>();
  for (const { doc } of docs) {
    const s = doc.shard!;
    analysis.facts.push(...s.facts);
    for (const e of s.errors as ReadError[]) {
      // discovery runs whole in every shard: its errors come once from each
      const k = `${e.path}\0${e.message}`;
      if (!errorKeys.has(k)) {
        errorKeys.add(k);
        analysis.errors.push(e);
      }
    }
    analysis.stats.files += s.stats.files;
    analysis.stats.bytes += s.stats.bytes;
    analysis.stats.analysed += s.stats.analysed;
    analysis.stats.skipped += s.stats.skipped;
    // every shard walks the whole tree, and leaves out the same entries
    analysis.stats.excluded = Math.max(analysis.stats.excluded, s.stats.excluded);
    const l = analysis.stats.leftOut;
    if (l && s.stats.leftOut) for (const k of Object.keys(l) as (keyof LeftOut)[]) l[k] = Math.max(l[k], s.stats.leftOut[k] ?? 0);
    else delete analysis.stats.leftOut; // a shard of a version that did not count them by why
  }
  // Shards read every binary in full; the merge keeps what one scan at their level would have.
  const level = docs[0].doc.shard!.evidence ?? 'boundary';
  analysis.facts = applyEvidenceLevel(analysis.facts, db, level);
  return finish(docs[0].doc.inputs, analysis, { db, ...options }, Date.now() - t0);
}
