/**
 * Provenance fingerprints of a C source: tokens (lexer.ts), winnowed k-gram fingerprints
 * (winnow.ts) and licence/authorship notices (notices.ts). The same code fingerprints the
 * kernel tree when its index is built (kernel-symbols/provenance) and each scanned file, so
 * both sides always normalise alike.
 */
export {
  tokenize,
  tokenName,
  punctuatorId,
  TokenBuffer,
  NORMALIZATION_VERSION,
  TOKEN_ID_COUNT,
  type TokenStream,
} from './lexer';
export { winnow, kgramHashes, guaranteeThreshold, DEFAULT_WINNOW, FingerprintBuffer, type Fingerprints, type WinnowParams } from './winnow';
export { extractNotices, copyrightHolder, keepsCopyright, isCopyrightLine, stripDecoration, type Notices } from './notices';
