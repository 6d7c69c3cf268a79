import type { Reporter } from './types';
import text from './text';
import json from './json';
import sarif from './sarif';
import spdx from './spdx';
import markdown from './markdown';
import html from './html';

export const REPORTERS: Record<string, Reporter> = { text, json, sarif, spdx, markdown, html };
export type { Reporter, ScanResult } from './types';
export type { RenderOptions } from './render';
