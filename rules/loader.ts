/**
 * What the Linux 6.1 module loader (kernel/module/main.c) does with a module's licence and its
 * imports, predicted from the linked model. Shared by loader-refusal, proprietary-taint and the
 * risk assessment.
 *
 * The loader, in order:
 *  - set_license(): reads the first `license=` tag only; a value outside include/linux/license.h's
 *    six strings (or none: "unspecified") taints the module and the kernel P;
 *  - simplify_symbols() resolves the undefined symbols in symbol-table order; for each,
 *    resolve_symbol() finds it (GPL-only exports are not found for a module tainted P), sets
 *    "uses GPL-only symbols" when the export is GPL-only, then inherit_taint(): if the owner is a
 *    module tainted P, a module that already uses GPL-only symbols is refused ("module using
 *    GPL-only symbols uses symbols X from proprietary module Y."), any other one inherits the P
 *    taint ("module uses symbols X from proprietary module Y, inheriting taint.").
 *  The loop goes on after a failure, so every symbol gets its message, then the load fails.
 */
import { licenseIsGplCompatible, loaderGplCompatible } from '../kernel-symbols/licenses';
import { loaderLicenseOrder, loaderLicenseOrderKnown } from './graph';
import type { LinkedImport, LinkedModel, Unit } from './model';

export interface LoaderPrediction {
  unit: string;
  /** The `license=` tag the loader reads ('unspecified' when there is none). */
  license: string;
  /** All `license=` tags, in .modinfo order when a binary was scanned, else in source order. */
  tags: string[];
  /** The first tag is known: from the binary, or every tag gives the same verdict. */
  licenseKnown: boolean;
  /** The unit's own licence taints the kernel P (by the first tag). */
  ownTaint: boolean;
  /** Some tag is not GPL-compatible (so the kernel may be tainted, depending on the tag order). */
  someTagIncompatible: boolean;
  /** The symbol-table order is known (a binary was scanned); else the verdict holds for any order. */
  orderKnown: boolean;
  /** GPL-only imports, in symbol-table order when known. */
  gplOnly: LinkedImport[];
  /** Imports whose owner is a scanned module tainted P, in symbol-table order when known. */
  fromProprietary: { imp: LinkedImport; owner: string }[];
  /** The module inherits the P taint from this import (its licence is GPL-compatible). */
  inherited: { imp: LinkedImport; owner: string } | null;
  /** inherit_taint() refuses these imports: the module already used GPL-only symbols when they came. */
  refused: { imp: LinkedImport; owner: string }[];
  /** GPL-only imports the loader does not find because the module is tainted P by then. */
  unknownGplOnly: LinkedImport[];
  /** The loader refuses the module (in every symbol order when the order is unknown). */
  refusedLoad: boolean;
  /** The module ends up tainted P (own licence or inherited) and loads. */
  tainted: boolean;
}

const cache = new WeakMap<LinkedModel, Map<string, LoaderPrediction | null>>();
const units = new WeakMap<LinkedModel, Map<string, Unit>>();

/** Loadable units: kernel modules (binary or source). */
export function isLoadable(unit: Unit): boolean {
  return unit.kind === 'kernel-module';
}

/** The imports of the unit's .ko in symbol-table order (raw names), when a .ko was scanned. */
function symbolOrder(model: LinkedModel, unit: Unit): readonly { symbol: string }[] | null {
  for (const f of model.facts.get(unit.id) ?? []) {
    if (f.analyzer === 'elf' && f.unitKind === 'kernel-module') return f.imports;
  }
  return null;
}

export function predictLoader(model: LinkedModel, unitId: string): LoaderPrediction | null {
  let memo = cache.get(model);
  if (!memo) {
    memo = new Map();
    cache.set(model, memo);
  }
  if (memo.has(unitId)) return memo.get(unitId)!;
  memo.set(unitId, null); // cycle guard: a module in an import cycle is taken as untainted
  let byId = units.get(model);
  if (!byId) units.set(model, (byId = new Map(model.units.map((u) => [u.id, u]))));
  const unit = byId.get(unitId);
  const p = unit && isLoadable(unit) ? predict(model, unit) : null;
  memo.set(unitId, p);
  return p;
}

