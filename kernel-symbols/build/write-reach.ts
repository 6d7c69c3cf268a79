/**
 * Writes one shipped inline/macro reach table from the headers of a Debian
 * linux-headers-<abi>-common package and the shipped export database of the same kernel.
 * Called by build-databases.sh (after compiling with build/tsconfig.json; run node with
 * --expose-gc so parse trees are freed as it goes):
 *   node --expose-gc dist/kernel-symbols/build/write-reach.js --headers DIR --db FILE
 *     [--package PKG --package-version VER --suite S] --out FILE
 * `--headers` is the directory holding `include/` and `arch/x86/include/`.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { loadDatabase } from '../database';
import { encodeReach } from '../reach';
import { buildReach } from './inline-reach';

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${a}`);
    out[a.slice(2)] = argv[++i];
  }
  return out;
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  for (const k of ['headers', 'db', 'out']) if (!a[k]) throw new Error(`missing --${k}`);
  const t0 = Date.now();
  const db = loadDatabase(a.db, { cache: false });
  const built = await buildReach({
    root: a.headers,
    isExport: (n) => db.lookup(n) !== undefined,
    meta: {
      name: db.meta.name,
      version: db.meta.version,
      kernel: db.meta.kernel,
      source: {
        package: a.package || undefined,
        packageVersion: a['package-version'] || undefined,
        suite: a.suite || undefined,
        databaseSha256: crypto.createHash('sha256').update(fs.readFileSync(a.db)).digest('hex'),
      },
    },
  });
  const data = encodeReach(built.meta, built.body);
  fs.writeFileSync(a.out, data);
  const c = built.meta.counts;
  console.log(
    `${built.meta.name}: ${c.headers} headers, ${c.definitions} inline functions and function-like macros, ` +
      `${c.nodes} reach ${c.exportsReached} exports (${c.pairs} pairs) -> ${path.relative(process.cwd(), a.out)} ` +
      `(${(data.length / 1024).toFixed(0)} KB, ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
}

main().catch((err) => {
  console.error(`write-reach: ${(err as Error).message}`);
  process.exit(1);
});
