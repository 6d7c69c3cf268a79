/**
 * SPDX-License-Identifier expressions: parsed with spdx-expression-parse. An expression that does
 * not parse keeps its error; identifiers that are not on the SPDX licence or exception lists
 * (spdx-license-ids, its deprecated list, spdx-exceptions) are named in the error.
 * `LicenseRef-...` / `DocumentRef-...:LicenseRef-...` are valid user-defined references.
 */
const parseExpression = require('spdx-expression-parse') as (source: string) => unknown;
const LICENSE_IDS = new Set<string>([...require('spdx-license-ids'), ...require('spdx-license-ids/deprecated')]);
const EXCEPTION_IDS = new Set<string>(require('spdx-exceptions'));

const OPERATORS = new Set(['AND', 'OR', 'WITH']);

export interface SpdxCheck {
  parsed?: unknown;
  error?: string;
}

/** Identifiers in an expression that are neither known licences, exceptions nor references. */
export function unknownSpdxIds(expression: string): string[] {
  const unknown: string[] = [];
  for (const token of expression.split(/[\s()]+/)) {
    if (!token) continue;
    if (OPERATORS.has(token.toUpperCase())) continue;
    const id = token.endsWith('+') ? token.slice(0, -1) : token;
    if (/^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/.test(id)) continue;
    if (LICENSE_IDS.has(id) || EXCEPTION_IDS.has(id) || LICENSE_IDS.has(token)) continue;
    unknown.push(token);
  }
  return unknown;
}

export function checkSpdx(expression: string): SpdxCheck {
  if (expression === '') return { error: 'empty SPDX-License-Identifier' };
  try {
    return { parsed: parseExpression(expression) };
  } catch (e) {
    const unknown = unknownSpdxIds(expression);
    const message = e instanceof Error ? e.message : String(e);
    if (unknown.length > 0) {
      return { error: `unknown SPDX identifier${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}` };
    }
    // the parser reports a dangling operator by failing on a null token
    return { error: `invalid SPDX expression: ${e instanceof TypeError ? 'incomplete expression' : message}` };
  }
}
