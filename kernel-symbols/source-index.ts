/**
 * An index of a Linux source tree (`gplcheck symbols index <linux-src>`):
 *  - every `EXPORT_SYMBOL*` site with file and line, export type, namespace (explicit, from an
 *    in-file `#define DEFAULT_SYMBOL_NAMESPACE` before the first #include, or from
 *    `-DDEFAULT_SYMBOL_NAMESPACE=` in the directory's Makefile/Kbuild) and whether it sits
 *    inside `#if`/`#ifdef`;
 *  - every header's SPDX licence (`include/**` and `arch/* /include/**`), with UAPI headers and
 *    the Linux-syscall-note marked;
 *  - which of those headers declare each exported name, with the line.
 *
 * It is a lexical pass, not a parse: comments and literals are blanked, `#define` lines are
 * skipped, and the export macros are matched by name. Over the whole 6.1 tree (55,000 files)
 * it takes seconds, where a tree-sitter parse takes minutes (kernel-symbols/README.md gives
 * both). What it does not see: exports made by other macros (`EXPORT_INDIRECT_CALLABLE`,
 * `EXPORT_*_DEV_PM_OPS`, per-arch wrappers), names pasted together (`__SCK__##name`), and
 * configuration: a site counts whether or not a given build compiles it.
 *
 * File format (version 1): gzip of two JSON lines, SourceIndexMeta and a body of columns.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { lineOf, lineStarts } from '../analyzers/c/text';
import type { ExportType } from '../analyzers/facts';
import { DatabaseFormatError, KernelSymbolsError } from './errors';

export const INDEX_FORMAT_NAME = 'gplcheck-source-index' as const;
export const INDEX_FORMAT_VERSION = 1;

export interface ExportSite {
  symbol: string;
  /** The macro as written (`EXPORT_SYMBOL_NS_GPL`). */
  macro: string;
  type: ExportType;
  namespace?: string;
  /** `EXPORT_SYMBOL_FOR_MODULES(sym, "kvm,kvm-amd")`. */
  forModules?: string[];
  /** Path relative to the tree's root. */
  file: string;
  line: number;
  /** Inside `#if`/`#ifdef` (an include guard does not count). */
  conditional?: boolean;
}

export interface HeaderLicence {
  file: string;
  /** SPDX-License-Identifier expression; absent when the header has none. */
  spdx?: string;
  /** Under a `uapi/` directory: the user-space API. */
  uapi: boolean;
  /** The expression carries `WITH Linux-syscall-note`. */
  syscallNote: boolean;
}

export interface Declaration {
  symbol: string;
  file: string;
  line: number;
}

export interface SourceIndexMeta {
  format: typeof INDEX_FORMAT_NAME;
  formatVersion: number;
  /** From the tree's top Makefile: `6.1.192`. */
  kernelVersion?: string;
  /** Base name of the indexed directory (`linux-source-6.1`). */
  tree: string;
  /** Top-level directories left out of the export scan. */
  excluded: string[];
  counts: {
    filesScanned: number;
    exportSites: number;
    exportedNames: number;
    headers: number;
    headersWithSpdx: number;
    uapiHeaders: number;
    syscallNoteHeaders: number;
    declarations: number;
  };
}

interface Body {
  files: string[];
  /** Export sites as columns. */
  symbols: string;
  macros: string[];
  /** per site: index into macros, file index, line, namespace index (-1 none), flags (1 conditional, 2 GPL-only), forModules index (-1) */
  site: number[];
  namespaces: string[];
  forModules: string[];
  /** Headers: file index, spdx index (-1 none), flags (1 uapi, 2 syscall note). */
  header: number[];
  spdx: string[];
  /** Declarations: symbol name index (into the exported names, sorted), file index, line. */
  names: string;
  decl: number[];
}

// ------------------------------------------------------------------------------------------
// Export macros
// ------------------------------------------------------------------------------------------

interface MacroSpec {
  type: ExportType;
  /** Argument holding the namespace. */
  ns?: number;
  /** Argument holding the module list (EXPORT_SYMBOL_FOR_MODULES). */
  mods?: number;
  /** Takes DEFAULT_SYMBOL_NAMESPACE. */
  defaultNs?: boolean;
  /** Names exported for the argument (default: the argument). */
  names?: (a: string) => string[];
}

