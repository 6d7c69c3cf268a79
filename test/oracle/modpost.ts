// Runs the kernel's real modpost (Debian's linux-kbuild-6.1) on module objects and parses what it
// says into structured records. Used as an oracle: gplcheck's own findings are compared with it.
//
// modpost is called the way kbuild's scripts/Makefile.modpost calls it for an external module
// (`make -C <kdir> M=<dir> modules`) with Debian's 6.1 configuration:
//   modpost -m -o <dir>/Module.symvers -e -i <kernel Module.symvers> [-i <extra Module.symvers>...] -T <objects>
// (-m: CONFIG_MODVERSIONS=y; no -E: CONFIG_SECTION_MISMATCH_WARN_ONLY=y; no -N, no -a.)
// Everything runs in a private temporary directory: the objects are copied there, next to the
// two inputs modpost 6.1 reads besides them with -m, the `<name>.mod` list of objects and the
// `.<name>.o.cmd` file holding the `#SYMVER <symbol> <crc>` lines of the module's own exports
// (taken from a Module.symvers next to the object when there is one). Nothing is written next to
// the inputs.

import { execFile } from 'child_process';
import { existsSync, promises as fs, readdirSync, readFileSync, statSync } from 'fs';
import * as os from 'os';
import * as path from 'path';

export type ModpostMessageKind =
  | 'gpl-only' // GPL-incompatible module X.ko uses GPL-only symbol 'S'
  | 'namespace-not-imported' // module X uses symbol S from namespace N, but does not import it.
  | 'missing-license' // missing MODULE_LICENSE() in path/X.o
  | 'unresolved-symbol' // "S" [path/X.ko] undefined!
  | 'other';

export type ModpostLevel = 'ERROR' | 'WARNING' | 'FATAL';

export interface ModpostMessage {
  kind: ModpostMessageKind;
  /** modpost's prefix; null for a line printed without one (e.g. a system error). */
  level: ModpostLevel | null;
  /** Module name (file name without directory and .o/.ko), when the message names one. */
  module: string | null;
  symbol?: string;
  namespace?: string;
  /** The object path as modpost printed it (missing-license, unresolved-symbol). */
  file?: string;
  /**
   * The message as modpost printed it, continuation lines included, without the final newline.
   * Paths inside the oracle's temporary directory are written with MODPOST_BUILD_PLACEHOLDER.
   */
  raw: string;
}

/** Stands for the temporary directory in paths that modpost prints (same token as build.sh). */
export const MODPOST_BUILD_PLACEHOLDER = '<build>';

export class ModpostOracleError extends Error {
  constructor(message: string, readonly output?: string) {
    super(message);
    this.name = 'ModpostOracleError';
  }
}

export interface RunModpostOptions {
  /** Module.symvers files of other modules the objects use (KBUILD_EXTRA_SYMBOLS). */
  extraSymvers?: string[];
  /** The kernel's Module.symvers; default: see findKernelSymvers(). */
  kernelSymvers?: string;
  /** The modpost executable; default: see findModpost(). */
  modpost?: string;
  /** Pass -m (CONFIG_MODVERSIONS), default true as in Debian's kernels. */
  modversions?: boolean;
  /** Pass -N (CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS): namespace errors become warnings. */
  allowMissingNamespaceImports?: boolean;
  /** Pass -w (KBUILD_MODPOST_WARN=1): unresolved symbols become warnings. */
  warnUnresolved?: boolean;
}

export interface ModpostRun {
  messages: ModpostMessage[];
  exitCode: number;
  /** All modpost printed, temporary directory replaced by MODPOST_BUILD_PLACEHOLDER. */
  output: string;
  /** The command line (after the executable), with the same replacement. */
  args: string[];
  /** The Module.symvers modpost wrote (it writes none after an error), same replacement. */
  moduleSymvers: string | null;
  /** The generated <module>.mod.c per module name (none after an error). */
  modC: Record<string, string>;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const FIXTURE_BUILD_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'modules', 'build');

/** Kernel release the committed fixtures were built against (build/kernel-release), if known. */
export function fixtureKernelRelease(): string | null {
  const f = path.join(FIXTURE_BUILD_DIR, 'kernel-release');
  return existsSync(f) ? readFileSync(f, 'utf8').trim() || null : null;
}

