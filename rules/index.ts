import type { Finding, FindingInput, Rule, Severity } from './types';
import type { LinkedModel } from './model';
import gplOnlySymbol from './gpl-only-symbol';
import missingLicense from './missing-license';
import namespaceNotImported from './namespace-not-imported';
import gplOnlyViaShim from './gpl-only-via-shim';
import loaderRefusal from './loader-refusal';
import proprietaryTaint from './proprietary-taint';
import licenseMismatch from './license-mismatch';
import invalidSpdx from './invalid-spdx';
import incompatibleLicenses from './incompatible-licenses';
import gplHeaderInNonGpl from './gpl-header-in-non-gpl';
import userspaceBoundary from './userspace-boundary';
import sourceBinaryMismatch from './source-binary-mismatch';
import copiedFromLinux from './copied-from-linux';
import futureGplOnly from './future-gpl-only';

/** Every rule gplcheck knows, in the order reports list them. */
export const RULES: readonly Rule[] = [
  gplOnlySymbol,
  missingLicense,
  namespaceNotImported,
  sourceBinaryMismatch,
  gplOnlyViaShim,
  loaderRefusal,
  proprietaryTaint,
  licenseMismatch,
  invalidSpdx,
  incompatibleLicenses,
  gplHeaderInNonGpl,
  userspaceBoundary,
  futureGplOnly,
  copiedFromLinux,
];

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id === id);
}

export interface RuleSettings {
  /** rule id -> severity, or 'off' */
  [ruleId: string]: Severity | 'off';
}

export function runRule(rule: Rule, model: LinkedModel, severity: Severity = rule.meta.defaultSeverity): Finding[] {
  const out: Finding[] = [];
  rule.check({
    model,
    report(f: FindingInput) {
      out.push({ ruleId: rule.meta.id, ...f, severity: f.severity ?? severity });
    },
  });
  return out;
}

export function runRules(model: LinkedModel, settings: RuleSettings = {}, rules: readonly Rule[] = RULES): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    const s = settings[rule.meta.id];
    if (s === 'off') continue;
    findings.push(...runRule(rule, model, s ?? rule.meta.defaultSeverity));
  }
  return findings.sort(compareFindings);
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    cmp(a.unit, b.unit) ||
    cmp(a.ruleId, b.ruleId) ||
    cmp(a.symbol ?? '', b.symbol ?? '') ||
    cmp(a.message, b.message)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