const staticCall = (a: string) => [`__SCK__${a}`, `__SCT__${a}`];
const tracepoint = (a: string) => [`__tracepoint_${a}`, `__traceiter_${a}`, `__SCK__tp_func_${a}`, `__SCT__tp_func_${a}`];

export const INDEXED_EXPORT_MACROS: Readonly<Record<string, MacroSpec>> = {
  EXPORT_SYMBOL: { type: 'plain', defaultNs: true },
  EXPORT_SYMBOL_GPL: { type: 'gpl', defaultNs: true },
  EXPORT_SYMBOL_NS: { type: 'plain', ns: 1 },
  EXPORT_SYMBOL_NS_GPL: { type: 'gpl', ns: 1 },
  EXPORT_SYMBOL_GPL_FUTURE: { type: 'plain', defaultNs: true },
  EXPORT_UNUSED_SYMBOL: { type: 'plain', defaultNs: true },
  EXPORT_UNUSED_SYMBOL_GPL: { type: 'gpl', defaultNs: true },
  EXPORT_SYMBOL_GPL_FOR_MODULES: { type: 'gpl', mods: 1 },
  EXPORT_SYMBOL_FOR_MODULES: { type: 'gpl', mods: 1 },
  EXPORT_DATA_SYMBOL: { type: 'plain', defaultNs: true },
  EXPORT_DATA_SYMBOL_GPL: { type: 'gpl', defaultNs: true },
  EXPORT_PER_CPU_SYMBOL: { type: 'plain', defaultNs: true },
  EXPORT_PER_CPU_SYMBOL_GPL: { type: 'gpl', defaultNs: true },
  EXPORT_TRACEPOINT_SYMBOL: { type: 'plain', defaultNs: true, names: tracepoint },
  EXPORT_TRACEPOINT_SYMBOL_GPL: { type: 'gpl', defaultNs: true, names: tracepoint },
  EXPORT_STATIC_CALL: { type: 'plain', defaultNs: true, names: staticCall },
  EXPORT_STATIC_CALL_GPL: { type: 'gpl', defaultNs: true, names: staticCall },
  EXPORT_STATIC_CALL_TRAMP: { type: 'plain', defaultNs: true, names: (a) => [`__SCT__${a}`] },
  EXPORT_STATIC_CALL_TRAMP_GPL: { type: 'gpl', defaultNs: true, names: (a) => [`__SCT__${a}`] },
};

// ------------------------------------------------------------------------------------------
// Lexical helpers
// ------------------------------------------------------------------------------------------

const START = /\/[*/]|["']/g;

/**
 * Where comments and string/char literals are: flat [start, end) pairs in order. A string's
 * pair covers its quotes. No copy of the text is made.
 */
export function literalRanges(text: string): number[] {
  const out: number[] = [];
  START.lastIndex = 0;
  for (let m = START.exec(text); m; m = START.exec(text)) {
    const i = m.index;
    let end: number;
    if (m[0] === '/*') {
      const e = text.indexOf('*/', i + 2);
      end = e < 0 ? text.length : e + 2;
    } else if (m[0] === '//') {
      let e = text.indexOf('\n', i);
      while (e > 0 && text.charCodeAt(e - 1) === 92 /* backslash */) e = text.indexOf('\n', e + 1);
      end = e < 0 ? text.length : e;
    } else {
      const q = text.charCodeAt(i);
      let j = i + 1;
      for (; j < text.length; j++) {
        const c = text.charCodeAt(j);
        if (c === 92) j++;
        else if (c === q || c === 10) break;
      }
      end = Math.min(j + 1, text.length);
    }
    out.push(i, end);
    START.lastIndex = end;
  }
  return out;
}

/** A cursor over literal ranges for offsets visited in increasing order. */
class RangeCursor {
  private k = 0;
  constructor(private readonly r: number[]) {}
  /** True when `offset` is inside a comment or literal. Offsets must not decrease. */
  inside(offset: number): boolean {
    while (this.k < this.r.length && this.r[this.k + 1] <= offset) this.k += 2;
    return this.k < this.r.length && this.r[this.k] <= offset;
  }
}

/** Comments and the contents of string/char literals replaced by blanks (newlines kept), same length. */
export function blankComments(text: string): string {
  const r = literalRanges(text);
  const out: string[] = [];
  let last = 0;
  for (let k = 0; k < r.length; k += 2) {
    const a = r[k];
    const b = r[k + 1];
    out.push(text.slice(last, a));
    const part = text.slice(a, b);
    const blank = part.indexOf('\n') < 0 ? ' '.repeat(b - a) : part.replace(/[^\n]/g, ' ');
    out.push(part[0] === '"' && part.length > 1 && part[part.length - 1] === '"' ? `"${blank.slice(2)}"` : blank);
    last = b;
  }
  out.push(text.slice(last));
  return out.join('');
}

/** Every `.h` under `dirs` of `root` (paths relative to root, `/`-separated), sorted.
 *  A directory that cannot be listed is left out: kernel trees hold no unreadable ones. */
export function listHeaders(root: string, dirs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && e.name.endsWith('.h')) out.push(r);
    }
  };
  for (const d of dirs) walk(d);
  return out.sort();
}

