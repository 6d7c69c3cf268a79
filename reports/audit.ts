/**
 * The audit report's content, shared by the Markdown and HTML renderers: a summary, every unit
 * with its licence and risk, every finding with its evidence chain and the cited source lines,
 * the boundary graph, the headers used, the method and references, and what is needed to
 * reproduce the scan. Everything is taken from the result as the pipeline made it; the only
 * reading done here is of the cited source lines (through RenderOptions.sources), for display.
 */
import * as path from 'path';
import type { CFileFacts, IncludeCategory, Location } from '../analyzers/facts';
import type { Unit } from '../rules/model';
import type { EvidenceStep, Finding, Reference, RuleMeta, Severity } from '../rules/types';
import { buildBoundaryGraph, type BoundaryGraphView } from './boundary-graph';
import {
  allReferences,
  findingFingerprint,
  findingFunctions,
  groupFindingsByUnit,
  isSourceLocation,
  licenceClass,
  leftOutText,
  licenceText,
  severityCounts,
  unitRisk,
  type LicenceClass,
} from './common';
import type { BaselineComparison, BaselineEntry, BaselineStatus, RenderOptions } from './render';
import type { Snippet } from './sources';
import type { ScanResult } from './types';

/** Source snippets shown per finding; locations listed per finding. */
export const MAX_SNIPPETS = 3;
export const MAX_LISTED_LOCATIONS = 12;
export const SNIPPET_CONTEXT = 2;

export interface AuditLocation {
  location: Location;
  kind: 'source' | 'binary' | 'file';
  snippet?: Snippet;
}

export interface AuditStep {
  step: EvidenceStep;
  snippet?: Snippet;
}

export interface AuditFinding {
  finding: Finding;
  rule?: RuleMeta;
  fingerprint: string;
  functions: string[];
  baseline?: { status: BaselineStatus; reason?: string };
  chain: AuditStep[];
  locations: AuditLocation[];
  omittedLocations: number;
}

export interface AuditUnit {
  unit: Unit;
  licence: string;
  licenceClass: LicenceClass;
  risk?: { level: string; rationale: string };
  imports: { total: number; gplOnly: number; fromKernel: number; fromScanned: number; unresolved: number };
  findings: AuditFinding[];
}

export interface AuditHeader {
  target: string;
  category: IncludeCategory;
  /** Units whose files include it. */
  units: string[];
  /** The scanned file it resolved to, when it was among the inputs. */
  resolved?: string;
  /** SPDX-License-Identifier expressions of the resolved file. */
  licences: string[];
}

export interface AuditDocument {
  title: string;
  result: ScanResult;
  counts: {
    units: number;
    findings: number;
    bySeverity: Record<Severity, number>;
    byRule: { rule: string; count: number }[];
    byLicence: Record<LicenceClass, number>;
    byRisk: { level: string; count: number }[];
  };
  units: AuditUnit[];
  graph: BoundaryGraphView;
  /** undefined when the raw facts were not available to this rendering. */
  headers?: AuditHeader[];
  rules: RuleMeta[];
  references: Reference[];
  baseline?: BaselineComparison;
  stale: BaselineEntry[];
  reproduce: { label: string; value: string }[];
}

const RISK_ORDER = ['critical', 'high', 'medium', 'low', 'none'];
const SEVERITY_ORDER: Severity[] = ['error', 'warning', 'info'];

/** Most severe first; the pipeline's order within a severity. */
function bySeverity(fs: readonly Finding[]): Finding[] {
  return fs
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_ORDER.indexOf(a.f.severity) - SEVERITY_ORDER.indexOf(b.f.severity) || a.i - b.i)
    .map((x) => x.f);
}

function snippetFor(l: Location | undefined, options: RenderOptions): Snippet | undefined {
  if (!l || l.line === undefined || !options.sources) return undefined;
  return options.sources.snippet(l.path, l.line, { endLine: l.endLine, context: SNIPPET_CONTEXT });
}