/** A scanned module that is tainted P when loaded (and loads). */
function ownerTainted(model: LinkedModel, owner: string): boolean {
  const p = predictLoader(model, owner);
  return !!p && p.tainted;
}

function predict(model: LinkedModel, unit: Unit): LoaderPrediction {
  const tags = loaderLicenseOrder(model, unit);
  const license = tags[0] ?? 'unspecified';
  const ownTaint = !loaderGplCompatible(tags);
  const order = symbolOrder(model, unit);
  // Only GPL-only imports and imports from other scanned units play a part below; of a module's
  // imports they are the few, so the rest are never put in symbol-table order.
  const mayMatter = (i: LinkedImport) => i.exportType === 'gpl' || (i.providerKind === 'scanned' && !!i.provider && i.provider !== unit.id);
  let imports = unit.imports.filter(mayMatter);
  if (order && imports.length) {
    const bySymbol = new Map(imports.map((i) => [i.symbol, i]));
    imports = [];
    for (const { symbol } of order) {
      const i = bySymbol.get(symbol);
      if (i) imports.push(i);
    }
  }
  const gplOnly = imports.filter((i) => i.exportType === 'gpl');
  const fromProprietary = imports
    .filter((i) => i.providerKind === 'scanned' && i.provider && i.provider !== unit.id && ownerTainted(model, i.provider))
    .map((imp) => ({ imp, owner: imp.provider! }));

  let tainted = ownTaint;
  let usingGpl = false;
  let inherited: LoaderPrediction['inherited'] = null;
  const refused: LoaderPrediction['refused'] = [];
  const unknownGplOnly: LinkedImport[] = [];
  const proprietary = new Set(fromProprietary.map((x) => x.imp));
  if (order) {
    for (const imp of imports) {
      if (imp.providerKind === 'unknown') continue;
      if (imp.exportType === 'gpl' && tainted) {
        unknownGplOnly.push(imp);
        continue;
      }
      if (imp.exportType === 'gpl') usingGpl = true;
      if (!proprietary.has(imp)) continue;
      if (usingGpl) refused.push({ imp, owner: imp.provider! });
      else if (!tainted) {
        tainted = true;
        inherited = { imp, owner: imp.provider! };
      }
    }
  } else if (!ownTaint && fromProprietary.length) {
    // Without the symbol table: refused in any order when GPL-only symbols are used too
    // (either by inherit_taint, or by not finding the GPL-only symbols after inheriting P).
    if (gplOnly.length) refused.push(...fromProprietary);
    else {
      tainted = true;
      inherited = fromProprietary[0];
    }
  } else if (ownTaint) {
    unknownGplOnly.push(...gplOnly);
  }
  const refusedLoad = refused.length > 0 || unknownGplOnly.length > 0;
  return {
    unit: unit.id,
    license,
    tags,
    licenseKnown: loaderLicenseOrderKnown(model, unit),
    ownTaint,
    someTagIncompatible: tags.length === 0 || tags.some((t) => !licenseIsGplCompatible(t)),
    orderKnown: order !== null,
    gplOnly,
    fromProprietary,
    inherited,
    refused,
    unknownGplOnly,
    refusedLoad,
    tainted: tainted && !refusedLoad,
  };
}

/** How the owner got its P taint, for messages: `whose licence "Proprietary" taints the kernel`. */
export function taintReason(model: LinkedModel, owner: string): string {
  const p = predictLoader(model, owner);
  if (!p) return 'which is tainted P';
  if (p.ownTaint) {
    return p.license === 'unspecified'
      ? 'which carries no licence and so taints the kernel'
      : `whose licence "${p.license}" taints the kernel`;
  }
  if (p.inherited) return `which inherits the P taint from ${p.inherited.owner}`;
  return 'which is tainted P';
}
