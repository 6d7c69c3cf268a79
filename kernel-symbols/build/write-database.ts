/**
 * Writes one shipped database from a Module.symvers unpacked from a Debian package.
 * Called by build-databases.sh (after compiling with build/tsconfig.json):
 *   node dist/kernel-symbols/build/write-database.js --symvers FILE --root DIR --name 6.1
 *     --kernel 6.1.0-56-amd64 --package PKG --package-version VER [--suite S] [--arch amd64] --out FILE
 * `--root` is the directory the package was unpacked into; the recorded path is relative to it,
 * so no machine path ends up in the database.
 */
import * as path from 'path';
import { createDatabase, writeDatabaseFile } from '../database';
import { keyValueArgs } from './args';

function main(): void {
  const a = keyValueArgs(process.argv.slice(2));
  for (const k of ['symvers', 'root', 'name', 'kernel', 'package', 'package-version', 'out']) {
    if (!a[k]) throw new Error(`missing --${k}`);
  }
  const { meta, exports } = createDatabase(a.symvers, {
    name: a.name,
    kernel: a.kernel,
    arch: a.arch ?? 'amd64',
    debian: { package: a.package, packageVersion: a['package-version'], suite: a.suite || undefined },
    recordedFile: path.relative(a.root, a.symvers),
  });
  writeDatabaseFile(a.out, meta, exports);
  const c = meta.counts;
  console.log(
    `${meta.name}: ${meta.kernel} from ${a.package} ${a['package-version']}${a.suite ? ` (${a.suite})` : ''}: ` +
      `${c.total} exports (${c.gpl} GPL-only, ${c.plain} plain, ${c.namespaced} namespaced in ${c.namespaces} namespaces, ` +
      `${c.vmlinux} from vmlinux, ${c.modules} modules) -> ${path.relative(process.cwd(), a.out)}`,
  );
}

try {
  main();
} catch (err) {
  console.error(`write-database: ${(err as Error).message}`);
  process.exit(1);
}
