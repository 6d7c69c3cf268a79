/**
 * Commands over the kernel knowledge base:
 *   gplcheck explain SYMBOL [--kernel V] [--index FILE] [--json]
 *   gplcheck symbols index <linux-src> --out FILE [--only DIR...]
 */
import type { Command } from 'commander';
import * as fs from 'fs';
import { KnowledgeBase } from '../../kernel-symbols/history';
import { explain, renderExplain } from '../../kernel-symbols/explain';
import { buildSourceIndex, loadSourceIndex, writeSourceIndex } from '../../kernel-symbols/source-index';

export function registerKnowledgeCommands(program: Command): void {
  program
    .command('explain')
    .description('what the knowledge base knows about a symbol: export type in every kernel, history, export site, declaring headers and their licences, the header inline functions and macros that reach it')
    .argument('<symbol>', 'an exported symbol, or a static inline function / function-like macro of the kernel headers')
    .option('-k, --kernel <version>', 'the kernel to focus on (a name from `gplcheck symbols list`)', '6.1')
    .option('--index <file>', 'a source index from `gplcheck symbols index`, for export sites and declaring headers')
    .option('--limit <n>', 'list at most this many reaching inline functions and macros', (v) => Number(v), 20)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ gplcheck explain task_work_add
  $ gplcheck explain devm_kmalloc --kernel 6.12
  $ gplcheck explain kzalloc --index linux-6.1.srcindex.gz

Exit codes: 0 the name is known; 1 no kernel exports it and no header inline or macro of that name reaches an export; 2 usage error.`,
    )
    .action((symbol: string, opts) => {
      const index = opts.index ? loadSourceIndex(opts.index) : undefined;
      const result = explain(symbol, { kernel: opts.kernel, knowledge: KnowledgeBase.load(), index });
      process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderExplain(result, opts.limit));
      process.exitCode = result.unknown ? 1 : 0;
    });

  const symbols = program.commands.find((c) => c.name() === 'symbols') ?? program.command('symbols').description('manage kernel symbol databases');
  symbols
    .command('index')
    .description('index a Linux source tree: every EXPORT_SYMBOL* site (file:line), every header\'s SPDX licence (UAPI and syscall note marked), the headers declaring each export')
    .argument('<linux-src>', 'top directory of a kernel source tree')
    .requiredOption('--out <file>', 'index file to write (gzip JSON; use with `gplcheck explain --index`)')
    .option('--only <dirs...>', 'scan only these top-level directories for exports (e.g. kernel include); headers are always read')
    .option('--exclude <dirs...>', 'top-level directories left out of the export scan (default: Documentation tools scripts usr .git)')
    .action((root: string, opts) => {
      const t0 = Date.now();
      if (!fs.existsSync(root)) throw new Error(`${root}: no such directory`);
      const built = buildSourceIndex(root, { only: opts.only, exclude: opts.exclude });
      const bytes = writeSourceIndex(opts.out, built);
      const c = built.meta.counts;
      process.stdout.write(
        `${built.meta.tree}${built.meta.kernelVersion ? ` (${built.meta.kernelVersion})` : ''}: ` +
          `${c.exportSites} export sites of ${c.exportedNames} names in ${c.filesScanned} files; ` +
          `${c.headers} headers (${c.headersWithSpdx} with SPDX, ${c.uapiHeaders} UAPI, ${c.syscallNoteHeaders} with the syscall note), ` +
          `${c.declarations} declarations -> ${opts.out} (${(bytes / 1024).toFixed(0)} KB, ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
      );
    });
}
