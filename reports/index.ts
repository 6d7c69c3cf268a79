import type { Reporter } from './types';
import text from './text';
import json from './json';
import sarif from './sarif';
import spdx from './spdx';

export const REPORTERS: Record<string, Reporter> = { text, json, sarif, spdx };
export type { Reporter, ScanResult } from './types';
export type { RenderOptions } from './render';
