/** What a reporter may be given besides the result, and the baseline comparison it renders. */
import type { FileFacts } from '../analyzers/facts';
import type { SourceAccess } from './sources';

export interface RenderOptions {
  color?: boolean;
  /**
   * Read access to the scanned files, for display: source lines around cited locations (audit
   * reports) and file checksums (SPDX, SARIF artifacts). Without it those parts are left out.
   */
  sources?: SourceAccess;
  /**
   * The raw facts of the scanned files (scan() returns them with the result): SPDX lines and
   * includes for the SPDX document and the audit report. Without them those parts are left out.
   */
  facts?: readonly FileFacts[];
}

/** One accepted finding in a baseline file. */
export interface BaselineEntry {
  /** findingFingerprint(): rule, unit, symbol and functions; no line numbers. */
  fingerprint: string;
  ruleId: string;
  unit: string;
  symbol?: string;
  functions: string[];
  /** The finding's message when it was accepted, for the reader of the file. */
  message: string;
  /** Why the finding is accepted. A scan refuses a baseline with an empty reason. */
  reason: string;
}

export type BaselineStatus = 'new' | 'accepted';

/** How the findings of a scan compare with a baseline file (set when the scan used --baseline). */
export interface BaselineComparison {
  /** The baseline file as given. */
  file: string;
  /** Fingerprint -> status, for every finding of the scan. */
  status: Record<string, { status: BaselineStatus; reason?: string }>;
  /** Accepted entries no finding matches any more. */
  stale: BaselineEntry[];
  counts: { new: number; accepted: number; stale: number };
}
