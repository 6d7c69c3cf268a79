/**
 * History of exports across kernel versions: for one symbol, its export type (GPL-only,
 * plain or absent) and namespace in every known database, in version order, and phrases
 * for reports such as "plain in 5.10, GPL-only since 6.1" or "removed in 6.12".
 * "Removed"/"absent" means that kernel build does not export the symbol (it may still exist
 * unexported, or not be built in that configuration); "added" likewise.
 */
import { type DatabaseDirs, findDatabases, loadDatabase, compareVersions } from './database';
import { forModules } from './symvers';
import type { KernelSymbolDb } from './types';

export type ExportStatus = 'gpl' | 'plain' | 'absent';

export interface SymbolState {
  /** Database name (`6.1`, or a user database's name). */
  name: string;
  /** Upstream series of that database (`6.1`). */
  version: string;
  kernel: string;
  status: ExportStatus;
  namespace?: string;
  module?: string;
}

export interface SymbolHistory {
  symbol: string;
  /** One state per database, oldest version first. */
  states: SymbolState[];
  /** Export type (including presence) differs between databases. */
  statusChanged: boolean;
  /** Namespace differs between databases where the symbol is exported. */
  namespaceChanged: boolean;
}

export interface KnowledgeBaseOptions extends DatabaseDirs {
  /** Which databases: all known ones (default), only the shipped ones, or these names. */
  databases?: 'all' | 'shipped' | string[];
}

const STATUS_WORD: Record<ExportStatus, string> = { gpl: 'GPL-only', plain: 'plain', absent: 'absent' };

/** "5.10", "5.10 and 6.1", "5.10 to 6.12" (a run of three or more consecutive databases). */
function span(labels: string[]): string {
  if (labels.length === 1) return labels[0];
  if (labels.length === 2) return `${labels[0]} and ${labels[1]}`;
  return `${labels[0]} to ${labels[labels.length - 1]}`;
}

interface Run<T> {
  value: T;
  labels: string[];
}

function runs<T>(states: SymbolState[], key: (s: SymbolState) => T): Run<T>[] {
  const out: Run<T>[] = [];
  for (const s of states) {
    const v = key(s);
    const last = out[out.length - 1];
    if (last && last.value === v) last.labels.push(s.name);
    else out.push({ value: v, labels: [s.name] });
  }
  return out;
}

/**
 * The export type over the versions as a phrase:
 *   one run:   "GPL-only in 5.10 to 6.12", "plain in 6.1", "not exported in 5.10 to 6.12"
 *   changes:   "plain in 5.10, GPL-only since 6.1", "plain in 5.10 and 6.1, GPL-only in 6.12",
 *              "GPL-only in 5.10 and 6.1, removed in 6.12", "added in 6.12 as GPL-only",
 *              "plain in 5.10, absent in 6.1, plain in 6.12"
 * "since X" is used for the newest run when it spans several databases, "in X" otherwise.
 */
export function describeStatus(h: SymbolHistory): string {
  const rs = runs(h.states, (s) => s.status);
  if (rs.length === 0) return 'no kernel database';
  if (rs.length === 1) {
    const r = rs[0];
    return r.value === 'absent' ? `not exported in ${span(r.labels)}` : `${STATUS_WORD[r.value]} in ${span(r.labels)}`;
  }
  const parts: string[] = [];
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i];
    const last = i === rs.length - 1;
    if (r.value === 'absent') {
      if (i === 0) continue; // folded into "added in X as ..."
      parts.push(last ? `removed in ${r.labels[0]}` : `absent in ${span(r.labels)}`);
      continue;
    }
    const word = STATUS_WORD[r.value];
    if (i === 1 && rs[0].value === 'absent') {
      parts.push(`added in ${r.labels[0]} as ${word}`);
      continue;
    }
    parts.push(last && r.labels.length > 1 ? `${word} since ${r.labels[0]}` : `${word} in ${span(r.labels)}`);
  }
  return parts.join(', ');
}

