/**
 * analyzeKconfig: a Kconfig file -> BuildFacts with `configOptions` (no modules).
 *
 * Only what decides whether `obj-$(CONFIG_X)` can be a loadable module: every `config X` /
 * `menuconfig X` entry and its type. A `bool` option builds its objects into the kernel image
 * (y or n, never m); a `tristate` one may build them as modules. Read: logical lines (backslash
 * continuations joined, `#` comments dropped outside quotes); an entry runs from its `config`
 * line to the next entry keyword; the type is the first of `bool`, `tristate`, `def_bool`,
 * `def_tristate`, `string`, `int`, `hex` (`boolean` is the old spelling of `bool`).
 */
import type { BuildFacts, ConfigOption, Location } from '../facts';

const ENTRY = /^\s*(?:config|menuconfig)\s+([A-Za-z0-9_]+)\s*$/;
const ENDS_ENTRY = /^\s*(?:config|menuconfig|choice|endchoice|comment|menu|endmenu|if|endif|source|rsource|osource|orsource|mainmenu)\b/;
const HELP = /^\s*(?:help|---help---)\s*$/;
const TYPE = /^\s*(bool|boolean|tristate|def_bool|def_tristate|string|int|hex)\b/;

/** Is this the name of a Kconfig file (`Kconfig`, `Kconfig.debug`, ...)? */
export function isKconfigName(base: string): boolean {
  return base === 'Kconfig' || base.startsWith('Kconfig.');
}

function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#') return line.slice(0, i);
  }
  return line;
}

export function analyzeKconfig(path: string, text: string): BuildFacts {
  const options: ConfigOption[] = [];
  const lines = text.split('\n');
  let current: { name: string; location: Location } | null = null;
  let typed = false;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    let l = lines[i];
    while (l.endsWith('\\') && i + 1 < lines.length) l = l.slice(0, -1) + lines[++i];
    l = stripComment(l);
    const entry = ENTRY.exec(l);
    if (entry) {
      current = { name: entry[1], location: { path, line: n } };
      typed = false;
      continue;
    }
    if (ENDS_ENTRY.test(l) || HELP.test(l)) {
      // (a type comes before the help text, whose free text is not read)
      current = null;
      continue;
    }
    if (!current || typed) continue;
    const t = TYPE.exec(l);
    if (!t) continue;
    const word = t[1];
    const type: ConfigOption['type'] =
      word === 'bool' || word === 'boolean' || word === 'def_bool' ? 'bool' : word === 'tristate' || word === 'def_tristate' ? 'tristate' : (word as ConfigOption['type']);
    options.push({ name: current.name, type, location: current.location });
    typed = true;
  }
  return { analyzer: 'kbuild', path, modules: [], userspacePrograms: [], configOptions: options, warnings: [] };
}
