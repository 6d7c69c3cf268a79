/** JSON report: a stable document described by reports/gplcheck-report.schema.json. */
import { findingFingerprint } from './common';
import { RELEASE, type Reporter, type ScanResult } from './types';

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
      leftOut: r.stats.excluded,
      ...(r.stats.leftOut ? { leftOutBy: r.stats.leftOut } : {}),
      units: r.units.length,
      findings: r.findings.length,
      bySeverity: countBy(r.findings.map((f) => f.severity)),
      errors: r.errors.length,
      warnings: r.warnings.length,
      byRisk: countBy(r.units.flatMap((u) => (u.risk ? [u.risk.level] : []))),
    },
    // each unit's entry is built as it is written: on a kernel tree, building them all at once
    // would build every reference site of every import at the same time
    units: new MappedList(
      r.units,
      (u) => ({
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
        ...(u.builtIn ? { builtIn: u.builtIn } : {}),
        ...(u.risk ? { risk: { level: u.risk.level, rationale: u.risk.rationale } } : {}),
      }),
      // written: a result read back from the cache may drop the unit's imports (types.ts RELEASE)
      (u) => release(u, 'imports'),
    ),
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

/** `obj[RELEASE](key)`, when it has one: the caller is done with `obj[key]`. */
function release(obj: unknown, key: string): void {
  const f = obj !== null && typeof obj === 'object' ? (obj as { [RELEASE]?: unknown })[RELEASE] : undefined;
  if (typeof f === 'function') (f as (key: string) => void).call(obj, key);
}

/**
 * An array whose items are made from another's when read, one at a time; JSON sees the array.
 * `written(item)` is called once the item made from it has been written out.
 */
export class MappedList<T, U> {
  constructor(
    private readonly items: readonly T[],
    private readonly map: (item: T) => U,
    private readonly written?: (item: T) => void,
  ) {}

  /** The item made from items[i] has been written out. */
  done(i: number): void {
    this.written?.(this.items[i]);
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): U {
    return this.map(this.items[i]);
  }

  toJSON(): U[] {
    return this.items.map(this.map);
  }
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** Values nested deeper than this are serialised whole; shallower ones piece by piece. */
const STREAM_DEPTH = 4;
/** Pieces are handed on once they reach this many characters. */
const CHUNK_CHARS = 1 << 20;

/**
 * `JSON.stringify(value, null, 2)`, character for character, handed out in pieces of about a
 * megabyte: the report of a whole kernel tree is larger than the longest string V8 can hold.
 * (JSON strings hold no raw newline, so a nested value's own output is re-indented safely.)
 */
export function writeJson(value: unknown, sink: (chunk: string) => void): void {
  let buf = '';
  const put = (s: string): void => {
    buf += s;
    if (buf.length >= CHUNK_CHARS) {
      sink(buf);
      buf = '';
    }
  };
  const skip = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';
  const walk = (v: unknown, pad: string, depth: number): void => {
    // a MappedList is written as the array it stands for, one item built at a time
    const lazy = v instanceof MappedList && depth < STREAM_DEPTH ? (v as MappedList<unknown, unknown>) : undefined;
    if (!lazy && v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON: () => unknown }).toJSON();
    if (!lazy && (depth >= STREAM_DEPTH || v === null || typeof v !== 'object')) {
      const text = JSON.stringify(v, null, 2);
      put(depth === 0 ? text : text.replace(/\n/g, `\n${pad}`));
      return;
    }
    const inner = `${pad}  `;
    if (lazy || Array.isArray(v)) {
      const n = lazy ? lazy.length : (v as unknown[]).length;
      if (n === 0) return put('[]');
      put('[');
      for (let i = 0; i < n; i++) {
        put(i === 0 ? `\n${inner}` : `,\n${inner}`);
        const x: unknown = lazy ? lazy.at(i) : (v as unknown[])[i];
        if (skip(x)) put('null');
        else walk(x, inner, depth + 1);
        lazy?.done(i);
      }
      put(`\n${pad}]`);
      return;
    }
    let first = true;
    // each property read as it is written, and released after (a stored graph's fields)
    for (const k of Object.keys(v as object)) {
      const x: unknown = (v as Record<string, unknown>)[k];
      if (skip(x)) continue;
      put(`${first ? '{' : ','}\n${inner}${JSON.stringify(k)}: `);
      first = false;
      walk(x, inner, depth + 1);
      release(v, k);
    }
    put(first ? '{}' : `\n${pad}}`);
  };
  walk(value, '', 0);
  put('\n');
  if (buf) sink(buf);
}

const reporter: Reporter = {
  name: 'json',
  render(result) {
    const parts: string[] = [];
    writeJson(toJsonDocument(result), (c) => parts.push(c));
    return parts.join('');
  },
  write(result, _options, sink) {
    writeJson(toJsonDocument(result), sink);
  },
};
export default reporter;
