/**
 * Facts: the plain data every analyser produces. No rule logic, no kernel knowledge.
 * Analysers record raw names (what is called, included, exported); linking against the
 * kernel database and deciding what is a problem happen later in the pipeline.
 *
 * Everything here must stay JSON-serialisable (it crosses worker threads and lands in caches).
 */

/** Where a piece of evidence is. Sources give line/column (1-based); binaries give section/offset. */
export interface Location {
  path: string;
  line?: number;
  column?: number;
  endLine?: number;
  section?: string;
  offset?: number;
  /** The defined function that contains the evidence, when known. */
  function?: string;
}

/** A file that could not be read, or a part of it that could not be understood. */
export interface ReadError {
  path: string;
  message: string;
  /** Where in the file, when the problem is local (e.g. an unparsable region of a source). */
  location?: Location;
}

export type UnitKind = 'kernel-module' | 'object' | 'userspace' | 'source';
export type ExportType = 'gpl' | 'plain';

/** An `EXPORT_SYMBOL*` seen in a binary or a source. */
export interface ExportFact {
  symbol: string;
  type: ExportType;
  namespace?: string;
  /** The macro used in source (`EXPORT_SYMBOL_NS_GPL`, ...); absent for binaries. */
  macro?: string;
  /** `EXPORT_SYMBOL_FOR_MODULES`-style restriction, when present. */
  forModules?: string[];
  location: Location;
  /** True when it sits inside an `#if`/`#ifdef` branch. */
  conditional?: boolean;
}

/** One place that references a symbol defined elsewhere. */
export interface ReferenceSite {
  location: Location;
  /** `call`: a call (PLT32 / call expression); `address`: address taken / function pointer;
   *  `data`: any other relocation. */
  kind: 'call' | 'address' | 'data';
  conditional?: boolean;
  /** Source only: the chain of local macros through which the call was reached. */
  viaMacros?: string[];
  /** Source only: found by the lexical fallback inside a region the parser could not read
   *  (or in the arguments of a macro invocation), not from the syntax tree. */
  lexical?: boolean;
}

// ----------------------------------------------------------------------------------------
// ELF facts (produced by analyzers/elf from elf/)
// ----------------------------------------------------------------------------------------

export interface ElfImport {
  symbol: string;
  /** Every reference, with the defined function that makes it (from relocation offsets). */
  sites: ReferenceSite[];
}

export interface ElfFunction {
  name: string;
  section: string;
  offset: number;
  size: number;
  global: boolean;
}

/** Calls and references between functions defined in the same binary. */
export interface ElfInternalRef {
  from: string;
  to: string;
  location: Location;
  kind: 'call' | 'address' | 'data';
}

export interface ElfFileFacts {
  analyzer: 'elf';
  path: string;
  /** sha256 of the file bytes */
  hash?: string;
  unitKind: Exclude<UnitKind, 'source'>;
  elf: {
    class: 32 | 64;
    endian: 'little' | 'big';
    type: string; // 'REL' | 'EXEC' | 'DYN' | ...
    machine: string;
  };
  /** `.modinfo` in file order, every key=value pair. */
  modinfo: { key: string; value: string }[];
  licenses: string[];
  importNs: string[];
  depends: string[];
  moduleName?: string;
  vermagic?: string;
  description?: string;
  /** `__versions` entries. */
  versions: { symbol: string; crc: number }[];
  exports: ExportFact[];
  imports: ElfImport[];
  functions: ElfFunction[];
  internalRefs: ElfInternalRef[];
  /** Set when the analysis read the symbol tables only (AnalyzeElfOptions.sites): `imports`
   *  are complete, but carry no sites, and `internalRefs` is empty. */
  sitesOmitted?: true;
  /** Userspace only. */
  dynamic?: { needed: string[]; interpreter?: string; imports: string[] };
  /** Problems inside an otherwise readable file. */
  warnings: ReadError[];
}

// ----------------------------------------------------------------------------------------
// C facts (produced by analyzers/c)
// ----------------------------------------------------------------------------------------

export interface SpdxFact {
  expression: string;
  location: Location;
  /** The spdx-expression-parse AST, when it parsed. */
  parsed?: unknown;
  /** Why it did not parse, or which identifiers are unknown. */
  error?: string;
}

export type IncludeCategory = 'kernel' | 'uapi' | 'libc' | 'local';

export interface IncludeFact {
  target: string;
  system: boolean; // <...> vs "..."
  category: IncludeCategory;
  location: Location;
  conditional?: boolean;
  /** Path of the included file when a group step found it among the scanned files. */
  resolved?: string;
}

export interface CFunction {
  name: string;
  static: boolean;
  inline?: boolean;
  location: Location; // start
  endLine: number;
  conditional?: boolean;
}

export interface CCall {
  callee: string;
  site: ReferenceSite; // site.location.function = enclosing function
  /** addressTaken only: the name is not known in the file to be a function (it is used where
   *  function pointers usually go: `&name`, `.field = name`, `{ name, ... }`); link it only if
   *  the kernel database says it is a function. */
  guess?: boolean;
}

