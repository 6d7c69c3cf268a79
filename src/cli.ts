#!/usr/bin/env node
/** The `gplcheck` command. */
import { Command, InvalidArgumentError } from 'commander';
import { EVIDENCE_LEVELS, type EvidenceLevel } from './evidence';
import * as fs from 'fs';
import { importSymvers, listDatabases, loadDatabase } from '../kernel-symbols';
import { REPORTERS, type ScanResult } from '../reports';
import type { FileFacts } from '../analyzers/facts';
import { leftOutText } from '../reports/common';
import { createSourceAccess } from '../reports/sources';
import { SEVERITIES, type Severity } from '../rules/types';
import { CONFIG_FILE_NAME, loadConfig } from './config';
import { defaultCacheDir, scan } from './scan';
import { mergeShards } from './merge';
import { TOOL } from './version';
import { registerProvenanceCommands } from './commands/provenance';
import { registerKnowledgeCommands } from './commands/knowledge';
import { registerCacheCommands } from './commands/cache';
import { DEFAULT_MIN_TOKENS, loadProvenanceIndex } from '../kernel-symbols/provenance';
import {
  BaselineError,
  baselineSummary,
  compareWithBaseline,
  countedFindings,
  createBaseline,
  DEFAULT_BASELINE_FILE,
  pruneBaseline,
  readBaseline,
  writeBaseline,
  type BaselineFile,
} from './baseline';
import { OutputPlanError, OutputTokens, planOutputs, writeOutputs, type OutputSpec } from './outputs';
import { createProgress } from './progress';

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

function severityArg(v: string): Severity | 'none' {
  if (v === 'none' || (SEVERITIES as readonly string[]).includes(v)) return v as Severity | 'none';
  throw new InvalidArgumentError(`expected one of ${[...SEVERITIES, 'none'].join(', ')}`);
}

