/**
 * ESLint-style rule tests: each case is a small set of real inputs (C sources and Kbuild
 * files given inline, or real ELF objects by path) that goes through the real analysers, the
 * real linker and the shipped kernel database; a valid case must give no finding of the rule,
 * an invalid case exactly the listed ones.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FileFacts } from '../analyzers/facts';
import { loadDatabase } from '../kernel-symbols';
import type { KernelSymbolDb } from '../kernel-symbols/types';
import { runRule } from '../rules';
import type { Finding, Rule } from '../rules/types';
import { analyzeBuffer } from '../src/analyze';
import { link } from '../src/link';

export const REPO = path.resolve(__dirname, '..');

export interface RuleCase {
  name: string;
  /** path -> file text (C sources, Kbuild, Makefile) */
  files?: Record<string, string>;
  /** real binaries, relative to the repository root */
  binaries?: string[];
  /** kernel database name (default 6.1) */
  kernel?: string;
}

export interface ExpectedFinding {
  unit?: string;
  symbol?: string;
  message?: string | RegExp;
  severity?: Finding['severity'];
  /** expected first location as `path:line` or `path` */
  at?: string;
}

export interface InvalidCase extends RuleCase {
  errors: ExpectedFinding[];
}

const dbs = new Map<string, KernelSymbolDb>();
function db(name = '6.1'): KernelSymbolDb {
  let d = dbs.get(name);
  if (!d) {
    d = loadDatabase(name);
    dbs.set(name, d);
  }
  return d;
}

export function factsOf(c: RuleCase): FileFacts[] {
  const facts: FileFacts[] = [];
  for (const [p, text] of Object.entries(c.files ?? {})) {
    const r = analyzeBuffer(p, Buffer.from(text));
    if (r.kind !== 'facts') throw new Error(`case "${c.name}": ${p} was not analysed (${JSON.stringify(r)})`);
    facts.push(r.facts);
  }
  for (const b of c.binaries ?? []) {
    const r = analyzeBuffer(b, fs.readFileSync(path.join(REPO, b)));
    if (r.kind !== 'facts') throw new Error(`case "${c.name}": ${b} was not analysed (${JSON.stringify(r)})`);
    facts.push(r.facts);
  }
  return facts;
}

export function findingsFor(rule: Rule, c: RuleCase): Finding[] {
  const model = link(factsOf(c), db(c.kernel), []);
  return runRule(rule, model);
}

function describeFinding(f: Finding): string {
  const l = f.locations[0];
  return `${f.unit} ${f.symbol ?? ''} "${f.message}" ${l ? `${l.path}:${l.line ?? ''}` : ''}`;
}

function matches(f: Finding, e: ExpectedFinding): boolean {
  if (e.unit !== undefined && f.unit !== e.unit) return false;
  if (e.symbol !== undefined && f.symbol !== e.symbol) return false;
  if (e.severity !== undefined && f.severity !== e.severity) return false;
  if (e.message !== undefined) {
    if (typeof e.message === 'string' ? f.message !== e.message : !e.message.test(f.message)) return false;
  }
  if (e.at !== undefined) {
    const l = f.locations[0];
    if (!l) return false;
    const at = l.line !== undefined ? `${l.path}:${l.line}` : l.path;
    if (at !== e.at) return false;
  }
  return true;
}

export function runRuleTests(rule: Rule, cases: { valid: RuleCase[]; invalid: InvalidCase[] }): void {
  describe(`rule ${rule.meta.id}`, () => {
    test('has complete metadata', () => {
      expect(rule.meta.id).toMatch(/^[a-z][a-z0-9-]+$/);
      expect(['error', 'warning', 'info']).toContain(rule.meta.defaultSeverity);
      expect(rule.meta.description.length).toBeGreaterThan(10);
      expect(rule.meta.rationale.length).toBeGreaterThan(20);
      expect(rule.meta.references.length).toBeGreaterThan(0);
      expect(fs.existsSync(path.join(REPO, 'rules', `${rule.meta.id}.ts`))).toBe(true);
    });
    if (cases.valid.length === 0 || cases.invalid.length === 0) {
      throw new Error(`rule ${rule.meta.id}: needs at least one valid and one invalid case`);
    }
    for (const c of cases.valid) {
      test(`valid: ${c.name}`, () => {
        const found = findingsFor(rule, c);
        expect(found.map(describeFinding)).toEqual([]);
      });
    }
    for (const c of cases.invalid) {
      test(`invalid: ${c.name}`, () => {
        const found = findingsFor(rule, c);
        const unmatched = [...found];
        const missing: ExpectedFinding[] = [];
        for (const e of c.errors) {
          const i = unmatched.findIndex((f) => matches(f, e));
          if (i < 0) missing.push(e);
          else unmatched.splice(i, 1);
        }
        expect({ missing, unexpected: unmatched.map(describeFinding) }).toEqual({ missing: [], unexpected: [] });
      });
    }
  });
}
