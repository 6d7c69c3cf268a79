/**
 * Several reports from one scan: `--format` may be repeated, each followed by its `--output`
 *
 *   gplcheck scan build/ --format json --output r.json --format sarif --output r.sarif --format text
 *
 * An --output belongs to the --format written right before it (or, written before any format,
 * to the next one); a format without an output goes to standard output, at most one. Without
 * any --format the text report is written (to --output when given).
 */
import * as fs from 'fs';
import * as path from 'path';
import { InvalidArgumentError } from 'commander';
import { REPORTERS } from '../reports';
import type { RenderOptions } from '../reports/render';
import type { ScanResult } from '../reports/types';

export interface OutputSpec {
  format: string;
  /** File to write; undefined: standard output. */
  output?: string;
}

export type OutputToken = { kind: 'format'; value: string } | { kind: 'output'; value: string };

/** Records --format/--output in the order given (commander calls option parsers in argv order). */
export class OutputTokens {
  readonly tokens: OutputToken[] = [];
  format = (value: string): string => {
    if (!REPORTERS[value]) throw new InvalidArgumentError(`unknown format '${value}'; expected one of ${Object.keys(REPORTERS).join(', ')}`);
    this.tokens.push({ kind: 'format', value });
    return value;
  };
  output = (value: string): string => {
    this.tokens.push({ kind: 'output', value });
    return value;
  };
}

export class OutputPlanError extends Error {}

export function planOutputs(tokens: readonly OutputToken[], options: { quiet?: boolean } = {}): OutputSpec[] {
  const specs: OutputSpec[] = [];
  let pending: string | undefined;
  for (const t of tokens) {
    if (t.kind === 'format') {
      specs.push({ format: t.value, ...(pending !== undefined ? { output: pending } : {}) });
      pending = undefined;
      continue;
    }
    const last = specs[specs.length - 1];
    if (last && last.output === undefined) last.output = t.value;
    else if (!last && pending === undefined) pending = t.value;
    else {
      const prev = last ? `--format ${last.format} already writes to ${last.output}` : `--output ${pending} is already waiting for a --format`;
      throw new OutputPlanError(`--output ${t.value}: ${prev}; write each --output right after its --format`);
    }
  }
  const explicit = specs.length > 0;
  if (!explicit) specs.push({ format: 'text', ...(pending !== undefined ? { output: pending } : {}) });
  else if (pending !== undefined) throw new OutputPlanError(`--output ${pending} has no --format after it`);

  const toStdout = specs.filter((s) => s.output === undefined);
  if (toStdout.length > 1) {
    throw new OutputPlanError(
      `formats ${toStdout.map((s) => s.format).join(', ')} would all go to standard output; give all but one an --output`,
    );
  }
  const seen = new Map<string, string>();
  for (const s of specs) {
    if (s.output === undefined) continue;
    const key = path.resolve(s.output);
    if (seen.has(key)) throw new OutputPlanError(`--output ${s.output} is given for both ${seen.get(key)} and ${s.format}`);
    seen.set(key, s.format);
  }
  if (options.quiet && toStdout.length) {
    if (explicit) throw new OutputPlanError(`--quiet: --format ${toStdout[0].format} has no --output, and nothing may go to standard output`);
    return specs.filter((s) => s.output !== undefined);
  }
  return specs;
}

function writeAll(fd: number, data: Buffer): void {
  for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off, data.length - off);
}

/** Renders every planned report and writes it. Files first, so standard output comes last. */
export function writeOutputs(result: ScanResult, specs: readonly OutputSpec[], render: RenderOptions & { colorStdout?: boolean }): string[] {
  const written: string[] = [];
  const ordered = [...specs.filter((s) => s.output !== undefined), ...specs.filter((s) => s.output === undefined)];
  for (const s of ordered) {
    const reporter = REPORTERS[s.format];
    const { colorStdout, ...opts } = render;
    const options = { ...opts, color: s.output === undefined && colorStdout === true };
    if (reporter.write) {
      // in pieces: a whole tree's report may be longer than the longest string V8 can hold
      if (s.output !== undefined) {
        const fd = fs.openSync(s.output, 'w');
        try {
          reporter.write(result, options, (chunk) => writeAll(fd, Buffer.from(chunk, 'utf8')));
        } finally {
          fs.closeSync(fd);
        }
        written.push(s.output);
      } else reporter.write(result, options, (chunk) => process.stdout.write(chunk));
      continue;
    }
    const text = reporter.render(result, options);
    if (s.output !== undefined) {
      fs.writeFileSync(s.output, text);
      written.push(s.output);
    } else process.stdout.write(text);
  }
  return written;
}