function installedDebianHeaders(): string[] {
  const dir = '/usr/src';
  if (!existsSync(dir)) return [];
  const collator = new Intl.Collator('en', { numeric: true });
  return readdirSync(dir)
    .filter((n) => /^linux-headers-6\.1\.0-\d+-amd64$/.test(n))
    .sort(collator.compare)
    .reverse()
    .map((n) => path.join(dir, n));
}

/**
 * The kernel's Module.symvers: $GPLCHECK_KERNEL_SYMVERS, else the installed (or unpacked in
 * .cache/debian) headers of the fixtures' kernel release, else the newest installed Debian 6.1
 * amd64 headers.
 */
export function findKernelSymvers(): string {
  const env = process.env.GPLCHECK_KERNEL_SYMVERS;
  if (env) {
    if (!existsSync(env)) throw new ModpostOracleError(`GPLCHECK_KERNEL_SYMVERS=${env}: no such file`);
    return env;
  }
  const candidates: string[] = [];
  const rel = fixtureKernelRelease();
  if (rel) {
    candidates.push(path.join('/lib/modules', rel, 'build', 'Module.symvers'));
    candidates.push(path.join('/usr/src', `linux-headers-${rel}`, 'Module.symvers'));
    const cache = process.env.GPLCHECK_CACHE ?? path.join(REPO_ROOT, '.cache');
    candidates.push(
      path.join(cache, 'debian', `linux-headers-${rel}`, 'usr', 'src', `linux-headers-${rel}`, 'Module.symvers'),
    );
  }
  for (const h of installedDebianHeaders()) candidates.push(path.join(h, 'Module.symvers'));
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new ModpostOracleError(
      `no kernel Module.symvers found (tried ${candidates.join(', ') || 'nothing'}); ` +
        'install the headers with `test/setup/debian.sh install-headers` or set GPLCHECK_KERNEL_SYMVERS',
    );
  }
  return found;
}

/**
 * The modpost executable: $GPLCHECK_MODPOST, else scripts/mod/modpost next to the kernel's
 * Module.symvers (a Debian headers tree links scripts/ to linux-kbuild-6.1), else
 * /usr/lib/linux-kbuild-6.1/scripts/mod/modpost.
 */
export function findModpost(kernelSymvers?: string): string {
  const env = process.env.GPLCHECK_MODPOST;
  if (env) {
    if (!existsSync(env)) throw new ModpostOracleError(`GPLCHECK_MODPOST=${env}: no such file`);
    return env;
  }
  const candidates: string[] = [];
  if (kernelSymvers) candidates.push(path.join(path.dirname(kernelSymvers), 'scripts', 'mod', 'modpost'));
  candidates.push('/usr/lib/linux-kbuild-6.1/scripts/mod/modpost');
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new ModpostOracleError(
      `modpost not found (tried ${candidates.join(', ')}); install linux-kbuild-6.1 or set GPLCHECK_MODPOST`,
    );
  }
  return found;
}

// --- parsing ------------------------------------------------------------------------------------

const PREFIX = /^(ERROR|WARNING|FATAL): modpost: (.*)$/;
const GPL_ONLY = /^GPL-incompatible module (.+)\.ko uses GPL-only symbol '([^']+)'$/;
const NS_MISSING = /^module (\S+) uses symbol (\S+) from namespace (\S+), but does not import it\.$/;
const NO_LICENSE = /^missing MODULE_LICENSE\(\) in (.+)$/;
const UNRESOLVED = /^"([^"]+)" \[(.+)\.ko\] undefined!$/;
const NAMES_KO = /\[([^\]]+)\.ko\]/;

function moduleName(p: string): string {
  return path.basename(p).replace(/\.(o|ko)$/, '');
}

