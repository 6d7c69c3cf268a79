import type { Rule } from './types';
import { REF_MODPOST, REF_LICENSE_H, REF_LOADER, REF_LICENSE_RULES } from './references';
import { isKernelSide, moduleFileName } from './util';
import { viaPath } from './via';

/**
 * modpost's check, exactly: a module whose licence tags are not all GPL-compatible
 * (include/linux/license.h) must not use a symbol exported with EXPORT_SYMBOL_GPL.
 * Like modpost, a module without any licence tag is left to `missing-license`.
 */
const rule: Rule = {
  meta: {
    id: 'gpl-only-symbol',
    defaultSeverity: 'error',
    description: 'A unit that is not GPL-compatible uses a symbol exported with EXPORT_SYMBOL_GPL.',
    rationale:
      'modpost fails the build of such a module ("GPL-incompatible module X.ko uses GPL-only symbol Y"), ' +
      'and the module loader does not resolve GPL-only symbols for a module whose licence is not ' +
      'GPL-compatible, so the module fails to load with "Unknown symbol". The kernel marks these ' +
      'exports as internal interfaces meant only for GPL-compatible code.',
    references: [REF_MODPOST, REF_LICENSE_H, REF_LOADER, REF_LICENSE_RULES],
  },
  check({ model, report }) {
    for (const unit of model.units) {
      if (unit.gplCompatible || unit.licenses.length === 0 || !isKernelSide(unit)) continue;
      const tags = unit.licenses.map((l) => `"${l.value}"`).join(', ');
      for (const imp of unit.imports) {
        if (imp.exportType !== 'gpl') continue;
        const from = imp.providerKind === 'scanned' ? `scanned module ${imp.provider}` : imp.provider ?? 'the kernel';
        report({
          unit: unit.id,
          symbol: imp.symbol,
          message:
            `GPL-incompatible module ${moduleFileName(unit)} uses GPL-only symbol '${imp.symbol}' ` +
            `(exported by ${from}; licence ${tags})`,
          locations: imp.sites.map((s) => s.location),
          evidence: imp.evidence,
          ...(imp.via ? { path: viaPath(unit, imp, model) } : {}),
        });
      }
    }
  },
};
export default rule;
