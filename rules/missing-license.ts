import type { Rule } from './types';
import { REF_MODPOST, REF_LOADER, REF_LICENSE_RULES } from './references';
import { isKernelSide } from './util';

const rule: Rule = {
  meta: {
    id: 'missing-license',
    defaultSeverity: 'error',
    description: 'A kernel module or kernel object carries no MODULE_LICENSE().',
    rationale:
      'modpost fails the build ("missing MODULE_LICENSE() in X.o"). The loader treats a module ' +
      'without a licence as not GPL-compatible: it taints the kernel and does not resolve ' +
      'GPL-only symbols for it.',
    references: [REF_MODPOST, REF_LOADER, REF_LICENSE_RULES],
  },
  check({ model, report }) {
    for (const unit of model.units) {
      if (unit.licenses.length > 0 || !isKernelSide(unit)) continue;
      const gpl = unit.imports.filter((i) => i.exportType === 'gpl').map((i) => i.symbol);
      const where = unit.paths.find((p) => /\.o$/.test(p) && !p.endsWith('.mod.o')) ?? unit.paths[0];
      report({
        unit: unit.id,
        message:
          `missing MODULE_LICENSE() in ${where}` +
          (gpl.length
            ? `; the loader would then withhold ${gpl.length} GPL-only symbol${gpl.length > 1 ? 's' : ''} it uses: ${gpl.join(', ')}`
            : ''),
        locations: unit.paths.map((p) => ({ path: p })),
      });
    }
  },
};
export default rule;