interface Directive {
  kind: string;
  /** Offsets of the directive (continuation lines included). */
  start: number;
  end: number;
  /** Depth of #if nesting after this directive, include guard not counted. */
  depthAfter: number;
}

const DIRECTIVE_RE = /^[ \t]*#[ \t]*(\w+)/gm;

/** The preprocessor directives of a file, with the #if depth after each (include guard excepted). */
function directivesOf(text: string, lits: number[]): Directive[] {
  const cur = new RangeCursor(lits);
  const list: { kind: string; start: number; end: number; name?: string }[] = [];
  DIRECTIVE_RE.lastIndex = 0;
  for (let m = DIRECTIVE_RE.exec(text); m; m = DIRECTIVE_RE.exec(text)) {
    const hash = text.indexOf('#', m.index);
    if (cur.inside(hash)) continue;
    let end = text.indexOf('\n', m.index);
    while (end > 0 && (text.charCodeAt(end - 1) === 92 || (text.charCodeAt(end - 1) === 13 && text.charCodeAt(end - 2) === 92))) end = text.indexOf('\n', end + 1);
    if (end < 0) end = text.length;
    const kind = m[1];
    let name: string | undefined;
    if (kind === 'ifndef' || kind === 'define') name = /^\s*(\w+)/.exec(text.slice(m.index + m[0].length, Math.min(end, m.index + m[0].length + 200)))?.[1];
    list.push({ kind, start: m.index, end, name });
    DIRECTIVE_RE.lastIndex = end;
  }
  const guard = list.length >= 2 && list[0].kind === 'ifndef' && list[1].kind === 'define' && !!list[0].name && list[0].name === list[1].name;
  let depth = 0;
  return list.map((d) => {
    if (d.kind === 'if' || d.kind === 'ifdef' || d.kind === 'ifndef') depth++;
    else if (d.kind === 'endif') depth = Math.max(0, depth - 1);
    return { kind: d.kind, start: d.start, end: d.end, depthAfter: Math.max(0, depth - (guard ? 1 : 0)) };
  });
}

/** A cursor over directives for offsets visited in increasing order: in a directive? #if depth there? */
class DirectiveCursor {
  private k = 0;
  constructor(private readonly d: Directive[]) {}
  at(offset: number): { inDirective: boolean; depth: number } {
    while (this.k < this.d.length && this.d[this.k].end < offset) this.k++;
    const cur = this.d[this.k];
    if (cur && cur.start <= offset && offset <= cur.end) return { inDirective: true, depth: 0 };
    return { inDirective: false, depth: this.k > 0 ? this.d[this.k - 1].depthAfter : 0 };
  }
}

/** Top-level comma-separated arguments of text[open] = '(' up to its ')', comments and literals respected. */
function argsAt(text: string, open: number, lits: number[]): { args: string[]; close: number } | null {
  const args: string[] = [];
  let depth = 0;
  let from = open + 1;
  let k = 0;
  for (let i = open; i < text.length && i < open + 4000; i++) {
    while (k < lits.length && lits[k + 1] <= i) k += 2;
    if (k < lits.length && lits[k] <= i) {
      i = lits[k + 1] - 1;
      continue;
    }
    const c = text.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41) {
      if (--depth === 0) {
        args.push(text.slice(from, i).trim());
        return { args, close: i };
      }
    } else if (c === 44 && depth === 1) {
      args.push(text.slice(from, i).trim());
      from = i + 1;
    }
  }
  return null;
}

