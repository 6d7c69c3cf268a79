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
export {
  InlineReach,
  loadReach,
  reachFor,
  reachPath,
  decodeReach,
  encodeReach,
  REACH_FORMAT_NAME,
  REACH_FORMAT_VERSION,
  REACH_SUFFIX,
  type ReachMeta,
  type ReachBody,
  type ReachEntry,
  type ReachedBy,
  type ReachDefinition,
  type DefinitionKind,
} from './reach';
export {
  buildSourceIndex,
  loadSourceIndex,
  writeSourceIndex,
  encodeSourceIndex,
  decodeSourceIndex,
  SourceIndex,
  INDEX_FORMAT_NAME,
  INDEX_FORMAT_VERSION,
  type ExportSite,
  type HeaderLicence,
  type Declaration,
  type SourceIndexMeta,
  type BuiltIndex,
} from './source-index';
export { explain, renderExplain, type ExplainResult, type ExplainOptions, type InlineInKernel, type ReachingName } from './explain';
export { fetchDebianSymvers, debianModuleTree, type DebianModuleTree } from './debian';
