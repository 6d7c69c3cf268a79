import type { Location } from '../analyzers/facts';
import type { EvidenceStep, Rule } from './types';
import { sourceFiles } from './graph';
import { REF_COPYING, REF_KERNEL_HEADERS, REF_LICENSE_RULES, REF_VMWARE } from './references';
import { isKernelSide } from './util';
import { listNames, plural, quoted } from './wording';

/** Names every module uses to declare itself (they expand to data and section attributes). */
const MODULE_BOILERPLATE = /^(module_init|module_exit|module_param\w*|MODULE_\w+|EXPORT_SYMBOL\w*|subsys_initcall|late_initcall|core_initcall|device_initcall|__setup)$/;
/** Compiler built-ins and operators the parser may see as calls. */
const NOT_HEADER_CODE = /^(__builtin_\w+|sizeof|typeof|__typeof__|_Alignof|alignof|offsetof|defined|va_start|va_end|va_arg|va_copy)$/;

/**
 * A unit that is not GPL-compatible calls names its kernel-internal headers must provide (no
 * kernel export has them, the unit does not define them): static inline functions or macros,
 * whose code is compiled into the unit.
 */
const rule: Rule = {
  meta: {
    id: 'gpl-header-in-non-gpl',
    defaultSeverity: 'warning',
    description:
      "A unit that is not GPL-compatible includes kernel-internal headers and calls names that only they can provide (static inline functions or macros).",
    rationale:
      'The headers of include/linux carry GPL-2.0 SPDX lines and, except for two, no syscall note; their ' +
      'static inline functions and macros are compiled into every file that uses them, unlike exported ' +
      'functions, which stay in the kernel. A name the unit calls that neither the unit defines nor the ' +
      'kernel exports comes from such a header. gplcheck does not read the headers here, so the finding ' +
      'says "most likely" and lists the names for a reviewer to check.',
    references: [REF_KERNEL_HEADERS, REF_LICENSE_RULES, REF_COPYING, REF_VMWARE],
  },
  check({ model, report }) {
    for (const unit of model.units) {
      if (unit.gplCompatible || unit.licenses.length === 0 || !isKernelSide(unit)) continue;
      const files = sourceFiles(model, unit);
      const headers = new Set<string>();
      for (const f of files) for (const i of f.includes) if (i.category === 'kernel') headers.add(i.target);
      if (headers.size === 0) continue;
      const defined = new Set(unit.functions);
      for (const f of files) for (const m of f.macros) defined.add(m.name);
      const unresolved = new Set(unit.imports.filter((i) => i.providerKind === 'unknown').map((i) => i.symbol));
      const kernelFiles = new Set(files.filter((f) => f.includes.some((i) => i.category === 'kernel')).map((f) => f.path));
      const key = (l: Location) => `${l.path}:${l.line}:${l.column}`;
      const calleeAt = new Map<string, string>();
      for (const f of files) for (const c of f.calls) calleeAt.set(key(c.site.location), c.callee);
      // (a) names the kernel's header index knows as inline functions or macros (LinkedImport.via)
      const known = new Map<string, { locations: Location[]; reaches: Set<string>; gpl: Set<string> }>();
      for (const imp of unit.imports) {
        const via = (imp as { via?: string[] }).via;
        if (!via || via.length === 0) continue;
        const sites = imp.sites.filter((s) => s.location.line !== undefined && kernelFiles.has(s.location.path));
        if (sites.length === 0) continue;
        for (const s of sites) {
          // the name called at this site (one import may gather the calls of several header names)
          const name = calleeAt.get(key(s.location)) ?? via[0];
          const e = known.get(name) ?? { locations: [], reaches: new Set<string>(), gpl: new Set<string>() };
          if (!e.locations.some((l) => key(l) === key(s.location))) e.locations.push(s.location);
          e.reaches.add(imp.symbol);
          if (imp.exportType === 'gpl') e.gpl.add(imp.symbol);
          known.set(name, e);
        }
      }
      // (b) names no kernel export provides and the unit does not define
      const likely = new Map<string, Location[]>();
      for (const f of files) {
        if (!kernelFiles.has(f.path)) continue;
        for (const c of f.calls) {
          if (c.site.kind !== 'call' || c.site.lexical || c.guess) continue;
          const name = c.callee;
          if (defined.has(name) || !unresolved.has(name) || known.has(name)) continue;
          if (MODULE_BOILERPLATE.test(name) || NOT_HEADER_CODE.test(name)) continue;
          const list = likely.get(name) ?? [];
          list.push(c.site.location);
          likely.set(name, list);
        }
      }
      if (known.size === 0 && likely.size === 0) continue;
      const knownNames = [...known.keys()].sort();
      const likelyNames = [...likely.keys()].sort();
      const gpl = [...new Set(knownNames.flatMap((n) => [...known.get(n)!.gpl]))].sort();
      const locations = [...knownNames.flatMap((n) => known.get(n)!.locations), ...likelyNames.flatMap((n) => likely.get(n)!)];
      const hdrs = [...headers].sort();
      const parts: string[] = [];
      if (knownNames.length) {
        const n = knownNames.reduce((k, x) => k + known.get(x)!.locations.length, 0);
        parts.push(
          `calls ${listNames(knownNames, 10)} (${plural(n, 'place')}), static inline functions or macros of the kernel headers` +
            (gpl.length ? ` that lead to GPL-only ${listNames(gpl)}` : ''),
        );
      }
      if (likelyNames.length) {
        const n = likelyNames.reduce((k, x) => k + likely.get(x)!.length, 0);
        parts.push(
          `calls ${listNames(likelyNames, 10)} (${plural(n, 'place')}), which no kernel export provides and ${unit.id} does not define: ` +
            `most likely macros or static inline functions of those headers`,
        );
      }
      // evidence for the first header name that leads to a GPL-only symbol
      let path: EvidenceStep[] | undefined;
      for (const name of knownNames) {
        if (known.get(name)!.gpl.size === 0) continue;
        const imp = unit.imports.find(
          (i) => i.exportType === 'gpl' && (i as { via?: string[] }).via && i.sites.some((s) => calleeAt.get(key(s.location)) === name),
        );
        if (!imp) continue;
        const site = imp.sites.find((s) => calleeAt.get(key(s.location)) === name)!;
        const via = (imp as { via?: string[] }).via!;
        path = [
          { unit: unit.id, symbol: site.location.function ?? '(file scope)', location: site.location, note: `calls ${name}` },
          ...via.slice(via.indexOf(name) >= 0 ? via.indexOf(name) : 0).map((v) => ({
            unit: unit.id,
            symbol: v,
            note: `static inline function or macro of the kernel headers, compiled into ${unit.id}`,
          })),
          { unit: imp.provider ?? 'the kernel', symbol: imp.symbol, note: 'exported with EXPORT_SYMBOL_GPL' },
        ];
        break;
      }
      report({
        unit: unit.id,
        ...(path ? { path } : {}),
        message:
          `${unit.id} (MODULE_LICENSE ${quoted(unit.licenses.map((l) => l.value))}, not GPL-compatible) includes ` +
          `${plural(hdrs.length, 'kernel-internal header')} (${listNames(hdrs)}) and ${parts.join('; it also ')}. ` +
          `The code of such definitions is compiled into ${unit.id}`,
        locations,
        evidence: 'source',
      });
    }
  },
};
export default rule;
