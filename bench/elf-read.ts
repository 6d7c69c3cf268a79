/**
 * Benchmark: the ELF reader and analyser over every module of Debian's
 * linux-image-<abi>-amd64-unsigned (4,023 .ko in 6.1.0-56, 391 MB).
 * Reports, for one process with the files already in memory (median of N runs):
 *   - symbols: readElf + .symtab decode + the undefined symbols' names (the domain floor for a
 *     plain script reading the symbol tables is 1.1-1.8 s including file reads),
 *   - module sections: + .modinfo, __versions, exports,
 *   - analyse: analyzeElf (all of the above + every relocation, import sites, internal refs),
 * and the time to read the files from the page cache.
 *   node dist/bench/elf-read.js [--runs N]
 */
import * as fs from 'fs';
import { readElf } from '../elf';
import { analyzeElf } from '../analyzers/elf';
import { debianModuleTree } from '../kernel-symbols';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export interface ElfReadResult {
  files: number;
  megabytes: number;
  readFilesMs: number;
  symbolsMs: number;
  moduleSectionsMs: number;
  analyzeMs: number;
  relocations: number;
  importSites: number;
}

export function run(runs = 3): ElfReadResult {
  const files = debianModuleTree().modules;
  let bufs: Buffer[] = [];
  const readFilesMs = time(() => {
    bufs = files.map((f) => fs.readFileSync(f));
  });
  let relocations = 0;
  let importSites = 0;
  const sym: number[] = [];
  const mod: number[] = [];
  const all: number[] = [];
  for (let r = 0; r < runs; r++) {
    sym.push(time(() => {
      for (let i = 0; i < files.length; i++) {
        const st = readElf(files[i], bufs[i]).symbols();
        if (st) for (let j = 1; j < st.count; j++) if (!st.isDefined(j)) st.name(j);
      }
    }));
    mod.push(time(() => {
      for (let i = 0; i < files.length; i++) {
        const f = readElf(files[i], bufs[i]);
        const st = f.symbols();
        if (st) for (let j = 1; j < st.count; j++) if (!st.isDefined(j)) st.name(j);
        f.modinfo();
        f.versions();
        f.kernelExports();
      }
    }));
    relocations = 0;
    importSites = 0;
    all.push(time(() => {
      for (let i = 0; i < files.length; i++) {
        const facts = analyzeElf(files[i], bufs[i]);
        for (const imp of facts.imports) importSites += imp.sites.length;
      }
    }));
    for (let i = 0; i < files.length; i++) {
      const f = readElf(files[i], bufs[i]);
      for (const s of f.relocationSections()) relocations += f.relocations(s)?.count ?? 0;
    }
  }
  return {
    files: files.length,
    megabytes: bufs.reduce((n, b) => n + b.length, 0) / 1e6,
    readFilesMs,
    symbolsMs: median(sym),
    moduleSectionsMs: median(mod),
    analyzeMs: median(all),
    relocations,
    importSites,
  };
}

if (require.main === module) {
  const i = process.argv.indexOf('--runs');
  const runs = i >= 0 ? Number(process.argv[i + 1]) : 3;
  const r = run(runs);
  console.log(
    `elf: ${r.files} Debian modules (${r.megabytes.toFixed(0)} MB): read files ${r.readFilesMs.toFixed(0)} ms; ` +
      `symbol tables ${r.symbolsMs.toFixed(0)} ms; + modinfo/versions/exports ${r.moduleSectionsMs.toFixed(0)} ms; ` +
      `analyzeElf ${r.analyzeMs.toFixed(0)} ms (${r.relocations} relocations, ${r.importSites} import sites); median of ${runs}; ` +
      'goal: all modules in 1-2 s',
  );
}
