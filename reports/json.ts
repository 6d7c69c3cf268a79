/** JSON report: a stable document described by reports/gplcheck-report.schema.json. */
import { findingFingerprint } from './common';
import type { Reporter, ScanResult } from './types';

export const JSON_FORMAT_VERSION = 1;

export function toJsonDocument(r: ScanResult): object {
  return {
    $schema: 'https://gplcheck.invalid/schemas/gplcheck-report-v1.json',
    formatVersion: JSON_FORMAT_VERSION,
    tool: r.tool,
    database: {
      name: r.database.name,
      kernel: r.database.kernel,
      version: r.database.version,
      arch: r.database.arch,
      source: r.database.source,
    },
    invocation: r.invocation,
    inputs: r.inputs,
    summary: {
      files: r.stats.files,
      analysed: r.stats.analysed,
      units: r.units.length,
      findings: r.findings.length,
      bySeverity: countBy(r.findings.map((f) => f.severity)),
      errors: r.errors.length,
      warnings: r.warnings.length,
      byRisk: countBy(r.units.flatMap((u) => (u.risk ? [u.risk.level] : []))),
    },
    units: r.units.map((u) => ({
      id: u.id,
      path: u.paths[0],
      paths: u.paths,
      kind: u.kind,
      evidence: u.evidence,
      licenses: u.licenses.map((l) => l.value),
      licenseLocations: u.licenses.map((l) => l.location),
      gplCompatible: u.gplCompatible,
      importNs: u.importNs,
      exports: u.exports.map((e) => ({
        symbol: e.symbol,
        exportType: e.type,
        ...(e.namespace ? { namespace: e.namespace } : {}),
        location: e.location,
      })),
      imports: u.imports.map((i) => ({
        symbol: i.symbol,
        exportType: i.exportType,
        ...(i.namespace ? { namespace: i.namespace } : {}),
        provider: i.provider ?? null,
        providerKind: i.providerKind,
        evidence: i.evidence,
        locations: i.sites.map((s) => s.location),
        ...(i.via ? { via: i.via } : {}),
      })),
      ...(u.risk ? { risk: { level: u.risk.level, rationale: u.risk.rationale } } : {}),
    })),
    findings: r.findings.map((f) => {
      if (!r.baseline) return f;
      const fp = findingFingerprint(f);
      const b = r.baseline.status[fp];
      return { ...f, fingerprint: fp, baselineStatus: b?.status ?? 'new', ...(b?.reason ? { baselineReason: b.reason } : {}) };
    }),
    ...(r.baseline ? { baseline: { file: r.baseline.file, counts: r.baseline.counts, stale: r.baseline.stale } } : {}),
    ...(r.graph ? { graph: r.graph } : {}),
    errors: r.errors,
    warnings: r.warnings,
    ...(r.shard ? { shard: r.shard } : {}),
    ...(r.provenance ? { provenance: r.provenance } : {}),
  };
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

const reporter: Reporter = {
  name: 'json',
  render(result) {
    return JSON.stringify(toJsonDocument(result), null, 2) + '\n';
  },
};
export default reporter;
