/**
 * The calls, functions and macros of a C file, held compactly. On the whole Linux tree the scan
 * keeps 4.8 million calls, 0.65 million functions and 0.4 million macros until linking; as
 * objects (a call, its site, its location) a call takes about 180 bytes, a macro about 250, most
 * of the scan's memory. `packCode` moves a file's `calls`, `addressTaken`, `functions` and
 * `macros` into tables of 32-bit integers and names (16 bytes a call, 20 a function, 28 a macro)
 * and leaves in their place properties that rebuild the same arrays of plain objects whenever
 * they are read: the facts look and serialise exactly as before. The
 * linker reads the table directly (`codeTableOf`) and refers to a call by its index, without
 * building it.
 *
 * An entry whose shape the table does not know (another location path, a field it does not
 * hold, fields in another order) is kept as it came, so that rebuilding gives it back unchanged.
 */
import type { CCall, CFileFacts, CFunction, CMacro, Location, ReferenceSite } from '../analyzers/facts';

/**
 * Integers per call: callee; line and column (line << COLUMN_BITS | column); function (-1:
 * none); flags, with the viaMacros list above them (list + 1 << FLAG_BITS; 0: none). A line or
 * column too large for its bits makes the entry odd.
 */
const STRIDE = 4;
const COLUMN_BITS = 12;
const MAX_COLUMN = (1 << COLUMN_BITS) - 1;
const MAX_LINE = (1 << (31 - COLUMN_BITS)) - 1;
const FLAG_BITS = 6;
/** Low bits of the flags: the site's kind, an index into KINDS. */
const KIND_MASK = 3;
const CONDITIONAL = 4;
const LEXICAL = 8;
const GUESS = 16;
/** Kept as it came, in `odd`. */
const ODD = 32;

const KINDS: ReferenceSite['kind'][] = ['call', 'address', 'data'];
const CALL_KEYS = ['callee', 'site', 'guess'];
const SITE_KEYS = ['location', 'kind', 'conditional', 'viaMacros', 'lexical'];
const LOCATION_KEYS = ['path', 'line', 'column', 'function'];

/** Integers per function: name, line, column, endLine, flags. */
const FN_STRIDE = 5;
const FN_STATIC = 1;
const FN_INLINE = 2;
const FN_CONDITIONAL = 4;
const FN_ODD = 8;
const FUNCTION_KEYS = ['name', 'static', 'location', 'endLine', 'inline', 'conditional'];
const FUNCTION_LOCATION_KEYS = ['path', 'line', 'column'];

/** Integers per macro: name, line, column, flags, body (-1: empty), params list (-1: none), calls list. */
const MACRO_STRIDE = 7;
const MACRO_CONDITIONAL = 1;
const MACRO_ODD = 2;
/** In the order the C analyser makes them (analyzers/c/analyze.ts). */
const MACRO_KEYS = ['name', 'body', 'location', 'calls', 'params', 'conditional'];

/** Strings longer than this are not looked up (rarely repeated: macro bodies, messages). */
export const MAX_SHARED_LENGTH = 256;

/**
 * Names shared by the tables of many files (those of one scan, src/intern.ts): each string
 * once, and a table holds indexes into it. Without one, a table has names of its own; on the
 * Linux tree those per-file lists of names took more memory than all the integers.
 */
export class NameTable {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();

  /** The index of `s`, which is added if new (a long one each time: it is not looked up). */
  id(s: string): number {
    if (s.length > MAX_SHARED_LENGTH) return this.list.push(s) - 1;
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.push(s) - 1;
      this.index.set(s, i);
    }
    return i;
  }

  /** The one copy of `s` (a long one as it is). */
  share(s: string): string {
    return s.length > MAX_SHARED_LENGTH ? s : this.list[this.id(s)];
  }

  /** How many distinct strings are shared. */
  get size(): number {
    return this.index.size;
  }
}

/** The rows of a table as objects, built anew: a row flagged odd is a copy of the object kept for
 *  it in `odd`; `make` builds any other from the row at `d[b]`, with its flags (at `flagsAt`). */
function rows<T>(d: Int32Array, stride: number, flagsAt: number, oddFlag: number, odd: Map<number, T> | undefined, make: (d: Int32Array, b: number, flags: number) => T): T[] {
  const n = d.length / stride;
  const out: T[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const b = i * stride;
    const flags = d[b + flagsAt];
    out[i] = flags & oddFlag ? structuredClone(odd!.get(i)!) : make(d, b, flags);
  }
  return out;
}

export class CodeTable {
  /** Every entry: the calls first, then the address-taken uses. */
  readonly count: number;

