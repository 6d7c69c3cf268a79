import type { Location } from '../analyzers/facts';
import type { Rule } from './types';
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
      const uses = new Map<string, Location[]>();
      for (const f of files) {
        if (!f.includes.some((i) => i.category === 'kernel')) continue;
        for (const c of f.calls) {
          if (c.site.kind !== 'call' || c.site.lexical || c.guess) continue;
          const name = c.callee;
          if (defined.has(name) || !unresolved.has(name)) continue;
          if (MODULE_BOILERPLATE.test(name) || NOT_HEADER_CODE.test(name)) continue;
          const list = uses.get(name) ?? [];
          list.push(c.site.location);
          uses.set(name, list);
        }
      }
      if (uses.size === 0) continue;
      const names = [...uses.keys()].sort();
      const locations = names.flatMap((n) => uses.get(n)!);
      const hdrs = [...headers].sort();
      report({
        unit: unit.id,
        message:
          `${unit.id} (MODULE_LICENSE ${quoted(unit.licenses.map((l) => l.value))}, not GPL-compatible) includes ` +
          `${plural(hdrs.length, 'kernel-internal header')} (${listNames(hdrs)}) and calls ${listNames(names, 10)} ` +
          `(${plural(locations.length, 'place')}), which no kernel export provides and ${unit.id} does not define: ` +
          `most likely macros or static inline functions of those headers, whose code is compiled into ${unit.id}`,
        locations,
        evidence: 'source',
      });
    }
  },
};
export default rule;
