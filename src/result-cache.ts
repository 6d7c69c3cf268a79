/**
 * A cache of whole scan results ("cached linking", as build systems cache a link step), next to
 * the per-file facts cache (src/cache.ts) in the same cache directory, under `results/`.
 *
 * The key is the sha256 of everything a result depends on: the cache format, the tool (its
 * version and a hash of its own code, so that a changed build never reuses old results), the
 * kernel database's identity and every known database file (rules look across kernels), every
 * option that changes the result, and the discovery: each discovered file with
 * its stat fingerprint (device, inode, size, mtime and ctime in nanoseconds), the counts of
 * entries left out and the discovery errors. ctime cannot be set by users, so any change to a file
 * changes the key, the way git's index trusts stat data. A result is not stored when a file
 * changed in the two seconds before the scan began or during it ("racy" files: their next
 * change could leave the stat data as it was), when a parse was cut by the time limit (facts
 * that depend on the machine's load), or when a read failed for reasons of the file system
 * rather than of the content (permission denied, a file that vanished).
 *
 * An entry is a head (the result without its heavy parts) and part files (`units[].imports`,
 * `units[].functions` and `graph`), one JSON line per unit or per graph field (a unit's imports
 * as columns: writeImports), named by their sha256. A hit returns the head with the parts
 * attached as enumerable accessors, a unit's or a graph field's line parsed when it is read:
 * JSON and every report see plain data, and a report that never looks at imports never parses
 * them. A report that walks them all lets each go once written (reports/types.ts RELEASE), and
 * a large part is then read again line by line (StoredPart) rather than held.
 * Files are written atomically (temporary file, then rename), the head last, so that its
 * presence means the entry is complete. A head that cannot be parsed, belongs to another key
 * or format, or names a part that is missing or of another size is a miss, never an error.
 * Part files are opened when the head is read, so a later replacement of the entry does not
 * pull them away; a part's sha256 is checked when its first line is read.
 *
 * Each combination of inputs and options keeps its two newest entries; older ones are removed
 * when a new one is stored.
 */
import { createHash, type Hash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Location, ReadError, ReferenceSite } from '../analyzers/facts';
import { PARSE_LIMIT_NOTE } from '../analyzers/c';
import { RELEASE, type ScanResult } from '../reports/types';
import { LAZY_SITES, type LinkedImport } from '../rules/model';
import { discover, type Discovery } from './discover';
import { resolveLimits } from './analyze';
import type { ScanOptions } from './scan';
import { TOOL } from './version';
import { phaseEnded } from './memory';
import { touchIfStale } from './cache-admin';
import { shippedDataDir, userDataDir } from '../kernel-symbols/database';

export const RESULT_CACHE_FORMAT = 4;

/** A file changed this close to the scan's start (or later) keeps its result out of the cache. */
export const RACY_NS = 2_000_000_000n;

/** Entries kept per combination of inputs and options. */
const KEEP_PER_SLOT = 2;

export class ResultCacheError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ResultCacheError';
  }
}

/** What a scan's result depends on besides the files: JSON-serialisable. */
export interface ResultKeySettings {
  toolVersion: string;
  database: string;
  options: unknown;
}

/** The stat data of every discovered file, in discovery order, hashed. */
export interface DiscoveryFingerprint {
  /** sha256 over the files and their stat data, the counts of entries left out and the errors. */
  hash: string;
  /** Newest mtime or ctime of any file, in ns since the epoch. */
  newestNs: bigint;
  /** A file could not be stat'ed (vanished, permission denied): nothing is stored. */
  unstable: boolean;
}

function statLine(st: fs.BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.mode}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

