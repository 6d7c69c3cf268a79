/**
 * analyzeC: one C source or header -> CFileFacts.
 *
 * A pure function of (path, text): no file system, no global state other than one reusable
 * tree-sitter Parser per thread, so it runs unchanged in worker threads. The syntax tree is
 * walked once with a TreeCursor and dropped before returning (trees hold native memory that
 * V8 does not see; see releaseTrees()).
 *
 * Steps: lexical pre-pass (prepass.ts: directives, SPDX, neutralised parse text) -> tree-sitter
 * parse -> one cursor walk collecting functions, calls, value uses, declarations, macro
 * invocations and unparsable regions -> lexical recovery inside ERROR regions -> resolution
 * (which value uses are functions, which calls are through local variables) -> macro following
 * -> locations and conditional flags.
 */
import { createHash } from 'crypto';
import type Parser = require('tree-sitter');
import type {
  CCall,
  CFileFacts,
  CFunction,
  CMacro,
  ExportFact,
  ExportType,
  IncludeFact,
  Location,
  ReadError,
  SpdxFact,
} from '../facts';
import { categorizeInclude, isLibcHeader, KERNEL_ONLY_MARKERS, type FileContext } from './includes';
import { C_KEYWORDS, isNotCall } from './keywords';
import { expandSite, macroBodyCalls, type MacroLookup } from './macros';
import { inRanges, prepare, type Prepared, type RawDefine } from './prepass';
import { checkSpdx } from './spdx';
import { treeSitter } from './treesitter';
import {
  identValue,
  isIdentChar,
  isIdentStart,
  lineStarts,
  matchBrace,
  matchParen,
  positionOf,
  scanCallTokens,
  scanBudgetExhausted,
  setScanBudget,
  skipComment,
  skipQuoted,
  skipWs,
  splitArgs,
  stringValue,
} from './text';

// ------------------------------------------------------------------------------------------
// Parser (one per thread) and native memory
// ------------------------------------------------------------------------------------------

let sharedParser: Parser | undefined;

/** The thread's parser, created on first use. */
export function getParser(): Parser {
  if (!sharedParser) {
    const ts = treeSitter();
    const p = new ts.Parser();
    p.setLanguage(ts.C);
    sharedParser = p;
  }
  return sharedParser;
}

let bytesSinceGc = 0;
const GC_EVERY_BYTES = 64 * 1024 * 1024;
let gcFn: (() => void) | null | undefined;

// Trees are freed by finalisers that run on the event loop. A caller that analyses file after
// file without ever returning to it piles trees up (DOMAIN.md: 17.8 GB for the kernel tree);
// say so once.
let bytesSinceTurn = 0;
let turnPending = false;
let warnedNoTurn = false;
const NO_TURN_WARN_BYTES = 256 * 1024 * 1024;
function noteParsed(bytes: number): void {
  bytesSinceGc += bytes;
  bytesSinceTurn += bytes;
  if (!turnPending) {
    turnPending = true;
    setImmediate(() => {
      bytesSinceTurn = 0;
      turnPending = false;
    }).unref();
  }
  if (bytesSinceTurn > NO_TURN_WARN_BYTES && !warnedNoTurn) {
    warnedNoTurn = true;
    process.emitWarning(
      'analyzeC: 256 MB parsed without a turn of the event loop; tree-sitter trees are freed by finalisers that run there, ' +
        'so memory grows until it does. Await something (e.g. setImmediate) between files.',
      'GplcheckMemoryWarning',
    );
  }
}

/**
 * Trees are freed by their JS finaliser only (tree-sitter 0.25's node binding has no
 * `Tree.delete`). The finalisers run on the event loop after a garbage collection, so callers
 * scanning many files must return to the loop now and then (any `await` of real I/O, or
 * `await new Promise(r => setImmediate(r))` every few dozen files): measured on 3,000 driver
 * files, 1.5 GB peak RSS without, 0.24 GB with a turn every 50 files. When `global.gc` is
 * exposed (node --expose-gc), a collection is also forced every 64 MB of parsed text.
 */
export function releaseTrees(force = false): void {
  if (gcFn === undefined) {
    const g = (globalThis as { gc?: () => void }).gc;
    gcFn = typeof g === 'function' ? g : null;
  }
  if (gcFn && (force || bytesSinceGc >= GC_EVERY_BYTES)) {
    bytesSinceGc = 0;
    gcFn();
  }
}

// ------------------------------------------------------------------------------------------
// Node kinds
// ------------------------------------------------------------------------------------------

const K_DEFAULT = 1;
const K_SKIP = 2;
const K_IDENT = 3;
const K_CALL = 4;
const K_FUNCDEF = 5;
const K_DECL = 6;
const K_INIT_DECL = 7;
const K_INIT_LIST = 8;
const K_INIT_PAIR = 9;
const K_POINTER = 10;
const K_PRE_IF = 11;
const K_PRE_IFDEF = 12;
const K_ERROR = 13;
const K_FUNC_DECLARATOR = 14;
const K_ENUMERATOR = 15;
const K_ARGLIST = 16;
const K_STORAGE = 17;
const K_PTR_DECLARATOR = 18;
const K_ARRAY_DECLARATOR = 19;
const K_PARAM_LIST = 20;
const K_PARAM_DECL = 21;
const K_COMPOUND = 24;
/** `( declarator )` and `declarator __attribute__`: their inner declarator has no field name. */
const K_WRAP_DECLARATOR = 25;
/** An anonymous token (punctuation, keyword): always a leaf, nothing to read. */
const K_TOKEN = 22;
/** An anonymous token the parser may insert as MISSING (`;`, `)`, `}`, `]`, `#endif`). */
const K_MISSABLE = 23;
const MISSABLE = new Set([';', ')', '}', ']', '#endif']);

const KIND_BY_NAME: Record<string, number> = {
  identifier: K_IDENT,
  call_expression: K_CALL,
  function_definition: K_FUNCDEF,
  declaration: K_DECL,
  init_declarator: K_INIT_DECL,
  initializer_list: K_INIT_LIST,
  initializer_pair: K_INIT_PAIR,
  pointer_expression: K_POINTER,
  preproc_if: K_PRE_IF,
  preproc_elif: K_PRE_IF,
  preproc_ifdef: K_PRE_IFDEF,
  preproc_elifdef: K_PRE_IFDEF,
  ERROR: K_ERROR,
  function_declarator: K_FUNC_DECLARATOR,
  enumerator: K_ENUMERATOR,
  argument_list: K_ARGLIST,
  storage_class_specifier: K_STORAGE,
  pointer_declarator: K_PTR_DECLARATOR,
  array_declarator: K_ARRAY_DECLARATOR,
  parameter_list: K_PARAM_LIST,
  parameter_declaration: K_PARAM_DECL,
  compound_statement: K_COMPOUND,
  parenthesized_declarator: K_WRAP_DECLARATOR,
  attributed_declarator: K_WRAP_DECLARATOR,
};
for (const name of [
  'comment', 'string_literal', 'concatenated_string', 'char_literal', 'number_literal', 'primitive_type',
  'type_identifier', 'field_identifier', 'statement_identifier', 'sized_type_specifier', 'type_qualifier',
  'attribute_specifier', 'attribute_declaration', 'ms_declspec_modifier', 'ms_pointer_modifier',
  'ms_call_modifier', 'ms_based_modifier', 'preproc_include', 'preproc_def', 'preproc_function_def',
  'preproc_call', 'preproc_defined', 'sizeof_expression', 'alignof_expression', 'offsetof_expression',
  'gnu_asm_expression', 'type_descriptor', 'macro_type_specifier', 'true', 'false', 'null',
  'struct_specifier', 'union_specifier', 'type_definition', 'field_designator', 'system_lib_string',
  'string_content', 'escape_sequence', 'abstract_function_declarator', 'abstract_pointer_declarator',
  'abstract_array_declarator', 'abstract_parenthesized_declarator', 'field_declaration', 'field_declaration_list', 'bitfield_clause',
  'variadic_parameter', 'preproc_directive', 'preproc_arg', 'alignas_qualifier',
]) {
  KIND_BY_NAME[name] = K_SKIP;
}
// declarator kinds above are skipped in expression context; the declarator walker follows them

