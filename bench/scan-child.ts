/**
 * Child process for benchmarks: one scan, then its time, counts and peak RSS (of this process
 * only, see ownPeakRss, in MB of 10^6 bytes; bench/process-tree.ts measures it with its analysis processes) as a
 * JSON line on stdout.
 *   node dist/bench/scan-child.js DIR [--jobs N] [--cache DIR] [--facts] [--other-settings] [--report FORMAT]
 * Without --facts the scan is told that its facts are not used (as the CLI does for the text
 * report), so a result from the result cache is returned without analysing any file.
 * --other-settings: a rule setting other than the default, as a changed configuration gives
 * (a stored result of the default settings does not serve; the per-file facts cache does).
 * --report FORMAT: the report written to /dev/null after the scan, within the time measured
 * (the JSON report reads every unit's imports and the whole graph).
 */
import * as fs from 'fs';
import { loadDatabase } from '../kernel-symbols';
import { REPORTERS } from '../reports';
import { scan } from '../src/scan';

/**
 * This process's own peak RSS in bytes: VmHWM, the high-water mark of its address space, which
 * starts anew at exec. getrusage's maxRSS is not its own: Linux carries the forking process's
 * high-water mark over into the child, so a scan started by a bench that had grown to 850 MB
 * reported 850 MB whatever it used. Elsewhere (no /proc), maxRSS.
 */
function ownPeakRss(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const dir = args[0];
  const t0 = process.hrtime.bigint();
  const db = loadDatabase('6.1');
  const { result } = await scan([dir], {
    db,
    jobs: opt('--jobs') ? Number(opt('--jobs')) : undefined,
    cache: opt('--cache') ?? false,
    gitignore: false,
    needFacts: args.includes('--facts'),
    ...(args.includes('--other-settings') ? { rules: { 'gpl-only-symbol': 'warning' as const } } : {}),
  });
  const format = opt('--report');
  if (format) {
    const reporter = REPORTERS[format];
    if (!reporter) throw new Error(`no report format ${format}`);
    const fd = fs.openSync('/dev/null', 'w');
    try {
      if (reporter.write) reporter.write(result, {}, (chunk) => fs.writeSync(fd, chunk));
      else fs.writeSync(fd, reporter.render(result, {}));
    } finally {
      fs.closeSync(fd);
    }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(
    JSON.stringify({
      ms,
      files: result.stats.files,
      analysed: result.stats.analysed,
      bytes: result.stats.bytes,
      units: result.units.length,
      findings: result.findings.length,
      errors: result.errors.length,
      warnings: result.warnings.length,
      maxRssMB: ownPeakRss() / 1e6,
    }) + '\n',
  );
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