export function fingerprintDiscovery(found: Discovery): DiscoveryFingerprint {
  const h = createHash('sha256');
  let newestNs = 0n;
  let unstable = false;
  const l = found.leftOut;
  h.update(`files ${found.files.length}\0left out ${l.gitignore} ${l.exclude} ${l.ignored} ${l.cache} ${l.metadata} ${l.special}\0`);
  for (const f of found.files) {
    h.update(f.path).update('\0').update(f.absolute).update('\0');
    if (f.raw) h.update(f.raw).update('\0');
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(f.raw ?? f.absolute, { bigint: true });
    } catch (e) {
      unstable = true;
      h.update(`stat error ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
      continue;
    }
    if (st.mtimeNs > newestNs) newestNs = st.mtimeNs;
    if (st.ctimeNs > newestNs) newestNs = st.ctimeNs;
    h.update(statLine(st)).update('\n');
  }
  for (const e of found.errors) h.update(`error\0${e.path}\0${e.message}\n`);
  return { hash: h.digest('hex'), newestNs, unstable };
}

const CODE_DIRS = ['src', 'analyzers', 'elf', 'kernel-symbols', 'reports', 'rules'];
const SKIP_CODE_DIRS = new Set(['testdata', 'test', 'fixtures', 'build', 'node_modules', 'data']);
let codeFingerprint: string | undefined;

/**
 * The content of the tool's own code (the compiled files, or the sources under ts-jest; about
 * 1 MB) and the stat data of every kernel database file, shipped or imported: a changed tool
 * or a new database (rules compare kernels) never reuses an old result. The code is
 * fingerprinted once per process, as it was loaded.
 */
export function toolFingerprint(): string {
  const h = createHash('sha256');
  if (codeFingerprint === undefined) {
    const c = createHash('sha256');
    const root = path.resolve(__dirname, '..');
    const walk = (dir: string) => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!SKIP_CODE_DIRS.has(e.name)) walk(p);
        } else if (/\.(js|ts|json|node)$/.test(e.name) && !/\.test\.[jt]s$/.test(e.name) && !e.name.endsWith('.d.ts')) {
          try {
            const data = fs.readFileSync(p);
            c.update(`${path.relative(root, p)}\0${data.length}\0`).update(data);
          } catch {
            c.update(`${p}\0gone\n`);
          }
        }
      }
    };
    for (const d of CODE_DIRS) walk(path.join(root, d));
    codeFingerprint = c.digest('hex');
  }
  h.update(`code ${codeFingerprint}\0node ${process.versions.node}\0`);
  for (const dir of [shippedDataDir(), userDataDir()]) {
    h.update(`dir ${dir}\0`);
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        h.update(`${n}\0${statLine(fs.statSync(path.join(dir, n), { bigint: true }))}\n`);
      } catch {
        h.update(`${n}\0gone\n`);
      }
    }
  }
  return h.digest('hex');
}

/** The slot (inputs and options, everything but the files) and the full key of a scan. */
export function resultKeys(settings: ResultKeySettings, discovery: DiscoveryFingerprint, tool = toolFingerprint()): { slot: string; key: string } {
  const slot = createHash('sha256')
    .update(`gplcheck-result-v${RESULT_CACHE_FORMAT}\0${settings.toolVersion}\0${settings.database}\0`)
    .update(JSON.stringify(settings.options))
    .digest('hex');
  const key = createHash('sha256').update(slot).update('\0').update(tool).update('\0').update(discovery.hash).digest('hex');
  return { slot, key };
}

/**
 * Why a finished scan's result must not be stored, or undefined when it may be: results that
 * depend on the machine's load or on the file system's state rather than on the files' bytes.
 */
export function unstableReason(result: Pick<ScanResult, 'errors' | 'warnings'>): string | undefined {
  if (result.warnings.some((w) => w.message.includes(PARSE_LIMIT_NOTE))) return 'a parse was cut by the time limit';
  const fsError = (e: ReadError) =>
    (/^cannot read: /.test(e.message) && !/ limit for one file$/.test(e.message)) ||
    /^cannot list directory: /.test(e.message) ||
    /: analysis failed \(/.test(e.message);
  const bad = result.errors.find(fsError);
  return bad ? `a read failed (${bad.path}: ${bad.message})` : undefined;
}

// ---------------------------------------------------------------------------------------------
// Entries on disk

/** Parts kept out of the head: heavy, and not needed by the text or SARIF reports. */
const UNIT_PARTS = ['imports', 'functions'] as const;

interface PartRef {
  file: string;
  size: number;
  sha256: string;
  lines: number;
  /** The graph's: the field of each line, in order. */
  fields?: string[];
}

interface Head {
  format: 'gplcheck-result-cache';
  formatVersion: number;
  key: string;
  parts: Record<string, PartRef>;
  /** The result with every part replaced by 0 (keeps the key order). */
  result: ScanResult;
}

const PLACEHOLDER = 0;

/**
 * A unit's imports as one line of columns, `[shared, paths, words, symbols, fields, sites,
 * rest]`: a module's 50 imports were 50 objects of 6 properties each in JSON, and parsing them
 * was most of a cached re-scan of modules; as columns the line is a third as long and is read
 * in a third of the time, objects included.
 * - `shared`: the site objects several of its imports share, written once. A module read for
 *   its symbol table only has one site for all its imports (its `.symtab`).
 * - `paths`: the files of the sites. A site's location names its file by its index here:
 *   `{"location":{"path":3,` for `{"location":{"path":"drivers/net/…/netdev.c",` (the paths
 *   were almost half of a source tree's line). A site's JSON that starts so can only be a site
 *   whose first property is a location whose first property is its path, and a path is a
 *   string: readImports puts each one back in that place, and nowhere else.
 * - `words`: the line's values of exportType, namespace, provider, providerKind and evidence;
 *   `fields` has five indexes into it per import, in that order, -1 where the import has no
 *   such property.
 * - `symbols`: the imports' symbols.
 * - `sites`: per import, the index of its one shared site (the imports with the same one then
 *   share its list when read, as the linker's do), or its list: the index of a shared site, or
 *   the site.
 * - `rest`: per import 0, or its `via` (an array), or, for an import whose properties are not
 *   LinkedImport's in their order, the whole import as an object (its sites encoded as above).
 * Sites built when read (source sites) are never shared: they are built once, as the line is
 * written, and only the binary sites among them may be shared ones.
 */
export function writeImports(w: LineWriter, imports: readonly LinkedImport[]): void {
  const index = new Map<ReferenceSite, number>();
  const seen = new Set<ReferenceSite>();
  const shared: ReferenceSite[] = [];
  for (const imp of imports) {
    if ((imp as { [LAZY_SITES]?: unknown })[LAZY_SITES] !== undefined) continue;
    for (const site of imp.sites) {
      if (!seen.has(site)) seen.add(site);
      else if (!index.has(site)) index.set(site, shared.push(site) - 1);
    }
  }
  const paths = new PathTable();
  const sharedText = shared.map((site) => paths.site(site));
  const words = new Words();
  const symbols: string[] = [];
  const fields: number[] = [];
  const sites: string[] = [];
  const rest: string[] = [];
  const siteList = (list: readonly ReferenceSite[]): string => `[${list.map((site) => index.get(site) ?? paths.site(site)).join(',')}]`;
  for (const imp of imports) {
    const list = imp.sites; // built here, once, when they are built when read
    const own = canonical(imp) && Array.isArray(list);
    symbols.push(own ? imp.symbol : '');
    if (own) {
      fields.push(words.at(imp.exportType), words.at(imp.namespace), words.at(imp.provider), words.at(imp.providerKind), words.at(imp.evidence));
      sites.push(list.length === 1 && index.has(list[0]) ? String(index.get(list[0])) : siteList(list));
      rest.push(imp.via ? JSON.stringify(imp.via) : '0');
      continue;
    }
    fields.push(-1, -1, -1, -1, -1);
    sites.push('0');
    // its own properties in their order, `sites` in its place, encoded
    let text = '{';
    for (const k of Object.keys(imp)) {
      const v = k === 'sites' ? siteList(list) : JSON.stringify(imp[k as keyof LinkedImport]);
      if (v !== undefined) text += `${text.length > 1 ? ',' : ''}${JSON.stringify(k)}:${v}`;
    }
    rest.push(text + '}');
  }
  w.piece('[');
  pieces(w, sharedText);
  w.piece(',');
  w.json(paths.list, 1);
  w.piece(',');
  w.json(words.list, 1);
  w.piece(',');
  w.json(symbols, 1);
  w.piece(',');
  w.json(fields, 1);
  w.piece(',');
  pieces(w, sites);
  w.piece(',');
  pieces(w, rest);
  w.piece(']');
}

/** An array of values already in JSON. */
function pieces(w: LineWriter, texts: readonly string[]): void {
  w.piece('[');
  for (let i = 0; i < texts.length; i++) w.piece(i ? `,${texts[i]}` : texts[i]);
  w.piece(']');
}

/** LinkedImport's properties, in the order the linker gives them. */
const IMPORT_KEYS = ['symbol', 'exportType', 'namespace', 'provider', 'providerKind', 'sites', 'evidence', 'via'];
const OPTIONAL_KEYS = new Set(['namespace', 'provider', 'via']);

/** Are the import's properties LinkedImport's, in their order, of their types? */
function canonical(imp: LinkedImport): boolean {
  let at = 0;
  for (const k of Object.keys(imp)) {
    while (at < IMPORT_KEYS.length && IMPORT_KEYS[at] !== k && OPTIONAL_KEYS.has(IMPORT_KEYS[at])) at++;
    if (IMPORT_KEYS[at] !== k) return false;
    at++;
    if (k === 'sites') continue; // not read here: an import may build them each time they are read
    const v = (imp as unknown as Record<string, unknown>)[k];
    if (k === 'via' ? !Array.isArray(v) : typeof v !== 'string') return false;
  }
  while (at < IMPORT_KEYS.length && OPTIONAL_KEYS.has(IMPORT_KEYS[at])) at++;
  return at === IMPORT_KEYS.length;
}

/** The distinct values of one line, each written once. */
class Words {
  readonly list: string[] = [];
  private readonly byWord = new Map<string, number>();
  at(word: string | undefined): number {
    if (word === undefined) return -1;
    let i = this.byWord.get(word);
    if (i === undefined) this.byWord.set(word, (i = this.list.push(word) - 1));
    return i;
  }
}

const SITE_START = '{"location":{"path":';

/** The paths of one imports line, and the sites' JSON with each path replaced by its index. */
class PathTable {
  readonly list: string[] = [];
  private readonly byPath = new Map<string, { index: number; json: string }>();
  /** JSON.stringify(site), its location's path as an index when it starts with SITE_START. */
  site(site: ReferenceSite): string {
    const text = JSON.stringify(site);
    const p = (site.location as Partial<Location> | undefined)?.path;
    if (typeof p !== 'string' || !text.startsWith(SITE_START)) return text;
    let e = this.byPath.get(p);
    if (!e) this.byPath.set(p, (e = { index: this.list.push(p) - 1, json: JSON.stringify(p) }));
    // the path's JSON there is the string's whole token: a token ends at its first unescaped quote
    if (!text.startsWith(e.json, SITE_START.length)) return text;
    return SITE_START + e.index + text.slice(SITE_START.length + e.json.length);
  }
}

const LINE_SHAPE = 'an imports line is not [shared, paths, words, symbols, fields, sites, rest]';

/** The imports of a line writeImports wrote. */
export function readImports(line: unknown): unknown[] {
  if (!Array.isArray(line) || line.length !== 7 || !line.every((x) => Array.isArray(x))) throw new Error(LINE_SHAPE);
  const [shared, paths, words, symbols, fields, sites, rest] = line as unknown[][];
  const n = symbols.length;
  if (fields.length !== 5 * n || sites.length !== n || rest.length !== n) throw new Error(`${LINE_SHAPE}: ${n} symbols, ${fields.length} fields, ${sites.length} site lists, ${rest.length} rests`);
  const restore = (site: unknown): unknown => {
    if (typeof site !== 'object' || site === null || Array.isArray(site)) throw new Error('an import has a site that is not an object');
    const loc = (site as { location?: { path?: unknown } }).location;
    if (typeof loc === 'object' && loc !== null && typeof loc.path === 'number') {
      const p = paths[loc.path];
      if (typeof p !== 'string') throw new Error(`a site names path ${loc.path} of ${paths.length}`);
      loc.path = p;
    }
    return site;
  };
  const sharedSite = (k: number): unknown => {
    const site = shared[k];
    if (typeof site !== 'object' || site === null) throw new Error(`an import names shared site ${k} of ${shared.length}`);
    return site;
  };
  const list = (x: unknown): unknown[] => {
    if (!Array.isArray(x)) throw new Error('an import has no sites');
    return x.map((s) => (typeof s === 'number' ? sharedSite(s) : restore(s)));
  };
  const word = (i: number, what: string): string | undefined => {
    const k = fields[i];
    if (k === -1) return undefined;
    const w = typeof k === 'number' ? words[k] : undefined;
    if (typeof w !== 'string') throw new Error(`an import's ${what} names word ${String(k)} of ${words.length}`);
    return w;
  };
  for (const site of shared) restore(site);
  /** The one list of each shared site that is an import's only one. */
  const single = new Map<number, unknown[]>();
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = rest[i];
    if (typeof r === 'object' && r !== null && !Array.isArray(r)) {
      (r as { sites?: unknown }).sites = list((r as { sites?: unknown }).sites);
      out[i] = r;
      continue;
    }
    const imp: Record<string, unknown> = { symbol: symbols[i], exportType: word(5 * i, 'exportType') };
    const namespace = word(5 * i + 1, 'namespace');
    if (namespace !== undefined) imp.namespace = namespace;
    const provider = word(5 * i + 2, 'provider');
    if (provider !== undefined) imp.provider = provider;
    imp.providerKind = word(5 * i + 3, 'providerKind');
    const s = sites[i];
    if (typeof s === 'number') {
      let one = single.get(s);
      if (!one) single.set(s, (one = [sharedSite(s)]));
      imp.sites = one;
    } else {
      imp.sites = list(s);
    }
    imp.evidence = word(5 * i + 4, 'evidence');
    if (Array.isArray(r)) imp.via = r;
    else if (r !== 0) throw new Error(`an import's rest is ${JSON.stringify(r)}`);
    out[i] = imp;
  }
  return out;
}

/** An object JSON.stringify writes as its own enumerable properties (toJSON applied). */
function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null;
}

/** What JSON.stringify writes for `value` as the property `key`: its toJSON(key), if it has one. */
function toJSON(value: unknown, key: string): unknown {
  const f = value !== null && typeof value === 'object' ? (value as { toJSON?: unknown }).toJSON : undefined;
  return typeof f === 'function' ? (f as (k: string) => unknown).call(value, key) : value;
}

/** Writes lines to a new file in large chunks, hashing what it writes. */
export class LineWriter {
  /** Encoded text not yet written: the first `pending` bytes of `buf`. */
  private readonly buf = Buffer.allocUnsafeSlow(1 << 20);
  private pending = 0;
  readonly hash: Hash = createHash('sha256');
  size = 0;
  lines = 0;
  constructor(private readonly fd: number) {}
  /** Part of a line, for a line too large to build as one string first. Encoded straight into
   *  one reused buffer: joining pieces into large strings made garbage as large as the file. */
  piece(text: string): void {
    // UTF-8 takes at most 3 bytes for each UTF-16 code unit
    if (this.pending + text.length * 3 > this.buf.length) {
      this.flush();
      if (text.length * 3 > this.buf.length) {
        this.out(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.pending += this.buf.write(text, this.pending, 'utf8');
  }
  /**
   * JSON.stringify(value), written piece by piece through `depth` levels of arrays and plain
   * objects (an import's sites are built as it is written; a tree's result is tens of
   * megabytes as one string, twice that while it is being built).
   */
  json(value: unknown, depth: number): void {
    this.value(toJSON(value, ''), depth);
  }
  /** `value` with its toJSON already applied. */
  private value(value: unknown, depth: number): void {
    if (depth <= 0 || value === null || typeof value !== 'object' || !(Array.isArray(value) || isPlain(value))) {
      this.piece(JSON.stringify(value) ?? 'null');
      return;
    }
    if (Array.isArray(value)) {
      this.piece('[');
      for (let i = 0; i < value.length; i++) {
        if (i) this.piece(',');
        this.value(toJSON(value[i], String(i)), depth - 1);
      }
      this.piece(']');
      return;
    }
    this.piece('{');
    let first = true;
    for (const k of Object.keys(value)) {
      const v = toJSON((value as Record<string, unknown>)[k], k);
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      this.piece(`${first ? '' : ','}${JSON.stringify(k)}:`);
      first = false;
      this.value(v, depth - 1);
    }
    this.piece('}');
  }
  endLine(): void {
    this.piece('\n');
    this.lines++;
  }
  flush(): void {
    if (this.pending === 0) return;
    const n = this.pending;
    this.pending = 0;
    this.out(this.buf.subarray(0, n));
  }
  private out(buf: Buffer): void {
    this.hash.update(buf);
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    this.size += buf.length;
  }
}

const tmpName = (file: string) => `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;

/** Open part files of one hit, closed once read or when nothing can reach them any more. */
interface OpenParts {
  fds: Map<string, number>;
}
const closer = new FinalizationRegistry<OpenParts>((open) => {
  for (const fd of open.fds.values()) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  }
  open.fds.clear();
});

export class ResultCache {
  readonly dir: string;
  constructor(cacheDir: string) {
    this.dir = path.join(cacheDir, 'results');
  }

  private slotDir(slot: string): string {
    return path.join(this.dir, slot.slice(0, 32));
  }

  private headFile(slot: string, key: string): string {
    return path.join(this.slotDir(slot), `${key}.head`);
  }

  /** The cached result, or undefined (no entry, or one that is torn, foreign or incomplete). */
  get(slot: string, key: string): ScanResult | undefined {
    const file = this.headFile(slot, key);
    let head: Head;
    try {
      head = JSON.parse(fs.readFileSync(file, 'utf8')) as Head;
    } catch {
      return undefined;
    }
    if (!head || head.format !== 'gplcheck-result-cache' || head.formatVersion !== RESULT_CACHE_FORMAT || head.key !== key) return undefined;
    if (!head.result || !Array.isArray(head.result.units) || typeof head.parts !== 'object' || head.parts === null) return undefined;
    const names = head.parts.graph?.fields;
    if (head.parts.graph && !(Array.isArray(names) && names.length === head.parts.graph.lines && names.every((n) => typeof n === 'string'))) return undefined;
    const open: OpenParts = { fds: new Map() };
    const closeAll = () => {
      for (const fd of open.fds.values()) fs.closeSync(fd);
      open.fds.clear();
    };
    try {
      for (const [name, ref] of Object.entries(head.parts)) {
        const p = path.join(this.slotDir(slot), path.basename(ref.file));
        const fd = fs.openSync(p, 'r');
        open.fds.set(name, fd);
        if (fs.fstatSync(fd).size !== ref.size) {
          closeAll();
          return undefined;
        }
      }
    } catch {
      closeAll();
      return undefined;
    }
    // a hit is a use: `gplcheck cache prune` removes what has gone unused longest
    try {
      touchIfStale(file, fs.statSync(file).mtimeMs);
    } catch {
      // removed meanwhile: its parts are open, the result is whole
    }
    const result = head.result;
    // every accessor below reaches `state`: the files close once none of them can be read
    const state = { open };
    closer.register(state, open);
    const slotDir = this.slotDir(slot);
    const stored = new Map<string, StoredPart>();
    const partOf = (name: string): StoredPart => {
      let p = stored.get(name);
      if (!p) {
        const ref = head.parts[name];
        stored.set(name, (p = new StoredPart(state.open, name, ref, path.join(slotDir, path.basename(ref.file)), file, name === 'imports' ? readImports : (x) => x)));
      }
      return p;
    };
    const unitParts = UNIT_PARTS.filter((name) => head.parts[name]);
    result.units.forEach((u, i) => {
      for (const name of unitParts) storedProperty(u as unknown as Record<string, unknown>, name, () => partOf(name), i);
      Object.defineProperty(u, RELEASE, { value: (key: string) => (unitParts.includes(key as (typeof UNIT_PARTS)[number]) ? partOf(key).release(i) : undefined) });
    });
    if (names) {
      // one property a field, each read from its line when read
      const graph: Record<string, unknown> = {};
      const field = (x: unknown, j: number): unknown => {
        if (!Array.isArray(x) || x.length !== 2 || x[0] !== names[j]) throw new Error(`graph line ${j + 1} is not the field ${names[j]}`);
        return x[1];
      };
      names.forEach((name, j) => storedProperty(graph, name, () => partOf('graph'), j, field));
      Object.defineProperty(graph, RELEASE, { value: (key: string) => (names.includes(key) ? partOf('graph').release(names.indexOf(key)) : undefined) });
      (result as unknown as Record<string, unknown>).graph = graph;
    }
    return result;
  }

  /** Stores a result under `key`; false when it could not be written (that only costs speed). */
  put(slot: string, key: string, result: ScanResult): boolean {
    const dir = this.slotDir(slot);
    const written: string[] = [];
    try {
      fs.mkdirSync(dir, { recursive: true });
      const parts: Record<string, PartRef> = {};
      /** Writes a file through a temporary one; `target` names it from what was written. */
      const write = (tmp: string, fill: (w: LineWriter) => void, target: (w: LineWriter) => string): LineWriter => {
        const fd = fs.openSync(tmp, 'w');
        written.push(tmp);
        const w = new LineWriter(fd);
        try {
          fill(w);
          w.flush();
        } finally {
          fs.closeSync(fd);
        }
        const file = target(w);
        fs.renameSync(tmp, file);
        written.push(file);
        return w;
      };
      const writePart = (name: string, fill: (w: LineWriter) => void) => {
        let sha256 = '';
        let file = '';
        const w = write(tmpName(path.join(dir, `${key}.${name}`)), fill, (w) => {
          sha256 = w.hash.digest('hex');
          file = `${key}.${name}.${sha256.slice(0, 16)}.ndjson`;
          return path.join(dir, file);
        });
        parts[name] = { file, size: w.size, sha256, lines: w.lines };
      };
      const units = result.units.map((u) => ({ ...u }));
      for (const name of UNIT_PARTS) {
        writePart(name, (w) => {
          for (const u of result.units) {
            if (name === 'imports') writeImports(w, u.imports);
            else w.json(u[name], 1);
            w.endLine();
          }
        });
        for (const u of units) (u as Record<string, unknown>)[name] = PLACEHOLDER;
      }
      const stripped: ScanResult = { ...result, units };
      if (result.graph !== undefined) {
        const graph = result.graph;
        writePart('graph', (w) => {
          // JSON.stringify([k, v]), an array value written item by item: the function-level
          // edges and includes of a kernel tree are hundreds of megabytes as one string
          for (const entry of Object.entries(graph)) {
            w.json(entry, 2);
            w.endLine();
          }
        });
        parts.graph.fields = Object.keys(graph);
        (stripped as unknown as Record<string, unknown>).graph = PLACEHOLDER;
      }
      const head: Head = { format: 'gplcheck-result-cache', formatVersion: RESULT_CACHE_FORMAT, key, parts, result: stripped };
      // JSON.stringify(head) down to each unit, finding and warning (a tree's head is ~50 MB)
      const file = this.headFile(slot, key);
      write(tmpName(file), (w) => w.json(head, 4), () => file);
      this.prune(dir, key);
      return true;
    } catch {
      for (const f of written) fs.rmSync(f, { force: true });
      return false;
    }
  }

  /** Keeps the newest entries of a slot (the one just written among them). */
  private prune(dir: string, keep: string): void {
    const names = fs.readdirSync(dir);
    const heads = names
      .filter((n) => n.endsWith('.head') && n !== `${keep}.head`)
      .map((n) => {
        try {
          return { key: n.slice(0, -'.head'.length), t: fs.statSync(path.join(dir, n)).mtimeMs };
        } catch {
          return { key: n.slice(0, -'.head'.length), t: 0 };
        }
      })
      .sort((a, b) => b.t - a.t);
    const kept = new Set([keep, ...heads.slice(0, KEEP_PER_SLOT - 1).map((h) => h.key)]);
    const hour = Date.now() - 3600_000;
    for (const n of names) {
      const k = n.slice(0, 64);
      if (kept.has(k)) {
        // parts no longer named by the kept heads are replaced ones
        continue;
      }
      const p = path.join(dir, n);
      // temporary files of a writer still at work are left alone for an hour
      if (n.endsWith('.tmp')) {
        try {
          if (fs.statSync(p).mtimeMs > hour) continue;
        } catch {
          continue;
        }
      }
      fs.rmSync(p, { force: true });
    }
  }
}

/** Turns an existing data property into an enumerable accessor that loads its value on first read. */
/**
 * `obj[name]` as line `i` of a stored part: read (and kept) when read; assigning replaces it for
 * good; the part's release(i) drops a value read, to be read again if it is asked for again.
 */
function storedProperty(obj: Record<string, unknown>, name: string, part: () => StoredPart, i: number, pick?: (line: unknown, i: number) => unknown): void {
  Object.defineProperty(obj, name, {
    enumerable: true,
    configurable: true,
    get: () => part().get(i, pick),
    set: (v: unknown) => part().set(i, v),
  });
}

/** Parts up to `keepBytes` are kept as read; larger ones are read again line by line (tests
 *  lower it to read small parts so). */
export const PART_LIMITS = { keepBytes: 32 * 1024 * 1024 };

/**
 * One part file of a hit. Its sha256 is checked the first time a line is asked for, in one
 * pass that also finds where each line starts; a part of up to PART_LIMITS.keepBytes is kept in
 * memory from then on, a larger one is read again a line at a time (a kernel tree's imports
 * are 355 MB: read and parsed whole, a report that walks them all held them all). A line read
 * again is checked to be the line: the file still of its size, modified and changed when it
 * was checked (a write changes those), and the line ending where the pass found it.
 */
class StoredPart {
  private starts: Float64Array | undefined;
  private bytes: Buffer | undefined;
  private stat: string | undefined;
  private readonly values: unknown[] = [];
  /** 1: values[i] read from the file; 2: assigned. */
  private readonly state: Uint8Array;
  private failed: ResultCacheError | undefined;

  constructor(
    private readonly open: OpenParts,
    private readonly name: string,
    private readonly ref: PartRef,
    private readonly file: string,
    private readonly headFile: string,
    private readonly decode: (line: unknown) => unknown,
  ) {
    this.state = new Uint8Array(Math.max(0, ref.lines));
  }

  get(i: number, pick?: (line: unknown, i: number) => unknown): unknown {
    if (this.state[i]) return this.values[i];
    if (this.failed) throw this.failed;
    if (!this.bytes && !this.open.fds.has(this.name)) throw new ResultCacheError(this.file, 'result cache part already closed');
    const value = this.guard(() => {
      const line = this.decode(this.read(i));
      return pick ? pick(line, i) : line;
    });
    this.values[i] = value;
    this.state[i] = 1;
    return value;
  }

  set(i: number, v: unknown): void {
    this.values[i] = v;
    this.state[i] = 2;
  }

  /** Forgets line i's value, unless it was assigned. */
  release(i: number): void {
    if (this.state[i] !== 1) return;
    this.values[i] = undefined;
    this.state[i] = 0;
  }

  /** Line i, parsed. */
  private read(i: number): unknown {
    const fd = this.open.fds.get(this.name);
    if (!this.starts) this.check(fd!);
    const from = this.starts![i];
    const to = this.starts![i + 1] - 1; // without its newline
    if (from === undefined || !(to >= from)) throw new Error(`no line ${i + 1} of ${this.ref.lines}`);
    if (this.bytes) return JSON.parse(this.bytes.toString('utf8', from, to)) as unknown;
    if (statOf(fs.fstatSync(fd!, { bigint: true })) !== this.stat) {
      throw new ResultCacheError(this.file, 'damaged result cache entry (its file changed after it was checked); it has been removed: scan again');
    }
    const buf = Buffer.allocUnsafe(to + 1 - from);
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(fd!, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    if (got !== buf.length || buf[buf.length - 1] !== 10) throw new Error(`line ${i + 1} does not end where it did`);
    return JSON.parse(buf.toString('utf8', 0, buf.length - 1)) as unknown;
  }

  /** The pass over the whole file: its sha256, its size, its lines. */
  private check(fd: number): void {
    const size = this.ref.size;
    const keep = size <= PART_LIMITS.keepBytes;
    const st = fs.fstatSync(fd, { bigint: true });
    const hash = createHash('sha256');
    const starts: number[] = [0];
    const chunk = keep ? Buffer.allocUnsafe(size) : Buffer.allocUnsafe(Math.min(size, 4 << 20));
    let at = 0;
    while (at < size) {
      const into = keep ? chunk.subarray(at) : chunk;
      const n = fs.readSync(fd, into, 0, Math.min(into.length, size - at), at);
      if (n === 0) break;
      const got = into.subarray(0, n);
      hash.update(got);
      for (let j = got.indexOf(10); j >= 0; j = got.indexOf(10, j + 1)) starts.push(at + j + 1);
      at += n;
    }
    if (at !== size || hash.digest('hex') !== this.ref.sha256) {
      throw new ResultCacheError(this.file, 'damaged result cache entry (its content does not match its head); it has been removed: scan again, or scan with --no-cache');
    }
    if (starts[starts.length - 1] !== size) throw new Error('its last line has no newline');
    if (starts.length - 1 !== this.ref.lines) throw new ResultCacheError(this.file, `damaged result cache entry (${starts.length - 1} lines, its head says ${this.ref.lines}); it has been removed: scan again`);
    this.starts = Float64Array.from(starts);
    if (keep) {
      this.bytes = chunk;
      fs.closeSync(fd);
      this.open.fds.delete(this.name);
    } else {
      this.stat = statOf(st);
    }
  }

  /** Runs `fn`; a problem removes the entry and is this part's error from then on. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      fs.rmSync(this.headFile, { force: true });
      const err = e instanceof ResultCacheError ? e : new ResultCacheError(this.file, `damaged result cache entry (${(e as Error).message}); it has been removed: scan again`);
      this.failed = err;
      throw err;
    }
  }
}

/** What a write to a file changes: its size, modification and change times. */
function statOf(st: fs.BigIntStats): string {
  return `${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

// ---------------------------------------------------------------------------------------------
// The scan's side

/** What `scan()` hands over: its inputs and options (see ScanOptions). */
export interface ResultCacheScan {
  inputs: string[];
  options: ScanOptions;
  /** When the scan began, in ns since the epoch. */
  startNs: bigint;
}

/** Options that do not change a result (or are keyed separately). */
const NOT_IN_KEY = new Set(['db', 'command', 'now', 'onProgress', 'jobs', 'cache', 'needFacts', 'shard', 'provenance', 'cwd', 'gitignore', 'limits']);

/**
 * The result cache as one scan uses it: `lookup()` before the scan, `filesRead()` when it has
 * read every file, `store()` after it.
 * Undefined when the scan has no cache directory, is one shard of several, or matches sources
 * against provenance indices (their content is not in the key).
 */
export function openResultCache(
  scan: ResultCacheScan,
): { lookup(): ScanResult | undefined; filesRead(): void; store(result: ScanResult): boolean } | undefined {
  const { inputs, options } = scan;
  if (typeof options.cache !== 'string' || options.shard || options.provenance) return undefined;
  const cache = new ResultCache(options.cache);
  const cacheDir = path.resolve(options.cache); // left out of discovery, as the scan leaves it out
  const cwd = options.cwd ?? process.cwd();
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (!NOT_IN_KEY.has(k) && typeof v !== 'function') rest[k] = v;
  let settings: ResultKeySettings;
  try {
    settings = {
      toolVersion: TOOL.version,
      database: `${options.db.meta.name}:${options.db.meta.source.sha256 ?? options.db.meta.kernel}\0${JSON.stringify(options.db.meta)}`,
      options: { inputs, cwd, gitignore: options.gitignore !== false, limits: resolveLimits(options.limits), ...rest },
    };
  } catch {
    return undefined; // bad limits: the scan itself says so
  }
  const keys = () => {
    const found = discover(inputs, { cwd, exclude: options.exclude, gitignore: options.gitignore, leaveOut: [cacheDir] });
    const fp = fingerprintDiscovery(found);
    return { fp, ...resultKeys(settings, fp) };
  };
  let before: ReturnType<typeof keys> | undefined;
  let after: ReturnType<typeof keys> | undefined;
  return {
    lookup() {
      try {
        before = keys();
        return cache.get(before.slot, before.key);
      } catch {
        return undefined;
      }
    },
    filesRead() {
      if (!before || before.fp.unstable) return; // nothing will be stored: no second look
      try {
        after = keys();
      } catch {
        after = undefined;
      }
    },
    store(result) {
      try {
        if (!before || before.fp.unstable || unstableReason(result)) return false;
        // Files changed since the lookup, or so shortly before the scan that a later change
        // could leave their stat data as it is, keep the result out. A change after the last
        // read is a change of the next scan's key, so the files are looked at once all are
        // read (filesRead), while the heap is still small, or else now.
        const now = after ?? keys();
        if (now.key !== before.key || now.fp.newestNs > scan.startNs - RACY_NS) return false;
        // in a long or large scan, collect what the graph left before the write adds its own garbage
        phaseEnded(Date.now() - Number(scan.startNs / 1_000_000n), result.stats.files);
        return cache.put(before.slot, before.key, result);
      } catch {
        return false;
      }
    },
  };
}