const kindById = new Uint8Array(65536);
const fieldNames: string[] = [];

function kindOf(c: Parser.TreeCursor): number {
  const id = c.nodeTypeId;
  let k = kindById[id];
  if (k === 0) {
    const name = c.nodeType;
    k = KIND_BY_NAME[name] ?? (c.nodeIsNamed ? K_DEFAULT : MISSABLE.has(name) ? K_MISSABLE : K_TOKEN);
    kindById[id] = k;
  }
  return k;
}

function fieldOf(c: Parser.TreeCursor): string {
  const id = c.currentFieldId;
  if (!id) return '';
  let n = fieldNames[id];
  if (n === undefined) n = fieldNames[id] = c.currentFieldName;
  return n;
}

// ------------------------------------------------------------------------------------------
// Special macros
// ------------------------------------------------------------------------------------------

interface ExportSpec {
  type: ExportType;
  nsArg?: number;
  modsArg?: number;
  /** Exported names made from the argument (default: the argument itself). */
  names?: (arg: string) => string[];
  /** Takes DEFAULT_SYMBOL_NAMESPACE. */
  defaultNs?: boolean;
}

const staticCall = (a: string) => [`__SCK__${a}`, `__SCT__${a}`];
const tracepoint = (a: string) => [`__tracepoint_${a}`, `__traceiter_${a}`, ...staticCall(`tp_func_${a}`)];

const EXPORT_MACROS: Record<string, ExportSpec> = {
  EXPORT_SYMBOL: { type: 'plain', defaultNs: true },
  EXPORT_SYMBOL_GPL: { type: 'gpl', defaultNs: true },
  EXPORT_SYMBOL_NS: { type: 'plain', nsArg: 1 },
  EXPORT_SYMBOL_NS_GPL: { type: 'gpl', nsArg: 1 },
  EXPORT_SYMBOL_GPL_FOR_MODULES: { type: 'gpl', modsArg: 1 },
  EXPORT_SYMBOL_FOR_MODULES: { type: 'gpl', modsArg: 1 },
  EXPORT_UNUSED_SYMBOL: { type: 'plain' },
  EXPORT_UNUSED_SYMBOL_GPL: { type: 'gpl' },
  EXPORT_PER_CPU_SYMBOL: { type: 'plain', defaultNs: true },
  EXPORT_PER_CPU_SYMBOL_GPL: { type: 'gpl', defaultNs: true },
  EXPORT_TRACEPOINT_SYMBOL: { type: 'plain', names: tracepoint, defaultNs: true },
  EXPORT_TRACEPOINT_SYMBOL_GPL: { type: 'gpl', names: tracepoint, defaultNs: true },
  EXPORT_STATIC_CALL: { type: 'plain', names: staticCall, defaultNs: true },
  EXPORT_STATIC_CALL_GPL: { type: 'gpl', names: staticCall, defaultNs: true },
  EXPORT_STATIC_CALL_TRAMP: { type: 'plain', names: (a) => [`__SCT__${a}`], defaultNs: true },
  EXPORT_STATIC_CALL_TRAMP_GPL: { type: 'gpl', names: (a) => [`__SCT__${a}`], defaultNs: true },
};

const MODULE_INFO_MACROS: Record<string, string> = {
  MODULE_AUTHOR: 'author',
  MODULE_DESCRIPTION: 'description',
  MODULE_VERSION: 'version',
  MODULE_ALIAS: 'alias',
  MODULE_FIRMWARE: 'firmware',
  MODULE_SOFTDEP: 'softdep',
};

const SPECIAL = new Set<string>([
  ...Object.keys(EXPORT_MACROS),
  ...Object.keys(MODULE_INFO_MACROS),
  'MODULE_LICENSE',
  'MODULE_IMPORT_NS',
  'MODULE_INFO',
]);

/** Calls that mark kernel code for `looksLike`. */
const KERNEL_CALL_SIGNS = /^(module_(init|exit)|module_\w+_driver|(late|core|postcore|arch|subsys|fs|device|pure|rootfs)_initcall(_sync)?)$/;
/** A call directly followed by a statement instead of `;` (tree-sitter inserts a MISSING `;`). */
const ITERATOR_MACRO = /for_each|foreach|for_all|_loop$|^while_/i;
const ALL_CAPS = /^_*[A-Z][A-Z0-9_]*$/;
const DECL_PREFIX_WORDS = new Set([
  'static', 'extern', 'const', 'volatile', 'inline', '__inline', '__inline__', '__extension__', 'register', 'thread_local', '__thread', '_Thread_local',
  // statement keywords the parser sometimes takes for a type name in broken code (`return f(x);`)
  'return', 'else', 'do', 'case',
]);
const INLINE_WORDS = new Set(['inline', '__inline', '__inline__', '__forceinline']);

// value-use contexts
const CTX_VALUE = 0;
const CTX_ARG = 1;
const CTX_AMP = 2;
const CTX_DESIG = 3;
const CTX_LIST = 4;
const CTX_INIT = 5;

interface FnRec {
  name: string;
  isStatic: boolean;
  isInline: boolean;
  start: number;
  end: number;
  locals?: Set<string>;
  recovered?: boolean;
  /** Offset of the body's `{`, when known. */
  bodyStart?: number;
}

interface CallRec {
  name: string;
  offset: number;
  fn: number;
  lexical?: boolean;
}

interface ValueRec {
  name: string;
  offset: number;
  ctx: number;
  fn: number;
}

interface SpecialRec {
  name: string;
  offset: number;
  open: number;
}

interface FnCandidate {
  name: string;
  nameOffset: number;
  declEnd: number;
  paramsText: string;
}

// ------------------------------------------------------------------------------------------
// The walk
// ------------------------------------------------------------------------------------------

class Walker {
  c!: Parser.TreeCursor;
  functions: FnRec[] = [];
  calls: CallRec[] = [];
  values: ValueRec[] = [];
  specials: SpecialRec[] = [];
  declaredFns = new Set<string>();
  /** Identifier arguments of file-scope declaration-shaped macro invocations. */
  macroDeclared = new Set<string>();
  nonFns = new Set<string>();
  globalVars = new Set<string>();
  errors: number[] = [];
  missing: { offset: number; type: string }[] = [];
  fnCandidates: FnCandidate[] = [];
  seen = new Set<number>();
  declOffsets = new Set<number>();
  fn = -1;
  locals: Set<string> | null = null;
  inError = 0;
  lastCallEnd = -1;
  lastCallName = '';
  /** Start of the declaration being walked (-1 outside one). */
  declStart = -1;
  /** The last file-scope function declarator: a body `{...}` met at file scope belongs to it. */
  pendingFn: { name: string; start: number; nameOffset: number } | null = null;