function classify(level: ModpostLevel, text: string, raw: string): ModpostMessage {
  let m: RegExpExecArray | null;
  if ((m = GPL_ONLY.exec(text))) {
    return { kind: 'gpl-only', level, module: moduleName(m[1]), symbol: m[2], raw };
  }
  if ((m = NS_MISSING.exec(text))) {
    return { kind: 'namespace-not-imported', level, module: m[1], symbol: m[2], namespace: m[3], raw };
  }
  if ((m = NO_LICENSE.exec(text))) {
    return { kind: 'missing-license', level, module: moduleName(m[1]), file: m[1], raw };
  }
  if ((m = UNRESOLVED.exec(text))) {
    return { kind: 'unresolved-symbol', level, module: moduleName(m[2]), symbol: m[1], file: `${m[2]}.ko`, raw };
  }
  const ko = NAMES_KO.exec(text);
  return { kind: 'other', level, module: ko ? moduleName(ko[1]) : null, raw };
}

/**
 * Parses modpost's output. Each line starting with "ERROR: modpost: ", "WARNING: modpost: " or
 * "FATAL: modpost: " opens a message; other lines continue the previous message (modpost's
 * multi-line warnings) or, before any message, stand alone as kind 'other' with level null.
 */
export function parseModpostOutput(output: string): ModpostMessage[] {
  const out: ModpostMessage[] = [];
  const lines = output.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const m = PREFIX.exec(line);
    if (m) {
      out.push(classify(m[1] as ModpostLevel, m[2], line));
    } else if (out.length) {
      out[out.length - 1].raw += `\n${line}`;
    } else {
      out.push({ kind: 'other', level: null, module: null, raw: line });
    }
  }
  return out;
}

// --- running ------------------------------------------------------------------------------------

interface ObjectInput {
  /** path given by the caller */
  source: string;
  name: string;
  /** directory the object's copy lives in, under the temporary root */
  dirName: string;
}

/** Objects (not *.mod.o) and the providers' Module.symvers of a fixture case directory. */
function expandCaseDir(dir: string): { objects: string[]; extraSymvers: string[] } {
  const objects = readdirSync(dir)
    .filter((f) => f.endsWith('.o') && !f.endsWith('.mod.o'))
    .sort()
    .map((f) => path.join(dir, f));
  if (objects.length === 0) throw new ModpostOracleError(`${dir}: no .o file in this directory`);
  const extraSymvers: string[] = [];
  const info = path.join(dir, 'build-info.json');
  if (existsSync(info)) {
    let providers: unknown;
    try {
      providers = (JSON.parse(readFileSync(info, 'utf8')) as { providers?: unknown }).providers;
    } catch (e) {
      throw new ModpostOracleError(`${info}: not valid JSON (${(e as Error).message})`);
    }
    if (providers !== undefined && !(Array.isArray(providers) && providers.every((p) => typeof p === 'string'))) {
      throw new ModpostOracleError(`${info}: "providers" must be a list of case names`);
    }
    for (const p of (providers as string[] | undefined) ?? []) {
      const symvers = path.join(dir, '..', p, 'Module.symvers');
      if (!existsSync(symvers)) throw new ModpostOracleError(`${info}: provider ${p} has no ${symvers}`);
      extraSymvers.push(symvers);
    }
  }
  return { objects, extraSymvers };
}

/** `#SYMVER` lines for the exports of module `name`, from a Module.symvers next to its object. */
function symverLines(objectPath: string, name: string): string {
  const symvers = path.join(path.dirname(objectPath), 'Module.symvers');
  if (!existsSync(symvers)) return '';
  let text = '';
  for (const line of readFileSync(symvers, 'utf8').split('\n')) {
    const cols = line.split('\t');
    if (cols.length < 4 || moduleName(cols[2]) !== name) continue;
    text += `#SYMVER ${cols[1]} ${cols[0]}\n`;
  }
  return text;
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
        reject(new ModpostOracleError(`cannot run ${cmd}: ${err.message}`));
        return;
      }
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

/**
 * Runs modpost on a fixture case directory (its .o files; the Module.symvers of the providers
 * listed in its build-info.json are added to extraSymvers) or on a list of object paths.
 */
