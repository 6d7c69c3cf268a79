/**
 * The C source analyser: C files -> CFileFacts, Kbuild/Makefiles -> BuildFacts, and the
 * grouping of sources into units.
 *
 * Per file (pure, worker-thread safe; one tree-sitter Parser per thread):
 * - analyzeC(path, text)        C source or header -> CFileFacts
 * - analyzeKbuild(path, text)   Kbuild / Makefile -> BuildFacts
 * Per scan / group:
 * - groupSources(paths, builds, facts?)   which files make up which module/program/directory
 * - expandMacroCalls(files)               follow function-like macros across a group's files
 * - resolveLocalIncludes(files, builds)   mark includes found among the scanned files
 */
export { analyzeC, evaluateStringExpression, getParser, releaseTrees, PARSE_LIMIT_NOTE, SCAN_BUDGET_NOTE, type AnalyzeCOptions } from './analyze';
export { analyzeKbuild } from './kbuild';
export { analyzeKconfig, isKconfigName } from './kconfig';
export { CAnalyzerPool, type CAnalyzerPoolOptions } from './pool';
export { groupSources, resolveLocalIncludes, resolveInclude, includeDirsFor, FileIndex, type SourceGroup } from './grouping';
export { expandMacroCalls, expandSite, macroBodyCalls, functionMacroTable, type MacroLookup } from './macros';
export { categorizeInclude, isLibcHeader, type FileContext } from './includes';
export { checkSpdx, unknownSpdxIds, type SpdxCheck } from './spdx';
export { isNotCall, C_KEYWORDS, NOT_CALLS } from './keywords';