  /** Functions defined or declared so far in the walk. */
  knownNow = new Set<string>();
  /** performance.now() past which the walk gives up (analyzeC's time limit). */
  deadline = Infinity;
  private steps = 0;

  constructor(
    readonly src: string,
    readonly hasError: boolean,
    readonly objMacroNames: ReadonlySet<string> = new Set(),
  ) {}

  visit(ctx: number): void {
    if ((++this.steps & 4095) === 0 && performance.now() > this.deadline) throw new TimeLimitReached('the tree walk');
    const c = this.c;
    switch (kindOf(c)) {
      case K_TOKEN:
        return;
      case K_MISSABLE:
        if (this.hasError && c.nodeIsMissing) this.onMissing();
        return;
      case K_SKIP:
      case K_STORAGE:
      case K_PTR_DECLARATOR:
      case K_ARRAY_DECLARATOR:
      case K_PARAM_LIST:
      case K_PARAM_DECL:
      case K_WRAP_DECLARATOR:
        return;
      case K_IDENT:
        this.ident(ctx);
        return;
      case K_CALL:
        this.call();
        return;
      case K_FUNCDEF:
        this.funcDef();
        return;
      case K_DECL:
        this.declaration();
        return;
      case K_INIT_DECL:
        this.declItem();
        return;
      case K_INIT_LIST:
        this.children(CTX_LIST);
        return;
      case K_INIT_PAIR:
        this.children(CTX_DESIG);
        return;
      case K_ARGLIST:
        this.children(CTX_ARG);
        return;
      case K_POINTER:
        this.pointer();
        return;
      case K_PRE_IF:
        this.childrenExcept('condition');
        return;
      case K_PRE_IFDEF:
        this.childrenExcept('name');
        return;
      case K_ERROR:
        this.error();
        return;
      case K_FUNC_DECLARATOR:
        this.looseFuncDeclarator();
        return;
      case K_ENUMERATOR:
        this.enumerator();
        return;
      case K_COMPOUND:
        if (this.locals === null && this.fn < 0) this.fileScopeBody();
        else this.children(CTX_VALUE);
        return;
      default:
        this.children(CTX_VALUE);
    }
  }

