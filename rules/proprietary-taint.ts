import { licenseIsGplCompatible } from '../kernel-symbols/licenses';
import type { Rule } from './types';
import { REF_LICENSE_H, REF_LOADER, REF_LICENSE_RULES } from './references';
import { predictLoader } from './loader';
import { quoted } from './wording';

/** What the loader prints when a module taints the kernel P, and why. Information, not a defect. */
const rule: Rule = {
  meta: {
    id: 'proprietary-taint',
    defaultSeverity: 'info',
    description: "Loading the module taints the kernel P (proprietary module), by its own licence or inherited from a module it uses.",
    rationale:
      'The loader (kernel/module/main.c set_license()) reads the first license= tag of .modinfo only; a ' +
      'value other than the six GPL-compatible strings of include/linux/license.h, or none, taints the ' +
      'kernel P ("module license \'X\' taints kernel."). A GPL-compatible module that uses symbols of such a ' +
      'module inherits the taint. A P-tainted kernel is one kernel developers usually decline to debug, ' +
      'and the module is denied every GPL-only symbol.',
    references: [REF_LOADER, REF_LICENSE_H, REF_LICENSE_RULES],
  },
  check({ model, report }) {
    for (const unit of model.units) {
      const p = predictLoader(model, unit.id);
      if (!p) continue;
      // set_license() taints before any symbol is resolved: the taint stays even when the load fails.
      if (p.ownTaint && p.licenseKnown) {
        const first = p.tags.length > 1 ? `; the loader reads only the first license= tag (of ${quoted(p.tags)}, in .modinfo order)` : '';
        report({
          unit: unit.id,
          message:
            `loading ${unit.id} taints the kernel P: "${unit.id}: module license '${p.license}' taints kernel."` +
            (p.license === 'unspecified' ? ' (it carries no license= tag)' : ` ("${p.license}" is not a GPL-compatible licence string)`) +
            first,
          locations: unit.licenses.length ? unit.licenses.map((l) => l.location) : unit.paths.slice(0, 1).map((x) => ({ path: x })),
        });
      } else if (!p.licenseKnown && p.someTagIncompatible) {
        const tags = unit.licenses.map((l) => l.value);
        const bad = tags.filter((t) => !licenseIsGplCompatible(t));
        report({
          unit: unit.id,
          message:
            `loading ${unit.id} taints the kernel P if ${quoted(bad)} is its first license= tag: the loader reads only the ` +
            `first of ${quoted(tags)}, and the sources do not fix the order the compiler gives them in .modinfo`,
          locations: unit.licenses.map((l) => l.location),
        });
      } else if (p.inherited && !p.refusedLoad) {
        const x = p.inherited;
        report({
          unit: unit.id,
          symbol: x.imp.symbol,
          message:
            `${unit.id} uses ${x.imp.symbol} from ${x.owner}, which taints the kernel P, and inherits the taint: ` +
            `"${unit.id}: module uses symbols ${x.imp.symbol} from proprietary module ${x.owner}, inheriting taint."`,
          locations: x.imp.sites.map((s) => s.location),
          evidence: x.imp.evidence,
        });
      }
    }
  },
};
export default rule;
