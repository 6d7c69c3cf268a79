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

/** The modules of Debian's newest bookworm generic kernel, with that kernel's Module.symvers. */
export interface DebianModuleTree {
  /** e.g. `6.1.0-56` */
  abi: string;
  /** `…/lib/modules/<abi>-amd64/kernel` of the unpacked linux-image-<abi>-amd64-unsigned */
  dir: string;
  /** Module.symvers of the unpacked linux-headers-<abi>-amd64 */
  symvers: string;
  /** every `.ko` below `dir`, absolute, sorted */
  modules: string[];
}

function debianHelper(...args: string[]): string {
  const script = [path.join(__dirname, '..', 'test', 'setup', 'debian.sh'), path.join(__dirname, '..', '..', 'test', 'setup', 'debian.sh')].find((c) =>
    fs.existsSync(c),
  );
  if (!script) throw new KernelSymbolsError('test/setup/debian.sh not found next to this package', 'db-read');
  return execFileSync(script, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Downloads (cached) and lists Debian's real kernel modules, for tests and benchmarks. */
export function debianModuleTree(): DebianModuleTree {
  const abi = debianHelper('abi');
  const image = debianHelper('unpack', `linux-image-${abi}-amd64-unsigned`);
  const headers = debianHelper('unpack', `linux-headers-${abi}-amd64`);
  const dir = path.join(image, 'lib/modules', `${abi}-amd64`, 'kernel');
  const modules: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.ko')) modules.push(p);
    }
  };
  walk(dir);
  modules.sort();
  return { abi, dir, symvers: path.join(headers, 'usr/src', `linux-headers-${abi}-amd64`, 'Module.symvers'), modules };
}