function evidenceLevel(v: string): EvidenceLevel {
  if (!(EVIDENCE_LEVELS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${EVIDENCE_LEVELS.join(', ')}`);
  return v as EvidenceLevel;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

function shardArg(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new InvalidArgumentError('expected i/n with 1 <= i <= n, e.g. 2/4');
  return { index, count };
}

function reaches(s: Severity, threshold: Severity | 'none'): boolean {
  if (threshold === 'none') return false;
  return SEVERITIES.indexOf(s) >= SEVERITIES.indexOf(threshold);
}

interface EmitOptions {
  specs: OutputSpec[];
  color?: boolean;
  failOn: Severity | 'none';
  quiet?: boolean;
  /** Raw facts of the scan, for the reports that show SPDX lines and includes. */
  facts?: readonly FileFacts[];
}

/** A usage problem found after parsing (bad output plan, unusable baseline): message, exit 2. */
class UsageError extends Error {}

function plan(tokens: OutputTokens, quiet: boolean | undefined): OutputSpec[] {
  try {
    return planOutputs(tokens.tokens, { quiet });
  } catch (e) {
    if (e instanceof OutputPlanError) throw new UsageError(e.message);
    throw e;
  }
}

/** Renders the reports, writes them, and sets the exit code. */
function emitResult(result: ScanResult, opts: EmitOptions): void {
  const colorStdout = opts.color !== false && process.stdout.isTTY === true && !process.env.NO_COLOR;
  writeOutputs(result, opts.specs, { colorStdout, sources: createSourceAccess(process.cwd()), ...(opts.facts ? { facts: opts.facts } : {}) });
  if (result.baseline && !opts.quiet) process.stderr.write(`gplcheck: ${baselineSummary(result.baseline)}\n`);
  if (result.stats.analysed === 0 && result.errors.length > 0) {
    process.stderr.write(`gplcheck: no input could be read (${result.errors.length} errors)\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  if (result.stats.files === 0 && result.stats.excluded > 0) {
    // e.g. Debian's linux-source tree, whose top .gitignore ends with `/*`: nothing was scanned
    process.stderr.write(
      `gplcheck: nothing to scan: every file and directory under ${result.inputs.join(' ')} was left out ` +
        `(${leftOutText(result.stats)})${result.stats.leftOut?.gitignore !== 0 ? '; --no-gitignore scans what .gitignore leaves out' : ''}\n`,
    );
    process.exitCode = EXIT_USAGE;
    return;
  }
  // With a baseline, accepted findings do not count.
  process.exitCode = countedFindings(result).some((f) => reaches(f.severity, opts.failOn)) ? EXIT_FINDINGS : EXIT_OK;
}

function readBaselineOrUsage(file: string, requireReasons: boolean): BaselineFile {
  try {
    return readBaseline(file, { requireReasons });
  } catch (e) {
    if (e instanceof BaselineError) throw new UsageError(e.message);
    throw e;
  }
}

const FORMATS = () => Object.keys(REPORTERS).join(', ');
/** Reports that read the raw facts (RenderOptions.facts). */
const FACT_FORMATS = new Set(['spdx', 'html', 'markdown']);

export function buildProgram(): Command {
  const program = new Command();
  // --format/--output in the order given, per command
  const scanOut = new OutputTokens();
  const mergeOut = new OutputTokens();
  program
    .name('gplcheck')
    .description('Licence-boundary analyser for code next to the Linux kernel: maps every call across the boundary to the kernel\'s exports and reports GPL-only use with evidence.')
    .version(TOOL.version)
    .showHelpAfterError()
    .exitOverride();

  program
    .command('scan')
    .description('scan files and directories (ELF objects recognised by content, C sources, Kbuild files)')
    .argument('<paths...>', 'files or directories, scanned recursively')
    .option('-f, --format <format>', `report format (${FORMATS()}; default text); repeat it for several reports`, scanOut.format)
    .option('-o, --output <file>', 'write the report of the --format before it to a file (default: standard output)', scanOut.output)
    .option('-q, --quiet', 'nothing on standard output (reports go to their --output files); only errors on standard error')
    .option('-b, --baseline <file>', 'accepted findings (from `gplcheck baseline`): report findings as new, accepted or stale; accepted ones do not count for --fail-on')
    .option('--prune', 'with --baseline: rewrite the baseline file without its stale entries')
    .option('-s, --symbols <db>', 'kernel symbol database: a name from `gplcheck symbols list` or a file path', '6.1')
    .option('-k, --kernel <version>', 'same as --symbols with a shipped kernel version (5.10, 6.1, 6.12)')
    .option('--fail-on <severity>', 'exit 1 when a finding reaches this severity (error, warning, info, none)', severityArg, 'error')
    .option('--no-color', 'never colour the text report')
    .option('-x, --exclude <glob>', 'leave out paths matching a glob (relative to the scanned directory; repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--no-gitignore', 'also scan what .gitignore files in the scanned directories leave out')
    .option('-j, --jobs <n>', 'analysis processes for C sources (default: every core)', positiveInt)
    .option(
      '--evidence <level>',
      'binaries read with every reference site: "boundary" (default: all but GPL-compatible modules no boundary path passes through, which are named by their symbol tables) or "all"',
      evidenceLevel,
    )
    .option('--cache-dir <dir>', 'where to keep the cache of per-file facts and of whole results (default: $XDG_CACHE_HOME/gplcheck)')
    .option('--no-cache', 'neither read nor write the cache')
    .option('--shard <i/n>', 'scan only slice i of n (for CI matrices); join the JSON reports with `gplcheck merge`', shardArg)
    .option('-c, --config <file>', `project settings (default: ${CONFIG_FILE_NAME} in the current directory, when there is one)`)
    .option('--provenance <index...>', 'find code copied from Linux: match C sources against these indices (`gplcheck provenance index`; put it after the paths)')
    .option('--provenance-min-tokens <n>', `smallest copied region reported, in normalised tokens (default ${DEFAULT_MIN_TOKENS})`, positiveInt)
    .option('--max-source-size <MiB>', 'C sources and Makefiles larger than this are reported, not parsed (default 8)', positiveInt)
    .option('--parse-timeout <ms>', 'a C file still parsing after this long is read lexically instead (default 3000)', positiveInt)
    .option('--max-decompressed-size <MiB>', 'a compressed module (.ko.xz/.ko.zst/.ko.gz) may decompress to at most this much (default 256)', positiveInt)
    .addHelpText(
      'after',
      `
Examples:
  $ gplcheck scan ./vmkernel
  $ gplcheck scan build/ --format json --output report.json
  $ gplcheck scan build/ --format sarif --output gplcheck.sarif --format html --output audit.html --format text
  $ gplcheck scan drivers/foo.ko --kernel 5.10 --fail-on warning
  $ gplcheck scan build/ --baseline gplcheck-baseline.json --quiet --format sarif --output gplcheck.sarif

Exit codes: 0 nothing reached --fail-on; 1 a finding did; 2 usage error or no input could be read.`,
    )
    .action(async (paths: string[], opts) => {
      const specs = plan(scanOut, opts.quiet);
      if (opts.prune && !opts.baseline) throw new UsageError('--prune needs --baseline FILE');
      // an unusable baseline is a usage error before any work
      const baseline = opts.baseline ? readBaselineOrUsage(opts.baseline, true) : undefined;
      const db = loadDatabase(opts.kernel ?? opts.symbols);
      const config = loadConfig(opts.config);
      const provenance = opts.provenance ? { indices: (opts.provenance as string[]).map(loadProvenanceIndex), minTokens: opts.provenanceMinTokens } : undefined;
      const progress = createProgress({ quiet: opts.quiet });
      // only these reports show SPDX lines and includes from the raw facts
      const needFacts = specs.some((s) => FACT_FORMATS.has(s.format));
      let out;
      try {
        out = await scan(paths, {
          db,
          config,
          needFacts,
          exclude: opts.exclude,
          gitignore: opts.gitignore,
          jobs: opts.jobs,
          evidence: opts.evidence,
          cache: opts.cache === false ? false : opts.cacheDir ?? defaultCacheDir(),
          shard: opts.shard,
          provenance,
          limits: {
            maxSourceBytes: opts.maxSourceSize !== undefined ? opts.maxSourceSize * 1024 * 1024 : undefined,
            parseTimeMs: opts.parseTimeout,
            maxDecompressedBytes: opts.maxDecompressedSize !== undefined ? opts.maxDecompressedSize * 1024 * 1024 : undefined,
          },
          command: `gplcheck ${process.argv.slice(2).join(' ')}`,
          onProgress: (done, total) => progress.update(done, total),
        });
      } finally {
        progress.stop();
      }
      const result = out.result;
      const facts = needFacts ? out.facts : undefined;
      if (baseline) {
        result.baseline = compareWithBaseline(result, baseline, opts.baseline);
        if (opts.prune && result.baseline.stale.length) {
          writeBaseline(opts.baseline, pruneBaseline(baseline, result.baseline));
          if (!opts.quiet) process.stderr.write(`gplcheck: pruned ${result.baseline.stale.length} stale entries from ${opts.baseline}\n`);
        }
      }
      emitResult(result, { specs, color: opts.color, failOn: opts.failOn, quiet: opts.quiet, facts });
    });

  const baselineCmd = program
    .command('baseline')
    .description('write the current findings to a baseline file; give each entry a reason, then scan with --baseline FILE')
    .argument('<paths...>', 'files or directories, scanned recursively')
    .option('-o, --output <file>', 'the baseline file; reasons already written in it are kept for findings still found', DEFAULT_BASELINE_FILE)
    .option('-s, --symbols <db>', 'kernel symbol database: a name from `gplcheck symbols list` or a file path', '6.1')
    .option('-k, --kernel <version>', 'same as --symbols with a shipped kernel version (5.10, 6.1, 6.12)')
    .option('-x, --exclude <glob>', 'leave out paths matching a glob (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--no-gitignore', 'also scan what .gitignore files in the scanned directories leave out')
    .option('-j, --jobs <n>', 'analysis processes for C sources (default: every core)', positiveInt)
    .option('--no-cache', 'neither read nor write the cache')
    .option('-c, --config <file>', `project settings (default: ${CONFIG_FILE_NAME} in the current directory, when there is one)`)
    .option('-q, --quiet', 'no progress and no summary on standard error');
  baselineCmd.addHelpText(
    'after',
    `
Example:
  $ gplcheck baseline build/ --output gplcheck-baseline.json
  (edit the file: write a "reason" for every entry)
  $ gplcheck scan build/ --baseline gplcheck-baseline.json          # fails only on new findings
  $ gplcheck scan build/ --baseline gplcheck-baseline.json --prune  # also drops stale entries`,
  );
  baselineCmd.action(async (paths: string[], opts) => {
    const previous = fs.existsSync(opts.output) ? readBaselineOrUsage(opts.output, false) : undefined;
    const db = loadDatabase(opts.kernel ?? opts.symbols);
    const progress = createProgress({ quiet: opts.quiet });
    let out;
    try {
      out = await scan(paths, {
        db,
        config: loadConfig(opts.config),
        exclude: opts.exclude,
        gitignore: opts.gitignore,
        jobs: opts.jobs,
        cache: opts.cache === false ? false : defaultCacheDir(),
        needFacts: false,
        command: `gplcheck ${process.argv.slice(2).join(' ')}`,
        onProgress: (done, total) => progress.update(done, total),
      });
    } finally {
      progress.stop();
    }
    const b = createBaseline(out.result, previous);
    writeBaseline(opts.output, b);
    if (!opts.quiet) {
      const kept = b.entries.filter((e) => e.reason !== '').length;
      const todo = b.entries.length - kept;
      process.stderr.write(
        `gplcheck: wrote ${b.entries.length} entr${b.entries.length === 1 ? 'y' : 'ies'} to ${opts.output}` +
          (previous ? ` (${kept} reason${kept === 1 ? '' : 's'} kept from the previous file)` : '') +
          (todo ? `; write a "reason" for ${todo === b.entries.length ? 'each' : `the ${todo} new`} entr${todo === 1 ? 'y' : 'ies'}, then scan with --baseline ${opts.output}` : '') +
          '\n',
      );
    }
    process.exitCode = out.result.stats.analysed === 0 && out.result.errors.length > 0 ? EXIT_USAGE : EXIT_OK;
  });

  program
    .command('merge')
    .description('join the JSON reports of `scan --shard i/n` runs into the report one scan of the whole tree gives')
    .argument('<reports...>', 'shard reports (JSON), one per slice')
    .option('-f, --format <format>', `report format (${FORMATS()}; default text); repeat it for several reports`, mergeOut.format)
    .option('-o, --output <file>', 'write the report of the --format before it to a file (default: standard output)', mergeOut.output)
    .option('-q, --quiet', 'nothing on standard output (reports go to their --output files)')
    .option('-s, --symbols <db>', 'kernel symbol database (default: the one the shards were scanned against)')
    .option('--fail-on <severity>', 'exit 1 when a finding reaches this severity (error, warning, info, none)', severityArg, 'error')
    .option('--no-color', 'never colour the text report')
    .addHelpText(
      'after',
      `
Example (a CI matrix of three jobs, then one that merges):
  $ gplcheck scan src/ --shard 1/3 --format json --output shard-1.json   # likewise 2/3 and 3/3
  $ gplcheck merge shard-1.json shard-2.json shard-3.json --format json --output report.json`,
    )
    .action((reports: string[], opts) => {
      const specs = plan(mergeOut, opts.quiet);
      const { result } = mergeShards(reports, opts.symbols ? loadDatabase(opts.symbols) : (name) => loadDatabase(name), { command: `gplcheck ${process.argv.slice(2).join(' ')}` });
      emitResult(result, { specs, color: opts.color, failOn: opts.failOn, quiet: opts.quiet });
    });

  registerProvenanceCommands(program);

  const symbols = program.command('symbols').description('manage kernel symbol databases');
  symbols
    .command('list')
    .description('list the installed kernel symbol databases')
    .action(() => {
      for (const m of listDatabases()) {
        const src = m.source.package ? `${m.source.package} ${m.source.packageVersion ?? ''}` : m.source.file ?? '';
        process.stdout.write(
          `${m.name.padEnd(10)} ${m.kernel.padEnd(22)} ${m.arch.padEnd(7)} ${String(m.counts.total).padStart(6)} exports ` +
            `(${m.counts.gpl} GPL-only)  ${src}\n`,
        );
      }
    });
  symbols
    .command('import')
    .description('import a Module.symvers as a named database')
    .argument('<Module.symvers>', 'path to a Module.symvers file')
    .requiredOption('--name <name>', 'name to use with --symbols')
    .option('--kernel <release>', 'kernel release it belongs to, e.g. 6.1.0-56-amd64')
    .option('--arch <arch>', 'architecture in Debian\'s naming (amd64, arm64, …); inferred from the release when omitted')
    .action((file: string, opts) => {
      const meta = importSymvers(file, { name: opts.name, kernel: opts.kernel, arch: opts.arch });
      process.stdout.write(`imported ${meta.counts.total} exports (${meta.counts.gpl} GPL-only) as '${meta.name}'\n`);
    });
  registerKnowledgeCommands(program);
  registerCacheCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (err && typeof err.code === 'string' && err.code.startsWith('commander.')) {
      // help and version are not errors
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      return EXIT_USAGE;
    }
    process.stderr.write(`gplcheck: ${err && err.message ? err.message : String(e)}\n`);
    return EXIT_USAGE;
  }
}

if (require.main === module) {
  // A reader that stops early (`gplcheck scan … | head`) is not an error of ours.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
