import type { Rule } from './types';
import { REF_LICENSE_RULES, REF_SPDX } from './references';

/** An SPDX-License-Identifier line that does not parse, or names identifiers SPDX does not know. */
const rule: Rule = {
  meta: {
    id: 'invalid-spdx',
    defaultSeverity: 'warning',
    description: 'An SPDX-License-Identifier expression does not parse or names an unknown licence or exception.',
    rationale:
      'Documentation/process/license-rules.rst requires a valid SPDX expression on the first line of every ' +
      'kernel source file, with identifiers from the SPDX licence list (or LicenseRef- references). An ' +
      'expression that does not parse says nothing reliable about the licence of the file, so the licence ' +
      'checks cannot use it.',
    references: [REF_LICENSE_RULES, REF_SPDX],
  },
  check({ model, report }) {
    for (const unit of model.units) {
      for (const f of model.facts.get(unit.id) ?? []) {
        if (f.analyzer !== 'c') continue;
        for (const s of f.spdx) {
          if (!s.error) continue;
          report({
            unit: unit.id,
            message: `SPDX-License-Identifier "${s.expression}" in ${f.path}: ${s.error}`,
            locations: [s.location],
          });
        }
      }
    }
  },
};
export default rule;
