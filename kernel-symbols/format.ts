/**
 * The on-disk kernel symbol database, format version 1.
 *
 * A gzip stream of two lines of JSON:
 *   line 1  the header: KernelDbMeta (format name, format version, provenance, counts)
 *   line 2  the body, column arrays over the exports grouped by module:
 *     modules       module names, `vmlinux` first, then in code-point order
 *     moduleCounts  how many exports each module has (same order)
 *     symbols       all names joined by ' ', module by module, each module's names sorted
 *     types         one character per export: 'G' EXPORT_SYMBOL_GPL, 'P' EXPORT_SYMBOL
 *     namespaces    namespace names
 *     nsIndex       flat pairs [exportIndex, namespaceIndex, ...] for the namespaced exports
 *     crc           base64 of one little-endian uint32 per export, or null when all CRCs are 0
 *
 * Grouping by module and sorting the names lets gzip share prefixes (snd_pcm_..., drm_...),
 * so a 25,000-export kernel takes about 0.3 MB, most of it the incompressible CRCs.
 * The layout is deterministic: the same Module.symvers always gives the same bytes.
 */
import * as zlib from 'zlib';
import { DatabaseFormatError } from './errors';
import { forModules } from './symvers';
import type { KernelDbMeta, KernelExport, KernelSymbolDb } from './types';

export const FORMAT_NAME = 'gplcheck-kernel-symbols' as const;
export const FORMAT_VERSION = 1;
/** File name ending of a database. */
export const DB_SUFFIX = '.symdb.json.gz';