  constructor(
    readonly path: string,
    /** How many of the entries are calls (`CFileFacts.calls`). */
    readonly calls: number,
    private readonly data: Int32Array,
    /** The file's names, or a NameTable's shared by many files. */
    private readonly names: readonly string[],
    private readonly lists: string[][],
    private readonly odd: Map<number, CCall> | undefined,
    private readonly fns: Int32Array,
    private readonly oddFns: Map<number, CFunction> | undefined,
    private readonly macroData: Int32Array,
    private readonly oddMacros: Map<number, CMacro> | undefined,
  ) {
    this.count = data.length / STRIDE;
  }

  /** How many functions the file defines. */
  get functionCount(): number {
    return this.fns.length / FN_STRIDE;
  }

  /** The name of function `i`, without building it. */
  functionName(i: number): string {
    return this.fns[i * FN_STRIDE + 4] & FN_ODD ? this.oddFns!.get(i)!.name : this.names[this.fns[i * FN_STRIDE]];
  }

  /** The file's functions (`CFileFacts.functions`), built anew. */
  functions(): CFunction[] {
    return rows(this.fns, FN_STRIDE, 4, FN_ODD, this.oddFns, (d, b, flags) => {
      const fn: CFunction = { name: this.names[d[b]], static: (flags & FN_STATIC) !== 0, location: { path: this.path, line: d[b + 1], column: d[b + 2] }, endLine: d[b + 3] };
      if (flags & FN_INLINE) fn.inline = true;
      if (flags & FN_CONDITIONAL) fn.conditional = true;
      return fn;
    });
  }

  /** How many macros the file defines. */
  get macroCount(): number {
    return this.macroData.length / MACRO_STRIDE;
  }

  /** The name of macro `i`, without building it. */
  macroName(i: number): string {
    return this.macroData[i * MACRO_STRIDE + 3] & MACRO_ODD ? this.oddMacros!.get(i)!.name : this.names[this.macroData[i * MACRO_STRIDE]];
  }

  /** The file's macros (`CFileFacts.macros`), built anew. */
  macros(): CMacro[] {
    return rows(this.macroData, MACRO_STRIDE, 3, MACRO_ODD, this.oddMacros, (d, b, flags) => {
      const m: CMacro = { name: this.names[d[b]], body: d[b + 4] < 0 ? '' : this.names[d[b + 4]], location: { path: this.path, line: d[b + 1], column: d[b + 2] }, calls: this.lists[d[b + 6]].slice() };
      if (d[b + 5] >= 0) m.params = this.lists[d[b + 5]].slice();
      if (flags & MACRO_CONDITIONAL) m.conditional = true;
      return m;
    });
  }

  /** The name entry `i` calls or uses. */
  callee(i: number): string {
    const o = this.data[i * STRIDE + 3] & ODD ? this.odd!.get(i)! : undefined;
    return o ? o.callee : this.names[this.data[i * STRIDE]];
  }

  /** The function entry `i` lies in (its site's `location.function`), without building it. */
  functionOf(i: number): string | undefined {
    const b = i * STRIDE;
    if (this.data[b + 3] & ODD) return this.odd!.get(i)!.site?.location?.function;
    const fn = this.data[b + 2];
    return fn >= 0 ? this.names[fn] : undefined;
  }

  /** Entry `i`, built anew. */
  call(i: number): CCall {
    const b = i * STRIDE;
    const d = this.data;
    const flags = d[b + 3];
    if (flags & ODD) return structuredClone(this.odd!.get(i)!);
    const fn = d[b + 2];
    const line = d[b + 1] >>> COLUMN_BITS;
    const column = d[b + 1] & MAX_COLUMN;
    const location: Location = fn >= 0 ? { path: this.path, line, column, function: this.names[fn] } : { path: this.path, line, column };
    const site: ReferenceSite = { location, kind: KINDS[flags & KIND_MASK] };
    if (flags & CONDITIONAL) site.conditional = true;
    const via = flags >>> FLAG_BITS;
    if (via > 0) site.viaMacros = this.lists[via - 1].slice();
    if (flags & LEXICAL) site.lexical = true;
    const call: CCall = { callee: this.names[d[b]], site };
    if (flags & GUESS) call.guess = true;
    return call;
  }

  /** Entry `i`'s site, built anew. */
  site(i: number): ReferenceSite {
    return this.call(i).site;
  }

  /** The entries from `start` to `end`, built anew. */
  slice(start: number, end: number): CCall[] {
    const out: CCall[] = new Array(Math.max(0, end - start));
    for (let i = start; i < end; i++) out[i - start] = this.call(i);
    return out;
  }

  /** Bytes the table holds, its strings and shared names aside. */
  get bytes(): number {
    return this.data.byteLength + this.fns.byteLength + this.macroData.byteLength + this.lists.length * 32;
  }
}

const tables = new WeakMap<CFileFacts, CodeTable>();

/** The table of a packed file, or undefined. */
export function codeTableOf(f: CFileFacts): CodeTable | undefined {
  return tables.get(f);
}

