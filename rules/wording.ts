/** Small helpers that keep the messages of the rules and the risk rationales alike. */
import type { ReferenceSite } from '../analyzers/facts';

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "a, b and c"; more than `max` names end with "and N more". */
export function listNames(names: readonly string[], max = 6): string {
  if (names.length === 0) return '';
  if (names.length > max) return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
  if (names.length === 1) return names[0];
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** "3 places in the source, 2 in the binary" (sites seen in both are counted on each side). */
export function siteSummary(sites: readonly ReferenceSite[]): string {
  const src = sites.filter((s) => s.location.line !== undefined).length;
  const bin = sites.length - src;
  if (src && bin) return `${plural(src, 'place')} in the source, ${bin} in the binary`;
  if (src) return `${plural(src, 'place')} in the source`;
  return `${plural(bin, 'place')} in the binary`;
}

export function quoted(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}
