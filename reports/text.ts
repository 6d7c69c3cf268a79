/** Human-readable report for a terminal: findings grouped by unit, coloured on a TTY. */
import { styleText } from 'util';
import type { RiskLevel } from '../rules/model';
import type { EvidenceStep, Finding, Severity } from '../rules/types';
import { findingFingerprint, formatLocation, leftOutText } from './common';
import type { Reporter, ScanResult } from './types';

type Style = Parameters<typeof styleText>[0];

const MAX_LOCATIONS = 5;
const WIDTH = 110;

/** Words of `text` in lines of at most `width` characters, each line after the first indented. */
export function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (!word) continue;
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** One hop of an evidence path: `vmk_core  vmkcore_probe_device  calls vmk_dev_alloc  at file:line`. */
function formatStep(step: EvidenceStep): string {
  const loc = step.location ? formatLocation(step.location.function === step.symbol ? { ...step.location, function: undefined } : step.location) : '';
  return `${step.unit}  ${step.symbol}${step.note ? `  ${step.note}` : ''}${loc ? `  at ${loc}` : ''}`;
}

const RISK_ORDER: readonly RiskLevel[] = ['critical', 'high', 'medium', 'low', 'none'];

const reporter: Reporter = {
  name: 'text',
  render(r: ScanResult, { color = false } = {}): string {
    const c = (style: Style, s: string): string => (color ? styleText(style, s) : s);
    const sev: Record<Severity, string> = {
      error: c('red', 'error  '),
      warning: c('yellow', 'warning'),
      info: c('cyan', 'info   '),
    };
    const out: string[] = [];
    const db = r.database;
    const src = db.source.package ? `${db.source.package} ${db.source.packageVersion ?? ''}`.trim() : db.source.file ?? db.source.kind;
    out.push(c('bold', `${r.tool.name} ${r.tool.version}`) + ` — kernel symbols ${db.name} (${db.kernel}, ${db.arch}, from ${src})`);
    out.push('');

    const byUnit = new Map<string, Finding[]>();
    for (const f of r.findings) {
      const list = byUnit.get(f.unit) ?? [];
      list.push(f);
      byUnit.set(f.unit, list);
    }
    const riskStyle: Record<RiskLevel, Style> = { critical: 'red', high: 'red', medium: 'yellow', low: 'cyan', none: 'dim' };
    for (const unit of r.units) {
      const findings = byUnit.get(unit.id) ?? [];
      if (findings.length === 0 && (!unit.risk || unit.risk.level === 'none')) continue;
      const lic = unit.licenses.length
        ? unit.licenses.map((l) => `"${l.value}"`).join(', ') + (unit.gplCompatible ? ' (GPL-compatible)' : ' (not GPL-compatible)')
        : 'no licence';
      out.push(`${c('bold', unit.id)}  ${unit.kind}, ${lic}, ${unit.evidence}`);
      out.push(`  ${c('dim', unit.paths.join(', '))}`);
      if (unit.risk) {
        const head = `risk ${unit.risk.level}:`;
        const lines = wrap(`${head} ${unit.risk.rationale}`, WIDTH - 2, '    ');
        lines[0] = `${c(riskStyle[unit.risk.level], c('bold', head))}${lines[0].slice(head.length)}`;
        out.push(...lines.map((l, i) => (i === 0 ? `  ${l}` : `  ${l}`)));
      }
      for (const f of findings) {
        const b = r.baseline?.status[findingFingerprint(f)];
        const mark = !r.baseline ? '' : b?.status === 'accepted' ? c('dim', ` [accepted: ${b.reason ?? ''}]`) : c('bold', ' [new]');
        out.push(`  ${sev[f.severity]}  ${c('dim', f.ruleId)}  ${f.message}${mark}`);
        if (f.path && f.path.length) {
          out.push(`           ${c('dim', 'path:')}`);
          f.path.forEach((step, i) => out.push(`             ${c('dim', `${i + 1}.`)} ${formatStep(step)}`));
        }
        for (const l of f.locations.slice(0, MAX_LOCATIONS)) out.push(`           ${c('dim', 'at')} ${formatLocation(l)}`);
        if (f.locations.length > MAX_LOCATIONS) out.push(`           ${c('dim', `… and ${f.locations.length - MAX_LOCATIONS} more places`)}`);
      }
      out.push('');
    }
    const clean = r.units.filter((u) => !byUnit.has(u.id) && (!u.risk || u.risk.level === 'none'));
    if (clean.length) {
      const shown = clean.slice(0, 20).map((u) => u.id).join(', ');
      out.push(`${clean.length} unit${clean.length > 1 ? 's' : ''} without findings: ${shown}${clean.length > 20 ? ', …' : ''}`);
      out.push('');
    }
    if (r.baseline) {
      const k = r.baseline.counts;
      out.push(`Baseline ${r.baseline.file}: ${k.new} new, ${k.accepted} accepted, ${k.stale} stale (accepted but no longer found${k.stale ? '; drop them with --prune' : ''})`);
      for (const e of r.baseline.stale) out.push(`  ${c('dim', 'stale')} ${e.ruleId} ${e.unit}${e.symbol ? ` ${e.symbol}` : ''}: ${e.reason}`);
      out.push('');
    }
    if (r.errors.length) {
      out.push(c('bold', `Could not read ${r.errors.length} input${r.errors.length > 1 ? 's' : ''}:`));
      for (const e of r.errors) out.push(`  ${c('red', '!')} ${e.path}: ${e.message}`);
      out.push('');
    }
    const risks = RISK_ORDER.map((l) => [l, r.units.filter((u) => u.risk?.level === l).length] as const).filter(([, n]) => n > 0);
    if (risks.length) out.push(`Risk per unit: ${risks.map(([l, n]) => `${n} ${l}`).join(', ')}`);
    const counts = { error: 0, warning: 0, info: 0 };
    for (const f of r.findings) counts[f.severity]++;
    out.push(
      `${r.stats.files} files (${r.stats.analysed} analysed${r.stats.excluded ? `; left out: ${leftOutText(r.stats)}` : ''}), ` +
        `${r.units.length} units, ${r.findings.length} findings ` +
        `(${counts.error} errors, ${counts.warning} warnings, ${counts.info} info), ` +
        `${r.errors.length} unreadable, ${r.warnings.length} partial-read warnings`,
    );
    return out.join('\n') + '\n';
  },
};
export default reporter;
