/**
 * Numbers and names of the ELF format (System V gABI, the psABIs of the machines Linux runs on).
 * Names follow readelf's spelling without the common prefix (`FUNC`, `GLOBAL`, `R_X86_64_PLT32`).
 */
import { constants as elfyConstants } from 'elfy';

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;

export const ET_NONE = 0;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export function elfTypeName(t: number): string {
  switch (t) {
    case ET_NONE: return 'NONE';
    case ET_REL: return 'REL';
    case ET_EXEC: return 'EXEC';
    case ET_DYN: return 'DYN';
    case ET_CORE: return 'CORE';
    default: return t >= 0xfe00 && t <= 0xfeff ? `OS(0x${t.toString(16)})` : t >= 0xff00 ? `PROC(0x${t.toString(16)})` : `0x${t.toString(16)}`;
  }
}

export const EM_SPARC = 2;
export const EM_386 = 3;
export const EM_MIPS = 8;
export const EM_PPC = 20;
export const EM_PPC64 = 21;
export const EM_S390 = 22;
export const EM_ARM = 40;
export const EM_SPARCV9 = 43;
export const EM_IA_64 = 50;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const EM_RISCV = 243;
export const EM_LOONGARCH = 258;

const MACHINE_NAMES: Record<number, string> = {
  [EM_SPARC]: 'sparc',
  [EM_386]: 'i386',
  [EM_MIPS]: 'mips',
  [EM_PPC]: 'ppc',
  [EM_PPC64]: 'ppc64',
  [EM_S390]: 's390',
  [EM_ARM]: 'arm',
  [EM_SPARCV9]: 'sparcv9',
  [EM_IA_64]: 'ia64',
  [EM_X86_64]: 'x86_64',
  [EM_AARCH64]: 'aarch64',
  [EM_RISCV]: 'riscv',
  [EM_LOONGARCH]: 'loongarch',
};

export function machineName(m: number): string {
  const own = MACHINE_NAMES[m];
  if (own) return own;
  const fromElfy = (elfyConstants.machine as Record<number, string | undefined>)[m];
  return fromElfy && !fromElfy.startsWith('unknown') ? fromElfy : `EM_${m}`;
}

// Section header
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_HASH = 5;
export const SHT_DYNAMIC = 6;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_DYNSYM = 11;
export const SHT_SYMTAB_SHNDX = 18;

const SECTION_TYPE_NAMES: Record<number, string> = {
  0: 'NULL', 1: 'PROGBITS', 2: 'SYMTAB', 3: 'STRTAB', 4: 'RELA', 5: 'HASH', 6: 'DYNAMIC', 7: 'NOTE',
  8: 'NOBITS', 9: 'REL', 10: 'SHLIB', 11: 'DYNSYM', 14: 'INIT_ARRAY', 15: 'FINI_ARRAY',
  16: 'PREINIT_ARRAY', 17: 'GROUP', 18: 'SYMTAB_SHNDX', 19: 'RELR',
  0x6ffffff5: 'GNU_ATTRIBUTES', 0x6ffffff6: 'GNU_HASH', 0x6ffffff7: 'GNU_LIBLIST',
  0x6ffffffd: 'VERDEF', 0x6ffffffe: 'VERNEED', 0x6fffffff: 'VERSYM', 0x6fff4c00: 'LLVM_ODRTAB',
  0x70000001: 'X86_64_UNWIND',
};

export function sectionTypeName(t: number): string {
  return SECTION_TYPE_NAMES[t] ?? `0x${t.toString(16)}`;
}

export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHF_MERGE = 0x10;
export const SHF_STRINGS = 0x20;
export const SHF_INFO_LINK = 0x40;

// Program header
export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;

// Symbols
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const STB_GNU_UNIQUE = 10;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_COMMON = 5;
export const STT_TLS = 6;
export const STT_GNU_IFUNC = 10;

export type SymbolBinding = 'LOCAL' | 'GLOBAL' | 'WEAK' | 'UNIQUE' | string;
export type SymbolType = 'NOTYPE' | 'OBJECT' | 'FUNC' | 'SECTION' | 'FILE' | 'COMMON' | 'TLS' | 'IFUNC' | string;
export type SymbolVisibility = 'DEFAULT' | 'INTERNAL' | 'HIDDEN' | 'PROTECTED';

