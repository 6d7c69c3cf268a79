/**
 * The linked model: facts of every scanned file, grouped into units and linked against the
 * kernel database and against each other. This is what rules read. Plain data.
 */
import type {
  ExportFact,
  ExportType,
  FileFacts,
  Location,
  ReadError,
  ReferenceSite,
  UnitKind,
} from '../analyzers/facts';
import type { KnowledgeBase } from '../kernel-symbols/history';
import type { InlineReach } from '../kernel-symbols/reach';
import type { KernelDbMeta, KernelSymbolDb } from '../kernel-symbols/types';

export type Evidence = 'source' | 'binary' | 'both';

export interface LinkedImport {
  symbol: string;
  exportType: ExportType | 'unknown';
  namespace?: string;
  /** `vmlinux`, a kernel module path from the database, or the id of a scanned unit. */
  provider?: string;
  providerKind: 'kernel' | 'scanned' | 'unknown';
  sites: ReferenceSite[];
  evidence: Evidence;
  /**
   * The unit's sources name this export only through static inline functions or function-like
   * macros of the kernel headers: the chain from the name the source calls to the export,
   * export excluded (`['devm_kzalloc']` for devm_kmalloc, `['kzalloc', 'kmalloc']` for
   * kmalloc_trace). The sites are the calls of the first name. Absent when a source calls the
   * export by its own name (or only a binary imports it). Imports with the same chain may share
   * one array: read it, never change it.
   */
  via?: string[];
}

/**
 * What an import whose sites are built only when read (src/link.ts) keeps in their place, under
 * the non-enumerable, symbol-keyed property LAZY_SITES: enough to count them and to say in which
 * functions they lie without building them.
 */
export interface LazySiteSource {
  /** How many sites there are. */
  readonly count: number;
  /** The function of each site (`location.function`), in the order of the sites. */
  functions(): (string | undefined)[];
}

export const LAZY_SITES = Symbol('gplcheck.lazySites');

function lazySites(imp: LinkedImport): LazySiteSource | undefined {
  return (imp as { [LAZY_SITES]?: LazySiteSource })[LAZY_SITES];
}

/** The number of an import's sites, without building them. */
export function siteCount(imp: LinkedImport): number {
  return lazySites(imp)?.count ?? imp.sites.length;
}

/** The function of each of an import's sites, in order, without building them. */
export function siteFunctions(imp: LinkedImport): (string | undefined)[] {
  return lazySites(imp)?.functions() ?? imp.sites.map((s) => s.location.function);
}

export interface LicenseDecl {
  value: string;
  location: Location;
}

/** How strongly the evidence points at a derived work, with the reasons (see the risk assessment). */
export type RiskLevel = 'none' | 'low' | 'medium' | 'high' | 'critical';

export interface UnitRisk {
  level: RiskLevel;
  rationale: string;
}

export interface Unit {
  /** Module name for kernel modules (from .modinfo name= or the file name), else a path. */
  id: string;
  kind: UnitKind;
  /** Every file that makes the unit (sources and binaries). */
  paths: string[];
  licenses: LicenseDecl[];
  /** Exact `include/linux/license.h` test over every licence tag; false when none. */
  gplCompatible: boolean;
  importNs: string[];
  exports: ExportFact[];
  imports: LinkedImport[];
  /** Functions defined in the unit (names, in the order of its files), for function-level reasoning. */
  functions: string[];
  evidence: Evidence;
  /** Derived-work risk assessment, when the pipeline made one (optional: reporters must cope without). */
  risk?: UnitRisk;
  /** Kernel code its Kbuild and Kconfig files build into the kernel image, never as a module
   *  (`obj-y`, or `obj-$(CONFIG_X)` with X a bool option): why, with locations. Such a unit has
   *  kind `source`: module licence tags, modpost and the module loader do not apply to it. */
  builtIn?: string;
}

export interface LinkedModel {
  units: Unit[];
  /** unit id -> raw facts of its files */
  facts: Map<string, FileFacts[]>;
  database: KernelDbMeta;
  db: KernelSymbolDb;
  errors: ReadError[];
  /** The inline/macro reach table the linker used (kernel-symbols/reach.ts), when there is one for the database. */
  reach?: InlineReach;
  /** Every known kernel database with its history, for rules that look across versions (future-gpl-only). */
  knowledge?: KnowledgeBase;
}
