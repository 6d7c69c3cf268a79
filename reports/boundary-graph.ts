/**
 * The boundary graph as a picture: scanned units and the kernel, with an edge wherever a unit
 * resolves symbols against another (a scanned unit, or the kernel's exports grouped into one
 * node for GPL-only and one for plain exports). Laid out by dagre, drawn as inline SVG (no
 * script, no fonts fetched: the system's sans-serif).
 *
 * Built from result.units[].imports only: who imports what from whom, the export types, and the
 * licence verdict the pipeline already made (unit.gplCompatible). Edge colours restate those
 * facts; they are not findings.
 */
import dagre from '@dagrejs/dagre';
import type { Unit } from '../rules/model';
import { escapeHtml, licenceClass, licenceText, unitRisk, type LicenceClass } from './common';
import type { RiskLevel } from '../rules/model';
import type { ScanResult } from './types';

export const KERNEL_GPL = 'kernel:gpl';
export const KERNEL_PLAIN = 'kernel:plain';

export type NodeClass = LicenceClass | 'kernel';
export type EdgeClass =
  /** GPL-only symbols used by a unit whose licence is not GPL-compatible. */
  | 'gpl-only-crossing'
  /** A unit that is not GPL-compatible uses plain exports of a scanned GPL-compatible unit. */
  | 'into-gpl-unit'
  /** A GPL-compatible unit uses exports of a scanned unit that is not GPL-compatible. */
  | 'into-non-gpl-unit'
  | 'plain';

export interface GraphNode {
  id: string;
  label: string;
  sublabel: string;
  cls: NodeClass;
  risk?: RiskLevel;
  findings: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  symbols: string[];
  gplOnly: number;
  cls: EdgeClass;
}

export interface BoundaryGraphView {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Units left out to keep the picture readable (no findings, no crossings). */
  omittedUnits: number;
  /** Imports whose provider is unknown (not in the database, not scanned): not drawn. */
  unresolvedImports: number;
  /** Kernel modules (not vmlinux) among the kernel providers, folded into the kernel nodes. */
  kernelModules: string[];
}

export const MAX_GRAPH_UNITS = 80;

export function buildBoundaryGraph(r: ScanResult, maxUnits = MAX_GRAPH_UNITS): BoundaryGraphView {
  const unitById = new Map(r.units.map((u) => [u.id, u]));
  const findingsByUnit = new Map<string, number>();
  for (const f of r.findings) findingsByUnit.set(f.unit, (findingsByUnit.get(f.unit) ?? 0) + 1);

  const edgeMap = new Map<string, GraphEdge>();
  let unresolved = 0;
  const kernelModules = new Set<string>();
  for (const u of r.units) {
    for (const imp of u.imports) {
      let to: string | undefined;
      if (imp.providerKind === 'scanned' && imp.provider && unitById.has(imp.provider) && imp.provider !== u.id) to = imp.provider;
      else if (imp.providerKind === 'kernel') {
        to = imp.exportType === 'gpl' ? KERNEL_GPL : KERNEL_PLAIN;
        if (imp.provider && imp.provider !== 'vmlinux') kernelModules.add(imp.provider);
      } else if (imp.providerKind === 'unknown') unresolved++;
      if (!to) continue;
      const key = `${u.id}\0${to}`;
      let e = edgeMap.get(key);
      if (!e) {
        e = { from: u.id, to, symbols: [], gplOnly: 0, cls: 'plain' };
        edgeMap.set(key, e);
      }
      if (!e.symbols.includes(imp.symbol)) {
        e.symbols.push(imp.symbol);
        if (imp.exportType === 'gpl') e.gplOnly++;
      }
    }
  }
  for (const e of edgeMap.values()) {
    const from = unitById.get(e.from)!;
    const fromGpl = from.gplCompatible;
    const target = unitById.get(e.to);
    if (!fromGpl && e.gplOnly > 0) e.cls = 'gpl-only-crossing';
    else if (!fromGpl && target && target.gplCompatible) e.cls = 'into-gpl-unit';
    else if (fromGpl && target && !target.gplCompatible) e.cls = 'into-non-gpl-unit';
    e.symbols.sort();
  }

  // Which units to draw: all when few; else those with findings or crossings first.
  const degree = new Map<string, number>();
  for (const e of edgeMap.values()) {
    degree.set(e.from, (degree.get(e.from) ?? 0) + 1);
    degree.set(e.to, (degree.get(e.to) ?? 0) + 1);
  }
  const score = (u: Unit): number =>
    (findingsByUnit.get(u.id) ?? 0) * 1000 +
    [...edgeMap.values()].filter((e) => (e.from === u.id || e.to === u.id) && e.cls !== 'plain').length * 100 +
    (degree.get(u.id) ?? 0);
  let drawn = r.units;
  if (r.units.length > maxUnits) {
    drawn = [...r.units].sort((a, b) => score(b) - score(a) || (a.id < b.id ? -1 : 1)).slice(0, maxUnits);
  }
  const drawnIds = new Set(drawn.map((u) => u.id));
  const edges = [...edgeMap.values()].filter((e) => drawnIds.has(e.from) && (drawnIds.has(e.to) || e.to.startsWith('kernel:')));

  const nodes: GraphNode[] = drawn.map((u) => {
    const risk = unitRisk(u);
    return {
      id: u.id,
      label: u.id,
      sublabel: `${u.kind}, ${licenceText(u)}`,
      cls: licenceClass(u),
      ...(risk ? { risk: risk.level } : {}),
      findings: findingsByUnit.get(u.id) ?? 0,
    };
  });
  const kmods = kernelModules.size ? ` + ${kernelModules.size} module${kernelModules.size === 1 ? '' : 's'}` : '';
  if (edges.some((e) => e.to === KERNEL_GPL)) {
    nodes.push({ id: KERNEL_GPL, label: 'Linux kernel (GPL-only exports)', sublabel: `EXPORT_SYMBOL_GPL, ${r.database.kernel}${kmods}`, cls: 'kernel', findings: 0 });
  }
  if (edges.some((e) => e.to === KERNEL_PLAIN)) {
    nodes.push({ id: KERNEL_PLAIN, label: 'Linux kernel (plain exports)', sublabel: `EXPORT_SYMBOL, ${r.database.kernel}${kmods}`, cls: 'kernel', findings: 0 });
  }
  return { nodes, edges, omittedUnits: r.units.length - drawn.length, unresolvedImports: unresolved, kernelModules: [...kernelModules].sort() };
}