const EXPORT_RE = /\b((?:[A-Z][A-Z0-9]*_)*EXPORT_[A-Z_]+)\s*\(/g;

/** A project macro that wraps one of the export macros around its single parameter. */
export interface WrapperSpec extends MacroSpec {
  /** The namespace the wrapper passes (`IWL_EXPORT_SYMBOL(sym)` -> `EXPORT_SYMBOL_NS_GPL(sym, IWLWIFI)`). */
  fixedNs?: string;
  /** The export macro inside. */
  inner: string;
}

const WRAPPER_RE = /^[ \t]*#[ \t]*define[ \t]+(\w+)\([ \t]*(\w+)[ \t]*\)((?:[^\n]*\\\r?\n)*[^\n]*)/gm;

/**
 * `#define NAME(p) ... EXPORT_xxx(p[, NS]) ...` in a file: NAME exports its argument like
 * EXPORT_xxx (ACPI_EXPORT_SYMBOL, IWL_EXPORT_SYMBOL, EXPORT_SYMBOL_IF_KUNIT, ...).
 */
export function exportWrappersIn(raw: string, into: Map<string, WrapperSpec> = new Map()): Map<string, WrapperSpec> {
  WRAPPER_RE.lastIndex = 0;
  for (let m = WRAPPER_RE.exec(raw); m; m = WRAPPER_RE.exec(raw)) {
    const [, name, param, body] = m;
    if (INDEXED_EXPORT_MACROS[name] || into.has(name)) continue;
    const inner = new RegExp(`\\b(EXPORT_[A-Z_]+)\\s*\\(\\s*${param}\\s*(?:,\\s*("?)([A-Za-z_]\\w*)\\2\\s*)?\\)`).exec(body);
    const spec = inner && INDEXED_EXPORT_MACROS[inner[1]];
    if (!spec || spec.names) continue;
    const w: WrapperSpec = { ...spec, inner: inner[1] };
    if (spec.ns !== undefined) {
      if (!inner[3] || inner[3] === param) continue;
      w.fixedNs = inner[3];
      delete w.ns;
    }
    if (spec.mods !== undefined) continue;
    into.set(name, w);
  }
  return into;
}
const DEFAULT_NS_RE = /^[ \t]*#[ \t]*define[ \t]+DEFAULT_SYMBOL_NAMESPACE[ \t]+("?)([A-Za-z_][\w:]*)\1/gm;

/**
 * The export sites of one file, found lexically. `defaultNs` is the namespace the build gives
 * (`-DDEFAULT_SYMBOL_NAMESPACE=` in its Makefile), if any.
 */
export function exportSitesOf(
  file: string,
  raw: string,
  defaultNs?: string,
  wrappers: ReadonlyMap<string, WrapperSpec> = new Map(),
): ExportSite[] {
  const lits = literalRanges(raw);
  const dirs = directivesOf(raw, lits);
  const starts = lineStarts(raw);
  const fileNs: [number, string][] = [];
  DEFAULT_NS_RE.lastIndex = 0;
  // <linux/export.h> tests `#ifdef DEFAULT_SYMBOL_NAMESPACE` when it is included: a define
  // after the file's first #include comes too late (6.1's nct6775-core.c: no namespace).
  const firstInclude = /^[ \t]*#[ \t]*include\b/m.exec(raw)?.index ?? raw.length;
  for (let m = DEFAULT_NS_RE.exec(raw); m; m = DEFAULT_NS_RE.exec(raw)) if (m.index < firstInclude) fileNs.push([m.index, m[2]]);
  const cur = new RangeCursor(lits);
  const dcur = new DirectiveCursor(dirs);
  const out: ExportSite[] = [];
  EXPORT_RE.lastIndex = 0;
  for (let m = EXPORT_RE.exec(raw); m; m = EXPORT_RE.exec(raw)) {
    const spec = INDEXED_EXPORT_MACROS[m[1]] ?? wrappers.get(m[1]);
    if (!spec || cur.inside(m.index)) continue;
    const where = dcur.at(m.index);
    if (where.inDirective) continue; // a #define of a wrapper, or a use inside one
    const a = argsAt(raw, m.index + m[0].length - 1, lits);
    if (!a) continue;
    const sym = a.args[0];
    if (!/^[A-Za-z_]\w*$/.test(sym)) continue; // pasted or computed: not a name we can know
    let namespace: string | undefined = (spec as WrapperSpec).fixedNs;
    if (namespace) {
      // the wrapper names it
    } else if (spec.ns !== undefined) namespace = (a.args[spec.ns] ?? '').replace(/^"(.*)"$/, '$1') || undefined;
    else if (spec.defaultNs) namespace = fileNs.filter(([o]) => o < m!.index).pop()?.[1] ?? defaultNs;
    let forModules: string[] | undefined;
    if (spec.mods !== undefined) {
      forModules = (a.args[spec.mods] ?? '')
        .replace(/^"(.*)"$/, '$1')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    }
    const line = lineOf(starts, m.index);
    for (const symbol of spec.names ? spec.names(sym) : [sym]) {
      const site: ExportSite = { symbol, macro: m[1], type: spec.type, file, line };
      if (namespace) site.namespace = namespace;
      if (forModules) site.forModules = forModules;
      if (where.depth > 0) site.conditional = true;
      out.push(site);
    }
  }
  return out;
}

/** SPDX licence of a header, from its first lines. */
export function headerLicence(file: string, text: string): HeaderLicence {
  const head = text.slice(0, 2048);
  const m = /SPDX-License-Identifier:\s*(.*?)\s*(?:\*\/|$)/m.exec(head);
  const spdx = m?.[1] ? m[1].trim() : undefined;
  const h: HeaderLicence = {
    file,
    uapi: /(^|\/)uapi\//.test(file),
    syscallNote: !!spdx && /\bWITH\s+Linux-syscall-note\b/.test(spdx),
  };
  if (spdx) h.spdx = spdx;
  return h;
}

const TOKEN_RE = /[{}]|[A-Za-z_]\w*/g;
const DECL_FOLLOW = /^\s*(?:[(;[,=]|__\w+)/;

/**
 * Lines where `names` are declared at file scope in a header: outside braces, comments and
 * `#define`s, after a type (the previous character is part of a word or `*`) and before `(`,
 * `;`, `[`, `,`, `=` or an attribute.
 */
export function declarationsIn(file: string, raw: string, isName: (n: string) => boolean): Declaration[] {
  const lits = literalRanges(raw);
  const dirs = directivesOf(raw, lits);
  const cur = new RangeCursor(lits);
  const dcur = new DirectiveCursor(dirs);
  let starts: number[] | undefined;
  const out: Declaration[] = [];
  const seen = new Set<string>();
  let depth = 0;
  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(raw); m; m = TOKEN_RE.exec(raw)) {
    const t = m[0];
    const brace = t === '{' || t === '}';
    if (!brace && (depth !== 0 || !isName(t) || seen.has(t))) continue;
    if (cur.inside(m.index) || dcur.at(m.index).inDirective) continue;
    if (t === '{') {
      depth++;
      continue;
    }
    if (t === '}') {
      depth = Math.max(0, depth - 1);
      continue;
    }
    let p = m.index - 1;
    while (p >= 0 && (raw[p] === ' ' || raw[p] === '\t' || raw[p] === '\n' || raw[p] === '\r')) p--;
    if (p < 0 || !/[\w*]/.test(raw[p])) continue;
    if (!DECL_FOLLOW.test(raw.slice(m.index + t.length, m.index + t.length + 40))) continue;
    seen.add(t);
    starts ??= lineStarts(raw);
    out.push({ symbol: t, file, line: lineOf(starts, m.index) });
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// Building
// ------------------------------------------------------------------------------------------

/** Top-level directories of a kernel tree that hold no kernel code (host tools, documentation). */
export const DEFAULT_EXCLUDED = ['Documentation', 'tools', 'scripts', 'usr', '.git'];

export interface BuildIndexOptions {
  /** Top-level directories to leave out of the export scan (default DEFAULT_EXCLUDED). */
  exclude?: string[];
  /** Only these top-level directories (for a quick index of part of a tree). */
  only?: string[];
  progress?: (msg: string) => void;
}

function kernelVersion(root: string): string | undefined {
  try {
    const mk = fs.readFileSync(path.join(root, 'Makefile'), 'utf8').slice(0, 4096);
    const get = (k: string) => new RegExp(`^${k}[ \\t]*=[ \\t]*(\\S*)`, 'm').exec(mk)?.[1];
    const v = get('VERSION');
    const p = get('PATCHLEVEL');
    if (!v || !p) return undefined;
    const s = get('SUBLEVEL');
    return `${v}.${p}${s ? `.${s}` : ''}${get('EXTRAVERSION') ?? ''}`;
  } catch {
    return undefined;
  }
}

/** `-DDEFAULT_SYMBOL_NAMESPACE=X` in a directory's Makefile/Kbuild: ccflags-y (this dir), subdir-ccflags-y (below). */
function makefileNamespaces(text: string): { here?: string; below?: string; perObject: Map<string, string> } {
  const out: { here?: string; below?: string; perObject: Map<string, string> } = { perObject: new Map() };
  const re = /^\s*(ccflags-y|subdir-ccflags-y|CFLAGS_([\w.-]+)\.o)\s*[:+]?=.*-DDEFAULT_SYMBOL_NAMESPACE=(?:'"|")?([A-Za-z_]\w*)/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] === 'ccflags-y') out.here = m[3];
    else if (m[1] === 'subdir-ccflags-y') out.below = m[3];
    else out.perObject.set(m[2], m[3]);
  }
  return out;
}

export interface BuiltIndex {
  meta: SourceIndexMeta;
  exports: ExportSite[];
  headers: HeaderLicence[];
  declarations: Declaration[];
}

const SOURCE_EXT = /\.(c|h|S)$/;

/** Indexes a kernel source tree. Throws KernelSymbolsError when `root` is not one. */
export function buildSourceIndex(root: string, opts: BuildIndexOptions = {}): BuiltIndex {
  let top: fs.Dirent[];
  try {
    top = fs.readdirSync(root, { withFileTypes: true });
  } catch (e) {
    throw new KernelSymbolsError(`${root}: cannot read the kernel source tree (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'db-read', root);
  }
  if (!top.some((d) => d.name === 'include' && d.isDirectory()) || !top.some((d) => d.name === 'Makefile')) {
    throw new KernelSymbolsError(`${root}: not a Linux source tree (no Makefile and include/ at its top)`, 'db-read', root);
  }
  const excluded = opts.exclude ?? DEFAULT_EXCLUDED;
  const sites: ExportSite[] = [];
  let filesScanned = 0;
  const probe = Buffer.from('EXPORT_');
  // Pass 1: the files that mention an export macro (with their build namespace), and the
  // wrapper macros defined anywhere in them.
  const candidates: { file: string; text: string; ns?: string }[] = [];
  const wrappers = new Map<string, WrapperSpec>();
  // Namespaces from Makefiles: `below` inherited by subdirectories.
  const walk = (rel: string, inheritedNs: string | undefined): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    let ns = { here: undefined as string | undefined, below: undefined as string | undefined, perObject: new Map<string, string>() };
    for (const mk of ['Makefile', 'Kbuild']) {
      const e = entries.find((x) => x.name === mk && x.isFile());
      if (e) {
        const found = makefileNamespaces(fs.readFileSync(path.join(root, rel, mk), 'utf8'));
        ns = { here: found.here ?? ns.here, below: found.below ?? ns.below, perObject: new Map([...ns.perObject, ...found.perObject]) };
      }
    }
    const below = ns.below ?? inheritedNs;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!rel && (excluded.includes(e.name) || (opts.only && !opts.only.includes(e.name)))) continue;
        walk(r, below);
      } else if (e.isFile() && SOURCE_EXT.test(e.name)) {
        if (!rel && opts.only) continue;
        filesScanned++;
        const buf = fs.readFileSync(path.join(root, r));
        if (buf.indexOf(probe) < 0) continue;
        const text = buf.toString('utf8');
        exportWrappersIn(text, wrappers);
        const obj = e.name.replace(/\.[chS]$/, '');
        candidates.push({ file: r, text, ns: ns.perObject.get(obj) ?? ns.here ?? below });
      }
    }
  };
  walk('', undefined);
  // Pass 2: the sites.
  for (const c of candidates) sites.push(...exportSitesOf(c.file, c.text, c.ns, wrappers));
  candidates.length = 0;
  opts.progress?.(`${sites.length} export sites in ${filesScanned} files (${wrappers.size} wrapper macros)`);

  // Headers: include/ and arch/*/include/.
  const headerFiles = listHeaders(root, ['include', ...safeDirs(path.join(root, 'arch')).map((a) => `arch/${a}/include`)]);
  const exported = new Set(sites.map((e) => e.symbol));
  const headers: HeaderLicence[] = [];
  const declarations: Declaration[] = [];
  for (const h of headerFiles) {
    const text = fs.readFileSync(path.join(root, h), 'utf8');
    headers.push(headerLicence(h, text));
    declarations.push(...declarationsIn(h, text, (n) => exported.has(n)));
  }
  opts.progress?.(`${headers.length} headers, ${declarations.length} declarations`);
  const meta: SourceIndexMeta = {
    format: INDEX_FORMAT_NAME,
    formatVersion: INDEX_FORMAT_VERSION,
    ...(kernelVersion(root) ? { kernelVersion: kernelVersion(root) } : {}),
    tree: path.basename(path.resolve(root)),
    excluded: opts.only ? top.filter((d) => d.isDirectory() && !opts.only!.includes(d.name)).map((d) => d.name).sort() : [...excluded].sort(),
    counts: {
      filesScanned,
      exportSites: sites.length,
      exportedNames: exported.size,
      headers: headers.length,
      headersWithSpdx: headers.filter((h) => h.spdx).length,
      uapiHeaders: headers.filter((h) => h.uapi).length,
      syscallNoteHeaders: headers.filter((h) => h.syscallNote).length,
      declarations: declarations.length,
    },
  };
  return { meta, exports: sites, headers, declarations };
}

function safeDirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

// ------------------------------------------------------------------------------------------
// Encoding, decoding, querying
// ------------------------------------------------------------------------------------------

export function encodeSourceIndex(b: BuiltIndex): Buffer {
  const fileIdx = new Map<string, number>();
  const files: string[] = [];
  const fid = (f: string): number => {
    let i = fileIdx.get(f);
    if (i === undefined) fileIdx.set(f, (i = files.push(f) - 1));
    return i;
  };
  const intern = (list: string[], map: Map<string, number>, v: string): number => {
    let i = map.get(v);
    if (i === undefined) map.set(v, (i = list.push(v) - 1));
    return i;
  };
  const macros: string[] = [];
  const macroIdx = new Map<string, number>();
  const namespaces: string[] = [];
  const nsIdx = new Map<string, number>();
  const mods: string[] = [];
  const modIdx = new Map<string, number>();
  const spdx: string[] = [];
  const spdxIdx = new Map<string, number>();
  const site: number[] = [];
  for (const e of b.exports) {
    site.push(
      intern(macros, macroIdx, e.macro),
      fid(e.file),
      e.line,
      e.namespace ? intern(namespaces, nsIdx, e.namespace) : -1,
      (e.conditional ? 1 : 0) | (e.type === 'gpl' ? 2 : 0),
      e.forModules ? intern(mods, modIdx, e.forModules.join(',')) : -1,
    );
  }
  const header: number[] = [];
  for (const h of b.headers) header.push(fid(h.file), h.spdx ? intern(spdx, spdxIdx, h.spdx) : -1, (h.uapi ? 1 : 0) | (h.syscallNote ? 2 : 0));
  const names = [...new Set(b.declarations.map((d) => d.symbol))].sort();
  const nameIdx = new Map(names.map((n, i) => [n, i]));
  const decl: number[] = [];
  for (const d of b.declarations) decl.push(nameIdx.get(d.symbol)!, fid(d.file), d.line);
  const body: Body = {
    files,
    symbols: b.exports.map((e) => e.symbol).join(' '),
    macros,
    site,
    namespaces,
    forModules: mods,
    header,
    spdx,
    names: names.join(' '),
    decl,
  };
  return zlib.gzipSync(Buffer.from(`${JSON.stringify(b.meta)}\n${JSON.stringify(body)}\n`), { level: 9 });
}

/** A loaded source index, asked one symbol or header at a time. */
export class SourceIndex {
  private readonly bySymbol = new Map<string, ExportSite[]>();
  private readonly byHeader = new Map<string, HeaderLicence>();
  private readonly declBySymbol = new Map<string, Declaration[]>();

  constructor(
    readonly meta: SourceIndexMeta,
    readonly exports: readonly ExportSite[],
    readonly headers: readonly HeaderLicence[],
    readonly declarations: readonly Declaration[],
    readonly file?: string,
  ) {
    for (const e of exports) {
      const l = this.bySymbol.get(e.symbol);
      if (l) l.push(e);
      else this.bySymbol.set(e.symbol, [e]);
    }
    for (const h of headers) this.byHeader.set(h.file, h);
    for (const d of declarations) {
      const l = this.declBySymbol.get(d.symbol);
      if (l) l.push(d);
      else this.declBySymbol.set(d.symbol, [d]);
    }
  }

  /** Export sites of a symbol (several: per architecture or configuration). */
  exportSites(symbol: string): ExportSite[] {
    return this.bySymbol.get(symbol) ?? [];
  }

  header(file: string): HeaderLicence | undefined {
    return this.byHeader.get(file);
  }

  /** Headers that declare the symbol, with their licences. */
  declarationsOf(symbol: string): (Declaration & { licence?: HeaderLicence })[] {
    return (this.declBySymbol.get(symbol) ?? []).map((d) => ({ ...d, licence: this.byHeader.get(d.file) }));
  }
}

export function decodeSourceIndex(data: Buffer, file = '<buffer>'): SourceIndex {
  let meta: SourceIndexMeta;
  let body: Body;
  try {
    const text = zlib.gunzipSync(data).toString('utf8');
    const nl = text.indexOf('\n');
    meta = JSON.parse(text.slice(0, nl));
    if (!meta || meta.format !== INDEX_FORMAT_NAME) throw new DatabaseFormatError(file, `not a kernel source index (format ${JSON.stringify(meta?.format)})`);
    if (meta.formatVersion !== INDEX_FORMAT_VERSION) {
      throw new DatabaseFormatError(file, `source index format version ${meta.formatVersion} is not supported (this gplcheck reads version ${INDEX_FORMAT_VERSION})`);
    }
    body = JSON.parse(text.slice(nl + 1));
  } catch (e) {
    if (e instanceof KernelSymbolsError) throw e;
    throw new DatabaseFormatError(file, `damaged kernel source index (${(e as Error).message})`);
  }
  const symbols = body.symbols ? body.symbols.split(' ') : [];
  if (body.site.length !== symbols.length * 6 || body.header.length % 3 !== 0 || body.decl.length % 3 !== 0) {
    throw new DatabaseFormatError(file, 'damaged kernel source index (column lengths disagree)');
  }
  const sites: ExportSite[] = symbols.map((symbol, i) => {
    const [mi, fi, line, ni, flags, modi] = body.site.slice(i * 6, i * 6 + 6);
    const macro = body.macros[mi];
    const e: ExportSite = { symbol, macro, type: flags & 2 ? 'gpl' : 'plain', file: body.files[fi], line };
    if (ni >= 0) e.namespace = body.namespaces[ni];
    if (modi >= 0) e.forModules = body.forModules[modi].split(',');
    if (flags & 1) e.conditional = true;
    return e;
  });
  const headers: HeaderLicence[] = [];
  for (let i = 0; i < body.header.length; i += 3) {
    const h: HeaderLicence = { file: body.files[body.header[i]], uapi: !!(body.header[i + 2] & 1), syscallNote: !!(body.header[i + 2] & 2) };
    if (body.header[i + 1] >= 0) h.spdx = body.spdx[body.header[i + 1]];
    headers.push(h);
  }
  const names = body.names ? body.names.split(' ') : [];
  const declarations: Declaration[] = [];
  for (let i = 0; i < body.decl.length; i += 3) declarations.push({ symbol: names[body.decl[i]], file: body.files[body.decl[i + 1]], line: body.decl[i + 2] });
  return new SourceIndex(meta, sites, headers, declarations, file);
}

export function writeSourceIndex(file: string, b: BuiltIndex): number {
  const data = encodeSourceIndex(b);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, data);
  return data.length;
}

export function loadSourceIndex(file: string): SourceIndex {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    throw new KernelSymbolsError(`${file}: cannot read kernel source index (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'db-read', file);
  }
  return decodeSourceIndex(data, file);
}
