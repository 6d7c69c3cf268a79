/**
 * gplcheck.config.json: rule severities, rules off, licences declared for units that carry
 * none, third-party and ignored directories. Looked up in the current directory, or given with
 * `--config FILE`; validated against src/gplcheck-config.schema.json with messages that name the
 * file and the field. Paths in it are relative to the directory of the file.
 */
import Ajv, { type ErrorObject } from 'ajv';
import * as fs from 'fs';
import * as path from 'path';
import { RULES } from '../rules';
import type { RuleSettings } from '../rules';
import type { Severity } from '../rules/types';
import configSchema from './gplcheck-config.schema.json';

export const CONFIG_FILE_NAME = 'gplcheck.config.json';

export interface GplcheckConfig {
  rules?: Record<string, Severity | 'off'>;
  licenses?: Record<string, string>;
  thirdParty?: string[];
  ignore?: string[];
}

/** A configuration as read: the file it came from and its paths made absolute. */
export interface LoadedConfig {
  file: string;
  dir: string;
  config: GplcheckConfig;
  rules: RuleSettings;
  /** absolute paths */
  thirdParty: string[];
  ignore: string[];
  /** key as written -> license; `path` is set when the key names an existing file or directory */
  licenses: { key: string; license: string; path?: string }[];
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${file}: ${field ? `${field}: ` : ''}${problem}`);
    this.name = 'ConfigError';
  }
}

let validator: ReturnType<Ajv['compile']> | undefined;
function validate(data: unknown): ErrorObject[] {
  if (!validator) validator = new Ajv({ allErrors: true, strict: false }).compile(configSchema);
  return validator(data) ? [] : [...(validator.errors ?? [])];
}

/** JSON pointer of an ajv error as a readable field name: `rules["gpl-only-symbol"]`, `thirdParty[2]`. */
function fieldName(e: ErrorObject): string {
  const parts = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'additionalProperties') parts.push(String((e.params as { additionalProperty: string }).additionalProperty));
  if (e.keyword === 'propertyNames' && (e.params as { propertyName?: string }).propertyName !== undefined) {
    parts.push(String((e.params as { propertyName: string }).propertyName));
  }
  let out = '';
  for (const p of parts) {
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/** The value a JSON pointer points at. */
function valueAt(data: unknown, pointer: string): unknown {
  let v: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const k = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  }
  return v;
}

function typeWord(v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : typeof v;
}

function problem(e: ErrorObject, data: unknown): string {
  const value = valueAt(data, e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties':
      return 'unknown field (allowed: rules, licenses, thirdParty, ignore)';
    case 'enum':
      return `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}, not ${JSON.stringify(value)}`;
    case 'type': {
      const t = (e.params as { type: string }).type;
      return `must be ${t === 'array' ? 'an array' : t === 'object' ? 'an object' : `a ${t}`}, not ${typeWord(value)}`;
    }
    case 'uniqueItems':
      return 'lists the same entry twice';
    default:
      return e.message ?? 'is not valid';
  }
}

/**
 * Parses and checks the text of a configuration file; throws ConfigError naming the file and
 * field. `file` is the name shown in messages; `dir` the directory its paths are relative to.
 */
export function parseConfig(text: string, file: string, dir = path.dirname(path.resolve(file))): LoadedConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, '', `not valid JSON (${(e as Error).message})`);
  }
  const errors = validate(data);
  if (errors.length) {
    // the most specific error first; one message per field
    const seen = new Set<string>();
    const lines: string[] = [];
    for (const e of errors) {
      if (e.keyword === 'propertyNames' && errors.some((x) => x !== e && x.instancePath.startsWith(e.instancePath))) continue;
      const line = `${fieldName(e) || '(top level)'}: ${problem(e, data)}`;
      if (!seen.has(line)) {
        seen.add(line);
        lines.push(line);
      }
    }
    const first = errors[0];
    throw new ConfigError(file, lines.length === 1 ? fieldName(first) || '(top level)' : '', lines.length === 1 ? problem(first, data) : lines.join('; '));
  }
  const config = data as GplcheckConfig;
  const known = new Set(RULES.map((r) => r.meta.id));
  for (const id of Object.keys(config.rules ?? {})) {
    if (!known.has(id)) {
      throw new ConfigError(file, `rules[${JSON.stringify(id)}]`, `no such rule (known: ${[...known].sort().join(', ')})`);
    }
  }
  const abs = (p: string) => path.resolve(dir, p);
  return {
    file,
    dir,
    config,
    rules: { ...(config.rules ?? {}) },
    thirdParty: (config.thirdParty ?? []).map(abs),
    ignore: (config.ignore ?? []).map(abs),
    licenses: Object.entries(config.licenses ?? {}).map(([key, license]) =>
      fs.existsSync(abs(key)) ? { key, license, path: abs(key) } : { key, license },
    ),
  };
}

/**
 * The configuration to use: `explicit` when given (it must exist), else gplcheck.config.json in
 * `cwd` when there is one, else null.
 */
export function loadConfig(explicit: string | undefined, cwd = process.cwd()): LoadedConfig | null {
  const file = explicit ? path.resolve(cwd, explicit) : path.join(cwd, CONFIG_FILE_NAME);
  const shown = explicit ?? CONFIG_FILE_NAME;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!explicit && code === 'ENOENT') return null;
    throw new ConfigError(shown, '', code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${(e as Error).message})`);
  }
  return parseConfig(text, shown, path.dirname(file));
}

/** `child` is `root` or below it (both absolute). */
export function isUnder(child: string, root: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
