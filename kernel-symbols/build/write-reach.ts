/**
 * Writes one shipped inline/macro reach table from the headers of a Debian
 * linux-headers-<abi>-common package and the shipped export database of the same kernel.
 * Called by build-databases.sh (after compiling with build/tsconfig.json; run node with
 * --expose-gc so parse trees are freed as it goes):
 *   node --expose-gc dist/kernel-symbols/build/write-reach.js --headers DIR --db FILE
 *     [--config AUTOCONF_H --config-root DIR --config-package PKG]
 *     [--package PKG --package-version VER --suite S] --out FILE
 * `--headers` is the directory holding `include/` and `arch/x86/include/`; `--config` the
 * kernel's include/generated/autoconf.h (recorded relative to `--config-root`).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { loadDatabase } from '../database';
import { encodeReach } from '../reach';
import { buildReach } from './inline-reach';
import { parseAutoconf } from './kconfig';
import { keyValueArgs } from './args';

async function main(): Promise<void> {
  const a = keyValueArgs(process.argv.slice(2));
  for (const k of ['headers', 'db', 'out']) if (!a[k]) throw new Error(`missing --${k}`);
  const t0 = Date.now();
  const db = loadDatabase(a.db, { cache: false });
  let config: ReturnType<typeof parseAutoconf> | undefined;
  let configMeta: { package?: string; file: string; sha256: string; options: number } | undefined;
  if (a.config) {
    const bytes = fs.readFileSync(a.config);
    config = parseAutoconf(bytes.toString('utf8'));
    if (config.size === 0) throw new Error(`${a.config}: no CONFIG_ options`);
    configMeta = {
      ...(a['config-package'] ? { package: a['config-package'] } : {}),
      file: a['config-root'] ? path.relative(a['config-root'], a.config) : path.basename(a.config),
      sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
      options: config.size,
    };
  }
  const built = await buildReach({
    root: a.headers,
    isExport: (n) => db.lookup(n) !== undefined,
    config,
    meta: {
      name: db.meta.name,
      version: db.meta.version,
      kernel: db.meta.kernel,
      source: {
        package: a.package || undefined,
        packageVersion: a['package-version'] || undefined,
        suite: a.suite || undefined,
        databaseSha256: crypto.createHash('sha256').update(fs.readFileSync(a.db)).digest('hex'),
        ...(configMeta ? { config: configMeta } : {}),
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