  children(ctx: number): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    do this.visit(ctx);
    while (c.gotoNextSibling());
    c.gotoParent();
  }

  childrenExcept(field: string): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    do {
      if (fieldOf(c) !== field) this.visit(CTX_VALUE);
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  onMissing(): void {
    const c = this.c;
    const type = c.nodeType;
    const at = c.startIndex;
    if (type === ';' && at === this.lastCallEnd && ITERATOR_MACRO.test(this.lastCallName)) return;
    this.missing.push({ offset: at, type });
  }

  ident(ctx: number): void {
    const c = this.c;
    const s = c.startIndex;
    const e = c.endIndex;
    if (s === e) {
      if (this.hasError) this.missing.push({ offset: s, type: 'identifier' });
      return;
    }
    const name = this.src.slice(s, e);
    // inside a body, a plain value use matters only for a function declared or defined above
    // (C wants a declaration before use) or an object-like macro; function-pointer slots
    // (`&x`, `.f = x`, `{ x }`) are kept for the guesses
    if (ctx !== CTX_AMP && ctx !== CTX_DESIG && ctx !== CTX_LIST && this.locals !== null && !this.knownNow.has(name) && !this.objMacroNames.has(name)) return;
    this.values.push({ name, offset: s, ctx, fn: this.fn });
  }

  addCall(name: string, offset: number, lexical?: boolean): void {
    if (this.inError > 0) this.seen.add(offset);
    const rec: CallRec = { name, offset, fn: this.fn };
    if (lexical) rec.lexical = true;
    this.calls.push(rec);
  }

  call(): void {
    const c = this.c;
    const end = c.endIndex;
    if (!c.gotoFirstChild()) return;
    let name = '';
    if (kindOf(c) === K_IDENT) {
      const s = c.startIndex;
      const e = c.endIndex;
      name = this.src.slice(s, e);
      if (s === e) {
        if (this.hasError) this.missing.push({ offset: s, type: 'identifier' });
      } else if (SPECIAL.has(name)) {
        let open = skipWs(this.src, e);
        if (c.gotoNextSibling()) open = c.startIndex;
        if (this.inError > 0) this.seen.add(s);
        this.specials.push({ name, offset: s, open });
        c.gotoParent();
        this.lastCallEnd = end;
        this.lastCallName = name;
        return;
      } else if (!isNotCall(name)) {
        this.addCall(name, s);
      }
    } else {
      this.visit(CTX_VALUE);
    }
    const firstArg = this.values.length;
    while (c.gotoNextSibling()) this.visit(CTX_VALUE);
    c.gotoParent();
    this.lastCallEnd = end;
    this.lastCallName = name;
    // `DEFINE_STATIC_KEY_FALSE(key);` at file scope declares its identifier arguments
    if (this.fn < 0 && this.locals === null && ALL_CAPS.test(name)) {
      for (let k = firstArg; k < this.values.length; k++) if (this.values[k].ctx === CTX_ARG) this.macroDeclared.add(this.values[k].name);
    }
  }

  pointer(): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    const amp = c.nodeType === '&';
    while (c.gotoNextSibling()) this.visit(amp ? CTX_AMP : CTX_VALUE);
    c.gotoParent();
  }

  error(): void {
    const c = this.c;
    if (this.inError === 0) this.errors.push(c.startIndex, c.endIndex);
    this.inError++;
    this.children(CTX_VALUE);
    this.inError--;
  }

  enumerator(): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    do {
      if (fieldOf(c) === 'name') {
        const s = c.startIndex;
        const e = c.endIndex;
        if (e > s) this.nonFns.add(this.src.slice(s, e));
      } else this.visit(CTX_VALUE);
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  funcDef(): void {
    const c = this.c;
    const start = c.startIndex;
    const end = c.endIndex;
    if (this.locals !== null) {
      // C has no nested functions. `for_each_cpu(cpu) { ... }` is an iterator macro the parser
      // took for one (type `for_each_cpu`, declarator `(cpu)`): a call and its body.
      if (this.iteratorMacro(start)) return;
      // Anything else is the parser's recovery from something it could not read inside a
      // body: an unparsable region.
      const prevFn = this.fn;
      const prevLocals: Set<string> | null = this.locals;
      this.fn = -1;
      this.locals = null;
      this.error();
      this.fn = prevFn;
      this.locals = prevLocals;
      return;
    }
    let isStatic = false;
    let isInline = false;
    let rec: FnRec | undefined;
    const params = new Set<string>();
    if (!c.gotoFirstChild()) return;
    do {
      const field = fieldOf(c);
      if (field === 'declarator') {
        const d = this.declarator(params);
        if (d.name) {
          rec = { name: d.name, isStatic, isInline, start, end, locals: params };
          this.knownNow.add(d.name);
          if (this.inError > 0) this.declOffsets.add(d.offset);
        }
      } else if (field === 'body') {
        const prevFn = this.fn;
        const prevLocals: Set<string> | null = this.locals;
        if (rec) {
          rec.isStatic = isStatic;
          rec.isInline = isInline;
          rec.bodyStart = c.startIndex;
          this.fn = this.functions.length;
          this.functions.push(rec);
        }
        this.locals = params;
        this.visit(CTX_VALUE);
        this.fn = prevFn;
        this.locals = prevLocals;
      } else {
        const k = kindOf(c);
        if (k === K_STORAGE) {
          const w = this.src.slice(c.startIndex, c.endIndex);
          if (w === 'static') isStatic = true;
          else if (INLINE_WORDS.has(w)) isInline = true;
        } else {
          this.visit(CTX_VALUE);
        }
      }
    } while (c.gotoNextSibling());
    c.gotoParent();
    this.pendingFn = null;
  }

  /** At a nested function_definition starting at `start`: `NAME(args) {` is an iterator macro. */
  iteratorMacro(start: number): boolean {
    const src = this.src;
    if (!isIdentStart(src.charCodeAt(start))) return false;
    let j = start + 1;
    while (isIdentChar(src.charCodeAt(j))) j++;
    const name = src.slice(start, j);
    if (C_KEYWORDS.has(name)) return false;
    const open = skipWs(src, j);
    if (src.charCodeAt(open) !== 40) return false;
    const close = matchParen(src, open, this.c.endIndex);
    if (close === -1 || src.charCodeAt(skipWs(src, close + 1)) !== 123) return false;
    this.invocation(name, start, open, false, close + 1);
    const c = this.c;
    if (c.gotoFirstChild()) {
      do if (fieldOf(c) === 'body') this.visit(CTX_VALUE);
      while (c.gotoNextSibling());
      c.gotoParent();
    }
    return true;
  }

  /**
   * Follow a declarator chain from the cursor's node to the declared identifier. Returns the
   * name, its offset and whether it declares a function (the innermost function/pointer/array
   * declarator around the name is a function declarator). Parameter names go to `params`;
   * array sizes are walked as expressions. The cursor ends where it started.
   */
  declarator(params: Set<string> | null): { name?: string; offset: number; fn: boolean } {
    const c = this.c;
    let depth = 0;
    let innermost = 0;
    let name: string | undefined;
    let offset = -1;
    for (;;) {
      const k = kindOf(c);
      if (k === K_IDENT) {
        const s = c.startIndex;
        const e = c.endIndex;
        if (e > s) {
          name = this.src.slice(s, e);
          offset = s;
        }
        break;
      }
      if (k === K_FUNC_DECLARATOR || k === K_PTR_DECLARATOR || k === K_ARRAY_DECLARATOR) innermost = k;
      if (!c.gotoFirstChild()) break;
      depth++;
      let declIdx = -1;
      let i = 0;
      do {
        const f = fieldOf(c);
        if (f === 'declarator') declIdx = i;
        else if (k === K_WRAP_DECLARATOR && declIdx < 0 && isDeclaratorKind(kindOf(c))) declIdx = i;
        else if (f === 'parameters') {
          if (params && k === K_FUNC_DECLARATOR) this.collectParams(params);
        } else if (f === 'size') this.visit(CTX_VALUE);
        i++;
      } while (c.gotoNextSibling());
      c.gotoParent();
      if (declIdx < 0) {
        depth--;
        break;
      }
      c.gotoFirstChild();
      for (let j = 0; j < declIdx; j++) c.gotoNextSibling();
    }
    while (depth-- > 0) c.gotoParent();
    return { name, offset, fn: innermost === K_FUNC_DECLARATOR };
  }

  collectParams(params: Set<string>): void {
    const c = this.c;
    if (!c.gotoFirstChild()) return;
    do {
      if (kindOf(c) !== K_PARAM_DECL) continue;
      if (!c.gotoFirstChild()) continue;
      do {
        if (fieldOf(c) === 'declarator') {
          const d = this.declarator(null);
          if (d.name) params.add(d.name);
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  /** A declaration; `NAME(args);`-shaped ones are macro invocations, recognised lexically. */
  declaration(): void {
    const c = this.c;
    const start = c.startIndex;
    if (this.macroInvocation(start, c.endIndex)) return;
    if (!c.gotoFirstChild()) return;
    this.declStart = start;
    do {
      if (fieldOf(c) === 'declarator') this.declItem();
      else this.visit(CTX_VALUE); // types are skipped; enum bodies, errors, MISSING `;`
    } while (c.gotoNextSibling());
    c.gotoParent();
    this.declStart = -1;
  }

  declItem(): void {
    const c = this.c;
    if (kindOf(c) !== K_INIT_DECL) {
      this.declare();
      return;
    }
    if (!c.gotoFirstChild()) return;
    do {
      const f = fieldOf(c);
      if (f === 'declarator') this.declare();
      else if (f === 'value') this.visit(kindOf(c) === K_IDENT ? CTX_INIT : CTX_VALUE);
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  declare(): void {
    const d = this.declarator(null);
    if (!d.name) return;
    if (this.inError > 0) this.declOffsets.add(d.offset);
    if (d.fn) {
      this.declaredFns.add(d.name);
      this.knownNow.add(d.name);
      if (this.fn < 0 && this.locals === null && this.declStart >= 0) this.pendingFn = { name: d.name, start: this.declStart, nameOffset: d.offset };
    } else {
      this.nonFns.add(d.name);
      if (this.locals) this.locals.add(d.name);
      else if (this.fn < 0) this.globalVars.add(d.name);
    }
  }

  /**
   * A `{ ... }` at file scope: never valid C, it is the body of the function whose header the
   * parser lost (typically a header split by `#ifdef`): give it to the last file-scope function
   * declarator, as a recovered definition.
   */
  fileScopeBody(): void {
    const c = this.c;
    const p = this.pendingFn;
    if (!p || this.inError > 0) {
      this.children(CTX_VALUE);
      return;
    }
    this.pendingFn = null;
    this.knownNow.add(p.name);
    const head = this.src.slice(p.start, p.nameOffset);
    const params = new Set<string>();
    const rec: FnRec = {
      name: p.name,
      isStatic: /\bstatic\b/.test(head),
      isInline: /\b(inline|__inline|__inline__|__forceinline)\b/.test(head),
      start: p.start,
      end: c.endIndex,
      locals: params,
      recovered: true,
      bodyStart: c.startIndex,
    };
    this.fn = this.functions.length;
    this.functions.push(rec);
    this.locals = params;
    this.children(CTX_VALUE);
    this.fn = -1;
    this.locals = null;
  }

  /** A function declarator outside any declaration (inside an ERROR): maybe a broken definition. */
  looseFuncDeclarator(): void {
    const c = this.c;
    if (this.inError === 0) return;
    const end = c.endIndex;
    const d = this.declarator(null);
    if (!d.name || !d.fn) return;
    const open = this.src.indexOf('(', d.offset + d.name.length);
    let paramsText = '';
    if (open !== -1 && open < end) {
      const r = splitArgs(this.src, open, end);
      paramsText = r ? this.src.slice(open + 1, r.close) : '';
    }
    this.fnCandidates.push({ name: d.name, nameOffset: d.offset, declEnd: end, paramsText });
  }

  /**
   * At a declaration starting at `s`: is it `[static|const|...] NAME ( ... )` with NAME not a
   * type keyword and the parenthesis not a declarator (`(*fp)`)? Then it is a macro invocation
   * (`static DEFINE_MUTEX(lock);`, `EXPORT_SYMBOL(foo);` parsed as a declaration).
   */
  macroInvocation(s: number, end: number): boolean {
    const src = this.src;
    let i = s;
    for (;;) {
      if (!isIdentStart(src.charCodeAt(i))) return false;
      let j = i + 1;
      while (j < end && isIdentChar(src.charCodeAt(j))) j++;
      const w = src.slice(i, j);
      if (DECL_PREFIX_WORDS.has(w)) {
        i = skipWs(src, j, end);
        continue;
      }
      if (C_KEYWORDS.has(w)) return false;
      const k = skipWs(src, j, end);
      if (src.charCodeAt(k) !== 40) return false;
      const a = skipWs(src, k + 1, end);
      const ac = src.charCodeAt(a);
      if (ac === 42 /* * */ || ac === 94 /* ^ */) return false;
      this.declStart = -2; // marks a declaration-shaped invocation for invocation()
      this.invocation(w, i, k, false, end);
      this.declStart = -1;
      this.seen.add(i);
      // `for_each_cpu(cpu) do_it(cpu);` parses as one declaration: read the statement after it
      const close = matchParen(src, k, end);
      if (close !== -1) scanCallTokens(src, close + 1, end, (n, o, p) => this.invocation(n, o, p, true, end));
      return true;
    }
  }

  /**
   * A macro invocation recognised by its shape: NAME at `offset`, `(` at `open`. Calls nested
   * in its arguments are read lexically (and flagged so).
   */
  invocation(name: string, offset: number, open: number, nested = false, limit = open + 65536): void {
    if (SPECIAL.has(name)) {
      if (this.inError > 0) this.seen.add(offset);
      this.specials.push({ name, offset, open });
      return;
    }
    if (isNotCall(name)) return;
    this.addCall(name, offset, nested || this.inError > 0);
    const r = splitArgs(this.src, open, Math.min(limit, this.src.length));
    if (!r) return;
    const fileScope = this.fn < 0 && this.locals === null && this.declStart === -2;
    for (const a of r.args) {
      if (identValue(a.text)) {
        this.values.push({ name: a.text, offset: a.start, ctx: CTX_ARG, fn: this.fn });
        // `DEFINE_PER_CPU(type, name)`, `static DEFINE_MUTEX(lock)`: the names it declares
        if (fileScope) this.macroDeclared.add(a.text);
      } else scanCallTokens(this.src, a.start, a.end, (n, o, p) => this.invocation(n, o, p, true, a.end));
    }
  }
}

// ------------------------------------------------------------------------------------------
// analyzeC
// ------------------------------------------------------------------------------------------

export interface AnalyzeCOptions {
  /** sha256 of the bytes when the input is a Buffer (default true). */
  hash?: boolean;
  /**
   * Wall time in ms the parser and the tree walk may take (default: none). Past it the parse is
   * cut and the whole file read lexically, with a warning that contains PARSE_LIMIT_NOTE.
   */
  timeLimitMs?: number;
  /**
   * Which `#define`s become CMacro facts (all of them are followed inside the file either way):
   *  - `all` (default): every one, with its body;
   *  - `callable`: only those a call can name - function-like macros, and object-like ones
   *    whose body calls something or is a bare name (`#define current get_current()`,
   *    `#define my_alloc kmalloc`) - with `body` left empty; and object-like macros whose body
   *    is made of strings (`#define DRV_LICENSE "GPL"`), with their body, for a licence or
   *    namespace another file of the module gives by name. A register header of hundreds of
   *    thousands of `#define mmREG 0x1234` then costs nothing downstream, where only the names
   *    a call could mean are asked for.
   */
  macros?: 'all' | 'callable';
}

/** An object-like macro body that is one identifier (possibly parenthesised): a call through it calls that name. */
const BARE_NAME = /^\s*\(?\s*[A-Za-z_]\w*\s*\)?\s*$/;

/** In the warning of a file whose parse was cut by AnalyzeCOptions.timeLimitMs. */
export const PARSE_LIMIT_NOTE = 'parse time limit';
/** In the warning of a file whose lexical bracket searches ran out of budget. */
export const SCAN_BUDGET_NOTE = 'bracket-matching budget';

/**
 * Brackets nested deeper than this are not given to the parser (checked in files over
 * NESTING_CHECK_BYTES only): the tree walk could not follow them anyway (its recursion ends near
 * 10,000 levels), and on megabytes of unclosed brackets tree-sitter spends seconds in steps its
 * cancellation does not reach. Real code nests a few dozen levels at most.
 */
const MAX_NESTING = 4096;
const NESTING_CHECK_BYTES = 256 * 1024;

/** Deepest bracket nesting of `text` (comments and literals skipped); stops once past `cap`. */
function nestingDepth(text: string, cap: number): number {
  let depth = 0;
  let max = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) {
      if (++depth > max) {
        max = depth;
        if (max > cap) return max;
      }
    } else if (c === 41 || c === 93 || c === 125) {
      if (depth > 0) depth--;
    } else if (c === 34 || c === 39) {
      i = skipQuoted(text, i) - 1;
    } else if (c === 47) {
      const j = skipComment(text, i);
      if (j !== i) i = j - 1;
    }
  }
  return max;
}

class NestingTooDeep extends Error {}

class TimeLimitReached extends Error {
  constructor(readonly during: string) {
    super(`${PARSE_LIMIT_NOTE} reached during ${during}`);
  }
}

/**
 * Characters the lexical bracket searches of one file may scan in all (see setScanBudget): far
 * more than real code needs (over the 9,382 headers of Debian's 6.1 linux-headers-common, the
 * vmkernel sources and the fixtures: 0.025 per character overall, 5.1 in the worst file, 59,098
 * in the most), small enough that hostile nesting cannot make them quadratic.
 */
const SCAN_BUDGET_PER_CHAR = 8;
const SCAN_BUDGET_BASE = 4 * 1024 * 1024;

export function analyzeC(path: string, input: string | Buffer, options: AnalyzeCOptions = {}): CFileFacts {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const hash = typeof input !== 'string' && options.hash !== false ? createHash('sha256').update(input).digest('hex') : undefined;
  setScanBudget(SCAN_BUDGET_BASE + SCAN_BUDGET_PER_CHAR * text.length);
  try {
    const facts = analyzeText(path, text, options);
    if (hash) facts.hash = hash;
    return facts;
  } finally {
    setScanBudget(Infinity);
  }
}

function analyzeText(path: string, text: string, options: AnalyzeCOptions): CFileFacts {
  const limitMs = options.timeLimitMs;
  const deadline = limitMs !== undefined && limitMs > 0 ? performance.now() + limitMs : Infinity;
  const prep = prepare(text);
  const warnings: ReadError[] = [];

  let w = new Walker(prep.parseText, false);
  let tree: Parser.Tree | undefined;
  try {
    if (text.length > NESTING_CHECK_BYTES && nestingDepth(prep.parseText, MAX_NESTING) > MAX_NESTING) throw new NestingTooDeep();
    const parser = getParser();
    if (deadline !== Infinity) {
      const t = parser.parse(prep.parseText, null, { progressCallback: () => performance.now() > deadline }) as Parser.Tree | null;
      if (!t) {
        // Cancelled. The parser would resume this parse on its next call; instead of a reset
        // (freeing a hostile parse's stacks takes as long as a second) the thread gets a new
        // parser and the old one is freed by its finaliser.
        sharedParser = undefined;
        throw new TimeLimitReached('parsing');
      }
      tree = t;
    } else {
      tree = parser.parse(prep.parseText);
    }
    noteParsed(text.length);
    const root = tree.rootNode;
    const objMacroNames = new Set<string>();
    for (const d of prep.defines) if (!d.params) objMacroNames.add(d.name);
    w = new Walker(prep.parseText, root.hasError, objMacroNames);
    w.deadline = deadline;
    w.c = tree.walk();
    w.visit(CTX_VALUE);
  } catch (e) {
    // parser failure, a tree too deep for the walk, or the time limit: keep what a lexical scan gives
    w = new Walker(prep.parseText, true);
    w.errors.push(0, text.length);
    warnings.push({
      path,
      message:
        e instanceof TimeLimitReached
          ? `${PARSE_LIMIT_NOTE} of ${limitMs} ms reached during ${e.during}; the whole file was read lexically`
          : e instanceof NestingTooDeep
          ? `brackets nest deeper than ${MAX_NESTING} levels; not parsed, the whole file was read lexically`
          : e instanceof RangeError && /call stack/i.test(e.message)
          ? 'syntax tree nested too deeply to walk; the whole file was read lexically'
          : `syntax tree could not be walked (${e instanceof Error ? e.message : String(e)}); the whole file was read lexically`,
      location: { path, line: 1, column: 1 },
    });
  } finally {
    (tree as unknown as { delete?: () => void } | undefined)?.delete?.();
    tree = undefined;
    w.c = undefined as unknown as Parser.TreeCursor;
  }
  const facts = finish(path, text, prep, w, warnings, options);
  if (scanBudgetExhausted()) {
    facts.warnings.push({
      path,
      message: `lexical ${SCAN_BUDGET_NOTE} of ${SCAN_BUDGET_BASE + SCAN_BUDGET_PER_CHAR * text.length} characters spent (deeply nested or unbalanced brackets); calls and definitions in unparsable regions may be missing`,
      location: { path, line: 1, column: 1 },
    });
  }
  releaseTrees();
  return facts;
}

function finish(path: string, text: string, prep: Prepared, w: Walker, warnings: ReadError[], options: AnalyzeCOptions): CFileFacts {
  const src = prep.parseText;
  const starts = lineStarts(text);
  const loc = (offset: number, fn?: number): Location => {
    const p = positionOf(starts, offset);
    const l: Location = { path, line: p.line, column: p.column };
    if (fn !== undefined && fn >= 0) l.function = w.functions[fn].name;
    return l;
  };
  const cond = (offset: number): boolean => prep.condRanges.length > 0 && inRanges(prep.condRanges, offset);

  // ---- broken definitions and declarations inside ERROR regions
  // Functions by name, each list sorted by start: "is this name already a function around this
  // offset" without a scan of every function (quadratic on files of many broken definitions).
  const fnsByName = new Map<string, FnRec[]>();
  const indexFn = (f: FnRec): void => {
    let list = fnsByName.get(f.name);
    if (!list) fnsByName.set(f.name, (list = []));
    let i = list.length;
    while (i > 0 && list[i - 1].start > f.start) i--;
    list.splice(i, 0, f);
  };
  for (const f of w.functions) indexFn(f);
  const definedAround = (name: string, offset: number): boolean => {
    const list = fnsByName.get(name);
    if (!list) return false;
    let lo = 0;
    let hi = list.length - 1;
    let last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].start <= offset) {
        last = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // the nearest few starts before the offset (same-named definitions nested deeper are not looked for)
    for (let i = last, n = 0; i >= 0 && n < 64; i--, n++) if (offset < list[i].end) return true;
    return false;
  };
  /** A definition `name(...) {` found inside an unparsable region; `declEnd` after its `)`. */
  const recoverDefinition = (name: string, nameOffset: number, declEnd: number): boolean => {
    const j = skipWsAndDirectives(src, declEnd);
    if (src.charCodeAt(j) !== 123 /* { */) return false;
    w.declOffsets.add(nameOffset);
    if (definedAround(name, nameOffset)) return true;
    let close = matchBrace(src, j);
    if (close === -1) close = src.length - 1;
    const start = statementStart(src, nameOffset);
    const head = src.slice(start, nameOffset);
    w.functions.push({
      name,
      isStatic: /\bstatic\b/.test(head),
      isInline: /\b(inline|__inline|__inline__|__forceinline)\b/.test(head),
      start,
      end: close + 1,
      recovered: true,
      bodyStart: j,
    });
    indexFn(w.functions[w.functions.length - 1]);
    return true;
  };
  for (const cand of w.fnCandidates) {
    if (recoverDefinition(cand.name, cand.nameOffset, cand.declEnd)) continue;
    if (looksLikeParams(cand.paramsText)) {
      w.declaredFns.add(cand.name);
      w.declOffsets.add(cand.nameOffset);
    }
  }

  // ---- in a file with errors, a function ends at its body's matching brace when that comes
  // before the end of the parser's node: the parser swallowed what follows a broken body, and
  // that swallowed text is read lexically like an ERROR region
  const regions = w.errors.slice();
  if (w.hasError) {
    for (const f of w.functions) {
      if (f.bodyStart === undefined || src.charCodeAt(f.bodyStart) !== 123) continue;
      const close = matchBrace(src, f.bodyStart, f.end);
      if (close !== -1 && close + 1 < f.end) {
        regions.push(close + 1, f.end);
        f.end = close + 1;
      }
    }
    if (regions.length > w.errors.length) {
      for (const c of w.calls) w.seen.add(c.offset);
      for (const sp of w.specials) w.seen.add(sp.offset);
    }
  }

  // ---- lexical scan of those regions for what the tree did not show
  for (let k = 0; k < regions.length; k += 2) {
    const regionEnd = regions[k + 1];
    scanCallTokens(src, regions[k], regionEnd, (name, offset, open) => {
      if (w.seen.has(offset) || w.declOffsets.has(offset)) return;
      w.seen.add(offset);
      if (SPECIAL.has(name)) {
        w.specials.push({ name, offset, open });
        return;
      }
      // `name(int a, char *b)`: a declaration, or with a body a definition whose header the
      // parser lost; never a call
      const close = matchParen(src, open, Math.min(regionEnd, open + 8192));
      if (close !== -1 && looksLikeParams(src.slice(open + 1, close))) {
        if (!recoverDefinition(name, offset, close + 1)) w.declaredFns.add(name);
        return;
      }
      w.calls.push({ name, offset, fn: -1, lexical: true });
    });
  }

  // ---- enclosing functions for records found outside a parsed function body
  const byStart = w.functions.map((_, i) => i).sort((a, b) => w.functions[a].start - w.functions[b].start);
  const enclosing = (offset: number): number => {
    let lo = 0;
    let hi = byStart.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const f = w.functions[byStart[mid]];
      if (f.start <= offset) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return -1;
    const f = w.functions[byStart[best]];
    return offset < f.end ? byStart[best] : -1;
  };
  if (w.hasError) {
    const outside = (r: { fn: number; offset: number }): boolean => r.fn < 0 || r.offset >= w.functions[r.fn].end;
    for (const c of w.calls) if (outside(c)) c.fn = enclosing(c.offset);
    for (const v of w.values) if (outside(v)) v.fn = enclosing(v.offset);
  }

  // ---- macros
  const objMacros = new Map<string, string[]>();
  const fnMacros = new Map<string, string[]>();
  const callableOnly = options.macros === 'callable';
  const macros: CMacro[] = [];
  for (const d of prep.defines) {
    const calls = macroBodyCalls(d.body, d.params);
    const table = d.params ? fnMacros : objMacros;
    const prev = table.get(d.name);
    if (!prev) table.set(d.name, calls.slice());
    else for (const x of calls) if (!prev.includes(x)) prev.push(x);
    const stringBody = !d.params && d.body.includes('"') && STRING_BODY.test(d.body);
    if (callableOnly && !d.params && calls.length === 0 && !BARE_NAME.test(d.body) && !stringBody) continue;
    const m: CMacro = { name: d.name, body: callableOnly && !stringBody ? '' : d.body, location: loc(d.nameOffset), calls };
    if (d.params) m.params = d.params;
    if (cond(d.offset)) m.conditional = true;
    macros.push(m);
  }
  const fnLookup: MacroLookup = (name) => fnMacros.get(name);
  const anyLookup: MacroLookup = (name) => fnMacros.get(name) ?? objMacros.get(name);

  // ---- calls
  const knownFns = new Set<string>(w.declaredFns);
  for (const f of w.functions) knownFns.add(f.name);
  const isLocalVar = (name: string, fn: number): boolean =>
    (fn >= 0 && w.functions[fn].locals?.has(name) === true) || (w.globalVars.has(name) && !knownFns.has(name));

  const site = (offset: number, fn: number, kind: 'call' | 'address', lexical?: boolean): CCall['site'] => {
    const s: CCall['site'] = { location: loc(offset, fn), kind };
    if (cond(offset)) s.conditional = true;
    if (lexical) s.lexical = true;
    return s;
  };

  const ordered: { offset: number; call: CCall }[] = [];
  for (const c of w.calls) {
    if (isLocalVar(c.name, c.fn)) continue; // a call through a function-pointer variable
    const call: CCall = { callee: c.name, site: site(c.offset, c.fn, 'call', c.lexical) };
    ordered.push({ offset: c.offset, call });
    if (fnMacros.has(c.name)) for (const e of expandSite(c.name, call.site, fnLookup)) ordered.push({ offset: c.offset, call: e });
  }

  // ---- value uses: functions used as values, object-like macros that call
  const addressTaken: CCall[] = [];
  for (const v of w.values) {
    if (objMacros.has(v.name) && objMacros.get(v.name)!.length > 0 && !isLocalVar(v.name, v.fn)) {
      const s = site(v.offset, v.fn, 'call');
      for (const e of expandSite(v.name, s, anyLookup)) ordered.push({ offset: v.offset, call: e });
      continue;
    }
    if (knownFns.has(v.name)) {
      if (v.fn >= 0 && w.functions[v.fn].locals?.has(v.name)) continue;
      addressTaken.push({ callee: v.name, site: site(v.offset, v.fn, 'address') });
    } else if (
      (v.ctx === CTX_AMP || v.ctx === CTX_DESIG || v.ctx === CTX_LIST) &&
      !w.nonFns.has(v.name) &&
      !w.macroDeclared.has(v.name) &&
      !objMacros.has(v.name) &&
      !fnMacros.has(v.name) &&
      !ALL_CAPS.test(v.name) &&
      !isNotCall(v.name)
    ) {
      addressTaken.push({ callee: v.name, site: site(v.offset, v.fn, 'address'), guess: true });
    }
  }
  ordered.sort((a, b) => a.offset - b.offset);
  const calls = ordered.map((o) => o.call);

  // ---- functions
  const functions: CFunction[] = w.functions
    .slice()
    .sort((a, b) => a.start - b.start)
    .map((f) => {
      const fn: CFunction = { name: f.name, static: f.isStatic, location: loc(f.start), endLine: positionOf(starts, Math.max(f.start, f.end - 1)).line };
      if (f.isInline) fn.inline = true;
      if (cond(f.start)) fn.conditional = true;
      return fn;
    });

  // ---- special macros: exports and module info
  const defines = new Map<string, RawDefine[]>();
  for (const d of prep.defines) {
    const list = defines.get(d.name);
    if (list) list.push(d);
    else defines.set(d.name, [d]);
  }
  const exports: ExportFact[] = [];
  const moduleLicenses: CFileFacts['moduleLicenses'] = [];
  const importNs: CFileFacts['importNs'] = [];
  const moduleInfo: NonNullable<CFileFacts['moduleInfo']> = [];
  w.specials.sort((a, b) => a.offset - b.offset);
  for (const sp of w.specials) {
    const r = splitArgs(text, sp.open, Math.min(text.length, sp.open + 65536));
    const location = loc(sp.offset);
    const conditional = cond(sp.offset);
    if (!r) {
      warnings.push({ path, message: `${sp.name}: unterminated argument list`, location });
      continue;
    }
    const args = r.args.map((a) => a.text);
    const exp = EXPORT_MACROS[sp.name];
    if (exp) {
      const arg0 = args[0] ?? '';
      let namespace: string | undefined;
      if (exp.nsArg !== undefined && args[exp.nsArg] !== undefined) namespace = nsValue(args[exp.nsArg], defines, sp.offset);
      else if (exp.defaultNs) {
        const d = lastDefineBefore(defines, 'DEFAULT_SYMBOL_NAMESPACE', sp.offset);
        if (d) namespace = nsValue(d.body, defines, sp.offset);
      }
      let forModules: string[] | undefined;
      if (exp.modsArg !== undefined && args[exp.modsArg] !== undefined) {
        const v = resolveString(args[exp.modsArg], defines, sp.offset) ?? args[exp.modsArg];
        forModules = v.split(',').map((s) => s.trim()).filter(Boolean);
      }
      for (const symbol of exp.names ? exp.names(arg0) : [arg0]) {
        const f: ExportFact = { symbol, type: exp.type, macro: sp.name, location };
        if (namespace) f.namespace = namespace;
        if (forModules) f.forModules = forModules;
        if (conditional) f.conditional = true;
        exports.push(f);
      }
      continue;
    }
    if (sp.name === 'MODULE_LICENSE') {
      const lic = { value: valueOf(args[0] ?? '', defines, sp.offset), location } as CFileFacts['moduleLicenses'][number];
      if (conditional) lic.conditional = true;
      moduleLicenses.push(lic);
    } else if (sp.name === 'MODULE_IMPORT_NS') {
      const ns = { namespace: nsValue(args[0] ?? '', defines, sp.offset), location } as CFileFacts['importNs'][number];
      if (conditional) ns.conditional = true;
      importNs.push(ns);
    } else if (sp.name === 'MODULE_INFO') {
      const key = (args[0] ?? '').trim();
      const value = valueOf(args[1] ?? '', defines, sp.offset);
      if (key === 'license') {
        const lic = { value, location } as CFileFacts['moduleLicenses'][number];
        if (conditional) lic.conditional = true;
        moduleLicenses.push(lic);
      } else if (key === 'import_ns') {
        const ns = { namespace: value, location } as CFileFacts['importNs'][number];
        if (conditional) ns.conditional = true;
        importNs.push(ns);
      } else moduleInfo.push({ key, value, location });
    } else {
      moduleInfo.push({ key: MODULE_INFO_MACROS[sp.name], value: valueOf(args.join(', '), defines, sp.offset), location });
    }
  }

  // ---- what the file looks like, and includes
  const hasMain = w.functions.some((f) => f.name === 'main');
  const strongKernel =
    exports.length > 0 || moduleLicenses.length > 0 || importNs.length > 0 || moduleInfo.length > 0 || w.calls.some((c) => KERNEL_CALL_SIGNS.test(c.name));
  const userSigns = hasMain || prep.includes.some((i) => i.system && isLibcHeader(i.target));
  const markerSigns = prep.includes.some((i) => KERNEL_ONLY_MARKERS.has(i.target));
  const looksLike: FileContext = userSigns && !strongKernel ? 'userspace' : strongKernel || markerSigns ? 'kernel' : 'unknown';
  const includes: IncludeFact[] = prep.includes.map((i) => {
    const f: IncludeFact = { target: i.target, system: i.system, category: categorizeInclude(i.target, i.system, looksLike), location: loc(i.offset) };
    if (cond(i.offset)) f.conditional = true;
    return f;
  });

  // ---- SPDX
  const spdx: SpdxFact[] = prep.spdx.map((s) => {
    const r = checkSpdx(s.expression);
    const f: SpdxFact = { expression: s.expression, location: loc(s.offset) };
    if (r.parsed !== undefined) f.parsed = r.parsed;
    if (r.error !== undefined) f.error = r.error;
    return f;
  });

  // ---- warnings
  for (let k = 0; k < w.errors.length; k += 2) {
    const a = positionOf(starts, w.errors[k]);
    const b = positionOf(starts, Math.max(w.errors[k], w.errors[k + 1] - 1));
    warnings.push({
      path,
      message: `unparsable region ${a.line}:${a.column}-${b.line}:${b.column} (tree-sitter ERROR); calls there were also read lexically`,
      location: { path, line: a.line, column: a.column, endLine: b.line },
    });
  }
  for (const m of w.missing) {
    const p = positionOf(starts, m.offset);
    warnings.push({ path, message: `syntax error at ${p.line}:${p.column}: missing ${m.type}`, location: { path, line: p.line, column: p.column } });
  }
  for (const p of prep.problems) warnings.push({ path, message: p.message, location: loc(p.offset) });
  warnings.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0));

  const facts: CFileFacts = {
    analyzer: 'c',
    path,
    spdx,
    moduleLicenses,
    importNs,
    exports,
    includes,
    functions,
    calls,
    addressTaken,
    macros,
    warnings,
    hasMain,
  };
  if (moduleInfo.length > 0) facts.moduleInfo = moduleInfo;
  facts.looksLike = looksLike;
  return facts;
}

// ------------------------------------------------------------------------------------------
// helpers
// ------------------------------------------------------------------------------------------

/** Skip whitespace, comments and whole preprocessor directive lines. */
function skipWsAndDirectives(src: string, i: number): number {
  for (;;) {
    i = skipWs(src, i);
    if (src.charCodeAt(i) !== 35 /* # */) return i;
    let nl = src.indexOf('\n', i);
    while (nl !== -1 && src.charCodeAt(nl - 1) === 92) nl = src.indexOf('\n', nl + 1);
    if (nl === -1) return src.length;
    i = nl + 1;
  }
}

function isDeclaratorKind(k: number): boolean {
  return k === K_IDENT || k === K_PTR_DECLARATOR || k === K_ARRAY_DECLARATOR || k === K_FUNC_DECLARATOR || k === K_WRAP_DECLARATOR;
}

/** Start of the declaration containing `offset`: after the previous `;`, `{`, `}`, directive or comment end. */
function statementStart(src: string, offset: number): number {
  let i = offset - 1;
  while (i >= 0) {
    const c = src.charCodeAt(i);
    if (c === 59 || c === 123 || c === 125) break;
    if (c === 10) {
      // a directive line ends the search
      let j = i + 1;
      while (src.charCodeAt(j) === 32 || src.charCodeAt(j) === 9) j++;
      if (src.charCodeAt(j) === 35 && j < offset) {
        i = src.indexOf('\n', j);
        break;
      }
    }
    if (c === 47 && src.charCodeAt(i - 1) === 42) break; // end of a block comment
    i--;
  }
  return skipWs(src, i + 1, offset);
}

/** Parameter text of a declarator looks like declarations (`int a, struct x *p`, `void`). */
function looksLikeParams(params: string): boolean {
  const t = params.trim();
  if (t === '' || t === 'void') return t === 'void';
  for (const raw of t.split(',')) {
    const p = raw.trim();
    if (p === '...') continue;
    const words = p.match(/[A-Za-z_]\w*/g) ?? [];
    if (words.length === 1 && !C_KEYWORDS.has(words[0])) return false;
    if (words.length === 0) return false;
    if (/["'&]|^\d|[+\-/%|^!<>=]/.test(p)) return false;
  }
  return true;
}

function lastDefineBefore(defines: Map<string, RawDefine[]>, name: string, offset: number): RawDefine | undefined {
  const list = defines.get(name);
  if (!list) return undefined;
  let best: RawDefine | undefined;
  for (const d of list) if (d.offset < offset && !d.params) best = d;
  return best;
}

/** A string-valued macro argument: literals, possibly glued to object-like macros of the file. */
function resolveString(arg: string, defines: Map<string, RawDefine[]>, offset: number): string | undefined {
  return evaluateStringExpression(arg, (name) => lastDefineBefore(defines, name, offset)?.body);
}

/**
 * The value of a C string expression: string literals and object-like macro names, side by side
 * (`DRV_NAME " v" DRV_VERSION`), each name looked up with `bodyOf` (to a depth of 5).
 * Undefined when a part is not a string.
 */
export function evaluateStringExpression(expr: string, bodyOf: (name: string) => string | undefined, depth = 0): string | undefined {
  const direct = stringValue(expr);
  if (direct !== undefined) return direct;
  if (depth > 4) return undefined;
  const tokens = expr.match(/"(?:\\.|[^"\\])*"|[A-Za-z_]\w*|\S/g);
  if (!tokens) return undefined;
  let out = '';
  for (const t of tokens) {
    if (t.startsWith('"')) out += stringValue(t) ?? '';
    else if (/^[A-Za-z_]\w*$/.test(t)) {
      const body = bodyOf(t);
      if (body === undefined) return undefined;
      const v = evaluateStringExpression(body, bodyOf, depth + 1);
      if (v === undefined) return undefined;
      out += v;
    } else return undefined;
  }
  return out;
}

/** An object-like macro body made of string literals and names only (`"GPL"`, `DRV_NAME " v" DRV_VERSION`): it may give a string such as a licence.
 *  A name is matched whole (`(?!\w)`): were it allowed to end anywhere, a body that fails at its
 *  end (`"x" some_long_name,`) would be tried in every split of every name, exponentially. */
const STRING_BODY = /^\s*(?:(?:"(?:\\.|[^"\\])*"|[A-Za-z_]\w*(?!\w))\s*)+$/;

function valueOf(arg: string, defines: Map<string, RawDefine[]>, offset: number): string {
  return resolveString(arg, defines, offset) ?? arg.trim();
}

/** A namespace argument: `NS` (6.1) or `"NS"` (later kernels). */
function nsValue(arg: string, defines: Map<string, RawDefine[]>, offset: number): string {
  const s = stringValue(arg);
  if (s !== undefined) return s;
  const t = arg.trim();
  return identValue(t) ?? resolveString(t, defines, offset) ?? t;
}
