/**
 * The HTML audit report as a person sees it: rendered by Debian's Chromium (headless, driven by
 * playwright-core), from a real scan of the module fixtures and vmkernel. No console errors, no
 * request of any kind besides the file itself, a visible boundary graph whose labels fit their
 * boxes. Screenshots are kept for CI under .cache/artifacts/.
 *
 * Needs the `chromium` package (test/setup/setup.sh installs it; or test/setup/debian.sh install
 * chromium). GPLCHECK_CHROMIUM may name another binary.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO, scanReportInputs } from '../test/report-inputs';
import { buildAudit } from './audit';
import html from './html';
import { createSourceAccess } from './sources';

jest.setTimeout(180_000);

const CHROMIUM = process.env.GPLCHECK_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO, '.cache/artifacts');
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let dir: string;
let context: BrowserContext;
let page: Page;
let fileUrl: string;
const consoleErrors: string[] = [];
const requests: string[] = [];
let graphNodes = 0;
let graphEdges = 0;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (test/setup/debian.sh install chromium) or set GPLCHECK_CHROMIUM`);
  }
  const { result, facts } = await scanReportInputs();
  const options = { sources: createSourceAccess(REPO), facts };
  const audit = buildAudit(result, options);
  graphNodes = audit.graph.nodes.length;
  graphEdges = audit.graph.edges.length;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-html-'));
  const file = path.join(dir, 'audit-report.html');
  fs.writeFileSync(file, html.render(result, options));
  fileUrl = pathToFileURL(file).href;
  // a fresh profile for every run (Playwright passes it as --user-data-dir)
  context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  context.on('request', (r) => requests.push(r.url()));
  await page.goto(fileUrl, { waitUntil: 'load' });
});

afterAll(async () => {
  await context?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('opens without console errors and without any network request', async () => {
  expect(await page.title()).toContain('Licence-boundary audit');
  expect(consoleErrors).toEqual([]);
  // the only request is the file itself
  expect(requests.filter((u) => u !== fileUrl)).toEqual([]);
  // nothing that could fetch later: no scripts, no external stylesheets, fonts or images
  // (browser code as a string: the project's TypeScript has no DOM types)
  const external = (await page.evaluate(`({
    scripts: document.querySelectorAll('script').length,
    links: [...document.querySelectorAll('link')].map((l) => l.getAttribute('href')),
    images: [...document.querySelectorAll('img[src]')].map((i) => i.getAttribute('src')),
    csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
  })`)) as { scripts: number; links: string[]; images: string[]; csp: string };
  expect(external.scripts).toBe(0);
  expect(external.links).toEqual([]);
  expect(external.images).toEqual([]);
  expect(external.csp).toContain("default-src 'none'");
});

test('the boundary graph is visible: nodes and edges laid out inside a non-empty box', async () => {
  const svg = page.locator('svg.boundary-graph');
  await expect(svg.isVisible()).resolves.toBe(true);
  const box = await svg.boundingBox();
  expect(box).not.toBeNull();
  expect(box!.width).toBeGreaterThan(300);
  expect(box!.height).toBeGreaterThan(100);
  const geometry = (await page.evaluate(`(() => {
    const svgEl = document.querySelector('svg.boundary-graph');
    const outer = svgEl.getBoundingClientRect();
    const nodes = [...svgEl.querySelectorAll('g.node')].map((g) => {
      const rect = g.querySelector('rect').getBoundingClientRect();
      const texts = [...g.querySelectorAll('text')].map((t) => t.getBoundingClientRect());
      return {
        id: g.getAttribute('data-id'),
        rect: { x: rect.x, y: rect.y, w: rect.width, h: rect.height },
        textsInside: texts.every((t) => t.left >= rect.left - 0.5 && t.right <= rect.right + 0.5),
      };
    });
    const edges = [...svgEl.querySelectorAll('g.edge path')].map((p) => {
      const b = p.getBoundingClientRect();
      return { length: p.getTotalLength(), inside: b.left >= outer.left - 1 && b.right <= outer.right + 1 && b.top >= outer.top - 1 && b.bottom <= outer.bottom + 1 };
    });
    return { outer: { x: outer.x, y: outer.y, w: outer.width, h: outer.height }, nodes, edges };
  })()`)) as {
    outer: { x: number; y: number; w: number; h: number };
    nodes: { id: string; rect: { x: number; y: number; w: number; h: number }; textsInside: boolean }[];
    edges: { length: number; inside: boolean }[];
  };
  expect(geometry.nodes.length).toBe(graphNodes);
  expect(geometry.edges.length).toBe(graphEdges);
  expect(geometry.nodes.map((n) => n.id)).toEqual(expect.arrayContaining(['vmk_core', 'vmk_shim', 'kernel:gpl', 'prop_direct']));
  for (const n of geometry.nodes) {
    expect(n.rect.w).toBeGreaterThan(0);
    expect(n.rect.h).toBeGreaterThan(0);
    // inside the picture
    expect(n.rect.x).toBeGreaterThanOrEqual(geometry.outer.x - 1);
    expect(n.rect.x + n.rect.w).toBeLessThanOrEqual(geometry.outer.x + geometry.outer.w + 1);
    // labels fit their boxes in the real font
    expect({ id: n.id, fits: n.textsInside }).toEqual({ id: n.id, fits: true });
  }
  // no two nodes overlap
  for (let i = 0; i < geometry.nodes.length; i++) {
    for (let j = i + 1; j < geometry.nodes.length; j++) {
      const a = geometry.nodes[i].rect;
      const b = geometry.nodes[j].rect;
      const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      expect({ pair: [geometry.nodes[i].id, geometry.nodes[j].id], overlap }).toEqual({ pair: [geometry.nodes[i].id, geometry.nodes[j].id], overlap: false });
    }
  }
  for (const e of geometry.edges) {
    expect(e.length).toBeGreaterThan(10);
    // edge routes are not cut off at the picture's border
    expect(e.inside).toBe(true);
  }
});

test('findings show their evidence chain and the cited source lines', async () => {
  const chain = page.locator('ol.chain').first();
  await expect(chain.isVisible()).resolves.toBe(true);
  const cited = await page.locator('pre.snippet span.l.cited').count();
  expect(cited).toBeGreaterThan(5);
  const text = await page.locator('#findings').innerText();
  expect(text).toContain("GPL-incompatible module prop_direct.ko uses GPL-only symbol 'ktime_get'");
  expect(text).toContain('state->loaded_at = ktime_get();');
  const repro = await page.locator('#reproduce').innerText();
  expect(repro).toContain('gplcheck scan test/fixtures/modules vmkernel');
  expect(repro).toMatch(/linux-headers-6\.1\.0-\d+-amd64/);
});

test('screenshots for CI artefacts', async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const full = path.join(ARTIFACTS, 'audit-report.png');
  await page.screenshot({ path: full, fullPage: true });
  const graph = path.join(ARTIFACTS, 'audit-report-graph.png');
  await page.locator('figure.graph').screenshot({ path: graph });
  for (const p of [full, graph]) {
    const png = fs.readFileSync(p);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
  }
  process.stdout.write(`audit report screenshots: ${full} ${graph}\n`);
});
