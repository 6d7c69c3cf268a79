import type { Rule } from './types';
import { REF_MODPOST } from './references';
import { isCompilerBuiltin, isCompilerInserted } from './util';

/**
 * When a module's sources and its binary are both scanned, their imports of kernel and
 * scanned exports are compared. Differences are reported, not hidden: they are where the
 * evidence of one kind is incomplete and a reviewer should look at the other.
 */
const rule: Rule = {
  meta: {
    id: 'source-binary-mismatch',
    defaultSeverity: 'info',
    description: "A module's binary imports an export that no source call names, or a source call has no import in the binary.",
    rationale:
      'An import in the binary without a call in the source comes from an inline function or a macro of a ' +
      'header (the header\'s code is compiled into the module). A call in the source without an import in the ' +
      'binary was compiled out (#if/#ifdef) or resolved inside the module. Either way the two kinds of evidence ' +
      'disagree, and findings should cite the one that holds.',
    references: [REF_MODPOST],
  },
  check({ model, report }) {
    for (const unit of model.units) {
      if (unit.evidence !== 'both') continue;
      for (const imp of unit.imports) {
        if (imp.providerKind === 'unknown' || imp.evidence === 'both' || isCompilerInserted(imp.symbol)) continue;
        // Reached only through a header inline function or macro (imp.via) in a branch the
        // compiler did not take (kmalloc's __kmalloc when the size is a constant): no mismatch.
        if (imp.evidence === 'source' && imp.via) continue;
        if (imp.evidence === 'binary') {
          report({
            unit: unit.id,
            symbol: imp.symbol,
            message:
              `the binary imports ${imp.exportType === 'gpl' ? 'GPL-only ' : ''}${imp.symbol} but no source call names it: ` +
              'it comes from an inline function or a macro of an included header',
            locations: imp.sites.map((s) => s.location),
            evidence: 'binary',
          });
        } else {
          const allConditional = imp.sites.every((s) => s.conditional);
          report({
            unit: unit.id,
            symbol: imp.symbol,
            message:
              `the source calls ${imp.symbol} but the binary does not import it: ` +
              (allConditional
                ? 'every call sits in an #if/#ifdef branch the build did not take'
                : isCompilerBuiltin(imp.symbol)
                  ? `the compiler expands ${imp.symbol}() itself (a builtin) where it can`
                  : 'the call was compiled out or resolved inside the module'),
            locations: imp.sites.map((s) => s.location),
            evidence: 'source',
          });
        }
      }
    }
  },
};
export default rule;
