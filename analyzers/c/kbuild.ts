/**
 * analyzeKbuild: a Kbuild file or Makefile -> BuildFacts.
 *
 * Read: logical lines (backslash continuations joined, `#` comments dropped), variable
 * assignments with `=`, `:=`, `::=`, `?=`, `+=` (optionally after `export`/`override`), and
 * rules (`target: prerequisites` followed by tab-indented recipe lines).
 * Expanded: `$(VAR)`, `${VAR}`, `$V` and substitution references `$(VAR:.c=.o)` for variables
 * assigned in the same file (in file order; `=` and `:=` treated alike), plus `$(addprefix)`,
 * `$(addsuffix)`, `$(patsubst)`, `$(subst)`, `$(notdir)`, `$(basename)`, `$(strip)`. Other
 * functions and unknown variables stay as written. `ifeq`/`ifdef` blocks: every branch is read.
 *
 * Kbuild: `obj-m`, `obj-y`, `obj-$(CONFIG_X)` name objects; a composite object `foo.o` takes its
 * parts from `foo-objs`, `foo-y` and `foo-$(CONFIG_X)`; otherwise its part is `foo.o` itself.
 * `obj-$(CONFIG_X)` counts as `obj-m` (buildable as a module) and keeps the option in `config`.
 * Subdirectory entries (`obj-y += dir/`) are not modules. `-I` options in `ccflags-y`,
 * `EXTRA_CFLAGS`, `subdir-ccflags-y` are kept as include directories.
 *
 * Userspace: a Makefile without kbuild variables whose rule builds a program: a target (not a
 * pattern, not `.PHONY`/`all`/`clean`/...) with a recipe running a C compiler or linker
 * (`$(CC)`, `gcc`, `cc`, `clang`, `$(LINK.c)`, `$(LD)`), or without recipe but with `.o`/`.c`
 * prerequisites (make's implicit link rule). Its `.c`/`.o` prerequisites become its objects.
 */
import type { BuildFacts, Location, ReadError } from '../facts';

type Module = BuildFacts['modules'][number];
type Program = BuildFacts['userspacePrograms'][number];

interface LogicalLine {
  text: string;
  line: number;
  recipe: boolean;
}

const RULE_RE = /^([^\t:=#][^:=#]*?)\s*::?(?!=)\s*(.*)$/;
const NOT_PROGRAMS = new Set(['all', 'clean', 'distclean', 'mrproper', 'install', 'uninstall', 'check', 'test', 'tests', 'run', 'help', 'default', 'FORCE', 'modules', 'modules_install', 'depend', 'dep', 'tags', 'TAGS', 'dist']);
const COMPILER_RE = /\$[({](?:CC|CXX|LD|LINK\.[co]|LINK\.cc|HOSTCC)[)}]|(?:^|[\s;&|])(?:\S*-)?(?:gcc|g\+\+|cc|clang|clang\+\+|c\+\+|ld)(?:-\d+)?(?=\s|$)/;

/** `NAME op value` (op one of = := ::= += ?= !=), or null for rules and other lines. */
function assignmentOf(t: string): { name: string; op: string; value: string } | null {
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (ch === '$' && (t[i + 1] === '(' || t[i + 1] === '{')) {
      depth++;
      i++;
      continue;
    }
    if (depth > 0) {
      if (ch === '(' || ch === '{') depth++;
      else if (ch === ')' || ch === '}') depth--;
      continue;
    }
    if (ch === '=') {
      let opStart = i;
      while (opStart > 0 && ':+?!'.includes(t[opStart - 1]) && i - opStart < 2) opStart--;
      const op = t.slice(opStart, i + 1);
      const name = t.slice(0, opStart).trim().replace(/^(?:(?:export|override)\s+)+/, '');
      if (!name || /\s/.test(name.replace(/\$[({][^)}]*[)}]/g, ''))) return null;
      return { name, op, value: t.slice(i + 1).trim() };
    }
    if (ch === ':') {
      if (t[i + 1] === '=' || (t[i + 1] === ':' && t[i + 2] === '=')) continue;
      return null;
    }
  }
  return null;
}

