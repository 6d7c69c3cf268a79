import { compareVersions } from '../kernel-symbols/database';
import { KnowledgeBase, describeStatus } from '../kernel-symbols/history';
import { reachFor, type InlineReach } from '../kernel-symbols/reach';
import type { KernelSymbolDb } from '../kernel-symbols/types';
import type { LinkedImport, Unit } from './model';
import { REF_LICENSE_RULES, REF_MODPOST } from './references';
import type { EvidenceStep, Rule } from './types';
import { isKernelSide, moduleFileName } from './util';

/**
 * Code that builds today and breaks on the next kernel: a name the unit uses that is a plain
 * export (or a header inline function / macro reaching only plain exports) in the kernel the
 * scan uses, but in a newer known kernel
 *  - is exported GPL-only, or is an inline function/macro there that reaches a GPL-only export
 *    (reported for units whose licence is not GPL-compatible), or
 *  - is gone: neither exported nor an inline function/macro of the headers (reported for every
 *    kernel-side unit, when a source calls the name itself: a binary's import may come from a
 *    header, which changes with the kernel).
 * The newer kernels are the known databases (shipped and user) of a higher version; each is
 * read with its own inline reach table, so `kzalloc` is judged by what it reaches in 6.12.
 */

type SourceStatus = 'plain' | 'gpl' | 'inline-plain' | 'inline-gpl' | 'inline-none' | 'absent';

interface Version {
  db: KernelSymbolDb;
  reach?: InlineReach;
}

interface Status {
  status: SourceStatus;
  /** inline-gpl: the GPL-only exports reached, with the chain to the first. */
  gplReached?: { symbol: string; path: string[] }[];
}

function statusIn(name: string, v: Version): Status {
  const e = v.db.lookup(name);
  if (e) return { status: e.type };
  if (v.reach?.has(name)) {
    const gpl = v.reach.reach(name).filter((r) => v.db.lookup(r.symbol)?.type === 'gpl');
    return gpl.length ? { status: 'inline-gpl', gplReached: gpl } : { status: 'inline-plain' };
  }
  // defined in the headers, reaching no export the table can follow: there, so not absent
  if (v.reach?.defines(name)) return { status: 'inline-none' };
  return { status: 'absent' };
}

const WORD: Record<SourceStatus, string> = {
  plain: 'plain',
  gpl: 'GPL-only',
  'inline-plain': 'a header inline function or macro over plain exports',
  'inline-gpl': 'a header inline function or macro reaching GPL-only exports',
  'inline-none': 'a header inline function or macro',
  absent: 'absent',
};

/** The name over every known version: the history phrase of the exports when it is one in every version, else per version. */
function historyOf(name: string, kb: KnowledgeBase, versions: Version[]): string {
  const states = versions.map((v) => statusIn(name, v).status);
  if (states.every((s) => s === 'plain' || s === 'gpl' || s === 'absent')) return describeStatus(kb.history(name));
  const parts: string[] = [];
  for (let i = 0; i < states.length; i++) {
    let j = i;
    while (j + 1 < states.length && states[j + 1] === states[i]) j++;
    const names = versions.slice(i, j + 1).map((v) => v.db.meta.name);
    const span = names.length === 1 ? names[0] : names.length === 2 ? `${names[0]} and ${names[1]}` : `${names[0]} to ${names[names.length - 1]}`;
    parts.push(`${WORD[states[i]]} in ${span}`);
    i = j;
  }
  return parts.join(', ');
}

function chain(path: string[]): string {
  return path.length ? ` (through ${path.join(' → ')})` : '';
}

