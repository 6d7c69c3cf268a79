/**
 * Risk per unit: none / low / medium / high / critical, from the unit's findings and the
 * boundary graph, with a short rationale written from the evidence (which symbols, how many
 * places, which path, which rules). An assessment with its reasons, not a legal conclusion.
 *
 * How the level is set (the highest reason wins):
 *  - critical: a unit that is not GPL-compatible uses GPL-only symbols directly (gpl-only-symbol),
 *    or reaches CRITICAL_BREADTH or more distinct GPL-only symbols through shims — a broad
 *    dependence on interfaces the kernel reserves for GPL-compatible code;
 *  - high: it reaches GPL-only symbols through a shim's plain exports (gpl-only-via-shim), or its
 *    files combine code under licences that cannot be combined with GPL-2.0-only
 *    (incompatible-licenses);
 *  - medium: inline/macro code of kernel-internal GPL headers in a non-GPL unit that leads to
 *    GPL-only symbols, SPDX and MODULE_LICENSE that disagree, no licence at all, or a module the
 *    loader refuses;
 *  - low: information the assessment records but that says little about derivation by itself
 *    (P taint, a namespace not imported, an unparsable SPDX line, header macros such as pr_info that
 *    lead to no GPL-only symbol), and GPL-compatible units that
 *    serve as the shim through which another unit reaches GPL-only symbols;
 *  - none: nothing of the above (userspace programs at the system-call boundary included).
 * Copied Linux code in a unit that is not GPL-compatible (copied-from-linux at severity error) is
 * critical; a plain interface that turns GPL-only in a newer kernel (future-gpl-only) is low.
 * A rule this file does not know counts by its severity: error medium, warning low, info none.
 */
import type { Finding } from './types';
import type { LinkedModel, RiskLevel, Unit, UnitRisk } from './model';
import { boundaryGraph } from './graph';
import { listNames, plural, quoted } from './wording';

export const RISK_LEVELS: readonly RiskLevel[] = ['none', 'low', 'medium', 'high', 'critical'];

/** Distinct GPL-only symbols reached through shims from which the dependence counts as broad. */
export const CRITICAL_BREADTH = 5;

interface Reason {
  level: RiskLevel;
  text: string;
}

