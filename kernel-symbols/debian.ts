/**
 * Getting back the real Module.symvers a shipped database was built from: downloads and
 * unpacks the exact Debian package version its metadata records (through
 * build/debian-kernels.sh, cached under $GPLCHECK_CACHE or <repo>/.cache) and checks the
 * sha256. Used by the tests and benchmarks that compare the database with its source.
 */
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { KernelSymbolsError } from './errors';
import type { ReachMeta } from './reach';
import type { KernelDbMeta } from './types';

function kernelsScript(): string {
  const candidates = [
    path.join(__dirname, 'build', 'debian-kernels.sh'),
    path.join(__dirname, '..', '..', 'kernel-symbols', 'build', 'debian-kernels.sh'),
  ];
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0];
}

export interface DebianSymvers {
  /** Absolute path of the unpacked Module.symvers. */
  path: string;
  /** Directory the package was unpacked into. */
  dir: string;
  packageVersion: string;
}

/**
 * Fetches the Debian package recorded in `meta.source` and returns its Module.symvers.
 * Throws a KernelSymbolsError saying what failed (download, missing file, different bytes).
 */
/** Downloads and unpacks exactly `pkg` `version` (cached); returns the directory. */
function fetchPackage(pkg: string, version: string, what: string): string {
  try {
    return execFileSync(kernelsScript(), ['fetch', pkg, version], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 << 20,
    }).trim().split('\n').pop()!;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new KernelSymbolsError(
      `cannot fetch ${pkg} ${version} (${what}) from the Debian archive: ` +
        `${(e.stderr || e.message).trim()}\nIf the archive no longer has this version, rebuild the databases ` +
        '(kernel-symbols/build/build-databases.sh).',
      'db-read',
    );
  }
}

export function fetchDebianSymvers(meta: KernelDbMeta): DebianSymvers {
  const src = meta.source;
  if (src.kind !== 'debian-package' || !src.package || !src.packageVersion || !src.file) {
    throw new KernelSymbolsError(`database '${meta.name}' was not built from a Debian package`, 'db-read');
  }
  const dir = fetchPackage(src.package, src.packageVersion, `the source of database '${meta.name}'`);
  const file = path.join(dir, src.file);
  if (!fs.existsSync(file)) {
    throw new KernelSymbolsError(`${src.package} ${src.packageVersion} unpacked into ${dir} has no ${src.file}`, 'db-read', file);
  }
  if (src.sha256) {
    const sum = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    if (sum !== src.sha256) {
      throw new KernelSymbolsError(
        `${file}: sha256 ${sum} differs from ${src.sha256} recorded in database '${meta.name}'`,
        'db-read',
        file,
      );
    }
  }
  return { path: file, dir, packageVersion: src.packageVersion };
}

/**
 * Fetches the linux-headers-<abi>-common package a shipped inline reach table was built from
 * and returns the directory holding its `include/` and `arch/x86/include/`.
 */
export function fetchDebianHeaders(meta: ReachMeta): string {
  const src = meta.source;
  if (!src.package || !src.packageVersion) {
    throw new KernelSymbolsError(`inline reach table '${meta.name}' was not built from a Debian package`, 'db-read');
  }
  const dir = fetchPackage(src.package, src.packageVersion, `the headers of inline reach table '${meta.name}'`);
  const root = path.join(dir, 'usr', 'src', src.package);
  if (!fs.existsSync(path.join(root, 'include'))) {
    throw new KernelSymbolsError(`${src.package} ${src.packageVersion} unpacked into ${dir} has no usr/src/${src.package}/include`, 'db-read', root);
  }
  return root;
}
