import type { LinkedImport, LinkedModel, Unit } from './model';
import type { EvidenceStep } from './types';

const KIND_WORD = { inline: 'static inline function', macro: 'function-like macro', both: 'static inline function or macro' } as const;

/**
 * The evidence chain of an import the unit's sources reach only through kernel header inline
 * functions or macros (`imp.via`): the call site of the first name, each header definition with
 * its file:line and licence, then the export. Undefined for an import named directly.
 */
export function viaPath(unit: Unit, imp: LinkedImport, model: Pick<LinkedModel, 'reach'>): EvidenceStep[] | undefined {
  if (!imp.via?.length) return undefined;
  const steps: EvidenceStep[] = imp.via.map((name, i) => {
    const d = model.reach?.definition(name);
    const step: EvidenceStep = { unit: unit.id, symbol: name };
    if (i === 0 && imp.sites[0]) step.location = imp.sites[0].location;
    step.note = d
      ? `${KIND_WORD[d.kind]} of ${d.file}:${d.line}${d.spdx ? ` (${d.spdx})` : ''}, compiled into ${unit.id}`
      : 'kernel header inline function or macro';
    return step;
  });
  const type = imp.exportType === 'gpl' ? 'EXPORT_SYMBOL_GPL' : imp.exportType === 'plain' ? 'EXPORT_SYMBOL' : 'export';
  steps.push({ unit: imp.provider ?? 'kernel', symbol: imp.symbol, note: `${type}${imp.provider ? ` in ${imp.provider}` : ''}` });
  return steps;
}