function auditFinding(f: Finding, r: ScanResult, options: RenderOptions): AuditFinding {
  const fingerprint = findingFingerprint(f);
  // sources first (they get snippets), then binaries, then bare files
  const ordered = [
    ...f.locations.filter(isSourceLocation),
    ...f.locations.filter((l) => !isSourceLocation(l) && l.section !== undefined),
    ...f.locations.filter((l) => !isSourceLocation(l) && l.section === undefined),
  ];
  let snippets = 0;
  const shownLines = new Set<string>();
  const listed = ordered.slice(0, MAX_LISTED_LOCATIONS).map((l): AuditLocation => {
    const kind = isSourceLocation(l) ? 'source' : l.section !== undefined ? 'binary' : 'file';
    // one snippet per cited line: several places on one line share the first one's
    const lineKey = `${l.path}\0${l.line}`;
    const snippet = kind === 'source' && snippets < MAX_SNIPPETS && !shownLines.has(lineKey) ? snippetFor(l, options) : undefined;
    if (snippet) {
      snippets++;
      shownLines.add(lineKey);
    }
    return { location: l, kind, ...(snippet ? { snippet } : {}) };
  });
  const b = r.baseline?.status[fingerprint];
  return {
    finding: f,
    rule: r.rules.find((x) => x.id === f.ruleId),
    fingerprint,
    functions: findingFunctions(f),
    ...(b ? { baseline: b } : {}),
    chain: (f.path ?? []).map((step) => {
      const snippet = snippetFor(step.location, options);
      return { step, ...(snippet ? { snippet } : {}) };
    }),
    locations: listed,
    omittedLocations: ordered.length - listed.length,
  };
}

/**
 * The headers the scanned sources include: from the raw facts when the rendering has them,
 * else from the result's boundary graph (a result read back from JSON, or merged shards).
 * Licences only where the header was itself scanned (its SPDX lines, from the facts).
 */
function headersOf(r: ScanResult, options: RenderOptions): AuditHeader[] | undefined {
  const cFacts = (options.facts ?? []).filter((f): f is CFileFacts => f.analyzer === 'c');
  const spdxOfPath = new Map<string, string[]>();
  for (const f of cFacts) spdxOfPath.set(f.path, f.spdx.map((s) => s.expression));
  type Inc = { unit: string; target: string; category: IncludeCategory; resolved?: string };
  let incs: Inc[];
  if (options.facts) {
    const unitOfPath = new Map<string, string>();
    for (const u of r.units) for (const p of u.paths) unitOfPath.set(p, u.id);
    incs = cFacts.flatMap((f) => f.includes.map((i) => ({ unit: unitOfPath.get(f.path) ?? f.path, target: i.target, category: i.category, resolved: i.resolved })));
  } else if (r.graph) {
    incs = r.graph.includes.map((i) => ({ unit: i.unit, target: i.target, category: i.category, resolved: i.resolved }));
  } else return undefined;
  const byTarget = new Map<string, AuditHeader>();
  for (const inc of incs) {
    const key = `${inc.category}\0${inc.target}\0${inc.resolved ?? ''}`;
    let h = byTarget.get(key);
    if (!h) {
      h = { target: inc.target, category: inc.category, units: [], ...(inc.resolved ? { resolved: inc.resolved } : {}), licences: [] };
      if (inc.resolved) h.licences = spdxOfPath.get(inc.resolved) ?? [];
      byTarget.set(key, h);
    }
    if (!h.units.includes(inc.unit)) h.units.push(inc.unit);
  }
  const catOrder: IncludeCategory[] = ['kernel', 'uapi', 'libc', 'local'];
  return [...byTarget.values()]
    .map((h) => ({ ...h, units: h.units.sort() }))
    .sort((a, b) => catOrder.indexOf(a.category) - catOrder.indexOf(b.category) || b.units.length - a.units.length || (a.target < b.target ? -1 : 1));
}