interface Body {
  modules: string[];
  moduleCounts: number[];
  symbols: string;
  types: string;
  namespaces: string[];
  nsIndex: number[];
  crc: string | null;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Serialises a database. `meta.counts` must already describe `all`. */
export function encodeDatabase(meta: KernelDbMeta, all: readonly KernelExport[]): Buffer {
  const byModule = new Map<string, KernelExport[]>();
  for (const e of all) {
    let list = byModule.get(e.module);
    if (!list) byModule.set(e.module, (list = []));
    list.push(e);
  }
  const modules = [...byModule.keys()].sort((a, b) => (a === 'vmlinux' ? -1 : b === 'vmlinux' ? 1 : cmp(a, b)));
  const ordered: KernelExport[] = [];
  const moduleCounts: number[] = [];
  for (const m of modules) {
    const list = byModule.get(m)!.sort((a, b) => cmp(a.symbol, b.symbol));
    moduleCounts.push(list.length);
    ordered.push(...list);
  }
  const namespaces = [...new Set(ordered.map((e) => e.namespace).filter((n): n is string => !!n))].sort(cmp);
  const nsNum = new Map(namespaces.map((n, i) => [n, i]));
  const nsIndex: number[] = [];
  const crcs = Buffer.alloc(ordered.length * 4);
  let anyCrc = false;
  let types = '';
  ordered.forEach((e, i) => {
    if (/\s/.test(e.symbol) || e.symbol === '') throw new Error(`cannot store symbol name ${JSON.stringify(e.symbol)}`);
    types += e.type === 'gpl' ? 'G' : 'P';
    if (e.namespace) nsIndex.push(i, nsNum.get(e.namespace)!);
    const crc = e.crc ?? 0;
    if (crc !== 0) anyCrc = true;
    crcs.writeUInt32LE(crc >>> 0, i * 4);
  });
  const body: Body = {
    modules,
    moduleCounts,
    symbols: ordered.map((e) => e.symbol).join(' '),
    types,
    namespaces,
    nsIndex,
    crc: anyCrc ? crcs.toString('base64') : null,
  };
  const header: KernelDbMeta = { ...meta, format: FORMAT_NAME, formatVersion: FORMAT_VERSION };
  const text = JSON.stringify(header) + '\n' + JSON.stringify(body) + '\n';
  return zlib.gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
}

function unzip(data: Buffer, file: string): string {
  try {
    return zlib.gunzipSync(data).toString('utf8');
  } catch (err) {
    throw new DatabaseFormatError(file, `not a gzip-compressed kernel symbol database (${(err as Error).message})`);
  }
}

function parseHeader(line: string, file: string): KernelDbMeta {
  let h: KernelDbMeta;
  try {
    h = JSON.parse(line) as KernelDbMeta;
  } catch {
    throw new DatabaseFormatError(file, 'header is not JSON');
  }
  if (!h || h.format !== FORMAT_NAME) throw new DatabaseFormatError(file, `not a ${FORMAT_NAME} database`);
  if (h.formatVersion !== FORMAT_VERSION) {
    throw new DatabaseFormatError(
      file,
      `database format version ${h.formatVersion} is not supported (this gplcheck reads version ${FORMAT_VERSION})`,
    );
  }
  if (typeof h.name !== 'string' || !h.counts || typeof h.counts.total !== 'number') {
    throw new DatabaseFormatError(file, 'header lacks name or counts');
  }
  return h;
}

/** Reads only the header of a database file's contents. */
export function decodeHeader(data: Buffer, file: string): KernelDbMeta {
  const text = unzip(data, file);
  const nl = text.indexOf('\n');
  return parseHeader(nl < 0 ? text : text.slice(0, nl), file);
}

/** An in-memory database: one Map from symbol name to its export, built once. */
export class MapKernelSymbolDb implements KernelSymbolDb {
  private readonly map: Map<string, KernelExport>;
  constructor(
    readonly meta: KernelDbMeta,
    all: Iterable<KernelExport>,
    /** Where it was loaded from, when it came from a file. */
    readonly path?: string,
  ) {
    this.map = new Map();
    for (const e of all) this.map.set(e.symbol, e);
  }
  lookup(symbol: string): KernelExport | undefined {
    return this.map.get(symbol);
  }
  has(symbol: string): boolean {
    return this.map.has(symbol);
  }
  get size(): number {
    return this.map.size;
  }
  symbols(): Iterable<KernelExport> {
    return this.map.values();
  }
}

/**
 * Parses a whole database file's contents (`file` names it in errors, and is kept as the
 * database's `path` when `recordPath`); exports come out frozen (they are shared).
 */
export function decodeDatabase(data: Buffer, file: string, recordPath = false): MapKernelSymbolDb {
  const text = unzip(data, file);
  const nl = text.indexOf('\n');
  if (nl < 0) throw new DatabaseFormatError(file, 'truncated: no body after the header');
  const meta = parseHeader(text.slice(0, nl), file);
  let b: Body;
  try {
    b = JSON.parse(text.slice(nl + 1)) as Body;
  } catch {
    throw new DatabaseFormatError(file, 'body is not JSON');
  }
  const names = typeof b.symbols === 'string' && b.symbols !== '' ? b.symbols.split(' ') : [];
  const n = names.length;
  const sum = Array.isArray(b.moduleCounts) ? b.moduleCounts.reduce((a, c) => a + c, 0) : -1;
  if (
    n !== meta.counts.total ||
    sum !== n ||
    !Array.isArray(b.modules) ||
    b.modules.length !== b.moduleCounts.length ||
    typeof b.types !== 'string' ||
    b.types.length !== n ||
    !Array.isArray(b.nsIndex) ||
    !Array.isArray(b.namespaces)
  ) {
    throw new DatabaseFormatError(file, `damaged: column lengths disagree with the header's ${meta.counts.total} exports`);
  }
  let crcs: Buffer | undefined;
  if (b.crc !== null) {
    crcs = Buffer.from(String(b.crc), 'base64');
    if (crcs.length !== n * 4) throw new DatabaseFormatError(file, 'damaged: CRC column has the wrong length');
  }
  const nsOf: (string | undefined)[] = new Array(n);
  for (let k = 0; k + 1 < b.nsIndex.length; k += 2) nsOf[b.nsIndex[k]] = b.namespaces[b.nsIndex[k + 1]];
  const list: KernelExport[] = new Array(n);
  let i = 0;
  for (let m = 0; m < b.modules.length; m++) {
    const module = b.modules[m];
    for (let end = i + b.moduleCounts[m]; i < end; i++) {
      const e: KernelExport = { symbol: names[i], type: b.types.charCodeAt(i) === 71 /* G */ ? 'gpl' : 'plain', module };
      if (crcs) e.crc = crcs.readUInt32LE(i * 4);
      const ns = nsOf[i];
      if (ns !== undefined) {
        e.namespace = ns;
        const fm = forModules(ns);
        if (fm) e.forModules = fm;
      }
      list[i] = Object.freeze(e);
    }
  }
  return new MapKernelSymbolDb(meta, list, recordPath ? file : undefined);
}