const BINDINGS = ['LOCAL', 'GLOBAL', 'WEAK'];
export function bindingName(b: number): SymbolBinding {
  return BINDINGS[b] ?? (b === STB_GNU_UNIQUE ? 'UNIQUE' : `<${b}>`);
}
const TYPES = ['NOTYPE', 'OBJECT', 'FUNC', 'SECTION', 'FILE', 'COMMON', 'TLS'];
export function symbolTypeName(t: number): SymbolType {
  return TYPES[t] ?? (t === STT_GNU_IFUNC ? 'IFUNC' : `<${t}>`);
}
const VISIBILITIES: SymbolVisibility[] = ['DEFAULT', 'INTERNAL', 'HIDDEN', 'PROTECTED'];
export function visibilityName(other: number): SymbolVisibility {
  return VISIBILITIES[other & 3];
}

// Dynamic section tags
export const DT_NULL = 0;
export const DT_NEEDED = 1;
export const DT_STRTAB = 5;
export const DT_STRSZ = 10;
export const DT_SONAME = 14;
export const DT_RPATH = 15;
export const DT_RUNPATH = 29;

// ------------------------------------------------------------------------------------------
// Relocation types
// ------------------------------------------------------------------------------------------

function table(prefix: string, names: Record<number, string>): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [k, v] of Object.entries(names)) out[Number(k)] = prefix + v;
  return out;
}

export const R_X86_64_64 = 1;
export const R_X86_64_PC32 = 2;
export const R_X86_64_PLT32 = 4;
export const R_386_32 = 1;
export const R_386_PC32 = 2;
export const R_386_PLT32 = 4;

