/**
 * After linking: declared licences from the configuration, the rules with the configured
 * severities, third-party units left out, the risk of each unit and the boundary graph.
 */
import * as path from 'path';
import type { ReadError } from '../analyzers/facts';
import { modpostGplCompatible } from '../kernel-symbols/licenses';
import { runRules, type RuleSettings } from '../rules';
import { boundaryGraph, invalidateGraph, type BoundaryGraph } from '../rules/graph';
import type { LinkedModel, Unit } from '../rules/model';
import { applyRisk } from '../rules/risk';
import type { Finding } from '../rules/types';
import { isUnder, type LoadedConfig } from './config';

export interface AssessOptions {
  /** Severities given on the command line or by the library caller; they win over the configuration. */
  rules?: RuleSettings;
  config?: LoadedConfig | null;
  /** What the units' paths are relative to (default: the process's working directory). */
  cwd?: string;
  /** Called when the rules have run, before the boundary graph is built (the pipeline may collect garbage there). */
  onRulesDone?: () => void;
}

export interface Assessment {
  findings: Finding[];
  graph: BoundaryGraph;
  /** Configuration entries that had no effect, said as warnings naming the file. */
  notes: ReadError[];
  /** Findings not reported because their unit is third-party code. */
  suppressed: number;
}

function unitPaths(unit: Unit, cwd: string): string[] {
  return unit.paths.map((p) => path.resolve(cwd, p));
}

/** Licences declared in the configuration, for units that carry none. */
export function applyDeclaredLicenses(model: LinkedModel, config: LoadedConfig, cwd: string): ReadError[] {
  const notes: ReadError[] = [];
  for (const decl of config.licenses) {
    const field = `licenses[${JSON.stringify(decl.key)}]`;
    const matched = model.units.filter(
      (u) => u.id === decl.key || (decl.path !== undefined && unitPaths(u, cwd).some((p) => isUnder(p, decl.path!))),
    );
    if (matched.length === 0) {
      notes.push({ path: config.file, message: `${field}: matches no scanned unit (by id or path); not used` });
      continue;
    }
    for (const unit of matched) {
      if (unit.licenses.length > 0 && !unit.licenses.every((l) => l.location.path === config.file)) {
        notes.push({
          path: config.file,
          message: `${field}: ${unit.id} declares its own licence (${unit.licenses.map((l) => `"${l.value}"`).join(', ')}); "${decl.license}" is not used for it`,
        });
        continue;
      }
      if (unit.licenses.some((l) => l.value === decl.license)) continue;
      unit.licenses.push({ value: decl.license, location: { path: config.file } });
      unit.gplCompatible = modpostGplCompatible(unit.licenses.map((l) => l.value));
    }
  }
  invalidateGraph(model);
  return notes;
}

/** Units whose every path lies under a third-party directory of the configuration. */
export function thirdPartyUnits(model: LinkedModel, config: LoadedConfig, cwd: string): Set<string> {
  const out = new Set<string>();
  if (config.thirdParty.length === 0) return out;
  for (const unit of model.units) {
    const paths = unitPaths(unit, cwd);
    if (paths.length && paths.every((p) => config.thirdParty.some((d) => isUnder(p, d)))) out.add(unit.id);
  }
  return out;
}

export function assess(model: LinkedModel, options: AssessOptions = {}): Assessment {
  const cwd = options.cwd ?? process.cwd();
  const config = options.config ?? null;
  const notes = config ? applyDeclaredLicenses(model, config, cwd) : [];
  const settings: RuleSettings = { ...(config?.rules ?? {}), ...(options.rules ?? {}) };
  const all = runRules(model, settings);
  const third = config ? thirdPartyUnits(model, config, cwd) : new Set<string>();
  const findings = all.filter((f) => !third.has(f.unit));
  applyRisk(model, findings);
  for (const unit of model.units) {
    if (!third.has(unit.id)) continue;
    const n = all.length - findings.length ? all.filter((f) => f.unit === unit.id).length : 0;
    unit.risk = {
      level: 'none',
      rationale: `Third-party code (listed under thirdParty in ${config!.file}): not assessed${n ? `; ${n} finding${n > 1 ? 's' : ''} not reported` : ''}.`,
    };
  }
  options.onRulesDone?.();
  return { findings, graph: boundaryGraph(model), notes, suppressed: all.length - findings.length };
}
