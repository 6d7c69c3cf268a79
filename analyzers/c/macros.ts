/**
 * Following function-like macros to what they call.
 *
 * Design:
 * - Every `#define` of a scanned file becomes a CMacro whose `calls` are the names its body
 *   calls (`name(` tokens; parameters, member calls, token-pasted and stringified names, keywords
 *   and the non-call list excluded).
 * - A call of a function-like macro `m(...)` keeps its own record (callee `m`, no viaMacros) and
 *   adds one record per name the macro's body calls, at the same site, with
 *   `site.viaMacros = ['m']`; transitively (`['m', 'inner']`), without cycles, to a depth of 16.
 *   A name equal to a macro already on the chain is not followed again (C does not re-expand it).
 * - A use of an object-like macro whose body calls (`#define current get_current()`) as a value
 *   adds those calls the same way, within the file that uses it.
 * - analyzeC applies the file's own macros. expandMacroCalls applies the macros of the whole
 *   group (a module's .c files and their local headers): calls of a macro defined in another file
 *   of the group get their expansions too. Idempotent.
 * Not followed: a macro parameter that is called (`#define CALL(f, x) f(x)` at `CALL(kfree, p)`),
 * and functions that macro bodies use as values.
 */
import type { CCall, CFileFacts, CMacro } from '../facts';
import { scanCallTokens } from './text';

const MAX_DEPTH = 16;

/** Names a macro body calls, in order of first appearance. */
export function macroBodyCalls(body: string, params?: string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>(params ?? []);
  scanCallTokens(body, 0, body.length, (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    out.push(name);
  });
  return out;
}

/** Look-up of a macro name to the names its body calls (undefined: not a macro). */
export type MacroLookup = (name: string) => readonly string[] | undefined;

/**
 * Expansions of one call site through macros. `first` is the macro name at the site; `site` the
 * original site. Returns the added records only.
 */
export function expandSite(first: string, site: CCall['site'], lookup: MacroLookup): CCall[] {
  const out: CCall[] = [];
  const added = new Set<string>();
  const walk = (name: string, chain: string[]): void => {
    const calls = lookup(name);
    if (!calls || chain.length > MAX_DEPTH) return;
    for (const callee of calls) {
      if (chain.includes(callee) || added.has(callee)) continue;
      added.add(callee);
      out.push({ callee, site: { ...site, location: { ...site.location }, viaMacros: chain.slice() } });
      if (lookup(callee)) walk(callee, [...chain, callee]);
    }
  };
  walk(first, [first]);
  return out;
}

function callKey(c: CCall): string {
  const l = c.site.location;
  return `${c.callee}\u0000${l.line}:${l.column}\u0000${(c.site.viaMacros ?? []).join(',')}`;
}

/** Function-like macros of a list of CMacro as a look-up (several definitions are merged). */
export function functionMacroTable(macros: Iterable<CMacro>): Map<string, string[]> {
  const table = new Map<string, string[]>();
  for (const m of macros) {
    if (!m.params) continue;
    const prev = table.get(m.name);
    if (!prev) table.set(m.name, m.calls.slice());
    else for (const c of m.calls) if (!prev.includes(c)) prev.push(c);
  }
  return table;
}

/**
 * Apply the function-like macros of every file of a group to the calls of every other file
 * (the file's own macros were applied by analyzeC). Returns new fact objects; idempotent.
 */
export function expandMacroCalls(files: CFileFacts[]): CFileFacts[] {
  const all: CMacro[] = [];
  for (const f of files) for (const m of f.macros) all.push(m);
  const group = functionMacroTable(all);
  if (group.size === 0) return files.slice();
  return files.map((f) => {
    const local = functionMacroTable(f.macros);
    const lookup: MacroLookup = (name) => local.get(name) ?? group.get(name);
    const keys = new Set(f.calls.map(callKey));
    const out: CCall[] = [];
    let changed = false;
    for (const c of f.calls) {
      out.push(c);
      if (c.site.viaMacros || local.has(c.callee) || !group.has(c.callee)) continue;
      for (const e of expandSite(c.callee, c.site, lookup)) {
        const k = callKey(e);
        if (keys.has(k)) continue;
        keys.add(k);
        out.push(e);
        changed = true;
      }
    }
    return changed ? { ...f, calls: out } : f;
  });
}
