/**
 * Provenance: which code of a scanned file comes from a Linux source tree, with the origin
 * file, its lines, its licence and its copyright holders. See README.md in this folder.
 *
 * - buildProvenanceIndex(root, options)  index a kernel tree (worker threads)
 * - loadProvenanceIndex(file)            load an index (cached per file)
 * - matchSource(path, bytes, indices)    a scanned file -> ProvenanceFacts
 * - attachProvenance(facts, ...)         the scan step: matches into CFileFacts.provenance
 * - originLines(match, indices)          the origin's text for a match (side-by-side views)
 */
export { buildProvenanceIndex, listSources, kernelVersionOf, DEFAULT_COMMON_FILES, NOTICE_HEAD_BYTES, type BuildIndexOptions, type BuildIndexResult } from './build';
export { loadProvenanceIndex, ProvenanceIndex, type ProvenanceIndexMeta, type IndexedFile } from './load';
export { matchSource, DEFAULT_MIN_TOKENS, DEFAULT_MIN_SHARE, type MatchOptions } from './match';
export { attachProvenance, provenanceReport, type ProvenanceScanOptions, type ProvenanceReport } from './scan-step';
export { originLines, type OriginText, type OriginTextOptions } from './origin';
export { ProvenanceIndexError, PROVENANCE_FORMAT, PROVENANCE_FORMAT_VERSION, PROVENANCE_EXT, decodeIndex, encodeIndex, type ProvenanceIndexHeader } from './format';
