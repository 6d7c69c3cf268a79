/** Library entry point. */
export { scan, type ScanOptions, type ScanOutput } from './scan';
export { link } from './link';
export { discover } from './discover';
export { analyzeBuffer, DEFAULT_LIMITS, type Limits } from './analyze';
export { RULES, runRules } from '../rules';
export { REPORTERS } from '../reports';
export type { ScanResult } from '../reports/types';
export type * from '../analyzers/facts';
export type { Finding, Rule, RuleMeta, Severity } from '../rules/types';