/** Every name a file calls or uses as a value, in order, without building its calls. */
export function forEachCallee(f: CFileFacts, out: (name: string) => void): void {
  const table = tables.get(f);
  if (table) for (let i = 0; i < table.count; i++) out(table.callee(i));
  else {
    for (const c of f.calls) out(c.callee);
    for (const c of f.addressTaken) out(c.callee);
  }
}

/** Keys of `o` in order, each one of `allowed` and in its order. */
function keysInOrder(o: object, allowed: readonly string[]): boolean {
  let at = -1;
  for (const k in o) {
    const i = allowed.indexOf(k, at + 1);
    if (i < 0) return false;
    at = i;
  }
  return true;
}

const isInt = (n: unknown): n is number => typeof n === 'number' && (n | 0) === n;

/** A location the table can hold: in the packed file, at an integer line and column. */
const inFile = (l: Location | undefined, path: string): l is Location => l !== undefined && l.path === path && isInt(l.line) && isInt(l.column);

/** Back to arrays of objects (an assignment to a packed property of a packed file). */
function unpack(f: CFileFacts): void {
  const table = tables.get(f);
  if (!table) return;
  tables.delete(f);
  const calls = table.slice(0, table.calls);
  const taken = table.slice(table.calls, table.count);
  const functions = table.functions();
  const macros = table.macros();
  Object.defineProperty(f, 'macros', { value: macros, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(f, 'calls', { value: calls, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(f, 'addressTaken', { value: taken, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(f, 'functions', { value: functions, writable: true, enumerable: true, configurable: true });
}

// One set of accessors for every packed file: nothing per file but its table, and files keep
// one shape. (Closures made per file would hold the whole packing scope, its indexes included:
// a third of the facts' memory on a kernel tree.)
function packedProperty(name: 'calls' | 'addressTaken' | 'functions' | 'macros', read: (t: CodeTable) => unknown[]): PropertyDescriptor {
  return {
    get(this: CFileFacts): unknown[] {
      return read(tables.get(this)!);
    },
    set(this: CFileFacts, v: unknown[]): void {
      unpack(this);
      (this as unknown as Record<string, unknown[]>)[name] = v;
    },
    enumerable: true,
    configurable: true,
  };
}

const CALLS = packedProperty('calls', (t) => t.slice(0, t.calls));
const ADDRESS_TAKEN = packedProperty('addressTaken', (t) => t.slice(t.calls, t.count));
const FUNCTIONS = packedProperty('functions', (t) => t.functions());
const MACROS = packedProperty('macros', (t) => t.macros());

/** The accessors that stand for the packed properties. */
const PACKED: Record<string, PropertyDescriptor> = { calls: CALLS, addressTaken: ADDRESS_TAKEN, functions: FUNCTIONS, macros: MACROS };

/**
 * Moves `f.calls`, `f.addressTaken`, `f.functions` and `f.macros` into a table (in place) and
 * returns it; a file already packed returns its table. With `shared`, the table's names are
 * indexes into it and every string kept is its copy (src/intern.ts). Assigning to any of the
 * four afterwards unpacks the file.
 *
 * V8 keeps an object whose data property became an accessor in dictionary mode, about 800 bytes
 * more a file: where the caller can take a new object, `packedCopy` is the compact way.
 */
export function packCode(f: CFileFacts, shared?: NameTable): CodeTable {
  const have = tables.get(f);
  if (have) return have;
  const table = buildTable(f, shared);
  tables.set(f, table);
  // Redefining keeps each property's place among the keys: JSON and key order stay as they were.
  for (const k of Object.keys(PACKED)) Object.defineProperty(f, k, PACKED[k]);
  return table;
}

/**
 * The facts of `f` packed as packCode packs them, in a new object with the same keys in the
 * same order (the nested values are `f`'s own, not copies); `f` itself is left as it was.
 */
export function packedCopy(f: CFileFacts, shared?: NameTable): CFileFacts {
  if (tables.has(f)) return f;
  const table = buildTable(f, shared);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(f)) {
    const packed = PACKED[k];
    if (packed) Object.defineProperty(out, k, packed);
    else out[k] = (f as unknown as Record<string, unknown>)[k];
  }
  const copy = out as unknown as CFileFacts;
  tables.set(copy, table);
  return copy;
}

/** The table of `f`'s calls, functions and macros (the object is not changed, but its path is shared). */
function buildTable(f: CFileFacts, shared: NameTable | undefined): CodeTable {
  const calls = f.calls;
  const taken = f.addressTaken;
  const n = calls.length + taken.length;
  const data = new Int32Array(n * STRIDE);
  const own = shared ? undefined : new NameTable();
  const names = (shared ?? own)!;
  const share = (s: string): string => (shared ? shared.share(s) : s);
  const lists: string[][] = [];
  const listIndex = new Map<string, number>();
  let odd: Map<number, CCall> | undefined;
  const name = (s: string): number => names.id(s);
  const list = (l: string[]): number => {
    const key = `${l.length}\0${l.join('\0')}`;
    let i = listIndex.get(key);
    if (i === undefined) {
      i = lists.length;
      lists.push(l.map(share));
      listIndex.set(key, i);
    }
    return i;
  };
  for (let i = 0; i < n; i++) {
    const c = i < calls.length ? calls[i] : taken[i - calls.length];
    const b = i * STRIDE;
    const s = c.site;
    const l = s?.location;
    const kind = s ? KINDS.indexOf(s.kind) : -1;
    const plain =
      kind >= 0 &&
      typeof c.callee === 'string' &&
      (c.guess === undefined || c.guess === true) &&
      (s.conditional === undefined || s.conditional === true) &&
      (s.lexical === undefined || s.lexical === true) &&
      (s.viaMacros === undefined || (Array.isArray(s.viaMacros) && s.viaMacros.every((m) => typeof m === 'string'))) &&
      inFile(l, f.path) &&
      l.line! >= 0 &&
      l.line! <= MAX_LINE &&
      l.column! >= 0 &&
      l.column! <= MAX_COLUMN &&
      (l.function === undefined || typeof l.function === 'string') &&
      keysInOrder(c, CALL_KEYS) &&
      keysInOrder(s, SITE_KEYS) &&
      keysInOrder(l, LOCATION_KEYS);
    if (!plain) {
      (odd ??= new Map()).set(i, c);
      data[b + 3] = ODD;
      continue;
    }
    data[b] = name(c.callee);
    data[b + 1] = (l.line! << COLUMN_BITS) | l.column!;
    data[b + 2] = l.function === undefined ? -1 : name(l.function);
    const flags = kind | (s.conditional ? CONDITIONAL : 0) | (s.lexical ? LEXICAL : 0) | (c.guess ? GUESS : 0);
    data[b + 3] = flags | (s.viaMacros ? (list(s.viaMacros) + 1) << FLAG_BITS : 0);
  }
  const functions = f.functions;
  const fns = new Int32Array(functions.length * FN_STRIDE);
  let oddFns: Map<number, CFunction> | undefined;
  for (let i = 0; i < functions.length; i++) {
    const x = functions[i];
    const b = i * FN_STRIDE;
    const l = x.location;
    const plain =
      typeof x.name === 'string' &&
      typeof x.static === 'boolean' &&
      (x.inline === undefined || x.inline === true) &&
      (x.conditional === undefined || x.conditional === true) &&
      isInt(x.endLine) &&
      inFile(l, f.path) &&
      keysInOrder(x, FUNCTION_KEYS) &&
      keysInOrder(l, FUNCTION_LOCATION_KEYS);
    if (!plain) {
      (oddFns ??= new Map()).set(i, x);
      fns[b + 4] = FN_ODD;
      continue;
    }
    fns[b] = name(x.name);
    fns[b + 1] = l.line!;
    fns[b + 2] = l.column!;
    fns[b + 3] = x.endLine;
    fns[b + 4] = (x.static ? FN_STATIC : 0) | (x.inline ? FN_INLINE : 0) | (x.conditional ? FN_CONDITIONAL : 0);
  }
  const macros = f.macros;
  const mac = new Int32Array(macros.length * MACRO_STRIDE);
  let oddMacros: Map<number, CMacro> | undefined;
  const strings = (l: unknown): l is string[] => Array.isArray(l) && l.every((x) => typeof x === 'string');
  for (let i = 0; i < macros.length; i++) {
    const m = macros[i];
    const b = i * MACRO_STRIDE;
    const l = m.location;
    const plain =
      typeof m.name === 'string' &&
      typeof m.body === 'string' &&
      strings(m.calls) &&
      (m.params === undefined || strings(m.params)) &&
      (m.conditional === undefined || m.conditional === true) &&
      inFile(l, f.path) &&
      keysInOrder(m, MACRO_KEYS) &&
      keysInOrder(l, FUNCTION_LOCATION_KEYS);
    if (!plain) {
      (oddMacros ??= new Map()).set(i, m);
      mac[b + 3] = MACRO_ODD;
      continue;
    }
    mac[b] = name(m.name);
    mac[b + 1] = l.line!;
    mac[b + 2] = l.column!;
    mac[b + 3] = m.conditional ? MACRO_CONDITIONAL : 0;
    mac[b + 4] = m.body === '' ? -1 : name(m.body);
    mac[b + 5] = m.params ? list(m.params) : -1;
    mac[b + 6] = list(m.calls);
  }
  f.path = share(f.path);
  return new CodeTable(f.path, calls.length, data, names.list, lists, odd, fns, oddFns, mac, oddMacros);
}