function rank(l: RiskLevel): number {
  return RISK_LEVELS.indexOf(l);
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A licence from the project configuration, not from the unit's files: it has neither a line nor a section. */
function declared(l: Unit['licenses'][number]): boolean {
  return l.location.line === undefined && l.location.section === undefined;
}

function licenceStatus(unit: Unit): string {
  if (unit.kind === 'userspace' && unit.licenses.length === 0) return 'A userspace program';
  if (unit.licenses.length === 0) return 'No licence declared (the kernel treats that as not GPL-compatible)';
  const tags = quoted(unit.licenses.map((l) => l.value));
  if (unit.licenses.every(declared)) {
    const what = unit.kind === 'userspace' ? 'A userspace program under' : 'Licence';
    return `${what} ${tags} as declared in ${unit.licenses[0].location.path}${unit.kind === 'userspace' ? '' : unit.gplCompatible ? ' (GPL-compatible)' : ' (not GPL-compatible)'}`;
  }
  return unit.gplCompatible ? `GPL-compatible (MODULE_LICENSE ${tags})` : `Not GPL-compatible (MODULE_LICENSE ${tags})`;
}

function places(fs: Finding[]): number {
  return fs.reduce((n, f) => n + f.locations.length, 0);
}

function reasonsFor(model: LinkedModel, unit: Unit, mine: Finding[], all: Finding[]): Reason[] {
  const reasons: Reason[] = [];
  const by = new Map<string, Finding[]>();
  for (const f of mine) {
    const list = by.get(f.ruleId) ?? [];
    list.push(f);
    by.set(f.ruleId, list);
  }
  const take = (id: string): Finding[] => {
    const list = by.get(id) ?? [];
    by.delete(id);
    return list;
  };

  const direct = take('gpl-only-symbol');
  if (direct.length) {
    const syms = [...new Set(direct.map((f) => f.symbol ?? ''))].sort(byName);
    reasons.push({
      level: 'critical',
      text:
        `It uses ${plural(syms.length, 'GPL-only symbol')} directly (${listNames(syms)}; ${plural(places(direct), 'place')}); ` +
        `modpost refuses to build it and the loader does not resolve them for it (gpl-only-symbol).`,
    });
  }

  const shim = take('gpl-only-via-shim');
  if (shim.length) {
    const reach = boundaryGraph(model).reach.filter((r) => r.unit === unit.id && r.via.length > 0);
    const targets = [...new Set(reach.map((r) => r.target))].sort(byName);
    const providers = [...new Set(reach.flatMap((r) => r.via))].sort(byName);
    const entries = [...new Set(shim.map((f) => f.symbol ?? ''))].sort(byName);
    const example = shim.find((f) => f.path && f.path.length) ?? shim[0];
    const pathText = example.path ? example.path.map((s) => s.symbol).join(' → ') : '';
    reasons.push({
      level: targets.length >= CRITICAL_BREADTH ? 'critical' : 'high',
      text:
        `It reaches ${plural(targets.length, 'GPL-only kernel symbol')} (${listNames(targets)}) through ` +
        `${plural(entries.length, 'plain export')} of ${listNames(providers)} (${listNames(entries, 4)}), ` +
        `e.g. ${pathText}; modpost and the loader see only plain exports here (gpl-only-via-shim).` +
        (targets.length >= CRITICAL_BREADTH ? ` ${targets.length} distinct GPL-only symbols make it a broad dependence, not an isolated call.` : ''),
    });
  }

  const incompatible = take('incompatible-licenses');
  if (incompatible.length) {
    reasons.push({
      level: 'high',
      text: `Its files combine licences that cannot be combined in one GPL-2.0-only module: ${incompatible[0].message}${incompatible.length > 1 ? ` (${incompatible.length} such files)` : ''} (incompatible-licenses).`,
    });
  }

  const headers = take('gpl-header-in-non-gpl');
  if (headers.length) {
    // the rule's message names what is called: "calls a, b and c (n places)"
    const names = [...headers[0].message.matchAll(/calls (.*?) \(\d+ places?\)/g)].map((m) => m[1]);
    const gpl = headers.some((f) => f.path && f.path.length > 0);
    reasons.push({
      level: gpl ? 'medium' : 'low',
      text:
        `It uses ${names.length ? names.join(' and ') : 'names'} (${plural(places(headers), 'place')}), inline functions or macros ` +
        `of kernel-internal GPL headers whose code is compiled into it` +
        (gpl ? `; some of them lead to GPL-only symbols` : '') +
        ` (gpl-header-in-non-gpl).`,
    });
  }

  const mismatch = take('license-mismatch');
  if (mismatch.length) {
    reasons.push({
      level: 'medium',
      text: `The SPDX line of ${plural(mismatch.length, 'file')} disagrees with the MODULE_LICENSE, e.g. ${mismatch[0].message} (license-mismatch).`,
    });
  }

  const missing = take('missing-license');
  if (missing.length) {
    reasons.push({ level: 'medium', text: `${missing[0].message} (missing-license).` });
  }

  const refusal = take('loader-refusal');
  if (refusal.length) {
    reasons.push({
      level: 'medium',
      text: `The loader refuses it: it uses GPL-only symbols and also ${refusal[0].symbol} of a module that taints the kernel P (loader-refusal).`,
    });
  }

  const taint = take('proprietary-taint');
  if (taint.length) {
    const inherited = taint[0].symbol !== undefined;
    reasons.push({
      level: 'low',
      text: inherited
        ? `It inherits the kernel's P taint by using ${taint[0].symbol} of a proprietary module (proprietary-taint).`
        : /taints the kernel P if/.test(taint[0].message)
          ? `It may taint the kernel P, depending on which license= tag comes first (proprietary-taint).`
          : `Loading it taints the kernel P (proprietary-taint).`,
    });
  }

  const ns = take('namespace-not-imported');
  if (ns.length) {
    reasons.push({
      level: 'low',
      text: `It uses ${plural(ns.length, 'namespaced symbol')} without importing the namespace (${listNames(ns.map((f) => f.symbol ?? ''))}; namespace-not-imported).`,
    });
  }

  const spdx = take('invalid-spdx');
  if (spdx.length) {
    reasons.push({ level: 'low', text: `${plural(spdx.length, 'SPDX line')} cannot be read (invalid-spdx), so the licence checks skip those files.` });
  }

  const boundary = take('userspace-boundary');
  if (boundary.length) {
    reasons.push({
      level: 'none',
      text: `It meets the kernel at the system-call boundary that Linux's COPYING leaves outside the kernel's licence (userspace-boundary).`,
    });
  }

  const copied = take('copied-from-linux');
  const strong = copied.filter((f) => f.severity === 'error');
  const weak = copied.filter((f) => f.severity === 'warning');
  if (strong.length || weak.length) {
    const list = strong.length ? strong : weak;
    const at = list[0].locations[0];
    reasons.push({
      level: strong.length ? 'critical' : 'medium',
      text:
        `${plural(list.length, 'region')} of its code match Linux sources ` +
        (strong.length ? 'under the GPL' : 'that offer a licence besides the GPL') +
        (at ? ` (e.g. ${at.path}${at.line !== undefined ? `:${at.line}` : ''})` : '') +
        `, while it is not GPL-compatible (copied-from-linux).`,
    });
  }

  const future = take('future-gpl-only');
  if (future.length) {
    reasons.push({
      level: 'low',
      text: `${plural(future.length, 'plain kernel interface')} it uses ${future.length === 1 ? 'is' : 'are'} GPL-only or gone in a newer kernel (${listNames(future.map((f) => f.symbol ?? ''))}; future-gpl-only).`,
    });
  }

  // Rules this assessment does not know: by severity.
  for (const [id, list] of [...by].sort((a, b) => byName(a[0], b[0]))) {
    const sev = list[0].severity;
    const level: RiskLevel = sev === 'error' ? 'medium' : sev === 'warning' ? 'low' : 'none';
    if (level === 'none') continue;
    reasons.push({ level, text: `${plural(list.length, `${id} finding`)}, e.g. ${list[0].message}.` });
  }

  // A GPL-compatible unit through which others reach GPL-only symbols: the shim.
  if (unit.gplCompatible) {
    const users = all.filter((f) => f.ruleId === 'gpl-only-via-shim' && f.path?.some((s, i) => i > 0 && s.unit === unit.id));
    if (users.length) {
      // the unit's functions where a path enters it: its plain exports that others call
      const wrappers = [
        ...new Set(users.flatMap((f) => f.path!.filter((s, i) => i > 0 && s.unit === unit.id && f.path![i - 1].unit !== unit.id).map((s) => s.symbol))),
      ].sort(byName);
      const who = [...new Set(users.map((f) => f.unit))].sort(byName);
      reasons.push({
        level: 'low',
        text:
          `It serves as the shim: ${plural(wrappers.length, 'function')} it exports with plain EXPORT_SYMBOL (${listNames(wrappers)}) ` +
          `reach GPL-only symbols and are used by ${listNames(who)}, which is not GPL-compatible.`,
      });
    }
  }
  return reasons;
}

/** The risk of every unit, from all findings of a scan. */
export function assessRisk(model: LinkedModel, findings: Finding[]): Map<string, UnitRisk> {
  const byUnit = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byUnit.get(f.unit) ?? [];
    list.push(f);
    byUnit.set(f.unit, list);
  }
  const out = new Map<string, UnitRisk>();
  for (const unit of model.units) {
    const reasons = reasonsFor(model, unit, byUnit.get(unit.id) ?? [], findings);
    reasons.sort((a, b) => rank(b.level) - rank(a.level));
    const level: RiskLevel = reasons.length ? reasons[0].level : 'none';
    const status = `${licenceStatus(unit)}.`;
    const body = reasons.length ? reasons.map((r) => r.text).join(' ') : 'No finding points to a licence-boundary problem.';
    out.set(unit.id, { level, rationale: `${status} ${body}` });
  }
  return out;
}

/** Sets `unit.risk` on every unit of the model. */
export function applyRisk(model: LinkedModel, findings: Finding[]): void {
  const risk = assessRisk(model, findings);
  for (const unit of model.units) unit.risk = risk.get(unit.id);
}
