/** The kernel export database: Module.symvers reading, shipped/user databases, history across versions. */
export * from './types';
export * from './errors';
export { parseSymvers, readSymvers, computeCounts, forModules, EXPORT_MACROS, type ParsedSymvers } from './symvers';
export { FORMAT_NAME, FORMAT_VERSION, DB_SUFFIX, MapKernelSymbolDb, encodeDatabase, decodeDatabase, decodeHeader } from './format';
export {
  DEFAULT_DATABASE,
  loadDatabase,
  listDatabases,
  findDatabases,
  importSymvers,
  createDatabase,
  writeDatabaseFile,
  userDataDir,
  shippedDataDir,
  versionOfRelease,
  compareVersions,
  type DatabaseDirs,
  type DatabaseEntry,
  type DatabaseOrigin,
  type LoadOptions,
  type CreateOptions,
  type ImportOptions,
} from './database';
export {
  KnowledgeBase,
  describeStatus,
  describeNamespace,
  describeHistory,
  type ExportStatus,
  type SymbolState,
  type SymbolHistory,
  type KnowledgeBaseOptions,
} from './history';