/** `CXL` -> "namespace CXL"; `module:kvm,kvm-amd` (EXPORT_SYMBOL_FOR_MODULES) -> "restricted to kvm, kvm-amd". */
function nsWord(ns: string): string {
  if (ns === '') return 'no namespace';
  const mods = forModules(ns);
  return mods ? `restricted to ${mods.join(', ')}` : `namespace ${ns}`;
}

/** Namespace changes as a phrase ("namespace CXL since 6.12", "no namespace in 5.10, USB_STORAGE in 6.1 and 6.12"); '' when unchanged. */
export function describeNamespace(h: SymbolHistory): string {
  if (!h.namespaceChanged) return '';
  const present = h.states.filter((s) => s.status !== 'absent');
  const rs = runs(present, (s) => s.namespace ?? '');
  if (rs.length === 2 && rs[0].value === '' && rs[1].labels[rs[1].labels.length - 1] === present[present.length - 1].name) {
    return `${nsWord(rs[1].value)} since ${rs[1].labels[0]}`;
  }
  return rs.map((r) => `${nsWord(r.value)} in ${span(r.labels)}`).join(', ');
}

/** Both phrases, e.g. "plain in 5.10, GPL-only since 6.1; namespace FOO since 6.12". */
export function describeHistory(h: SymbolHistory): string {
  const ns = describeNamespace(h);
  return ns ? `${describeStatus(h)}; ${ns}` : describeStatus(h);
}

/** All known kernel databases, oldest version first, asked about one symbol at a time. */
export class KnowledgeBase {
  readonly databases: readonly KernelSymbolDb[];

  constructor(dbs: Iterable<KernelSymbolDb>) {
    this.databases = [...dbs].sort((a, b) => compareVersions(a.meta.version, b.meta.version));
  }

  /** Loads the shipped and user databases (or a chosen set). */
  static load(opts: KnowledgeBaseOptions = {}): KnowledgeBase {
    const which = opts.databases ?? 'all';
    const entries = findDatabases(opts);
    const chosen = Array.isArray(which)
      ? which
      : entries.filter((e) => which === 'all' || e.origin === 'shipped').map((e) => e.meta.name);
    return new KnowledgeBase(chosen.map((n) => loadDatabase(n, opts)));
  }

  /** Database names in version order. */
  get names(): string[] {
    return this.databases.map((d) => d.meta.name);
  }

  history(symbol: string): SymbolHistory {
    const states: SymbolState[] = this.databases.map((db) => {
      const e = db.lookup(symbol);
      const s: SymbolState = { name: db.meta.name, version: db.meta.version, kernel: db.meta.kernel, status: e ? e.type : 'absent' };
      if (e?.namespace) s.namespace = e.namespace;
      if (e) s.module = e.module;
      return s;
    });
    const statuses = new Set(states.map((s) => s.status));
    const namespaces = new Set(states.filter((s) => s.status !== 'absent').map((s) => s.namespace ?? ''));
    return { symbol, states, statusChanged: statuses.size > 1, namespaceChanged: namespaces.size > 1 };
  }

  /** Phrase for one symbol, e.g. "plain in 5.10, GPL-only since 6.1". */
  describe(symbol: string): string {
    return describeHistory(this.history(symbol));
  }

  /** Every symbol any database knows, in code-point order. */
  allSymbols(): string[] {
    const names = new Set<string>();
    for (const db of this.databases) for (const e of db.symbols()) names.add(e.symbol);
    return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Histories of the symbols whose export type, presence or namespace changed. */
  *changes(filter: { status?: boolean; namespace?: boolean } = { status: true, namespace: true }): Generator<SymbolHistory> {
    for (const s of this.allSymbols()) {
      const h = this.history(s);
      if ((filter.status && h.statusChanged) || (filter.namespace && h.namespaceChanged)) yield h;
    }
  }
}
