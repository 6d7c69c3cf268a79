/**
 * Commands over the cache directory (src/cache-admin.ts):
 *   gplcheck cache info [--cache-dir DIR] [--json]
 *   gplcheck cache prune [--cache-dir DIR] [--max-size MiB] [--older-than DAYS] [--json]
 */
import { InvalidArgumentError, type Command } from 'commander';
import { cacheContents, pruneCache } from '../cache-admin';
import { defaultCacheDir } from '../cache';

const MiB = 1024 * 1024;
const DAY_MS = 86_400_000;

function nonNegative(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of at least 0');
  return n;
}

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
const entries = (n: number): string => `${n} entr${n === 1 ? 'y' : 'ies'}`;
const files = (n: number): string => `${n} file${n === 1 ? '' : 's'}`;
const filesOrDirs = (n: number): string => `${n} file${n === 1 ? '' : 's'} or director${n === 1 ? 'y' : 'ies'}`;

export function registerCacheCommands(program: Command): void {
  const cache = program.command('cache').description('the cache of per-file facts and whole results: what it holds, and pruning it');
  cache
    .command('info')
    .description('what the cache directory holds, and how much')
    .option('--cache-dir <dir>', 'the cache directory (default: $XDG_CACHE_HOME/gplcheck)')
    .option('--json', 'print the figures as JSON')
    .action((opts) => {
      const dir = opts.cacheDir ?? defaultCacheDir();
      const c = cacheContents(dir);
      const sum = (kind: 'facts' | 'result') => {
        const list = c.entries.filter((e) => e.kind === kind);
        const used = list.map((e) => e.usedMs);
        return {
          entries: list.length,
          bytes: list.reduce((n, e) => n + e.bytes, 0),
          ...(used.length ? { lastUsed: new Date(Math.max(...used)).toISOString(), leastRecentlyUsed: new Date(Math.min(...used)).toISOString() } : {}),
        };
      };
      const figures = {
        dir,
        facts: sum('facts'),
        results: sum('result'),
        leftovers: { files: c.leftovers.length, bytes: c.leftovers.reduce((n, l) => n + l.bytes, 0) },
        other: c.other,
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
        return;
      }
      const line = (what: string, f: { entries: number; bytes: number; lastUsed?: string; leastRecentlyUsed?: string }) =>
        `${what}: ${entries(f.entries)}, ${mib(f.bytes)}${f.lastUsed ? `; used last ${f.lastUsed}, least recently ${f.leastRecentlyUsed}` : ''}\n`;
      process.stdout.write(
        `cache directory: ${dir}\n` +
          line('facts per file', figures.facts) +
          line('whole results', figures.results) +
          (figures.leftovers.files ? `unfinished writes: ${files(figures.leftovers.files)}, ${mib(figures.leftovers.bytes)}\n` : '') +
          (c.other.files ? `not the cache's (left alone): ${filesOrDirs(c.other.files)}\n` : ''),
      );
    });
  cache
    .command('prune')
    .description('remove the entries unused longest: those not used for --older-than days, then as many as --max-size asks')
    .option('--cache-dir <dir>', 'the cache directory (default: $XDG_CACHE_HOME/gplcheck)')
    .option('--max-size <MiB>', 'keep at most this much, removing the entries unused longest', nonNegative)
    .option('--older-than <days>', 'remove the entries not used for this many days', nonNegative)
    .option('--json', 'print what was removed and kept as JSON')
    .addHelpText(
      'after',
      `
An entry is used when a scan writes or reads it. Only the cache's own files are removed; other
files in the directory are left alone, and unfinished writes only once an hour old.

Example (a CI job that keeps its cache between runs):
  $ gplcheck scan src/ --cache-dir .gplcheck-cache
  $ gplcheck cache prune --cache-dir .gplcheck-cache --older-than 14 --max-size 2048`,
    )
    .action((opts) => {
      if (opts.maxSize === undefined && opts.olderThan === undefined) throw new Error('cache prune: give --max-size, --older-than or both');
      const dir = opts.cacheDir ?? defaultCacheDir();
      const r = pruneCache(dir, {
        ...(opts.maxSize !== undefined ? { maxBytes: opts.maxSize * MiB } : {}),
        ...(opts.olderThan !== undefined ? { olderThanMs: opts.olderThan * DAY_MS } : {}),
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ dir, ...r }, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `${dir}: removed ${entries(r.removed.entries)} (${mib(r.removed.bytes)}), kept ${entries(r.kept.entries)} (${mib(r.kept.bytes)})` +
          (r.leftovers.files ? `; removed ${files(r.leftovers.files)} of unfinished writes (${mib(r.leftovers.bytes)})` : '') +
          (r.other.files ? `; left alone ${filesOrDirs(r.other.files)} not the cache's` : '') +
          '\n',
      );
    });
}
