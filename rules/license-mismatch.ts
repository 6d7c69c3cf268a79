import type { Rule } from './types';
import { sourceFiles } from './graph';
import { REF_LICENSE_H, REF_LICENSE_RULES } from './references';
import { fileLicenses, gpl2Class, incompatibleIds, requiresGpl } from './spdx';
import { quoted } from './wording';

/** The SPDX line of a file and the MODULE_LICENSE of its module say different things. */
const rule: Rule = {
  meta: {
    id: 'license-mismatch',
    defaultSeverity: 'warning',
    description: "A file's SPDX-License-Identifier disagrees with the MODULE_LICENSE of the module it belongs to.",
    rationale:
      'Documentation/process/license-rules.rst: MODULE_LICENSE tells the module loader and modpost whether ' +
      'a module is GPL-compatible, and does not replace the licence information of the source files. A ' +
      'file that leaves no choice but the GPL inside a module tagged "Proprietary" (or a proprietary file ' +
      'inside a module tagged "GPL") means one of the two declarations is wrong, and the module is treated ' +
      'by the kernel according to the tag.',
    references: [REF_LICENSE_RULES, REF_LICENSE_H],
  },
  check({ model, report }) {
    for (const unit of model.units) {
      if (unit.licenses.length === 0) continue;
      const tags = quoted(unit.licenses.map((l) => l.value));
      const files = sourceFiles(model, unit);
      for (const fl of fileLicenses(files)) {
        if (!unit.gplCompatible && requiresGpl(fl.node)) {
          report({
            unit: unit.id,
            message:
              `${fl.file} is under "${fl.expression}", which leaves no choice but the GPL, ` +
              `but ${unit.id} declares MODULE_LICENSE ${tags}, which is not GPL-compatible`,
            locations: [fl.location, ...unit.licenses.map((l) => l.location)],
          });
        } else if (unit.gplCompatible && gpl2Class(fl.node) === 'incompatible') {
          report({
            unit: unit.id,
            message:
              `${fl.file} is under "${fl.expression}" (${incompatibleIds(fl.node).join(', ')}: not combinable with GPL-2.0-only code), ` +
              `but ${unit.id} declares MODULE_LICENSE ${tags}, which tells the kernel it is GPL-compatible`,
            locations: [fl.location, ...unit.licenses.map((l) => l.location)],
          });
        }
      }
    }
  },
};
export default rule;