const rule: Rule = {
  meta: {
    id: 'future-gpl-only',
    defaultSeverity: 'warning',
    description: 'A plain kernel interface the unit uses is GPL-only, or gone, in a newer known kernel.',
    rationale:
      'Exports move from EXPORT_SYMBOL to EXPORT_SYMBOL_GPL between releases (task_work_add in 6.1, ' +
      'recalibrate_cpu_khz in 6.12) and header inline functions start to reach GPL-only exports. A module whose ' +
      'licence is not GPL-compatible then fails modpost ("uses GPL-only symbol") and cannot be loaded on the newer ' +
      'kernel; a name no longer exported breaks every module that calls it. The code builds today and breaks on the ' +
      'next kernel.',
    references: [REF_MODPOST, REF_LICENSE_RULES],
  },
  check({ model, report }) {
    let kb: KnowledgeBase;
    try {
      kb = model.knowledge ?? KnowledgeBase.load();
    } catch (e) {
      // A damaged user database must not stop the scan: say so and judge nothing here.
      model.errors.push({ path: (e as { file?: string }).file ?? 'kernel-symbols', message: `future-gpl-only: ${(e as Error).message}` });
      return;
    }
    const current = model.database.version;
    const all: Version[] = kb.databases.map((db) => ({ db, reach: reachFor(db.meta) }));
    const newer = all.filter((v) => compareVersions(v.db.meta.version, current) > 0);
    if (newer.length === 0) return;
    const now: Version = { db: model.db, reach: model.reach };

    for (const unit of model.units) {
      if (!isKernelSide(unit)) continue;
      const gplMatters = unit.licenses.length > 0 && !unit.gplCompatible;
      if (!gplMatters && unit.evidence === 'binary') continue; // no name of its own sources: nothing to say (below)
      const seen = new Set<string>();
      for (const imp of unit.imports) {
        if (imp.providerKind !== 'kernel') continue;
        const name = imp.via ? imp.via[0] : imp.symbol;
        if (seen.has(name)) continue;
        seen.add(name);
        const direct = !imp.via && imp.evidence !== 'binary';
        // A GPL-compatible unit is told only of names it calls itself that are gone (below);
        // most of a GPL module's imports are not that, and are not looked up in every version.
        if (!gplMatters && !direct) continue;
        const nowStatus = imp.via ? statusIn(name, now).status : imp.exportType === 'plain' ? 'plain' : 'gpl';
        if (nowStatus !== 'plain' && nowStatus !== 'inline-plain') continue; // GPL-only already: gpl-only-symbol's matter
        for (const v of newer) {
          const s = statusIn(name, v);
          const gplNow = s.status === 'gpl' || s.status === 'inline-gpl';
          if (gplNow && !gplMatters) continue;
          if (s.status === 'absent' && !direct) continue;
          if (!gplNow && s.status !== 'absent') continue;
          report(finding(unit, imp, name, v, s, historyOf(name, kb, all)));
          break;
        }
      }
    }

    function finding(unit: Unit, imp: LinkedImport, name: string, v: Version, s: Status, history: string) {
      const label = v.db.meta.name;
      const what = imp.via ? `calls ${name}` : `imports ${name}`;
      let consequence: string;
      const path: EvidenceStep[] = [{ unit: unit.id, symbol: name, ...(imp.sites[0] ? { location: imp.sites[0].location } : {}) }];
      if (imp.via) {
        const d = model.reach?.definition(name);
        if (d) path[0].note = `header inline function or macro, ${d.file}:${d.line} in ${model.database.name}`;
      }
      if (s.status === 'gpl') {
        consequence = `GPL-incompatible module ${moduleFileName(unit)} cannot use it from ${label} on`;
        path.push({ unit: v.db.lookup(name)!.module, symbol: name, note: `EXPORT_SYMBOL_GPL in ${label}` });
      } else if (s.status === 'inline-gpl') {
        const first = s.gplReached![0];
        const d = v.reach!.definition(name)!;
        consequence =
          `in ${label} it is defined in ${d.file}:${d.line} and reaches GPL-only ${s.gplReached!.map((g) => g.symbol).join(', ')}` +
          `${chain(first.path)}: GPL-incompatible module ${moduleFileName(unit)} cannot use it from ${label} on`;
        for (const step of first.path) path.push({ unit: unit.id, symbol: step, note: `header inline function or macro in ${label}` });
        path.push({ unit: v.db.lookup(first.symbol)!.module, symbol: first.symbol, note: `EXPORT_SYMBOL_GPL in ${label}` });
      } else {
        consequence = `${label} neither exports it nor defines it in its headers`;
      }
      return {
        unit: unit.id,
        symbol: name,
        message: `${what}: ${history} (${consequence})`,
        history,
        locations: imp.sites.map((x) => x.location),
        evidence: imp.evidence,
        path,
      };
    }
  },
};
export default rule;
