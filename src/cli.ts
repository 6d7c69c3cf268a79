#!/usr/bin/env node
/** The `gplcheck` command. */
import { Command, InvalidArgumentError, Option } from 'commander';
import * as fs from 'fs';
import { importSymvers, listDatabases, loadDatabase } from '../kernel-symbols';
import { REPORTERS, type ScanResult } from '../reports';
import { SEVERITIES, type Severity } from '../rules/types';
import { CONFIG_FILE_NAME, loadConfig } from './config';
import { defaultCacheDir, scan } from './scan';
import { mergeShards } from './merge';
import { TOOL } from './version';

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

function severityArg(v: string): Severity | 'none' {
  if (v === 'none' || (SEVERITIES as readonly string[]).includes(v)) return v as Severity | 'none';
  throw new InvalidArgumentError(`expected one of ${[...SEVERITIES, 'none'].join(', ')}`);
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
  format: string;
  output?: string;
  color?: boolean;
  failOn: Severity | 'none';
}

/** Renders the report, writes it, and sets the exit code. */
function emitResult(result: ScanResult, opts: EmitOptions): void {
  const reporter = REPORTERS[opts.format];
  const toFile = typeof opts.output === 'string';
  const color = opts.color !== false && !toFile && process.stdout.isTTY === true && !process.env.NO_COLOR;
  const text = reporter.render(result, { color });
  if (toFile) fs.writeFileSync(opts.output!, text);
  else process.stdout.write(text);
  if (result.stats.analysed === 0 && result.errors.length > 0) {
    process.stderr.write(`gplcheck: no input could be read (${result.errors.length} errors)\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  process.exitCode = result.findings.some((f) => reaches(f.severity, opts.failOn)) ? EXIT_FINDINGS : EXIT_OK;
}

export function buildProgram(): Command {
  const program = new Command();
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
    .addOption(new Option('-f, --format <format>', 'report format').choices(Object.keys(REPORTERS)).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('-s, --symbols <db>', 'kernel symbol database: a name from `gplcheck symbols list` or a file path', '6.1')
    .option('-k, --kernel <version>', 'same as --symbols with a shipped kernel version (5.10, 6.1, 6.12)')
    .option('--fail-on <severity>', 'exit 1 when a finding reaches this severity (error, warning, info, none)', severityArg, 'error')
    .option('--no-color', 'never colour the text report')
    .option('-x, --exclude <glob>', 'leave out paths matching a glob (relative to the scanned directory; repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--no-gitignore', 'also scan what .gitignore files in the scanned directories leave out')
    .option('-j, --jobs <n>', 'worker threads for C analysis (default: every core)', positiveInt)
    .option('--cache-dir <dir>', 'where to keep the facts cache (default: $XDG_CACHE_HOME/gplcheck)')
    .option('--no-cache', 'neither read nor write the facts cache')
    .option('--shard <i/n>', 'scan only slice i of n (for CI matrices); join the JSON reports with `gplcheck merge`', shardArg)
    .option('-c, --config <file>', `project settings (default: ${CONFIG_FILE_NAME} in the current directory, when there is one)`)
    .addHelpText(
      'after',
      `
Examples:
  $ gplcheck scan ./vmkernel
  $ gplcheck scan build/ --format json --output report.json
  $ gplcheck scan drivers/foo.ko --kernel 5.10 --fail-on warning

Exit codes: 0 nothing reached --fail-on; 1 a finding did; 2 usage error or no input could be read.`,
    )
    .action(async (paths: string[], opts) => {
      const db = loadDatabase(opts.kernel ?? opts.symbols);
      const config = loadConfig(opts.config);
      const { result } = await scan(paths, {
        db,
        config,
        exclude: opts.exclude,
        gitignore: opts.gitignore,
        jobs: opts.jobs,
        cache: opts.cache === false ? false : opts.cacheDir ?? defaultCacheDir(),
        shard: opts.shard,
        command: `gplcheck ${process.argv.slice(2).join(' ')}` });
      emitResult(result, opts);
    });

  program
    .command('merge')
    .description('join the JSON reports of `scan --shard i/n` runs into the report one scan of the whole tree gives')
    .argument('<reports...>', 'shard reports (JSON), one per slice')
    .addOption(new Option('-f, --format <format>', 'report format').choices(Object.keys(REPORTERS)).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
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
      const { result } = mergeShards(reports, opts.symbols ? loadDatabase(opts.symbols) : (name) => loadDatabase(name), { command: `gplcheck ${process.argv.slice(2).join(' ')}` });
      emitResult(result, opts);
    });

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
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
