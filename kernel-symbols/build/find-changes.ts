/**
 * Lists the exports whose GPL-ness, presence or namespace changed between the shipped
 * databases (or the ones named on the command line), grouped by kind of change.
 *   node dist/kernel-symbols/build/find-changes.js [--limit N] [--symbol S]... [NAME...]
 * With --symbol, prints just those symbols' histories. Used to pick the real examples the
 * history tests check; compile with `npx tsc -p kernel-symbols/build/tsconfig.json`.
 */
import { KnowledgeBase, describeHistory, type SymbolHistory } from '../history';

function main(): void {
  const argv = process.argv.slice(2);
  let limit = 15;
  const names: string[] = [];
  const symbols: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--limit') limit = Number(argv[++i]);
    else if (argv[i] === '--symbol') symbols.push(argv[++i]);
    else names.push(argv[i]);
  }
  const kb = KnowledgeBase.load({ databases: names.length ? names : 'shipped' });
  console.log(`databases: ${kb.names.join(', ')}`);
  if (symbols.length) {
    for (const s of symbols) console.log(`${s}: ${describeHistory(kb.history(s))}`);
    return;
  }
  const groups = new Map<string, SymbolHistory[]>();
  for (const h of kb.changes()) {
    const sig = h.states.map((s) => s.status + (s.namespace ? `[${s.namespace}]` : '')).join(' -> ');
    const kind = h.states.map((s) => s.status).join(' -> ') + (h.namespaceChanged ? ' (namespace changed)' : '');
    void sig;
    let g = groups.get(kind);
    if (!g) groups.set(kind, (g = []));
    g.push(h);
  }
  const sorted = [...groups.entries()].sort((a, b) => b[1].length - a[1].length);
  for (const [kind, hs] of sorted) {
    console.log(`\n${kind}: ${hs.length}`);
    // vmlinux exports first: they are the ones out-of-tree code calls most.
    const pick = [...hs].sort((a, b) => vm(b) - vm(a)).slice(0, limit);
    for (const h of pick) {
      const mods = [...new Set(h.states.filter((s) => s.module).map((s) => s.module))].join(',');
      console.log(`  ${h.symbol.padEnd(40)} ${describeHistory(h)}  [${mods}]`);
    }
  }
}

function vm(h: SymbolHistory): number {
  return h.states.some((s) => s.module === 'vmlinux') ? 1 : 0;
}

main();
