/**
 * Which lines of a header a given kernel configuration compiles: `#if`/`#ifdef`/`#elif`/`#else`
 * evaluated against the build's `include/generated/autoconf.h`, three-valued.
 *
 * - `CONFIG_*` names are known exactly: autoconf.h defines every enabled option (`=m` as
 *   `CONFIG_X_MODULE`), so one it does not define is undefined (0 in `#if`).
 * - A few predefined names are known for an x86-64 module build: `__KERNEL__`, `MODULE`,
 *   `__x86_64__`, `__GNUC__` defined; `__ASSEMBLY__`, `__CHECKER__`, `__clang__`, `__i386__`,
 *   `__GENKSYMS__`, `__cplusplus` undefined.
 * - Any other name (include guards, `HAVE_ARCH_*`, `BITS_PER_LONG`) is unknown: both branches
 *   stay. A line is dead only when some enclosing condition is false for certain.
 */

export type Config = ReadonlyMap<string, string>;

/** `#define CONFIG_X value` lines of an autoconf.h. */
export function parseAutoconf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /^#define[ \t]+(CONFIG_\w+)[ \t]+(.*?)[ \t]*$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.set(m[1], m[2]);
  return out;
}

const DEFINED: ReadonlyMap<string, number> = new Map([
  ['__KERNEL__', 1],
  ['MODULE', 1],
  ['__x86_64__', 1],
  ['__GNUC__', NaN], // defined, value unknown
]);
const UNDEFINED = new Set(['__ASSEMBLY__', '__CHECKER__', '__clang__', '__i386__', '__GENKSYMS__', '__cplusplus', '__DISABLE_EXPORTS']);

type Tri = number | undefined; // undefined: unknown

function isDefined(name: string, cfg: Config): boolean | undefined {
  if (name.startsWith('CONFIG_')) return cfg.has(name);
  if (DEFINED.has(name)) return true;
  if (UNDEFINED.has(name)) return false;
  return undefined;
}

function valueOf(name: string, cfg: Config): Tri {
  if (name.startsWith('CONFIG_')) {
    const v = cfg.get(name);
    if (v === undefined) return 0;
    const n = parseCNumber(v);
    return n === undefined ? undefined : n;
  }
  if (DEFINED.has(name)) {
    const v = DEFINED.get(name)!;
    return Number.isNaN(v) ? undefined : v;
  }
  if (UNDEFINED.has(name)) return 0;
  return undefined;
}

function parseCNumber(t: string): number | undefined {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)[uUlL]*$/.exec(t.trim());
  if (!m) return undefined;
  const s = m[1];
  if (/^0[xX]/.test(s)) return parseInt(s, 16);
  if (s.length > 1 && s[0] === '0') return parseInt(s, 8);
  return parseInt(s, 10);
}

const TOKEN = /\s*(?:([A-Za-z_]\w*)|(0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*)|('(?:[^'\\]|\\.)*')|(\|\||&&|==|!=|<=|>=|<<|>>|[-+*/%<>!~&|^?:(),]))/y;

/** Evaluates a `#if` expression: a number, or undefined when it depends on something unknown. */
export function evalCondition(expr: string, cfg: Config): Tri {
  const text = expr.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/g, ' ');
  const toks: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) return undefined; // something we do not read: unknown
    toks.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
    pos = TOKEN.lastIndex;
  }
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const fail = Symbol('fail');

  const primary = (): Tri => {
    const t = next();
    if (t === undefined) throw fail;
    if (t === '(') {
      const v = ternary();
      if (next() !== ')') throw fail;
      return v;
    }
    if (t === '!') {
      const v = primary();
      return v === undefined ? undefined : v ? 0 : 1;
    }
    if (t === '-') {
      const v = primary();
      return v === undefined ? undefined : -v;
    }
    if (t === '+') return primary();
    if (t === '~') {
      const v = primary();
      return v === undefined ? undefined : ~v;
    }
    if (/^\d/.test(t)) return parseCNumber(t);
    if (t.startsWith("'")) return undefined;
    if (t === 'defined') {
      let name = next();
      let paren = false;
      if (name === '(') {
        paren = true;
        name = next();
      }
      if (!name || !/^[A-Za-z_]/.test(name)) throw fail;
      if (paren && next() !== ')') throw fail;
      const d = isDefined(name, cfg);
      return d === undefined ? undefined : d ? 1 : 0;
    }
    if (/^[A-Za-z_]/.test(t)) {
      if (peek() === '(') {
        // function-like macro: the kconfig helpers are known, anything else is unknown
        next();
        const args: string[][] = [[]];
        let depth = 1;
        for (;;) {
          const a = next();
          if (a === undefined) throw fail;
          if (a === '(') depth++;
          else if (a === ')' && --depth === 0) break;
          else if (a === ',' && depth === 1) {
            args.push([]);
            continue;
          }
          args[args.length - 1].push(a);
        }
        const opt = args.length === 1 && args[0].length === 1 ? args[0][0] : undefined;
        if (opt && opt.startsWith('CONFIG_')) {
          const y = cfg.has(opt);
          const m = cfg.has(`${opt}_MODULE`);
          switch (t) {
            case 'IS_ENABLED':
            case 'IS_REACHABLE': // MODULE is defined: a module reaches both =y and =m
              return y || m ? 1 : 0;
            case 'IS_BUILTIN':
              return y ? 1 : 0;
            case 'IS_MODULE':
              return m ? 1 : 0;
            case '__is_defined':
              return y ? 1 : 0;
          }
        }
        return undefined;
      }
      return valueOf(t, cfg);
    }
    throw fail;
  };

  const binary = (ops: string[], sub: () => Tri, apply: (op: string, a: number, b: number) => number): (() => Tri) => () => {
    let a = sub();
    while (peek() !== undefined && ops.includes(peek()!)) {
      const op = next();
      const b = sub();
      a = a === undefined || b === undefined ? undefined : apply(op, a, b);
    }
    return a;
  };
  const mul = binary(['*', '/', '%'], primary, (op, a, b) => (op === '*' ? a * b : b === 0 ? 0 : op === '/' ? Math.trunc(a / b) : a % b));
  const add = binary(['+', '-'], mul, (op, a, b) => (op === '+' ? a + b : a - b));
  const shift = binary(['<<', '>>'], add, (op, a, b) => (op === '<<' ? a * 2 ** b : Math.floor(a / 2 ** b)));
  const rel = binary(['<', '>', '<=', '>='], shift, (op, a, b) => +(op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b));
  const eq = binary(['==', '!='], rel, (op, a, b) => +(op === '==' ? a === b : a !== b));
  const band = binary(['&'], eq, (_op, a, b) => a & b);
  const bxor = binary(['^'], band, (_op, a, b) => a ^ b);
  const bor = binary(['|'], bxor, (_op, a, b) => a | b);
  // && and || are decided by one side when the other is unknown
  const and = (): Tri => {
    let a = bor();
    while (peek() === '&&') {
      next();
      const b = bor();
      a = a === 0 || b === 0 ? 0 : a === undefined || b === undefined ? undefined : 1;
    }
    return a;
  };
  const or = (): Tri => {
    let a = and();
    while (peek() === '||') {
      next();
      const b = and();
      a = (a !== undefined && a !== 0) || (b !== undefined && b !== 0) ? 1 : a === undefined || b === undefined ? undefined : 0;
    }
    return a;
  };
  function ternary(): Tri {
    const c = or();
    if (peek() !== '?') return c;
    next();
    const a = ternary();
    if (next() !== ':') throw fail;
    const b = ternary();
    return c === undefined ? (a === b ? a : undefined) : c ? a : b;
  }
  try {
    const v = ternary();
    return i === toks.length ? v : undefined;
  } catch (e) {
    if (e === fail) return undefined;
    throw e;
  }
}