function logicalLines(text: string): LogicalLine[] {
  const raw = text.split(/\r?\n/);
  const out: LogicalLine[] = [];
  let i = 0;
  while (i < raw.length) {
    const first = i;
    let s = raw[i];
    while (/(^|[^\\])(\\\\)*\\$/.test(s) && i + 1 < raw.length) {
      s = s.slice(0, -1) + ' ' + raw[i + 1].replace(/^\s+/, '');
      i++;
    }
    i++;
    const recipe = s.startsWith('\t');
    out.push({ text: recipe ? s : stripComment(s), line: first + 1, recipe });
  }
  return out;
}

function stripComment(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '#' && (i === 0 || s[i - 1] !== '\\')) return s.slice(0, i);
  }
  return s;
}

/** Find the `)`/`}` closing a `$(`/`${` whose opening bracket is at `open`. */
function closeOf(s: string, open: number): number {
  const o = s[open];
  const c = o === '(' ? ')' : '}';
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === o) depth++;
    else if (s[i] === c) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function splitTopComma(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '(' || ch === '{') depth++;
    else if (ch === ')' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

function words(s: string): string[] {
  return s.split(/\s+/).filter(Boolean);
}

function patsubst(pattern: string, replacement: string, word: string): string {
  const pi = pattern.indexOf('%');
  if (pi === -1) return word === pattern ? replacement : word;
  const pre = pattern.slice(0, pi);
  const post = pattern.slice(pi + 1);
  if (word.length < pre.length + post.length || !word.startsWith(pre) || !word.endsWith(post)) return word;
  const stem = word.slice(pre.length, word.length - post.length);
  return replacement.includes('%') ? replacement.replace('%', stem) : replacement;
}

class Vars {
  private readonly values = new Map<string, string>();

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  set(name: string, op: string, value: string): void {
    if (op === '+=') {
      const prev = this.values.get(name);
      this.values.set(name, prev ? `${prev} ${value}` : value);
    } else if (op === '?=') {
      if (!this.values.has(name)) this.values.set(name, value);
    } else if (op !== '!=') {
      this.values.set(name, value);
    }
  }

  expand(s: string, depth = 0): string {
    if (depth > 16 || !s.includes('$')) return s;
    let out = '';
    let i = 0;
    while (i < s.length) {
      const d = s.indexOf('$', i);
      if (d === -1) {
        out += s.slice(i);
        break;
      }
      out += s.slice(i, d);
      const n = s[d + 1];
      if (n === '$') {
        out += '$$';
        i = d + 2;
        continue;
      }
      if (n === '(' || n === '{') {
        const close = closeOf(s, d + 1);
        if (close === -1) {
          out += s.slice(d);
          break;
        }
        const inner = s.slice(d + 2, close);
        out += this.reference(inner, s.slice(d, close + 1), depth);
        i = close + 1;
        continue;
      }
      if (n && /[A-Za-z_@<^*?%]/.test(n)) {
        const v = this.values.get(n);
        out += v !== undefined ? this.expand(v, depth + 1) : s.slice(d, d + 2);
        i = d + 2;
        continue;
      }
      out += '$';
      i = d + 1;
    }
    return out;
  }

  private reference(inner: string, whole: string, depth: number): string {
    const fm = /^([a-z]+)\s+([\s\S]*)$/.exec(inner);
    if (fm) {
      const args = splitTopComma(fm[2]).map((a) => this.expand(a, depth + 1));
      switch (fm[1]) {
        case 'addprefix':
          return words(args[1] ?? '').map((w) => args[0].trim() + w).join(' ');
        case 'addsuffix':
          return words(args[1] ?? '').map((w) => w + args[0].trim()).join(' ');
        case 'patsubst':
          return words(args[2] ?? '').map((w) => patsubst(args[0].trim(), args[1].trim(), w)).join(' ');
        case 'subst':
          return (args[2] ?? '').split(args[0]).join(args[1] ?? '');
        case 'notdir':
          return words(args[0]).map((w) => w.slice(w.lastIndexOf('/') + 1)).join(' ');
        case 'basename':
          return words(args[0]).map((w) => w.replace(/\.[^./]*$/, '')).join(' ');
        case 'strip':
          return words(args[0]).join(' ');
        default:
          return whole;
      }
    }
    // substitution reference $(VAR:a=b)
    const sm = /^([^:=\s]+):([^=]*)=(.*)$/.exec(inner);
    if (sm) {
      const v = this.values.get(sm[1]);
      if (v === undefined) return whole;
      const from = sm[2].includes('%') ? sm[2] : `%${sm[2]}`;
      const to = sm[2].includes('%') ? sm[3] : `%${sm[3]}`;
      return words(this.expand(v, depth + 1))
        .map((w) => patsubst(from, to, w))
        .join(' ');
    }
    const name = this.expand(inner, depth + 1);
    const v = this.values.get(name);
    return v !== undefined ? this.expand(v, depth + 1) : whole;
  }
}

export function analyzeKbuild(path: string, text: string): BuildFacts {
  const warnings: ReadError[] = [];
  const vars = new Vars();
  const lines = logicalLines(text);
  const loc = (line: number): Location => ({ path, line, column: 1 });

  /** obj-* entries in order: object, kind, config, line. */
  const objEntries: { object: string; kind: 'obj-m' | 'obj-y'; config?: string; line: number }[] = [];
  /** composite parts: module name -> parts (with the line they were added on). */
  const parts = new Map<string, { object: string; line: number }[]>();
  const includeDirs: string[] = [];
  let kbuildVars = false;

  interface Rule {
    targets: string[];
    prereqs: string[];
    line: number;
    recipe: string[];
  }
  const rules: Rule[] = [];
  let current: Rule | null = null;
  const phony = new Set<string>();

  for (const l of lines) {
    if (l.recipe) {
      if (current) current.recipe.push(l.text.trim());
      if (/\bM=|\bSUBDIRS=|KERNELRELEASE/.test(l.text)) kbuildVars = true;
      continue;
    }
    const t = l.text.trim();
    if (t === '') continue;
    if (/^(ifeq|ifneq|ifdef|ifndef|else|endif|include|-include|sinclude|define|endef|export|unexport|vpath)\b/.test(t)) {
      if (/KERNELRELEASE/.test(t)) kbuildVars = true;
      const ex = /^export\s+(\S+)\s*$/.exec(t);
      if (!ex) {
        current = null;
        continue;
      }
    }
    const am = assignmentOf(t);
    if (am) {
      current = null;
      const name = vars.expand(am.name);
      const op = am.op;
      const rawValue = am.value;
      const value = vars.expand(rawValue);
      vars.set(name, op, op === ':=' || op === '::=' ? value : rawValue);
      const objm = /^obj-(m|y|\$\((CONFIG_\w+)\)|\$\{(CONFIG_\w+)\}|)$/.exec(name);
      if (objm) {
        kbuildVars = true;
        const config = objm[2] ?? objm[3];
        const kind: 'obj-m' | 'obj-y' = objm[1] === 'y' ? 'obj-y' : 'obj-m';
        if (objm[1] === '') continue; // `obj-` (an unset option): not built
        for (const w of words(value)) {
          if (w.endsWith('/')) continue;
          objEntries.push({ object: w, kind, config, line: l.line });
        }
        continue;
      }
      const comp = /^(.+)-(objs|y|m|\$\((CONFIG_\w+)\)|\$\{(CONFIG_\w+)\})$/.exec(name);
      if (comp && comp[1] !== 'obj' && !/^(ccflags|cflags|asflags|ldflags|subdir-ccflags|subdir|lib|always|extra|targets|hostprogs|userprogs|clean-files|header-test|mandatory-y|generic-y|generated-y)$/.test(comp[1])) {
        kbuildVars = true;
        const list = parts.get(comp[1]) ?? [];
        for (const w of words(value)) list.push({ object: w, line: l.line });
        parts.set(comp[1], list);
        continue;
      }
      if (/^(ccflags-y|ccflags-m|EXTRA_CFLAGS|subdir-ccflags-y|KBUILD_CFLAGS|CFLAGS_\w+\.o)$/.test(name)) {
        kbuildVars = true;
        const re = /-I\s*(\S+)/g;
        let m: RegExpExecArray | null;
        while ((m = re.exec(value)) !== null) {
          const dir = m[1].replace(/^\$\((src|obj)\)\/?/, '').replace(/^\$\((srctree)\)\//, '/');
          if (!includeDirs.includes(dir)) includeDirs.push(dir === '' ? '.' : dir);
        }
      }
      if (/^(KBUILD_EXTRA_SYMBOLS|MODULE_NAME)$/.test(name)) kbuildVars = true;
      continue;
    }
    const rm = RULE_RE.exec(t);
    if (rm) {
      const targets = words(vars.expand(rm[1]));
      let rest = rm[2];
      let inlineRecipe: string | undefined;
      const semi = rest.indexOf(';');
      if (semi !== -1) {
        inlineRecipe = rest.slice(semi + 1).trim();
        rest = rest.slice(0, semi);
      }
      const prereqs = words(vars.expand(rest));
      if (targets.includes('.PHONY')) {
        for (const p of prereqs) phony.add(p);
        current = null;
        continue;
      }
      current = { targets, prereqs, line: l.line, recipe: inlineRecipe ? [inlineRecipe] : [] };
      rules.push(current);
      continue;
    }
    current = null;
  }

  // ---- kbuild modules
  const modules: Module[] = [];
  const byName = new Map<string, Module>();
  for (const e of objEntries) {
    if (!e.object.endsWith('.o')) continue;
    const slash = e.object.lastIndexOf('/');
    const dir = slash === -1 ? '' : e.object.slice(0, slash + 1);
    const name = e.object.slice(slash + 1, -2);
    if (byName.has(dir + name)) continue;
    const composite = parts.get(name) ?? parts.get(dir + name);
    const objects = composite ? [...new Set(composite.map((p) => dir + p.object).filter((o) => o.endsWith('.o') || o.endsWith('/')))] : [e.object];
    const m: Module = { name, objects: objects.filter((o) => !o.endsWith('/')), kind: e.kind, location: loc(e.line) };
    if (e.config) m.config = e.config;
    byName.set(dir + name, m);
    modules.push(m);
  }

  // ---- userspace programs
  const userspacePrograms: Program[] = [];
  if (!kbuildVars) {
    for (const r of rules) {
      const compiles = r.recipe.some((x) => COMPILER_RE.test(vars.expand(x)));
      const objPrereqs = r.prereqs.filter((p) => /\.(o|c)$/.test(p));
      for (const target of r.targets) {
        if (target.includes('%') || target.startsWith('.') || NOT_PROGRAMS.has(target) || phony.has(target)) continue;
        if (/\.(o|a|d|h|c|i|s|S|lo)$/.test(target) || target.includes('$')) continue;
        const links = compiles ? r.recipe.some((x) => /-o\s*(\$@|\S*\b)/.test(x) && !/\s-c(\s|$)/.test(vars.expand(x))) || objPrereqs.length > 0 : r.recipe.length === 0 && objPrereqs.length > 0;
        if (!links) continue;
        const p: Program = { name: target, location: loc(r.line) };
        if (objPrereqs.length > 0) p.objects = objPrereqs.map((o) => o.replace(/\.c$/, '.o'));
        userspacePrograms.push(p);
      }
    }
  }

  const facts: BuildFacts = { analyzer: 'kbuild', path, modules, userspacePrograms, warnings };
  if (includeDirs.length > 0) facts.includeDirs = includeDirs;
  return facts;
}
