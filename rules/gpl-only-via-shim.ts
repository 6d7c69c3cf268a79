import type { Rule } from './types';
import { REF_LICENSE_RULES, REF_LOADER, REF_MODPOST, REF_VMWARE } from './references';
import { launderedUses, pathText } from './graph';
import { isKernelSide } from './util';
import { siteSummary } from './wording';

/**
 * The "GPL condom": a GPL-compatible unit wraps GPL-only kernel interfaces and exports the
 * wrappers with plain EXPORT_SYMBOL; a unit that is not GPL-compatible uses them. modpost and the
 * loader only compare each import with its own export type, so neither says anything.
 */
const rule: Rule = {
  meta: {
    id: 'gpl-only-via-shim',
    defaultSeverity: 'error',
    description:
      'A unit that is not GPL-compatible uses a plain export of a GPL-compatible scanned unit that itself reaches GPL-only symbols.',
    rationale:
      'EXPORT_SYMBOL_GPL marks interfaces the kernel reserves for GPL-compatible code. modpost and the ' +
      'module loader check only the export type of each symbol a module imports directly, so a GPL ' +
      'module that wraps GPL-only functions and re-exports the wrappers with plain EXPORT_SYMBOL lets ' +
      'any module reach them without a message. The path shows, call by call and with locations, how ' +
      'the unit reaches the GPL-only code; such line-level evidence is what an assessment needs (the ' +
      'vmklinux case failed for want of it).',
    references: [REF_LICENSE_RULES, REF_MODPOST, REF_LOADER, REF_VMWARE],
  },
  check({ model, report }) {
    const byId = new Map(model.units.map((u) => [u.id, u]));
    for (const unit of model.units) {
      if (unit.gplCompatible || unit.licenses.length === 0 || !isKernelSide(unit)) continue;
      for (const use of launderedUses(model, unit)) {
        const provider = byId.get(use.provider);
        // A provider that is not GPL-compatible is no shim: it gets its own gpl-only-symbol finding.
        if (!provider || !provider.gplCompatible) continue;
        const targets = [...use.targets.keys()];
        // the nearest target first (fewest hops), then by name
        targets.sort((a, b) => use.targets.get(a)!.steps.length - use.targets.get(b)!.steps.length || (a < b ? -1 : 1));
        const nearest = use.targets.get(targets[0])!;
        const inside = nearest.via.length ? nearest.via.join(' and ') : use.provider;
        const others = targets.length > 1 ? ` (and ${targets.length - 1} more: ${targets.slice(1).join(', ')})` : '';
        report({
          unit: unit.id,
          symbol: use.symbol,
          message:
            `${unit.id} uses ${use.symbol}, exported by ${use.provider} with plain EXPORT_SYMBOL; ` +
            `inside ${inside} it reaches GPL-only ${targets[0]}${others} ` +
            `(path: ${pathText(nearest.steps)}); ${use.symbol} is used in ${siteSummary(use.import.sites)}`,
          locations: use.import.sites.map((s) => s.location),
          evidence: use.import.evidence,
          path: nearest.steps,
        });
      }
    }
  },
};
export default rule;
