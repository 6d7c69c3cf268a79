/**
 * SARIF 2.1.0 for code-scanning tools (GitHub code scanning, GitLab, IDE viewers).
 *
 * - Rules carry their description, rationale and references as help text.
 * - Source evidence is a region with lines; binary evidence is the artifact with an address
 *   (offset from its section, the section listed in run.addresses) and the function as a
 *   logical location.
 * - partialFingerprints hash the rule, unit, symbol and functions (no lines), so alerts
 *   survive unrelated edits and rebuilds.
 * - With a baseline, results carry baselineState and accepted ones an external suppression
 *   with the reviewer's reason.
 */
import * as path from 'path';
import type { Location, ReadError } from '../analyzers/facts';
import type { Finding, RuleMeta, Severity } from '../rules/types';
import { FINGERPRINT_VERSION, findingFingerprint, findingFunctions, formatLocation, isSourceLocation } from './common';
import type { RenderOptions } from './render';
import type { Reporter, ScanResult } from './types';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
export const FINGERPRINT_KEY = `gplcheckFinding/v${FINGERPRINT_VERSION}`;
const SRCROOT = 'SRCROOT';
/** Related locations listed per result; the rest are counted in properties. */
const MAX_RELATED = 100;
/** Partial-read warnings listed as notifications; the rest are counted. */
const MAX_WARNING_NOTIFICATIONS = 500;

type Json = Record<string, unknown>;

export function sarifLevel(s: Severity): 'error' | 'warning' | 'note' {
  return s === 'info' ? 'note' : s;
}

