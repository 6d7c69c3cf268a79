import type { Rule } from './types';
import { REF_MODPOST, REF_LOADER, REF_NAMESPACES } from './references';
import { isKernelSide } from './util';

const rule: Rule = {
  meta: {
    id: 'namespace-not-imported',
    defaultSeverity: 'error',
    description: 'A unit uses a symbol exported into a namespace without MODULE_IMPORT_NS() for it.',
    rationale:
      'modpost fails the build ("module X uses symbol Y from namespace NS, but does not import it.") ' +
      'and the loader refuses to resolve the symbol for a module whose modinfo lacks import_ns=NS.',
    references: [REF_MODPOST, REF_NAMESPACES, REF_LOADER],
  },
  check({ model, report }) {
    for (const unit of model.units) {
      if (!isKernelSide(unit)) continue;
      const imported = new Set(unit.importNs);
      for (const imp of unit.imports) {
        if (!imp.namespace || imported.has(imp.namespace)) continue;
        // `module:NAME` is not a namespace one can import but the EXPORT_SYMBOL_FOR_MODULES
        // restriction of newer kernels (GPL-only, for the named in-tree modules).
        if (imp.namespace.startsWith('module:')) continue;
        report({
          unit: unit.id,
          symbol: imp.symbol,
          message: `module ${unit.id} uses symbol ${imp.symbol} from namespace ${imp.namespace}, but does not import it.`,
          locations: imp.sites.map((s) => s.location),
          evidence: imp.evidence,
        });
      }
    }
  },
};
export default rule;
