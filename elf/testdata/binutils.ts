/**
 * Test helpers: run GNU binutils (readelf, nm) on a file and parse their output, so tests can
 * compare the reader with an independent implementation.
 */
import { execFileSync } from 'child_process';

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'latin1', maxBuffer: 256 * 1024 * 1024 });
}

export interface ReadelfSection {
  index: number;
  name: string;
  type: string;
  addr: number;
  offset: number;
  size: number;
  entsize: number;
  flags: string;
  link: number;
  info: number;
  align: number;
}

export function readelfSections(file: string): ReadelfSection[] {
  const out: ReadelfSection[] = [];
  for (const line of run('readelf', ['-S', '-W', file]).split('\n')) {
    const m = /^\s*\[\s*(\d+)\]\s(.*)$/.exec(line);
    if (!m) continue;
    const tokens = m[2].trim().split(/\s+/);
    const align = Number(tokens.pop());
    const info = Number(tokens.pop());
    const link = Number(tokens.pop());
    // remaining: [name] type addr off size es [flags]
    let name = '';
    let flags = '';
    if (tokens.length === 7) flags = tokens.pop()!;
    if (tokens.length === 6) name = tokens.shift()!;
    const [type, addr, off, size, es] = tokens;
    out.push({
      index: Number(m[1]), name, type, addr: parseInt(addr, 16), offset: parseInt(off, 16),
      size: parseInt(size, 16), entsize: parseInt(es, 16), flags, link, info, align,
    });
  }
  return out;
}

export interface ReadelfSymbol {
  index: number;
  value: bigint;
  size: number;
  type: string;
  bind: string;
  vis: string;
  ndx: string;
  name: string;
}

/** Symbol tables by section name (`.symtab`, `.dynsym`). */
export function readelfSymbols(file: string): Map<string, ReadelfSymbol[]> {
  const tables = new Map<string, ReadelfSymbol[]>();
  let cur: ReadelfSymbol[] | undefined;
  for (const line of run('readelf', ['-s', '-W', file]).split('\n')) {
    const h = /^Symbol table '([^']+)'/.exec(line);
    if (h) {
      cur = [];
      tables.set(h[1], cur);
      continue;
    }
    const m = /^\s*(\d+):\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s?(.*)$/.exec(line);
    if (!m || !cur) continue;
    cur.push({
      index: Number(m[1]), value: BigInt('0x' + m[2]), size: Number(m[3]), type: m[4], bind: m[5],
      vis: m[6], ndx: m[7], name: m[8],
    });
  }
  return tables;
}

export interface ReadelfReloc {
  offset: bigint;
  symbolIndex: number;
  type: string;
  symbol: string;
  /** RELA only. */
  addend?: bigint;
}

/** Relocations by relocation section name. */
export function readelfRelocations(file: string, is64: boolean): Map<string, ReadelfReloc[]> {
  const sections = new Map<string, ReadelfReloc[]>();
  let cur: ReadelfReloc[] | undefined;
  let rela = false;
  for (const line of run('readelf', ['-r', '-W', file]).split('\n')) {
    const h = /^Relocation section '([^']+)' at offset 0x[0-9a-f]+ contains (\d+) entr/.exec(line);
    if (h) {
      cur = [];
      sections.set(h[1], cur);
      rela = h[1].startsWith('.rela');
      continue;
    }
    const m = /^([0-9a-f]{8,16})\s+([0-9a-f]{8,16})\s+(\S+)\s*(.*)$/.exec(line);
    if (!m || !cur) continue;
    const info = BigInt('0x' + m[2]);
    const symbolIndex = Number(is64 ? info >> 32n : info >> 8n);
    const rest = m[4].trim();
    const r: ReadelfReloc = { offset: BigInt('0x' + m[1]), symbolIndex, type: m[3], symbol: '' };
    if (symbolIndex !== 0) {
      // "<value> <name> [+|- <addend>]"
      const s = /^[0-9a-f]+\s+(.*?)(?:\s+([+-])\s+([0-9a-f]+))?$/.exec(rest);
      if (s) {
        r.symbol = s[1];
        if (rela && s[2]) r.addend = (s[2] === '-' ? -1n : 1n) * BigInt('0x' + s[3]);
      }
    } else if (rela) {
      r.addend = rest ? BigInt('0x' + rest.split(/\s+/).pop()!) : 0n;
    }
    cur.push(r);
  }
  return sections;
}

/** `nm -u`: undefined symbol names. */
export function nmUndefined(file: string, dynamic = false): string[] {
  return run('nm', [...(dynamic ? ['-D'] : []), '-u', file])
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('U ') || l.startsWith('w ') || l.startsWith('v '))
    .map((l) => l.slice(2).trim());
}

export function readelfHeader(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of run('readelf', ['-h', '-W', file]).split('\n')) {
    const m = /^\s+([^:]+):\s+(.*)$/.exec(line);
    if (m) out[m[1].trim()] = m[2].trim();
  }
  return out;
}

/** `readelf -d`: the NEEDED entries, in order. */
export function readelfNeeded(file: string): string[] {
  const out: string[] = [];
  for (const line of run('readelf', ['-d', '-W', file]).split('\n')) {
    const m = /\(NEEDED\)\s+Shared library: \[([^\]]+)\]/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

export function readelfInterpreter(file: string): string | undefined {
  const m = /\[Requesting program interpreter: ([^\]]+)\]/.exec(run('readelf', ['-l', '-W', file]));
  return m ? m[1] : undefined;
}

/** `readelf -p SECTION`: the strings of a section. */
export function readelfStrings(file: string, section: string): string[] {
  const out: string[] = [];
  for (const line of run('readelf', ['-p', section, '-W', file]).split('\n')) {
    const m = /^\s+\[\s*[0-9a-f]+\]\s\s(.*)$/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}