interface Frame {
  /** The enclosing frames leave this one's lines dead. */
  outerDead: boolean;
  /** Some earlier branch was true for certain. */
  doneTrue: boolean;
  /** The current branch is false for certain (or an earlier one was true). */
  dead: boolean;
}

/**
 * Per line (index 0 = line 1): true when the configuration certainly does not compile it.
 * Directive lines themselves are never dead. Block comments are skipped when looking for
 * directives; backslash-continued directives are joined.
 */
export function deadLines(text: string, cfg: Config): boolean[] {
  const lines = text.split('\n');
  const dead = new Array<boolean>(lines.length).fill(false);
  const stack: Frame[] = [];
  let inComment = false;
  const isDead = () => stack.length > 0 && (stack[stack.length - 1].outerDead || stack[stack.length - 1].dead);
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n];
    const startInComment = inComment;
    // track block comments (crude: strings containing /* are rare in headers)
    let k = 0;
    for (;;) {
      if (inComment) {
        const e = line.indexOf('*/', k);
        if (e < 0) break;
        inComment = false;
        k = e + 2;
      } else {
        const s = line.indexOf('/*', k);
        const sl = line.indexOf('//', k);
        if (s < 0 || (sl >= 0 && sl < s)) break;
        inComment = true;
        k = s + 2;
      }
    }
    const m = startInComment ? null : /^\s*#\s*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b(.*)$/.exec(line);
    if (!m) {
      dead[n] = isDead();
      continue;
    }
    // join continuation lines of the directive
    let arg = m[2];
    while (line.endsWith('\\') && n + 1 < lines.length) {
      arg = arg.slice(0, -1) + ' ' + lines[n + 1];
      line = lines[++n];
    }
    const kind = m[1];
    const cond = (): Tri => {
      const a = arg.replace(/\/\*.*?\*\/|\/\/.*$|\/\*.*$/g, ' ').trim();
      if (kind === 'ifdef' || kind === 'elifdef' || kind === 'ifndef' || kind === 'elifndef') {
        const name = /^[A-Za-z_]\w*/.exec(a)?.[0];
        const d = name ? isDefined(name, cfg) : undefined;
        if (d === undefined) return undefined;
        return kind.endsWith('ndef') ? (d ? 0 : 1) : d ? 1 : 0;
      }
      return evalCondition(a, cfg);
    };
    if (kind === 'if' || kind === 'ifdef' || kind === 'ifndef') {
      const outerDead = isDead();
      const v = outerDead ? undefined : cond();
      stack.push({ outerDead, doneTrue: v !== undefined && v !== 0, dead: v === 0 });
    } else if (kind === 'elif' || kind === 'elifdef' || kind === 'elifndef') {
      const f = stack[stack.length - 1];
      if (!f) continue;
      if (f.doneTrue) f.dead = true;
      else {
        const v = cond();
        f.dead = v === 0;
        if (v !== undefined && v !== 0) f.doneTrue = true;
      }
    } else if (kind === 'else') {
      const f = stack[stack.length - 1];
      if (f) f.dead = f.doneTrue;
    } else {
      stack.pop();
    }
  }
  return dead;
}
