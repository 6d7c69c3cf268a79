import type { Location } from '../analyzers/facts';
import type { LinkedModel, Unit } from './model';

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error'];

export interface Reference {
  title: string;
  url?: string;
}

export interface RuleMeta {
  id: string;
  defaultSeverity: Severity;
  /** One line: what the rule finds. */
  description: string;
  /** Why it matters, in the kernel's own terms. */
  rationale: string;
  references: Reference[];
}

/** One hop of an evidence chain: "core_init calls vmk_alloc at core.c:12". */
export interface EvidenceStep {
  unit: string;
  symbol: string;
  location?: Location;
  note?: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  unit: string;
  symbol?: string;
  message: string;
  locations: Location[];
  /** Where the evidence was seen: in sources, in binaries or both. */
  evidence?: 'source' | 'binary' | 'both';
  /** The chain from the unit to the symbol, for transitive findings. */
  path?: EvidenceStep[];
  /** The symbol's export history across the known kernels, e.g. "plain in 5.10, GPL-only since 6.1". */
  history?: string;
}

export type FindingInput = Omit<Finding, 'ruleId' | 'severity'> & { severity?: Severity };

export interface RuleContext {
  model: LinkedModel;
  report(finding: FindingInput): void;
}

export interface Rule {
  meta: RuleMeta;
  check(context: RuleContext): void;
}

export type { LinkedModel, Unit };
