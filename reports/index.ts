import type { Reporter } from './types';
import text from './text';
import json from './json';

export const REPORTERS: Record<string, Reporter> = { text, json };
export type { Reporter, ScanResult } from './types';
