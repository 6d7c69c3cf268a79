import type { EvidenceStep, Rule } from './types';
import { REF_LICENSE_H, REF_LOADER, REF_LICENSE_RULES } from './references';
import { predictLoader, taintReason } from './loader';
import { listNames } from './wording';

/**
 * The loader's inherit_taint() (Linux 5.9+): a module that uses GPL-only symbols and imports a
 * symbol from a module tainted P (a proprietary one) is refused. modpost does not check this.
 */
const rule: Rule = {
  meta: {
    id: 'loader-refusal',
    defaultSeverity: 'error',
    description:
      'A module that uses GPL-only symbols also imports from a module whose licence taints the kernel (P); the loader refuses it.',
    rationale:
      'Since Linux 5.9 the module loader (kernel/module/main.c, inherit_taint()) refuses a module that ' +
      'uses GPL-only symbols and also uses symbols of a proprietary module: "module using GPL-only ' +
      'symbols uses symbols X from proprietary module Y.". If the proprietary symbol is resolved first, ' +
      'the module inherits the P taint instead and its GPL-only symbols are then not found. Either way ' +
      'it does not load. The check closes the way around EXPORT_SYMBOL_GPL through a GPL module that ' +
      'talks to a proprietary one; modpost does not make it.',
    references: [REF_LOADER, REF_LICENSE_H, REF_LICENSE_RULES],
  },
  check({ model, report }) {
    for (const unit of model.units) {
      const p = predictLoader(model, unit.id);
      if (!p || p.ownTaint) continue;
      const byInherit = p.refused.length > 0;
      const afterInherit = p.orderKnown && p.inherited !== null && p.unknownGplOnly.length > 0;
      if (!byInherit && !afterInherit) continue;
      const prop = byInherit ? p.refused : [p.inherited!];
      const owners = [...new Set(prop.map((x) => x.owner))];
      const gplNames = p.gplOnly.map((i) => i.symbol);
      const first = prop[0];
      const uses =
        `${unit.id} uses GPL-only ${listNames(gplNames)} and imports ${listNames(prop.map((x) => x.imp.symbol))} ` +
        `from ${owners.map((o) => `${o}, ${taintReason(model, o)}`).join('; ')}`;
      let verdict: string;
      if (!p.orderKnown) {
        verdict =
          `: the loader refuses it, with "${unit.id}: module using GPL-only symbols uses symbols ${first.imp.symbol} ` +
          `from proprietary module ${first.owner}." when a GPL-only symbol comes first in its symbol table, otherwise ` +
          `by inheriting the P taint and then not finding its GPL-only symbols (the order is the linker's)`;
      } else if (byInherit) {
        const lines = prop.map(
          (x) => `"${unit.id}: module using GPL-only symbols uses symbols ${x.imp.symbol} from proprietary module ${x.owner}."`,
        );
        verdict = `: the loader refuses it with ${lines.join(' and ')} (${p.gplOnly[0].symbol} comes before ${first.imp.symbol} in its symbol table)`;
      } else {
        verdict =
          `: ${first.imp.symbol} comes first in its symbol table, so it inherits the P taint ` +
          `("${unit.id}: module uses symbols ${first.imp.symbol} from proprietary module ${first.owner}, inheriting taint.") ` +
          `and the loader then does not find ${listNames(p.unknownGplOnly.map((i) => i.symbol))} ("Unknown symbol"): it does not load`;
      }
      const owner = model.units.find((u) => u.id === first.owner);
      const exp = owner?.exports.find((e) => e.symbol === first.imp.symbol);
      const site = first.imp.sites.find((s) => s.location.line !== undefined) ?? first.imp.sites[0];
      const path: EvidenceStep[] = [
        {
          unit: unit.id,
          symbol: site?.location.function ?? '(file scope)',
          ...(site ? { location: site.location } : {}),
          note: `uses ${first.imp.symbol}`,
        },
        { unit: first.owner, symbol: first.imp.symbol, ...(exp ? { location: exp.location } : {}), note: taintReason(model, first.owner) },
      ];
      report({
        unit: unit.id,
        symbol: first.imp.symbol,
        message: uses + verdict,
        locations: [...prop.flatMap((x) => x.imp.sites.map((s) => s.location)), ...p.gplOnly.flatMap((i) => i.sites.map((s) => s.location))],
        evidence: first.imp.evidence,
        path,
      });
    }
  },
};
export default rule;
