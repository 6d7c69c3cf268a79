/**
 * `npm run bench`: every benchmark in one run, printed as plain lines for the README.
 * Run after `npm run build`. Heavy inputs (Debian packages) are fetched through
 * test/setup/debian.sh and cached in .cache/. `--tree-limit N` scans only the first N files of
 * the Linux tree (a quick look); without it the whole tree is read.
 */
import * as os from 'os';
import { run as cAnalyzer } from './c-analyzer';
import { run as kernelSymbolsLoad } from './kernel-symbols-load';
import { run as modules } from './modules';
import { run as knowledge } from './knowledge';
import { run as linuxTree } from './linux-tree';
import { run as provenance } from './provenance';
import { run as cache } from './cache';

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`machine: ${cpus.length} x ${cpus[0]?.model ?? 'unknown cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const k = kernelSymbolsLoad('6.1', 7);
  console.log(
    `kernel-symbols: load '${k.db}' (${k.exports} exports) cold ${k.coldMedianMs.toFixed(1)} ms (fresh process, median of 7), ` +
      `warm ${k.warmMedianMs.toFixed(1)} ms; goal < 100 ms`,
  );
  for (const line of await modules(3)) console.log(line);
  for (const line of await cAnalyzer()) console.log(line);
  for (const line of await knowledge(process.argv.includes('--treesitter'))) console.log(line);
  // the whole Linux tree: floor, bare parse, cold and cached scans (about 15 minutes on 2 cores)
  const limit = process.argv.indexOf('--tree-limit');
  for (const line of await linuxTree(limit > 0 ? Number(process.argv[limit + 1]) : Infinity)) console.log(line);
  // cold against cached re-scans on drivers/net/ethernet, through the library and the command
  for (const line of await cache()) console.log(line);
  for (const line of await provenance([])) console.log(line);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
