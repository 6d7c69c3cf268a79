/**
 * `gplcheck provenance ...`: build the index of a Linux source tree that `gplcheck scan
 * --provenance INDEX` matches scanned sources against.
 */
import { InvalidArgumentError, type Command } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_WINNOW, guaranteeThreshold } from '../../analyzers/provenance';
import { buildProvenanceIndex, DEFAULT_COMMON_FILES } from '../../kernel-symbols/provenance';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected an integer >= 0');
  return n;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export function registerProvenanceCommands(program: Command): void {
  const prov = program.command('provenance').description('find code copied from Linux: index a kernel source tree for `scan --provenance`');
  prov
    .command('index')
    .description('fingerprint every .c/.h file of a Linux source tree into an index file')
    .argument('<linux-src>', 'top directory of a kernel source tree')
    .requiredOption('--out <file>', 'index file to write (conventionally NAME.provindex)')
    .option('--name <name>', 'index name shown in reports (default: linux-<version from the Makefile>)')
    .option('--source-label <text>', 'where the tree came from, e.g. "Debian linux-source-6.1 6.1.192-2"')
    .option('--only <paths...>', 'index only these sub-paths of the tree (e.g. lib include/linux)')
    .option('-j, --jobs <n>', 'worker threads (0: none; default: all cores)', nonNegativeInt)
    .option('--kgram <k>', `k-gram length in tokens (default ${DEFAULT_WINNOW.k})`, positiveInt)
    .option('--window <w>', `winnowing window in k-grams (default ${DEFAULT_WINNOW.w})`, positiveInt)
    .option('--common-files <n>', `a fingerprint in more files than this is boilerplate (default ${DEFAULT_COMMON_FILES})`, positiveInt)
    .option('-q, --quiet', 'no progress or summary on standard error')
    .addHelpText(
      'after',
      `
Examples:
  $ gplcheck provenance index /usr/src/linux-source-6.1 --out linux-6.1.provindex
  $ gplcheck scan ./vmkernel --provenance linux-6.1.provindex`,
    )
    .action(async (src: string, opts) => {
      const winnow = { k: opts.kgram ?? DEFAULT_WINNOW.k, w: opts.window ?? DEFAULT_WINNOW.w };
      const tty = !opts.quiet && process.stderr.isTTY === true;
      let last = 0;
      const r = await buildProvenanceIndex(src, {
        name: opts.name,
        sourceLabel: opts.sourceLabel,
        only: opts.only,
        threads: opts.jobs,
        winnow,
        commonFiles: opts.commonFiles,
        onProgress: tty
          ? (done, total) => {
              const now = Date.now();
              if (now - last < 200 && done < total) return;
              last = now;
              process.stderr.write(`\rindexing ${done}/${total} files`);
            }
          : undefined,
      });
      fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
      const tmp = `${opts.out}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, r.bytes);
      fs.renameSync(tmp, opts.out);
      if (tty) process.stderr.write('\n');
      for (const e of r.errors) process.stderr.write(`gplcheck: ${e.path}: ${e.message}\n`);
      if (!opts.quiet) {
        const c = r.header.counts;
        process.stderr.write(
          `${r.header.name}: ${c.files} files, ${mb(c.bytes)}, ${c.tokens} tokens -> ${c.postings} fingerprints ` +
            `(${c.common} common left out; k=${winnow.k}, w=${winnow.w}, guaranteed from ${guaranteeThreshold(winnow)} tokens); ` +
            `${mb(r.bytes.length)} written to ${opts.out} in ${(r.ms / 1000).toFixed(1)} s\n`,
        );
      }
    });
}
