/**
 * Helpers shared by the reporters: stable finding fingerprints, location text, counts, escaping.
 * Nothing here decides what is a finding; it only names and formats what the pipeline found.
 */
import { createHash } from 'crypto';
import type { Location } from '../analyzers/facts';
import type { RiskLevel, Unit, UnitRisk } from '../rules/model';
import type { Finding, Reference, RuleMeta, Severity } from '../rules/types';
import type { LeftOut, ScanResult } from './types';

/** Version of the fingerprint recipe; part of the SARIF partialFingerprints key. */
export const FINGERPRINT_VERSION = 1;

/** The defined functions a finding's evidence sits in, sorted and unique. */
export function findingFunctions(f: Finding): string[] {
  const set = new Set<string>();
  for (const l of f.locations) if (l.function) set.add(l.function);
  return [...set].sort();
}

/**
 * A fingerprint that survives unrelated edits: the rule, the unit, the symbol and the functions
 * the evidence sits in. No line numbers, offsets or paths: moving code, adding comments or
 * rebuilding does not change it; a use in another function does (a reviewer accepted specific
 * uses, not every future one).
 */
export function findingFingerprint(f: Pick<Finding, 'ruleId' | 'unit' | 'symbol' | 'locations'>): string {
  const functions = findingFunctions(f as Finding);
  return fingerprintOf(f.ruleId, f.unit, f.symbol ?? '', functions);
}

export function fingerprintOf(ruleId: string, unit: string, symbol: string, functions: readonly string[]): string {
  const text = [`v${FINGERPRINT_VERSION}`, ruleId, unit, symbol, [...functions].sort().join(',')].join('\0');
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** "path:line:col (in fn)" or "path .text+0x1a (in fn)". */
export function formatLocation(l: Location): string {
  let s = l.path;
  if (l.line !== undefined) s += `:${l.line}${l.column !== undefined ? `:${l.column}` : ''}`;
  else if (l.section !== undefined) s += ` ${l.section}${l.offset !== undefined ? `+0x${l.offset.toString(16)}` : ''}`;
  if (l.function) s += ` (in ${l.function})`;
  return s;
}

export function isSourceLocation(l: Location): boolean {
  return l.line !== undefined;
}

export function isBinaryLocation(l: Location): boolean {
  return l.line === undefined && l.section !== undefined;
}

/** The location a single-location view should show first: a source line when there is one. */
export function primaryLocation(f: Finding): Location | undefined {
  return f.locations.find(isSourceLocation) ?? f.locations[0];
}

export function countBy<T extends string>(values: readonly T[]): Record<T, number> {
  const out = {} as Record<T, number>;
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

export function severityCounts(findings: readonly Finding[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

export function groupFindingsByUnit(findings: readonly Finding[]): Map<string, Finding[]> {
  const m = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = m.get(f.unit) ?? [];
    list.push(f);
    m.set(f.unit, list);
  }
  return m;
}

/** Every reference of every rule, once, in rule order. */
export function allReferences(rules: readonly RuleMeta[]): Reference[] {
  const seen = new Set<string>();
  const out: Reference[] = [];
  for (const r of rules) {
    for (const ref of r.references) {
      const key = ref.title + '\0' + (ref.url ?? '');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(ref);
    }
  }
  return out;
}

export type LicenceClass = 'gpl-compatible' | 'incompatible' | 'none';

/** What the unit's MODULE_LICENSE tags say, as the pipeline decided it (unit.gplCompatible). */
export function licenceClass(u: Unit): LicenceClass {
  if (u.licenses.length === 0) return 'none';
  return u.gplCompatible ? 'gpl-compatible' : 'incompatible';
}

export function licenceText(u: Unit): string {
  if (u.licenses.length === 0) return u.kind === 'kernel-module' ? 'no MODULE_LICENSE' : 'no licence tag';
  return u.licenses.map((l) => `"${l.value}"`).join(', ');
}

export const RISK_LEVELS: readonly RiskLevel[] = ['none', 'low', 'medium', 'high', 'critical'];

/**
 * The unit's risk assessment when the pipeline made one. Checked at run time as well: a result
 * read back from JSON may come from a version without risk assessment or carry a level this
 * version does not know.
 */
export function unitRisk(u: Unit): UnitRisk | undefined {
  const r = u.risk;
  if (!r || typeof r !== 'object' || !RISK_LEVELS.includes(r.level)) return undefined;
  return { level: r.level, rationale: typeof r.rationale === 'string' ? r.rationale : '' };
}

/** A short description of where the symbol database came from. */
export function databaseText(r: ScanResult): string {
  const db = r.database;
  const src = db.source.package
    ? `${db.source.package} ${db.source.packageVersion ?? ''}`.trim() + (db.source.suite ? ` (${db.source.suite})` : '')
    : db.source.file ?? db.source.kind;
  return `${db.name}: Linux ${db.kernel} (${db.arch}), from ${src}`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Escapes text for a Markdown paragraph or table cell. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}\[\]<>|#]/g, (c) => '\\' + c).replace(/\r?\n/g, ' ');
}

/** Inline code in Markdown that survives backticks in the text. */
export function mdCode(s: string): string {
  const ticks = /`+/.exec(s) ? '``' : '`';
  const pad = ticks.length > 1 ? ' ' : '';
  return `${ticks}${pad}${s.replace(/\r?\n/g, ' ')}${pad}${ticks}`;
}

const LEFT_OUT_WHY: [keyof LeftOut, string][] = [
  ['gitignore', 'by .gitignore'],
  ['exclude', 'by --exclude'],
  ['ignored', "under the configuration's ignored paths"],
  ['cache', 'as the cache directory'],
  ['metadata', 'as version-control metadata or node_modules'],
  ['special', 'as sockets, FIFOs or devices'],
];

/**
 * What a scan left out, and why: `12 by .gitignore, 1 as version-control metadata or
 * node_modules`; empty when nothing was. A result made before the reasons were counted gives
 * the total alone.
 */
export function leftOutText(stats: ScanResult['stats']): string {
  const l = stats.leftOut;
  if (!l) return stats.excluded ? `${stats.excluded} left out` : '';
  return LEFT_OUT_WHY.filter(([k]) => l[k] > 0)
    .map(([k, why]) => `${l[k]} ${why}`)
    .join(', ');
}