export interface CMacro {
  name: string;
  params?: string[]; // undefined: object-like
  /** The replacement text; empty when the file was analysed with `macros: 'callable'`
   *  (AnalyzeCOptions), as scans do. */
  body: string;
  location: Location;
  /** Names that the body calls (function-like use `name(`). */
  calls: string[];
  conditional?: boolean;
}

export interface CFileFacts {
  analyzer: 'c';
  path: string;
  hash?: string;
  spdx: SpdxFact[];
  moduleLicenses: { value: string; location: Location; conditional?: boolean }[];
  importNs: { namespace: string; location: Location; conditional?: boolean }[];
  exports: ExportFact[];
  includes: IncludeFact[];
  functions: CFunction[];
  calls: CCall[];
  /** Functions used as values: address taken, initialisers of function-pointer fields. */
  addressTaken: CCall[];
  macros: CMacro[];
  /** Unparsable regions (tree-sitter ERROR / MISSING nodes) and other local problems. */
  warnings: ReadError[];
  hasMain: boolean;
  /** Other `MODULE_*` macros seen (author, description), raw. */
  moduleInfo?: { key: string; value: string; location: Location }[];
  /** What the file looks like (analyzers/c/includes.ts): kernel code, a userspace program/library
   *  source, or no sign either way. Decides whether `<linux/...>` is the UAPI copy. */
  looksLike?: 'kernel' | 'userspace' | 'unknown';
  /** Code found in an indexed kernel source tree (only when the scan was given --provenance). */
  provenance?: ProvenanceFacts;
}

// ----------------------------------------------------------------------------------------
// Provenance facts (analyzers/provenance fingerprints a file; kernel-symbols/provenance
// matches the fingerprints against the index of a kernel source tree)
// ----------------------------------------------------------------------------------------

/** Where a copied region comes from: a file of an indexed kernel tree. */
export interface ProvenanceOrigin {
  /** Name of the index (e.g. `linux-6.1.192`), one per kernel tree. */
  index: string;
  /** Kernel version of the tree (`6.1.192`), with the Debian package version when known. */
  kernel: string;
  /** Path inside the kernel tree, e.g. `lib/hexdump.c`. */
  path: string;
  line: number;
  endLine: number;
  /** The origin file's SPDX-License-Identifier expression; absent when it has none (the
   *  tree's COPYING then applies: GPL-2.0). */
  license?: string;
  /** Copyright lines of the origin file, as written. */
  copyright: string[];
  /** Author lines and MODULE_AUTHOR values of the origin file. */
  authors: string[];
}

/** One region of a scanned file whose fingerprints match one region of an origin file. */
export interface ProvenanceMatch {
  /** The scanned lines: path, line, endLine. */
  location: Location;
  /** Length of the scanned region in normalised tokens. */
  tokens: number;
  /** Share of the region that matches the origin, 0..1 (1: copied as a whole, modulo
   *  identifiers, literals, layout and comments). Token by token when `aligned`, else the
   *  share of the region's fingerprints found in the origin region. */
  share: number;
  /** Number of distinct matching fingerprints. */
  fingerprints: number;
  /** True when the region was aligned token by token with the origin's text (the indexed
   *  tree was readable): its bounds are then exact, not those of the fingerprints. */
  aligned?: boolean;
  /** When aligned: share of the matching identifiers spelled as in the origin, 0..1 (1: the
   *  names were kept; near 0: renamed). */
  sameIdentifiers?: number;
  origin: ProvenanceOrigin;
  /** Other origins that match the same region about as well (other files or other trees). */
  alsoIn?: { index: string; path: string; line: number; endLine: number }[];
}

export interface ProvenanceFacts {
  /** The indices matched against (names). */
  indices: string[];
  /** Normalised tokens in the file. */
  tokens: number;
  matches: ProvenanceMatch[];
  /** The scanned file's own copyright lines (same extraction as for the origin). */
  copyright: string[];
  /** The scanned file's own author lines. */
  authors: string[];
}

/** Build description read from Kbuild/Makefile (analyzers/c/kbuild). */
export interface BuildFacts {
  analyzer: 'kbuild';
  path: string; // the Kbuild/Makefile
  /** module name -> object files (paths relative to the makefile's directory, `.o`). */
  modules: {
    name: string;
    objects: string[];
    kind: 'obj-m' | 'obj-y';
    location: Location;
    /** `obj-$(CONFIG_X)`: the option (counted as `obj-m`). */
    config?: string;
  }[];
  /** A plain userspace Makefile (no kbuild variables, builds a program). */
  userspacePrograms: {
    name: string;
    location: Location;
    /** Its `.o` prerequisites (`.c` ones given as `.o`), relative to the makefile's directory. */
    objects?: string[];
  }[];
  /** `-I` directories from ccflags (relative to the makefile's directory unless absolute). */
  includeDirs?: string[];
  /** Kconfig files (analyzers/c/kconfig): the options they define and their types. */
  configOptions?: ConfigOption[];
  warnings: ReadError[];
}

/** A Kconfig `config` entry: whether objects under it can be built as modules (`tristate`) or only into the kernel (`bool`). */
export interface ConfigOption {
  /** Without the `CONFIG_` prefix, as Kconfig writes it. */
  name: string;
  type: 'bool' | 'tristate' | 'string' | 'int' | 'hex';
  location: Location;
}

export type FileFacts = ElfFileFacts | CFileFacts | BuildFacts;