// ------------------------------------------------------------------------------------------
// Layout and SVG
// ------------------------------------------------------------------------------------------

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "DejaVu Sans", sans-serif';
const TITLE_PX = 13;
const SUB_PX = 11;

/** Width of text in a sans-serif face, estimated from character classes (no DOM in Node). */
export function textWidth(s: string, px: number, bold = false): number {
  let w = 0;
  for (const ch of s) {
    if (/[il.,:;'|!()\[\]]/.test(ch)) w += 0.3;
    else if (/[fjtr ]/.test(ch)) w += 0.38;
    else if (/[mwMW]/.test(ch)) w += 0.86;
    else if (/[A-Z]/.test(ch)) w += 0.68;
    else if (/[0-9]/.test(ch)) w += 0.56;
    else if (ch === '_' || ch === '-') w += 0.5;
    else w += 0.56;
  }
  return w * px * (bold ? 1.07 : 1);
}

const NODE_STYLE: Record<NodeClass, { fill: string; stroke: string; text: string }> = {
  'gpl-compatible': { fill: '#e7f5ec', stroke: '#2f8a4f', text: '#173d24' },
  incompatible: { fill: '#fdecea', stroke: '#c0392b', text: '#4d1610' },
  none: { fill: '#f1f2f4', stroke: '#6b7280', text: '#2b2f36' },
  kernel: { fill: '#e8effc', stroke: '#2f5fb3', text: '#14295a' },
};

export const RISK_COLOR: Record<RiskLevel, string> = {
  none: '#6b7280',
  low: '#2f8a4f',
  medium: '#b7791f',
  high: '#d9480f',
  critical: '#b00020',
};

const EDGE_STYLE: Record<EdgeClass, { color: string; width: number; dash?: string }> = {
  'gpl-only-crossing': { color: '#c0392b', width: 2.4 },
  'into-gpl-unit': { color: '#c77700', width: 2, dash: '6 4' },
  'into-non-gpl-unit': { color: '#7b3fb0', width: 2, dash: '2 3' },
  plain: { color: '#8a93a3', width: 1.2 },
};

export interface LaidOutGraph {
  width: number;
  height: number;
  nodes: (GraphNode & { x: number; y: number; w: number; h: number })[];
  edges: (GraphEdge & { points: { x: number; y: number }[]; label: string; lx: number; ly: number; lw: number })[];
}

function edgeLabel(e: GraphEdge): string {
  const n = e.symbols.length;
  return e.gplOnly && e.to !== KERNEL_GPL ? `${n} symbol${n === 1 ? '' : 's'}, ${e.gplOnly} GPL-only` : `${n} symbol${n === 1 ? '' : 's'}`;
}

export function layoutBoundaryGraph(view: BoundaryGraphView): LaidOutGraph {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'LR', nodesep: 22, ranksep: 90, edgesep: 12, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of view.nodes) {
    const w = Math.ceil(Math.max(textWidth(n.label, TITLE_PX, true) + (n.findings ? 26 : 0), textWidth(n.sublabel, SUB_PX)) + 34);
    const h = n.risk ? 60 : 46;
    g.setNode(n.id, { width: Math.max(w, 120), height: h });
  }
  for (const e of view.edges) {
    // only the crossings are labelled; plain edges say what they carry in their tooltip
    const label = e.cls === 'plain' ? '' : edgeLabel(e);
    g.setEdge(e.from, e.to, label ? { width: Math.ceil(textWidth(label, 10)) + 10, height: 14, labelpos: 'c', weight: 3 } : { width: 0, height: 0, weight: 1 });
  }
  dagre.layout(g);
  const gl = g.graph();
  const nodes = view.nodes.map((n) => {
    const l = g.node(n.id);
    return { ...n, x: l.x!, y: l.y!, w: l.width, h: l.height };
  });
  const edges = view.edges.map((e) => {
    const l = g.edge(e.from, e.to);
    return { ...e, points: l.points ?? [], label: e.cls === 'plain' ? '' : edgeLabel(e), lx: l.x ?? 0, ly: l.y ?? 0, lw: l.width ?? 0 };
  });
  return { width: Math.ceil(gl.width ?? 0), height: Math.ceil(gl.height ?? 0), nodes, edges };
}

function pathData(points: { x: number; y: number }[]): string {
  if (points.length === 0) return '';
  const f = (n: number) => n.toFixed(1);
  let d = `M${f(points[0].x)},${f(points[0].y)}`;
  if (points.length === 2) return d + ` L${f(points[1].x)},${f(points[1].y)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const mx = (points[i].x + points[i + 1].x) / 2;
    const my = (points[i].y + points[i + 1].y) / 2;
    d += ` Q${f(points[i].x)},${f(points[i].y)} ${f(mx)},${f(my)}`;
  }
  const last = points[points.length - 1];
  return d + ` L${f(last.x)},${f(last.y)}`;
}

/** The graph as a self-contained <svg> element (inline styles only). */
export function boundaryGraphSvg(view: BoundaryGraphView, title = 'Boundary graph'): string {
  const lay = layoutBoundaryGraph(view);
  // The picture's extent: nodes, edge routes and labels (routes may bend outside dagre's box).
  let minX = 0;
  let minY = 0;
  let maxX = lay.width;
  let maxY = lay.height;
  const extend = (x: number, y: number) => {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  };
  for (const n of lay.nodes) {
    extend(n.x - n.w / 2, n.y - n.h / 2);
    extend(n.x + n.w / 2, n.y + n.h / 2);
  }
  for (const e of lay.edges) {
    for (const p of e.points) extend(p.x, p.y);
    if (e.label) {
      extend(e.lx - e.lw / 2, e.ly - 8);
      extend(e.lx + e.lw / 2, e.ly + 8);
    }
  }
  const M = 6;
  const X0 = Math.floor(minX - M);
  const Y0 = Math.floor(minY - M);
  const W = Math.max(Math.ceil(maxX + M) - X0, 200);
  const H = Math.max(Math.ceil(maxY + M) - Y0, 60);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="boundary-graph" viewBox="${X0} ${Y0} ${W} ${H}" width="${W}" height="${H}" ` +
      `role="img" aria-labelledby="bg-title" font-family='${FONT}'>`,
  );
  out.push(`<title id="bg-title">${escapeHtml(title)}</title>`);
  out.push('<defs>');
  for (const [cls, s] of Object.entries(EDGE_STYLE)) {
    out.push(
      `<marker id="arrow-${cls}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
        `<path d="M0,0 L10,5 L0,10 z" fill="${s.color}"/></marker>`,
    );
  }
  out.push('</defs>');
  // plain edges first, so crossings are drawn on top
  const order: EdgeClass[] = ['plain', 'into-non-gpl-unit', 'into-gpl-unit', 'gpl-only-crossing'];
  for (const cls of order) {
    for (const e of lay.edges.filter((x) => x.cls === cls)) {
      const s = EDGE_STYLE[e.cls];
      const shown = e.symbols.slice(0, 12).join(', ') + (e.symbols.length > 12 ? `, … (${e.symbols.length} in all)` : '');
      const label = e.label
        ? `<rect x="${(e.lx - e.lw / 2).toFixed(1)}" y="${(e.ly - 8).toFixed(1)}" width="${e.lw}" height="15" rx="3" fill="#ffffff" fill-opacity="0.9"/>` +
          `<text x="${e.lx.toFixed(1)}" y="${(e.ly + 3.5).toFixed(1)}" text-anchor="middle" font-size="10" font-weight="600" fill="${s.color}">${escapeHtml(e.label)}</text>`
        : '';
      out.push(
        `<g class="edge edge-${e.cls}" data-from="${escapeHtml(e.from)}" data-to="${escapeHtml(e.to)}">` +
          `<title>${escapeHtml(`${e.from} → ${nodeLabel(view, e.to)}: ${e.symbols.length} symbol${e.symbols.length === 1 ? '' : 's'} (${e.gplOnly} GPL-only): ${shown}`)}</title>` +
          `<path d="${pathData(e.points)}" fill="none" stroke="${s.color}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}${cls === 'plain' ? ' stroke-opacity="0.75"' : ''} marker-end="url(#arrow-${e.cls})"/>` +
          label +
          `</g>`,
      );
    }
  }
  for (const n of lay.nodes) {
    const s = NODE_STYLE[n.cls];
    const x = n.x - n.w / 2;
    const y = n.y - n.h / 2;
    const riskColor = n.risk ? RISK_COLOR[n.risk] : undefined;
    const left = x + (riskColor ? 8 : 0);
    const parts = [
      `<g class="node node-${n.cls}" data-id="${escapeHtml(n.id)}"${n.risk ? ` data-risk="${n.risk}"` : ''}>`,
      `<title>${escapeHtml(`${n.label}\n${n.sublabel}${n.risk ? `\nrisk: ${n.risk}` : ''}${n.findings ? `\n${n.findings} finding(s)` : ''}`)}</title>`,
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${n.w}" height="${n.h}" rx="${n.cls === 'kernel' ? 3 : 7}" fill="${s.fill}" stroke="${s.stroke}" stroke-width="${n.cls === 'kernel' ? 1.6 : 1.3}"/>`,
    ];
    if (riskColor) {
      // the risk level as a bar along the left edge, clipped to the box's rounded corners
      parts.push(`<path d="M${(x + 7).toFixed(1)},${y.toFixed(1)} h-0.5 a7,7 0 0 0 -6.5,7 v${(n.h - 14).toFixed(1)} a7,7 0 0 0 6.5,7 h0.5 z" fill="${riskColor}"/>`);
    }
    parts.push(
      `<text x="${(left + 10).toFixed(1)}" y="${(y + 19).toFixed(1)}" font-size="${TITLE_PX}" font-weight="600" fill="${s.text}">${escapeHtml(n.label)}</text>`,
      `<text x="${(left + 10).toFixed(1)}" y="${(y + 35).toFixed(1)}" font-size="${SUB_PX}" fill="${s.text}" fill-opacity="0.8">${escapeHtml(n.sublabel)}</text>`,
    );
    if (n.risk) {
      parts.push(
        `<text x="${(left + 10).toFixed(1)}" y="${(y + 51).toFixed(1)}" font-size="${SUB_PX}" font-weight="600" fill="${riskColor}">risk: ${n.risk}</text>`,
      );
    }
    if (n.findings) {
      const cx = x + n.w - 13;
      const cy = y + 13;
      parts.push(
        `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="9" fill="${NODE_STYLE.incompatible.stroke}"/>` +
          `<text x="${cx.toFixed(1)}" y="${(cy + 3.5).toFixed(1)}" text-anchor="middle" font-size="10" font-weight="700" fill="#ffffff">${n.findings > 99 ? '99+' : n.findings}</text>`,
      );
    }
    parts.push('</g>');
    out.push(parts.join(''));
  }
  out.push('</svg>');
  return out.join('\n');
}

function nodeLabel(view: BoundaryGraphView, id: string): string {
  return view.nodes.find((n) => n.id === id)?.label ?? id;
}

export const GRAPH_LEGEND = {
  nodes: [
    { cls: 'gpl-compatible' as NodeClass, text: 'Unit whose MODULE_LICENSE tags are all GPL-compatible' },
    { cls: 'incompatible' as NodeClass, text: 'Unit with a tag that is not GPL-compatible' },
    { cls: 'none' as NodeClass, text: 'Unit without a licence tag' },
    { cls: 'kernel' as NodeClass, text: 'The kernel build the symbols were resolved against' },
  ],
  edges: [
    { cls: 'gpl-only-crossing' as EdgeClass, text: 'uses GPL-only exports while not GPL-compatible' },
    { cls: 'into-gpl-unit' as EdgeClass, text: 'not GPL-compatible, uses exports of a scanned GPL-compatible unit' },
    { cls: 'into-non-gpl-unit' as EdgeClass, text: 'GPL-compatible, uses exports of a scanned unit that is not' },
    { cls: 'plain' as EdgeClass, text: 'other symbol use' },
  ],
  nodeStyle: NODE_STYLE,
  edgeStyle: EDGE_STYLE,
};
