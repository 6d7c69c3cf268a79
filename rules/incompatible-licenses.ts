import type { Rule } from './types';
import { sourceFiles } from './graph';
import { REF_COPYING, REF_LICENSE_RULES, REF_SPDX } from './references';
import { fileLicenses, gpl2Class, incompatibleIds, requiresGpl } from './spdx';
import { listNames } from './wording';

/** Files of one unit under licences that cannot be combined in one GPL-2.0-only work. */
const rule: Rule = {
  meta: {
    id: 'incompatible-licenses',
    defaultSeverity: 'error',
    description:
      'A unit holds code that must stay under the GPL next to code under a licence that cannot be combined with GPL-2.0-only (CDDL, Apache-2.0, a proprietary licence, ...).',
    rationale:
      'A kernel module is linked into one object, and the kernel is GPL-2.0-only (COPYING). Licences such ' +
      'as CDDL-1.0, Apache-2.0 or MPL-1.1 add terms GPL-2.0 does not allow; the kernel accepts code under ' +
      'them only as an alternative to the GPL (LICENSES/dual). Code that leaves no choice but the GPL and ' +
      'code that leaves no GPL-2.0-compatible choice in the same unit cannot both be honoured. Licences ' +
      'gplcheck does not classify are never reported.',
    references: [REF_COPYING, REF_LICENSE_RULES, REF_SPDX],
  },
  check({ model, report }) {
    for (const unit of model.units) {
      const files = sourceFiles(model, unit);
      const licenses = fileLicenses(files);
      const gpl = licenses.filter((l) => requiresGpl(l.node));
      if (gpl.length === 0) continue;
      for (const fl of licenses) {
        if (gpl2Class(fl.node) !== 'incompatible') continue;
        const ids = incompatibleIds(fl.node).join(', ');
        const anchors = gpl.filter((g) => g.file !== fl.file);
        const message =
          anchors.length === 0
            ? `${fl.file} is under "${fl.expression}": it requires the GPL and ${ids} at once, which cannot both be honoured in one GPL-2.0-only work`
            : `${unit.id} combines code that leaves no choice but the GPL (${listNames(anchors.map((a) => `${a.file} "${a.expression}"`), 3)}) ` +
              `with ${fl.file} under "${fl.expression}": ${ids} cannot be combined with GPL-2.0-only code in one module`;
        report({
          unit: unit.id,
          message,
          locations: [fl.location, ...anchors.slice(0, 3).map((a) => a.location)],
        });
      }
    }
  },
};
export default rule;
