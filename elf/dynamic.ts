/**
 * The dynamic section of executables and shared objects: DT_NEEDED, DT_SONAME, DT_RUNPATH,
 * from the SHT_DYNAMIC section (or, with no section table, the PT_DYNAMIC segment), and the
 * undefined symbols of `.dynsym` (what the program imports from shared libraries).
 */
import { DT_NEEDED, DT_NULL, DT_RPATH, DT_RUNPATH, DT_SONAME, DT_STRSZ, DT_STRTAB, PT_DYNAMIC, SHT_DYNAMIC, STB_LOCAL } from './constants';
import { hex } from './errors';
import type { ElfFile } from './file';
import { cString } from './view';

export interface DynamicInfo {
  needed: string[];
  soname?: string;
  rpath?: string;
  runpath?: string;
}

export function readDynamic(file: ElfFile): DynamicInfo | undefined {
  const out: DynamicInfo = { needed: [] };
  const ent = file.is64 ? 16 : 8;
  let entries: Buffer;
  let strings: Buffer | undefined;
  let where: string;
  const sec = file.sections.find((s) => s.type === SHT_DYNAMIC);
  const seg = file.segments.find((p) => p.type === PT_DYNAMIC);
  if (sec) {
    entries = file.sectionData(sec);
    where = `section ${sec.index} (${sec.name})`;
    const str = file.sections[sec.link];
    if (str && str.readable) strings = file.sectionData(str);
  } else if (seg && seg.readable) {
    entries = file.data.subarray(seg.offset, seg.offset + seg.filesz);
    where = `PT_DYNAMIC segment at offset ${hex(seg.offset)}`;
  } else {
    return undefined;
  }
  const tags: { tag: number; val: number }[] = [];
  let strtabAddr: number | undefined;
  let strsz: number | undefined;
  for (let o = 0; o + ent <= entries.length; o += ent) {
    const tag = file.is64
      ? Number(file.le ? entries.readBigInt64LE(o) : entries.readBigInt64BE(o))
      : file.le ? entries.readInt32LE(o) : entries.readInt32BE(o);
    const val = file.is64
      ? Number(file.le ? entries.readBigUInt64LE(o + 8) : entries.readBigUInt64BE(o + 8))
      : file.le ? entries.readUInt32LE(o + 4) : entries.readUInt32BE(o + 4);
    if (tag === DT_NULL) break;
    if (tag === DT_STRTAB) strtabAddr = val;
    else if (tag === DT_STRSZ) strsz = val;
    tags.push({ tag, val });
  }
  if (!strings && strtabAddr !== undefined) {
    const off = file.fileOffsetOfAddress(strtabAddr);
    if (off !== undefined) strings = file.data.subarray(off, Math.min(file.data.length, off + (strsz ?? file.data.length)));
  }
  const str = (val: number, what: string): string | undefined => {
    if (!strings || val >= strings.length) {
      file.warn(`${where}: ${what} string offset ${hex(val)} lies past the end of the dynamic string table (size ${hex(strings ? strings.length : 0)})`);
      return undefined;
    }
    return cString(strings, val);
  };
  for (const { tag, val } of tags) {
    if (tag === DT_NEEDED) {
      const s = str(val, 'DT_NEEDED');
      if (s !== undefined) out.needed.push(s);
    } else if (tag === DT_SONAME) out.soname = str(val, 'DT_SONAME');
    else if (tag === DT_RUNPATH) out.runpath = str(val, 'DT_RUNPATH');
    else if (tag === DT_RPATH) out.rpath = str(val, 'DT_RPATH');
  }
  return out;
}

/** Undefined, non-local, named symbols of `.dynsym`, in table order (duplicates removed). */
export function readDynamicImports(file: ElfFile): string[] {
  const st = file.dynamicSymbols();
  if (!st) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = 1; i < st.count; i++) {
    if (st.shndx[i] !== 0 || st.info[i] >> 4 === STB_LOCAL) continue;
    const n = st.name(i);
    if (n && !seen.has(n)) {
      seen.add(n);
      out.push(n);
    }
  }
  return out;
}