const X86_64 = table('R_X86_64_', {
  0: 'NONE', 1: '64', 2: 'PC32', 3: 'GOT32', 4: 'PLT32', 5: 'COPY', 6: 'GLOB_DAT', 7: 'JUMP_SLOT',
  8: 'RELATIVE', 9: 'GOTPCREL', 10: '32', 11: '32S', 12: '16', 13: 'PC16', 14: '8', 15: 'PC8',
  16: 'DTPMOD64', 17: 'DTPOFF64', 18: 'TPOFF64', 19: 'TLSGD', 20: 'TLSLD', 21: 'DTPOFF32',
  22: 'GOTTPOFF', 23: 'TPOFF32', 24: 'PC64', 25: 'GOTOFF64', 26: 'GOTPC32', 27: 'GOT64',
  28: 'GOTPCREL64', 29: 'GOTPC64', 30: 'GOTPLT64', 31: 'PLTOFF64', 32: 'SIZE32', 33: 'SIZE64',
  34: 'GOTPC32_TLSDESC', 35: 'TLSDESC_CALL', 36: 'TLSDESC', 37: 'IRELATIVE', 38: 'RELATIVE64',
  41: 'GOTPCRELX', 42: 'REX_GOTPCRELX',
});
const I386 = table('R_386_', {
  0: 'NONE', 1: '32', 2: 'PC32', 3: 'GOT32', 4: 'PLT32', 5: 'COPY', 6: 'GLOB_DAT', 7: 'JUMP_SLOT',
  8: 'RELATIVE', 9: 'GOTOFF', 10: 'GOTPC', 11: '32PLT', 14: 'TLS_TPOFF', 15: 'TLS_IE',
  16: 'TLS_GOTIE', 17: 'TLS_LE', 18: 'TLS_GD', 19: 'TLS_LDM', 20: '16', 21: 'PC16', 22: '8',
  23: 'PC8', 24: 'TLS_GD_32', 32: 'TLS_LDO_32', 35: 'TLS_DTPMOD32', 36: 'TLS_DTPOFF32',
  37: 'TLS_TPOFF32', 38: 'SIZE32', 39: 'TLS_GOTDESC', 40: 'TLS_DESC_CALL', 41: 'TLS_DESC',
  42: 'IRELATIVE', 43: 'GOT32X',
});
const AARCH64 = table('R_AARCH64_', {
  0: 'NONE', 257: 'ABS64', 258: 'ABS32', 259: 'ABS16', 260: 'PREL64', 261: 'PREL32', 262: 'PREL16',
  263: 'MOVW_UABS_G0', 264: 'MOVW_UABS_G0_NC', 265: 'MOVW_UABS_G1', 266: 'MOVW_UABS_G1_NC',
  267: 'MOVW_UABS_G2', 268: 'MOVW_UABS_G2_NC', 269: 'MOVW_UABS_G3', 273: 'LD_PREL_LO19',
  274: 'ADR_PREL_LO21', 275: 'ADR_PREL_PG_HI21', 276: 'ADR_PREL_PG_HI21_NC', 277: 'ADD_ABS_LO12_NC',
  278: 'LDST8_ABS_LO12_NC', 279: 'TSTBR14', 280: 'CONDBR19', 282: 'JUMP26', 283: 'CALL26',
  284: 'LDST16_ABS_LO12_NC', 285: 'LDST32_ABS_LO12_NC', 286: 'LDST64_ABS_LO12_NC',
  299: 'LDST128_ABS_LO12_NC', 311: 'ADR_GOT_PAGE', 312: 'LD64_GOT_LO12_NC', 1024: 'COPY',
  1025: 'GLOB_DAT', 1026: 'JUMP_SLOT', 1027: 'RELATIVE', 1028: 'TLS_DTPMOD', 1029: 'TLS_DTPREL',
  1030: 'TLS_TPREL', 1031: 'TLSDESC', 1032: 'IRELATIVE',
});
const ARM = table('R_ARM_', {
  0: 'NONE', 1: 'PC24', 2: 'ABS32', 3: 'REL32', 10: 'THM_CALL', 20: 'COPY', 21: 'GLOB_DAT',
  22: 'JUMP_SLOT', 23: 'RELATIVE', 28: 'CALL', 29: 'JUMP24', 30: 'THM_JUMP24', 40: 'V4BX',
  42: 'PREL31', 43: 'MOVW_ABS_NC', 44: 'MOVT_ABS', 47: 'THM_MOVW_ABS_NC', 48: 'THM_MOVT_ABS',
});
const PPC_COMMON: Record<number, string> = {
  0: 'NONE', 1: 'ADDR32', 2: 'ADDR24', 3: 'ADDR16', 4: 'ADDR16_LO', 5: 'ADDR16_HI', 6: 'ADDR16_HA',
  7: 'ADDR14', 8: 'ADDR14_BRTAKEN', 9: 'ADDR14_BRNTAKEN', 10: 'REL24', 11: 'REL14',
  12: 'REL14_BRTAKEN', 13: 'REL14_BRNTAKEN', 14: 'GOT16', 15: 'GOT16_LO', 16: 'GOT16_HI',
  17: 'GOT16_HA', 19: 'COPY', 20: 'GLOB_DAT', 21: 'JMP_SLOT', 22: 'RELATIVE', 24: 'UADDR32',
  25: 'UADDR16', 26: 'REL32', 27: 'PLT32', 28: 'PLTREL32', 29: 'PLT16_LO', 30: 'PLT16_HI',
  31: 'PLT16_HA', 33: 'SECTOFF', 67: 'TLS', 68: 'DTPMOD32', 249: 'REL16', 250: 'REL16_LO',
  251: 'REL16_HI', 252: 'REL16_HA',
};
const PPC = table('R_PPC_', { ...PPC_COMMON, 18: 'PLTREL24', 23: 'LOCAL24PC', 32: 'SDAREL16' });
const PPC64 = table('R_PPC64_', {
  ...PPC_COMMON, 37: 'ADDR30', 38: 'ADDR64', 39: 'ADDR16_HIGHER', 40: 'ADDR16_HIGHERA',
  41: 'ADDR16_HIGHEST', 42: 'ADDR16_HIGHESTA', 43: 'UADDR64', 44: 'REL64', 47: 'TOC16',
  48: 'TOC16_LO', 49: 'TOC16_HI', 50: 'TOC16_HA', 51: 'TOC', 63: 'TOC16_DS', 64: 'TOC16_LO_DS',
  109: 'ENTRY', 116: 'REL24_NOTOC',
});
const S390 = table('R_390_', {
  0: 'NONE', 1: '8', 2: '12', 3: '16', 4: '32', 5: 'PC32', 6: 'GOT12', 7: 'GOT32', 8: 'PLT32',
  9: 'COPY', 10: 'GLOB_DAT', 11: 'JMP_SLOT', 12: 'RELATIVE', 13: 'GOTOFF32', 14: 'GOTPC',
  15: 'GOT16', 16: 'PC16', 17: 'PC16DBL', 18: 'PLT16DBL', 19: 'PC32DBL', 20: 'PLT32DBL',
  21: 'GOTPCDBL', 22: '64', 23: 'PC64', 24: 'GOT64', 25: 'PLT64', 26: 'GOTENT', 27: 'GOTOFF16',
  28: 'GOTOFF64', 29: 'GOTPLT12', 30: 'GOTPLT16', 31: 'GOTPLT32', 32: 'GOTPLT64', 33: 'GOTPLTENT',
  61: 'IRELATIVE',
});
const RISCV = table('R_RISCV_', {
  0: 'NONE', 1: '32', 2: '64', 3: 'RELATIVE', 4: 'COPY', 5: 'JUMP_SLOT', 16: 'BRANCH', 17: 'JAL',
  18: 'CALL', 19: 'CALL_PLT', 20: 'GOT_HI20', 23: 'PCREL_HI20', 24: 'PCREL_LO12_I',
  25: 'PCREL_LO12_S', 26: 'HI20', 27: 'LO12_I', 28: 'LO12_S', 35: 'ADD32', 36: 'ADD64',
  39: 'SUB32', 40: 'SUB64', 43: 'ALIGN', 44: 'RVC_BRANCH', 45: 'RVC_JUMP', 51: 'RELAX',
  57: 'PLT32', 58: 'IRELATIVE',
});
const MIPS = table('R_MIPS_', {
  0: 'NONE', 1: '16', 2: '32', 3: 'REL32', 4: '26', 5: 'HI16', 6: 'LO16', 7: 'GPREL16',
  8: 'LITERAL', 9: 'GOT16', 10: 'PC16', 11: 'CALL16', 12: 'GPREL32', 18: '64', 126: 'COPY',
  127: 'JUMP_SLOT',
});

