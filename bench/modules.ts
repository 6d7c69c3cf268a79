/**
 * Benchmark: gplcheck's scan of every module of Debian's linux-image-<abi>-amd64-unsigned,
 * beside a plain single-process pass over the same symbol tables (read each file, walk its
 * ELF64 section headers to .symtab/.strtab, look every undefined symbol up in a Map built
 * from Module.symvers). Goal: gplcheck no slower than the plain pass.
 *   node dist/bench/modules.js [--runs N]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { debianModuleTree, loadDatabase } from '../kernel-symbols';
import { scan } from '../src/scan';

/** The plain pass: what a short script does, with no error handling and no evidence. */
export function plainPass(files: string[], symvers: string): { gplImports: number; ms: number } {
  const t0 = process.hrtime.bigint();
  const gpl = new Map<string, boolean>();
  for (const line of fs.readFileSync(symvers, 'utf8').split('\n')) {
    const c = line.split('\t');
    if (c.length >= 4) gpl.set(c[1], c[3] === 'EXPORT_SYMBOL_GPL');
  }
  let gplImports = 0;
  for (const f of files) {
    const b = fs.readFileSync(f);
    const shoff = Number(b.readBigUInt64LE(0x28));
    const shentsize = b.readUInt16LE(0x3a);
    const shnum = b.readUInt16LE(0x3c);
    for (let i = 0; i < shnum; i++) {
      const sh = shoff + i * shentsize;
      if (b.readUInt32LE(sh + 4) !== 2) continue; // SHT_SYMTAB
      const off = Number(b.readBigUInt64LE(sh + 0x18));
      const size = Number(b.readBigUInt64LE(sh + 0x20));
      const link = b.readUInt32LE(sh + 0x28);
      const strOff = Number(b.readBigUInt64LE(shoff + link * shentsize + 0x18));
      for (let s = off + 24; s < off + size; s += 24) {
        if (b.readUInt16LE(s + 6) !== 0) continue; // SHN_UNDEF only
        const nameOff = strOff + b.readUInt32LE(s);
        const name = b.toString('latin1', nameOff, b.indexOf(0, nameOff));
        if (gpl.get(name)) gplImports++;
      }
    }
  }
  return { gplImports, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

export async function run(runs = 3): Promise<string[]> {
  const { abi, dir, symvers, modules: files } = debianModuleTree();
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const db = loadDatabase('6.1');
  const plain: number[] = [];
  const ours: number[] = [];
  const full: number[] = [];
  let plainGpl = 0;
  let ourGpl = 0;
  let fullGpl = 0;
  const gplImports = (r: Awaited<ReturnType<typeof scan>>['result']) => r.units.reduce((n, u) => n + u.imports.filter((x) => x.exportType === 'gpl').length, 0);
  for (let i = 0; i < runs; i++) {
    const p = plainPass(files, symvers);
    plain.push(p.ms);
    plainGpl = p.gplImports;
    let t0 = process.hrtime.bigint();
    ourGpl = gplImports((await scan([dir], { db })).result);
    ours.push(Number(process.hrtime.bigint() - t0) / 1e6);
    t0 = process.hrtime.bigint();
    fullGpl = gplImports((await scan([dir], { db, evidence: 'all' })).result);
    full.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  // the same modules re-scanned from the result cache, as the command does (needFacts: false)
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-bench-modules-'));
  const cached: number[] = [];
  let cachedGpl = 0;
  try {
    await scan([dir], { db, cache: cacheDir, needFacts: false });
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      cachedGpl = gplImports((await scan([dir], { db, cache: cacheDir, needFacts: false })).result);
      cached.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
  const best = (xs: number[]) => Math.min(...xs);
  const mb = bytes / 1e6;
  return [
    `modules: ${files.length} .ko files, ${mb.toFixed(0)} MB (Debian linux-image-${abi}-amd64-unsigned), best of ${runs}`,
    `  plain single-process symbol-table pass: ${best(plain).toFixed(0)} ms (${plainGpl} GPL-only imports)`,
    `  gplcheck scan (facts, links, rules, graph; default --evidence boundary): ${best(ours).toFixed(0)} ms (${ourGpl} GPL-only imports), ` +
      `${(best(ours) / best(plain)).toFixed(2)}x the plain pass`,
    `  gplcheck scan --evidence all (every relocation site of every module): ${best(full).toFixed(0)} ms (${fullGpl} GPL-only imports), ` +
      `${(best(full) / best(plain)).toFixed(2)}x the plain pass`,
    `  gplcheck re-scan of the unchanged modules from the result cache: ${best(cached).toFixed(0)} ms (${cachedGpl} GPL-only imports), ` +
      `${(best(cached) / best(plain)).toFixed(2)}x the plain pass`,
  ];
}

if (require.main === module) {
  const i = process.argv.indexOf('--runs');
  run(i > 0 ? Number(process.argv[i + 1]) : 3).then((lines) => console.log(lines.join('\n')));
}
