/**
 * Module.symvers reader.
 *
 * The file modpost writes after a kernel build: one export per line, tab-separated.
 *   since 5.10:  CRC  symbol  module  export-type  namespace     (namespace may be empty)
 *   5.4 - 5.9:   CRC  symbol  namespace  module  export-type
 *   before 5.4:  CRC  symbol  module  export-type
 * The export type is `EXPORT_SYMBOL` or `EXPORT_SYMBOL_GPL`; kernels before 5.13 could also
 * write `EXPORT_UNUSED_SYMBOL[_GPL]` and `EXPORT_SYMBOL_GPL_FUTURE` (plain until it flips).
 * Since 6.16 `EXPORT_SYMBOL_FOR_MODULES` exports carry `module:<names>` in the namespace column.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import type { ExportType } from '../analyzers/facts';
import { KernelSymbolsError, SymversSyntaxError } from './errors';
import type { KernelDbMeta, KernelExport } from './types';

/** Export macros as Module.symvers writes them, and what they mean for a non-GPL module. */
export const EXPORT_MACROS: Readonly<Record<string, ExportType>> = {
  EXPORT_SYMBOL: 'plain',
  EXPORT_SYMBOL_GPL: 'gpl',
  EXPORT_UNUSED_SYMBOL: 'plain',
  EXPORT_UNUSED_SYMBOL_GPL: 'gpl',
  EXPORT_SYMBOL_GPL_FUTURE: 'plain',
};

/** Prefix of the namespace column that `EXPORT_SYMBOL_FOR_MODULES` (6.16+) writes. */
export const FOR_MODULES_PREFIX = 'module:';

export interface ParsedSymvers {
  exports: KernelExport[];
  /** sha256 (hex) of the bytes parsed. */
  sha256: string;
  /** True when every CRC is 0 (a kernel built without CONFIG_MODVERSIONS). */
  crcsAllZero: boolean;
}

const CRC_RE = /^0x[0-9a-fA-F]{1,8}$/;
const SYMBOL_RE = /^[A-Za-z0-9_.$]+$/;

function isMacro(s: string | undefined): s is string {
  return s !== undefined && Object.prototype.hasOwnProperty.call(EXPORT_MACROS, s);
}

/**
 * Parses Module.symvers text. `file` is only used in error messages.
 * Throws SymversSyntaxError naming file and line for the first malformed line.
 */
export function parseSymvers(data: string | Buffer, file: string): ParsedSymvers {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const sha256 = crypto.createHash('sha256').update(buf).digest('hex');
  const text = buf.toString('utf8');
  const lines = text.split('\n');
  const list: KernelExport[] = [];
  const seen = new Map<string, number>();
  let crcsAllZero = true;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    const lineNo = i + 1;
    const f = line.split('\t');
    let crcS: string, symbol: string, module: string, macro: string, ns: string;
    if (f.length === 5 && isMacro(f[3])) {
      [crcS, symbol, module, macro, ns] = f;
    } else if (f.length === 5 && isMacro(f[4])) {
      [crcS, symbol, ns, module, macro] = f;
    } else if (f.length === 4 && isMacro(f[3])) {
      [crcS, symbol, module, macro] = f;
      ns = '';
    } else if (f.length < 4) {
      throw new SymversSyntaxError(file, lineNo, `expected 5 tab-separated fields (CRC, symbol, module, export type, namespace), found ${f.length}: ${quote(line)}`);
    } else if (f.length > 5) {
      throw new SymversSyntaxError(file, lineNo, `too many fields (${f.length}, expected 5): ${quote(line)}`);
    } else {
      const bad = f[3];
      throw new SymversSyntaxError(
        file,
        lineNo,
        `unknown export type ${quote(bad)} (expected EXPORT_SYMBOL or EXPORT_SYMBOL_GPL in the 4th field): ${quote(line)}`,
      );
    }
    if (!CRC_RE.test(crcS)) {
      throw new SymversSyntaxError(file, lineNo, `bad CRC ${quote(crcS)} (expected 0x followed by up to 8 hex digits)`);
    }
    if (!SYMBOL_RE.test(symbol)) {
      throw new SymversSyntaxError(file, lineNo, symbol === '' ? 'empty symbol name' : `bad symbol name ${quote(symbol)}`);
    }
    if (module === '' || /\s/.test(module)) {
      throw new SymversSyntaxError(file, lineNo, module === '' ? `empty module name for ${symbol}` : `bad module name ${quote(module)}`);
    }
    if (/\s/.test(ns)) throw new SymversSyntaxError(file, lineNo, `bad namespace ${quote(ns)}`);
    const prev = seen.get(symbol);
    if (prev !== undefined) {
      throw new SymversSyntaxError(file, lineNo, `symbol ${symbol} is exported twice (first on line ${prev})`);
    }
    seen.set(symbol, lineNo);
    const crc = parseInt(crcS.slice(2), 16);
    if (crc !== 0) crcsAllZero = false;
    const e: KernelExport = { symbol, type: EXPORT_MACROS[macro], module, crc };
    if (ns !== '') {
      e.namespace = ns;
      const fm = forModules(ns);
      if (fm) e.forModules = fm;
    }
    list.push(e);
  }
  return { exports: list, sha256, crcsAllZero };
}

/** `module:kvm,kvm-amd` -> ['kvm', 'kvm-amd']; undefined for an ordinary namespace. */
export function forModules(namespace: string | undefined): string[] | undefined {
  if (!namespace || !namespace.startsWith(FOR_MODULES_PREFIX)) return undefined;
  return namespace.slice(FOR_MODULES_PREFIX.length).split(',').filter((s) => s !== '');
}

/** Reads and parses a Module.symvers file. */
export function readSymvers(path: string): ParsedSymvers {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path);
  } catch (err) {
    throw new KernelSymbolsError(`${path}: cannot read Module.symvers: ${(err as Error).message}`, 'symvers-read', path);
  }
  return parseSymvers(buf, path);
}

/** The counts a database records about itself. */
export function computeCounts(list: Iterable<KernelExport>): KernelDbMeta['counts'] {
  let total = 0, gpl = 0, plain = 0, namespaced = 0, vmlinux = 0;
  const namespaces = new Set<string>();
  const modules = new Set<string>();
  for (const e of list) {
    total++;
    if (e.type === 'gpl') gpl++;
    else plain++;
    if (e.namespace) {
      namespaced++;
      namespaces.add(e.namespace);
    }
    if (e.module === 'vmlinux') vmlinux++;
    else modules.add(e.module);
  }
  return { total, gpl, plain, namespaced, namespaces: namespaces.size, vmlinux, modules: modules.size };
}

function quote(s: string): string {
  return JSON.stringify(s.length > 120 ? s.slice(0, 117) + '...' : s);
}
