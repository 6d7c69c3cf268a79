/** Human-readable report for a terminal: findings grouped by unit, coloured on a TTY. */
import { styleText } from 'util';
import type { Location } from '../analyzers/facts';
import type { Finding, Severity } from '../rules/types';
import type { Reporter, ScanResult } from './types';

type Style = Parameters<typeof styleText>[0];

export function formatLocation(l: Location): string {
  let s = l.path;
  if (l.line !== undefined) s += `:${l.line}${l.column !== undefined ? `:${l.column}` : ''}`;
  else if (l.section !== undefined) s += ` ${l.section}${l.offset !== undefined ? `+0x${l.offset.toString(16)}` : ''}`;
  if (l.function) s += ` (in ${l.function})`;
  return s;
}

const MAX_LOCATIONS = 5;

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
    for (const unit of r.units) {
      const findings = byUnit.get(unit.id);
      if (!findings) continue;
      const lic = unit.licenses.length
        ? unit.licenses.map((l) => `"${l.value}"`).join(', ') + (unit.gplCompatible ? ' (GPL-compatible)' : ' (not GPL-compatible)')
        : 'no licence';
      out.push(`${c('bold', unit.id)}  ${unit.kind}, ${lic}, ${unit.evidence}`);
      out.push(`  ${c('dim', unit.paths.join(', '))}`);
      for (const f of findings) {
        out.push(`  ${sev[f.severity]}  ${c('dim', f.ruleId)}  ${f.message}`);
        if (f.path && f.path.length) {
          for (const step of f.path) {
            out.push(`           ${c('dim', '→')} ${step.unit}: ${step.symbol}${step.location ? `  ${formatLocation(step.location)}` : ''}${step.note ? ` ${step.note}` : ''}`);
          }
        }
        for (const l of f.locations.slice(0, MAX_LOCATIONS)) out.push(`           ${c('dim', 'at')} ${formatLocation(l)}`);
        if (f.locations.length > MAX_LOCATIONS) out.push(`           ${c('dim', `… and ${f.locations.length - MAX_LOCATIONS} more places`)}`);
      }
      out.push('');
    }
    const clean = r.units.filter((u) => !byUnit.has(u.id));
    if (clean.length) {
      const shown = clean.slice(0, 20).map((u) => u.id).join(', ');
      out.push(`${clean.length} unit${clean.length > 1 ? 's' : ''} without findings: ${shown}${clean.length > 20 ? ', …' : ''}`);
      out.push('');
    }
    if (r.errors.length) {
      out.push(c('bold', `Could not read ${r.errors.length} input${r.errors.length > 1 ? 's' : ''}:`));
      for (const e of r.errors) out.push(`  ${c('red', '!')} ${e.path}: ${e.message}`);
      out.push('');
    }
    const counts = { error: 0, warning: 0, info: 0 };
    for (const f of r.findings) counts[f.severity]++;
    out.push(
      `${r.stats.files} files, ${r.units.length} units, ${r.findings.length} findings ` +
        `(${counts.error} errors, ${counts.warning} warnings, ${counts.info} info), ` +
        `${r.errors.length} unreadable, ${r.warnings.length} partial-read warnings`,
    );
    return out.join('\n') + '\n';
  },
};
export default reporter;