const RELOC_NAMES: Record<number, Record<number, string>> = {
  [EM_X86_64]: X86_64,
  [EM_386]: I386,
  [EM_AARCH64]: AARCH64,
  [EM_ARM]: ARM,
  [EM_PPC]: PPC,
  [EM_PPC64]: PPC64,
  [EM_S390]: S390,
  [EM_RISCV]: RISCV,
  [EM_MIPS]: MIPS,
};

/** `R_X86_64_PLT32` etc.; `R_<machine>_<n>` for a number this table does not know. */
export function relocationTypeName(machine: number, type: number): string {
  const t = RELOC_NAMES[machine];
  return t?.[type] ?? `R_${machineName(machine).toUpperCase()}_${type}`;
}

/**
 * Bytes a relocation of this type patches, when known (used to check it stays inside its
 * section and to read REL implicit addends). 0 when the reader does not know the type.
 */
export function relocationFieldSize(machine: number, type: number): number {
  switch (machine) {
    case EM_X86_64:
      switch (type) {
        case 1: case 24: case 25: case 27: case 28: case 29: case 30: case 31: case 33: case 16: case 17: case 18:
          return 8;
        case 2: case 3: case 4: case 9: case 10: case 11: case 19: case 20: case 21: case 22: case 23: case 26:
        case 32: case 34: case 41: case 42:
          return 4;
        case 12: case 13: return 2;
        case 14: case 15: return 1;
        default: return 0;
      }
    case EM_386:
      switch (type) {
        case 1: case 2: case 3: case 4: case 9: case 10: case 11: case 14: case 15: case 16: case 17:
        case 18: case 19: case 32: case 35: case 36: case 37: case 38: case 43:
          return 4;
        case 20: case 21: return 2;
        case 22: case 23: return 1;
        default: return 0;
      }
    case EM_AARCH64:
      if (type === 257 || type === 260) return 8;
      if (type === 258 || type === 261 || (type >= 263 && type <= 312)) return 4;
      if (type === 259 || type === 262) return 2;
      return 0;
    case EM_PPC: case EM_PPC64:
      if (type === 38 || type === 43 || type === 44) return 8;
      if (type === 1 || type === 2 || type === 10 || type === 24 || type === 26 || type === 18 || type === 116) return 4;
      if (type >= 3 && type <= 9) return 2;
      return 0;
    case EM_S390:
      if (type === 22 || type === 23 || type === 24 || type === 25) return 8;
      if (type === 4 || type === 5 || type === 19 || type === 20 || type === 7 || type === 8) return 4;
      return 0;
    default:
      return 0;
  }
}

/**
 * Whether a relocation of this type is, by itself, a call or tail call (PLT32 on x86, CALL26 /
 * JUMP26 on arm64, REL24 on powerpc...). x86 PC32 relocations are calls or data depending on the
 * instruction: see `isCallSite`.
 */
export function isCallRelocation(machine: number, type: number): boolean {
  switch (machine) {
    case EM_X86_64: return type === R_X86_64_PLT32;
    case EM_386: return type === R_386_PLT32;
    case EM_AARCH64: return type === 282 || type === 283;
    case EM_ARM: return type === 1 || type === 10 || type === 28 || type === 29 || type === 30;
    case EM_PPC: return type === 10 || type === 18 || type === 23;
    case EM_PPC64: return type === 10 || type === 116;
    case EM_S390: return type === 20 || type === 18;
    case EM_RISCV: return type === 17 || type === 18 || type === 19;
    case EM_MIPS: return type === 4;
    default: return false;
  }
}

/** x86 PC-relative 32-bit relocation types (`S + A - P` into a 4-byte field). */
export function isX86PcRelative32(machine: number, type: number): boolean {
  if (machine === EM_X86_64) return type === 2 || type === 4 || type === 9 || type === 41 || type === 42;
  if (machine === EM_386) return type === 2 || type === 4;
  return false;
}