function ruleName(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

function ruleDescriptor(r: RuleMeta): Json {
  const refsText = r.references.map((ref) => `- ${ref.title}${ref.url ? ` (${ref.url})` : ''}`).join('\n');
  const refsMd = r.references.map((ref) => (ref.url ? `- [${ref.title}](${ref.url})` : `- ${ref.title}`)).join('\n');
  const helpUri = r.references.find((ref) => ref.url)?.url;
  return {
    id: r.id,
    name: ruleName(r.id),
    shortDescription: { text: r.description },
    fullDescription: { text: `${r.description} ${r.rationale}` },
    help: {
      text: `${r.description}\n\n${r.rationale}${refsText ? `\n\nReferences:\n${refsText}` : ''}`,
      markdown: `**${r.description}**\n\n${r.rationale}${refsMd ? `\n\n**References**\n\n${refsMd}` : ''}`,
    },
    ...(helpUri ? { helpUri } : {}),
    defaultConfiguration: { level: sarifLevel(r.defaultSeverity) },
    properties: {
      tags: ['licensing', 'linux-kernel', 'gpl'],
      references: r.references,
    },
  };
}

/** A path as a URI reference: relative paths stay relative (to SRCROOT), absolute become file: URIs. */
export function pathToUri(p: string): { uri: string; uriBaseId?: string } {
  const posix = p.split(path.sep).join('/');
  const enc = posix
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
  if (path.isAbsolute(p)) return { uri: 'file://' + enc };
  return { uri: enc.replace(/^\.\//, ''), uriBaseId: SRCROOT };
}

class Artifacts {
  readonly list: Json[] = [];
  private readonly index = new Map<string, number>();
  constructor(private readonly options: RenderOptions) {}
  ref(p: string): Json {
    let i = this.index.get(p);
    if (i === undefined) {
      i = this.list.length;
      this.index.set(p, i);
      const sums = this.options.sources?.checksums(p);
      this.list.push({
        location: pathToUri(p),
        ...(sums ? { length: sums.size, hashes: { 'sha-256': sums.sha256, 'sha-1': sums.sha1 } } : {}),
      });
    }
    return { ...pathToUri(p), index: i };
  }
}

class Addresses {
  readonly list: Json[] = [];
  private readonly index = new Map<string, number>();
  /** The section of an artifact, as an address every offset in it hangs from. */
  section(artifactPath: string, section: string): number {
    const key = artifactPath + '\0' + section;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.list.length;
      this.index.set(key, i);
      this.list.push({ kind: 'section', name: section, fullyQualifiedName: `${artifactPath}(${section})` });
    }
    return i;
  }
}

function sarifLocation(l: Location, artifacts: Artifacts, addresses: Addresses, message?: string): Json {
  const physical: Json = { artifactLocation: artifacts.ref(l.path) };
  if (l.line !== undefined) {
    physical.region = {
      startLine: l.line,
      ...(l.column !== undefined ? { startColumn: l.column } : {}),
      ...(l.endLine !== undefined && l.endLine >= l.line ? { endLine: l.endLine } : {}),
    };
  } else if (l.section !== undefined) {
    const parentIndex = addresses.section(l.path, l.section);
    physical.address = l.offset !== undefined ? { offsetFromParent: l.offset, parentIndex } : { index: parentIndex, kind: 'section', name: l.section };
  }
  return {
    physicalLocation: physical,
    ...(l.function ? { logicalLocations: [{ name: l.function, kind: 'function' }] } : {}),
    ...(message ? { message: { text: message } } : {}),
  };
}

function siteMessage(l: Location): string {
  return isSourceLocation(l) ? `source: ${formatLocation(l)}` : `binary: ${formatLocation(l)}`;
}

function notification(e: ReadError, level: 'error' | 'warning', artifacts: Artifacts, addresses: Addresses): Json {
  return {
    level,
    message: { text: e.message.startsWith(e.path) ? e.message : `${e.path}: ${e.message}` },
    locations: [sarifLocation(e.location ?? { path: e.path }, artifacts, addresses)],
  };
}

export function toSarif(r: ScanResult, options: RenderOptions = {}): Json {
  const artifacts = new Artifacts(options);
  const addresses = new Addresses();
  const ruleIndex = new Map(r.rules.map((rule, i) => [rule.id, i]));
  const rules = r.rules.map(ruleDescriptor);

  const results = r.findings.map((f: Finding) => {
    const fingerprint = findingFingerprint(f);
    // The primary location: a source line when there is one (viewers annotate lines), else the first.
    const order = [...f.locations.filter(isSourceLocation), ...f.locations.filter((l) => !isSourceLocation(l))];
    const primary = order[0];
    const related = order.slice(1, 1 + MAX_RELATED);
    const result: Json = {
      ruleId: f.ruleId,
      ...(ruleIndex.has(f.ruleId) ? { ruleIndex: ruleIndex.get(f.ruleId) } : {}),
      level: sarifLevel(f.severity),
      message: { text: f.message },
      locations: primary ? [sarifLocation(primary, artifacts, addresses)] : [],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint },
      properties: {
        unit: f.unit,
        ...(f.symbol ? { symbol: f.symbol } : {}),
        ...(f.evidence ? { evidence: f.evidence } : {}),
        functions: findingFunctions(f),
        fingerprint,
        locationCount: f.locations.length,
        ...(order.length - 1 > related.length ? { omittedRelatedLocations: order.length - 1 - related.length } : {}),
      },
    };
    if (related.length) {
      result.relatedLocations = related.map((l, i) => ({ id: i + 1, ...sarifLocation(l, artifacts, addresses, siteMessage(l)) }));
    }
    if (f.path && f.path.length) {
      result.codeFlows = [
        {
          message: { text: `How ${f.unit} reaches ${f.symbol ?? 'the symbol'}` },
          threadFlows: [
            {
              locations: f.path.map((step, i) => ({
                executionOrder: i + 1,
                location: {
                  ...(step.location ? sarifLocation(step.location, artifacts, addresses) : {}),
                  message: { text: `${step.unit}: ${step.symbol}${step.note ? ` (${step.note})` : ''}` },
                },
              })),
            },
          ],
        },
      ];
    }
    const b = r.baseline?.status[fingerprint];
    if (b) {
      result.baselineState = b.status === 'accepted' ? 'unchanged' : 'new';
      if (b.status === 'accepted') {
        result.suppressions = [{ kind: 'external', status: 'accepted', justification: b.reason ?? '' }];
      }
    }
    return result;
  });

  const notifications = [
    ...r.errors.map((e) => notification(e, 'error', artifacts, addresses)),
    ...r.warnings.slice(0, MAX_WARNING_NOTIFICATIONS).map((e) => notification(e, 'warning', artifacts, addresses)),
  ];
  if (r.warnings.length > MAX_WARNING_NOTIFICATIONS) {
    notifications.push({
      level: 'note',
      message: { text: `${r.warnings.length - MAX_WARNING_NOTIFICATIONS} more partial-read warnings not listed (see the JSON report)` },
    });
  }

  const db = r.database;
  const run: Json = {
    tool: {
      driver: {
        name: r.tool.name,
        fullName: `${r.tool.name} ${r.tool.version}`,
        version: r.tool.version,
        semanticVersion: r.tool.version,
        rules,
      },
    },
    invocations: [
      {
        executionSuccessful: true,
        commandLine: r.invocation.command,
        startTimeUtc: r.invocation.date,
        ...(r.invocation.cwd ? { workingDirectory: { uri: pathToUri(withSlash(r.invocation.cwd)).uri } } : {}),
        ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
      },
    ],
    ...(r.invocation.cwd ? { originalUriBaseIds: { [SRCROOT]: { uri: pathToUri(withSlash(r.invocation.cwd)).uri } } } : {}),
    artifacts: artifacts.list,
    ...(addresses.list.length ? { addresses: addresses.list } : {}),
    results,
    properties: {
      database: {
        name: db.name,
        kernel: db.kernel,
        version: db.version,
        arch: db.arch,
        source: db.source,
      },
      inputs: r.inputs,
      stats: r.stats,
      ...(r.baseline
        ? {
            baseline: {
              file: r.baseline.file,
              counts: r.baseline.counts,
              stale: r.baseline.stale,
            },
          }
        : {}),
    },
  };
  return { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] };
}

function withSlash(p: string): string {
  return p.endsWith('/') ? p : p + '/';
}

const reporter: Reporter = {
  name: 'sarif',
  render(result, options) {
    return JSON.stringify(toSarif(result, options), null, 2) + '\n';
  },
};
export default reporter;
