import type { Reporter } from './types';
import text from './text';
import json from './json';
import sarif from './sarif';

export const REPORTERS: Record<string, Reporter> = { text, json, sarif };
export type { Reporter, ScanResult } from './types';
export type { RenderOptions } from './render';