export function buildAudit(r: ScanResult, options: RenderOptions = {}): AuditDocument {
  const byUnit = groupFindingsByUnit(r.findings);
  const units: AuditUnit[] = r.units.map((u) => {
    const risk = unitRisk(u);
    const imports = { total: u.imports.length, gplOnly: 0, fromKernel: 0, fromScanned: 0, unresolved: 0 };
    for (const i of u.imports) {
      if (i.exportType === 'gpl') imports.gplOnly++;
      if (i.providerKind === 'kernel') imports.fromKernel++;
      else if (i.providerKind === 'scanned') imports.fromScanned++;
      else imports.unresolved++;
    }
    return {
      unit: u,
      licence: licenceText(u),
      licenceClass: licenceClass(u),
      ...(risk ? { risk } : {}),
      imports,
      findings: bySeverity(byUnit.get(u.id) ?? []).map((f) => auditFinding(f, r, options)),
    };
  });
  // Findings of units the result does not list (should not happen) still appear.
  const known = new Set(r.units.map((u) => u.id));
  for (const [id, fs] of byUnit) {
    if (known.has(id)) continue;
    units.push({
      unit: { id, kind: 'object', paths: [], licenses: [], gplCompatible: false, importNs: [], exports: [], imports: [], functions: [], evidence: 'binary' },
      licence: 'unknown unit',
      licenceClass: 'none',
      imports: { total: 0, gplOnly: 0, fromKernel: 0, fromScanned: 0, unresolved: 0 },
      findings: bySeverity(fs).map((f) => auditFinding(f, r, options)),
    });
  }
  // Units with findings first (most severe first), then the rest by name.
  const rank = (u: AuditUnit) => {
    const sev = u.findings.some((f) => f.finding.severity === 'error') ? 0 : u.findings.some((f) => f.finding.severity === 'warning') ? 1 : u.findings.length ? 2 : 3;
    const risk = u.risk ? RISK_ORDER.indexOf(u.risk.level) : RISK_ORDER.length;
    return sev * 10 + risk;
  };
  units.sort((a, b) => rank(a) - rank(b) || (a.unit.id < b.unit.id ? -1 : 1));

  const byRule = new Map<string, number>();
  for (const f of r.findings) byRule.set(f.ruleId, (byRule.get(f.ruleId) ?? 0) + 1);
  const byLicence: Record<LicenceClass, number> = { 'gpl-compatible': 0, incompatible: 0, none: 0 };
  for (const u of r.units) byLicence[licenceClass(u)]++;
  const riskCounts = new Map<string, number>();
  for (const u of r.units) {
    const risk = unitRisk(u);
    if (risk) riskCounts.set(risk.level, (riskCounts.get(risk.level) ?? 0) + 1);
  }

  const db = r.database;
  const reproduce: { label: string; value: string }[] = [
    { label: 'Tool', value: `${r.tool.name} ${r.tool.version}` },
    { label: 'Command', value: r.invocation.command },
    ...(r.invocation.cwd ? [{ label: 'Working directory', value: r.invocation.cwd }] : []),
    { label: 'Date', value: r.invocation.date },
    { label: 'Inputs', value: r.inputs.join(' ') },
    { label: 'Kernel symbol database', value: `${db.name} — Linux ${db.kernel}, ${db.arch}, ${db.counts.total} exports (${db.counts.gpl} GPL-only)` },
    {
      label: 'Database source',
      value: db.source.package
        ? `Debian package ${db.source.package} ${db.source.packageVersion ?? ''}${db.source.suite ? ` (${db.source.suite})` : ''}`.trim()
        : `${db.source.kind}${db.source.file ? ` ${db.source.file}` : ''}`,
    },
    ...(db.source.sha256 ? [{ label: 'Module.symvers SHA-256', value: db.source.sha256 }] : []),
    { label: 'Files', value: `${r.stats.files} discovered, ${r.stats.analysed} analysed, ${r.stats.skipped} skipped, ${r.stats.excluded ?? 0} left out${r.stats.excluded ? ` (${leftOutText(r.stats)})` : ''}, ${r.stats.ms} ms` },
  ];
  if (r.baseline) reproduce.push({ label: 'Baseline', value: r.baseline.file });

  return {
    title: `Licence-boundary audit: ${r.inputs.map((i) => path.basename(i) || i).join(', ')}`,
    result: r,
    counts: {
      units: r.units.length,
      findings: r.findings.length,
      bySeverity: severityCounts(r.findings),
      byRule: [...byRule].map(([rule, count]) => ({ rule, count })),
      byLicence,
      byRisk: RISK_ORDER.filter((l) => riskCounts.has(l)).map((level) => ({ level, count: riskCounts.get(level)! })),
    },
    units,
    graph: buildBoundaryGraph(r),
    headers: headersOf(r, options),
    rules: r.rules,
    references: allReferences(r.rules),
    ...(r.baseline ? { baseline: r.baseline } : {}),
    stale: r.baseline?.stale ?? [],
    reproduce,
  };
}

/** How gplcheck arrives at its findings, for the reader who was not there. */
export const METHOD_TEXT: string[] = [
  'Every input file is classified by content: ELF objects (kernel modules, objects, programs) by their magic bytes, C sources and Kbuild/Makefiles by name.',
  'ELF files are read directly: the symbol table gives the undefined (imported) symbols, the relocation sections give each reference with its section, offset and the defined function that makes it, `.modinfo` gives the MODULE_LICENSE tags and imported namespaces, and the export tables give what the module exports.',
  'C sources are parsed with tree-sitter: calls and address-taken functions with their line and enclosing function, MODULE_LICENSE, EXPORT_SYMBOL* and SPDX-License-Identifier lines, includes. Sources and the objects built from them are grouped into one unit per module (Kbuild) or program.',
  "Every imported symbol is resolved against the kernel's own export list (Module.symvers of the named kernel build, which records for each export whether it is EXPORT_SYMBOL or EXPORT_SYMBOL_GPL and its namespace) and against the exports of the other scanned units.",
  "The rules then apply the kernel's own tests: the licence test of include/linux/license.h, modpost's checks (scripts/mod/modpost.c) and the module loader's (kernel/module/main.c). Each finding names the rule, the unit, the symbol and every place the evidence was seen.",
  'The report states evidence and the kernel\'s rules. It is not a legal opinion; a risk level, where given, is an assessment with its reasons.',
];
