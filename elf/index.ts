/**
 * elf/: reads ELF32/ELF64, little/big-endian files (relocatable objects, kernel modules,
 * executables, shared objects) from a Buffer. Knows nothing of licences.
 *
 *   const f = readElf('drivers/foo.ko', buf);   // throws ElfError subclasses when unreadable
 *   f.sections, f.symbols(), f.relocationSections().map(s => f.relocations(s))
 *   f.modinfo(), f.versions() (or f.versionTable()), f.kernelExports(), f.dynamic(), f.interpreter()
 *   f.warnings                                  // damaged parts, as ElfFormatError objects
 */
export { ElfFile, readElf, isElf } from './file';
export type { ElfHeader, ElfSection, ElfSegment } from './file';
export { ElfError, ElfFormatError, ElfUnsupportedError, NotElfError, hex } from './errors';
export type { ElfErrorSection } from './errors';
export { SymbolTable } from './symbols';
export type { ElfSymbol } from './symbols';
export { RelocationTable } from './relocations';
export type { ElfRelocation } from './relocations';
export type { KernelExport, ModinfoEntry, ModuleVersion } from './module';
export { VersionTable } from './module';
export type { DynamicInfo } from './dynamic';
export * as elfConstants from './constants';