export async function runModpostDetailed(
  target: string | string[],
  options: RunModpostOptions = {},
): Promise<ModpostRun> {
  let objects: string[];
  const extraSymvers: string[] = [];
  if (typeof target === 'string') {
    if (!existsSync(target)) throw new ModpostOracleError(`${target}: no such file or directory`);
    if (statSync(target).isDirectory()) {
      const expanded = expandCaseDir(target);
      objects = expanded.objects;
      extraSymvers.push(...expanded.extraSymvers);
    } else {
      objects = [target];
    }
  } else {
    objects = target;
  }
  if (objects.length === 0) throw new ModpostOracleError('no object files given');
  extraSymvers.push(...(options.extraSymvers ?? []));

  const inputs: ObjectInput[] = [];
  const seen = new Set<string>();
  for (const o of objects) {
    if (!o.endsWith('.o')) throw new ModpostOracleError(`${o}: modpost reads relocatable objects named *.o`);
    if (!existsSync(o)) throw new ModpostOracleError(`${o}: no such file`);
    const name = path.basename(o, '.o');
    if (seen.has(name)) throw new ModpostOracleError(`${o}: a second object for module ${name}`);
    seen.add(name);
    inputs.push({ source: o, name, dirName: path.basename(path.dirname(path.resolve(o))) || name });
  }
  for (const s of extraSymvers) {
    if (!existsSync(s)) throw new ModpostOracleError(`${s}: no such file (extra Module.symvers)`);
  }

  const kernelSymvers = options.kernelSymvers ?? findKernelSymvers();
  if (!existsSync(kernelSymvers)) throw new ModpostOracleError(`${kernelSymvers}: no such file (kernel Module.symvers)`);
  const modpost = options.modpost ?? findModpost(kernelSymvers);
  const modversions = options.modversions ?? true;

  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gplcheck-modpost-'));
  try {
    const objPaths: string[] = [];
    for (const input of inputs) {
      // one directory per module, as kbuild has one per external module (M=<dir>)
      let dir = path.join(tmp, input.dirName);
      if (existsSync(path.join(dir, `${input.name}.o`))) dir = path.join(tmp, `${input.dirName}-${input.name}`);
      await fs.mkdir(dir, { recursive: true });
      const obj = path.join(dir, `${input.name}.o`);
      await fs.copyFile(input.source, obj);
      if (modversions) {
        await fs.writeFile(path.join(dir, `${input.name}.mod`), `${obj}\n`);
        await fs.writeFile(path.join(dir, `.${input.name}.o.cmd`), `cmd_${obj} := \n${symverLines(input.source, input.name)}`);
      }
      objPaths.push(obj);
    }
    const list = path.join(tmp, 'objects.list');
    await fs.writeFile(list, objPaths.map((p) => `${p}\n`).join(''));
    // kbuild writes the symbol list into the external module's directory (M=<dir>/Module.symvers)
    const outSymvers = path.join(path.dirname(objPaths[0]), 'Module.symvers');

    const args: string[] = [];
    if (modversions) args.push('-m');
    if (options.allowMissingNamespaceImports) args.push('-N');
    args.push('-o', outSymvers, '-e', '-i', kernelSymvers);
    for (const s of extraSymvers) args.push('-i', s);
    if (options.warnUnresolved) args.push('-w');
    args.push('-T', list);

    const { code, stdout, stderr } = await run(modpost, args);
    const scrub = (s: string) => s.split(tmp).join(MODPOST_BUILD_PLACEHOLDER);
    const output = scrub(stdout + stderr);
    const messages = parseModpostOutput(output);
    if (code !== 0 && !messages.some((m) => m.level === 'ERROR' || m.level === 'FATAL')) {
      throw new ModpostOracleError(`modpost failed (exit ${code}) without an error message:\n${output}`, output);
    }
    const moduleSymvers = existsSync(outSymvers) ? scrub(await fs.readFile(outSymvers, 'utf8')) : null;
    const modC: Record<string, string> = {};
    for (const p of objPaths) {
      const c = p.replace(/\.o$/, '.mod.c');
      if (existsSync(c)) modC[path.basename(p, '.o')] = scrub(await fs.readFile(c, 'utf8'));
    }
    return { messages, exitCode: code, output, args: args.map(scrub), moduleSymvers, modC };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Runs modpost (see runModpostDetailed) and returns only its parsed messages. */
export async function runModpost(
  target: string | string[],
  options: RunModpostOptions = {},
): Promise<ModpostMessage[]> {
  return (await runModpostDetailed(target, options)).messages;
}
