/**
 * The audit report as one self-contained HTML file: inline CSS and SVG, no script, no fonts or
 * images fetched (a Content-Security-Policy in the file forbids any request), readable on screen
 * and printable. Same content as the Markdown report, with the boundary graph drawn.
 */
import { buildAudit, METHOD_TEXT, type AuditDocument, type AuditFinding, type AuditLocation } from './audit';
import { boundaryGraphSvg, GRAPH_LEGEND, RISK_COLOR } from './boundary-graph';
import { escapeHtml as h, formatLocation } from './common';
import type { RenderOptions } from './render';
import type { Snippet } from './sources';
import type { Reporter, ScanResult } from './types';
import type { RiskLevel } from '../rules/model';

const CSS = `
:root { --fg:#1f2430; --muted:#5b6472; --line:#e3e6eb; --bg:#ffffff; --soft:#f6f7f9; --accent:#2f5fb3;
  --error:#c0392b; --warning:#b7791f; --info:#2f5fb3; --ok:#2f8a4f; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin:0; color:var(--fg); background:var(--bg); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "DejaVu Sans", sans-serif; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace; font-size: 12.5px; }
a { color: var(--accent); }
header.top { background: linear-gradient(135deg, #1d2b4f 0%, #2f4f8f 100%); color:#fff; padding: 28px 40px 24px; }
header.top h1 { margin:0 0 6px; font-size: 24px; font-weight: 650; letter-spacing: .1px; }
header.top p { margin: 0; color: #d5def0; max-width: 980px; }
main { max-width: 1180px; margin: 0 auto; padding: 8px 40px 60px; }
nav.toc { margin: 18px 0 4px; display:flex; flex-wrap: wrap; gap: 6px 18px; font-size: 13px; }
nav.toc a { text-decoration: none; color: var(--muted); border-bottom: 1px dotted var(--muted); }
h2 { font-size: 19px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 26px 0 8px; }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin: 18px 0 8px; }
.card { border:1px solid var(--line); border-radius: 10px; padding: 12px 14px; background: var(--soft); }
.card .n { font-size: 26px; font-weight: 680; line-height: 1.1; }
.card .l { color: var(--muted); font-size: 12.5px; }
.card.error .n { color: var(--error); } .card.warning .n { color: var(--warning); } .card.ok .n { color: var(--ok); }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid var(--line); }
th { background: var(--soft); font-weight: 600; color: #333a46; }
td:first-child code { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.pill { display:inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11.5px; font-weight: 600; white-space: nowrap; }
.pill.gpl-compatible { background:#e7f5ec; color:#1d6b3b; } .pill.incompatible { background:#fdecea; color:#9c2a1f; } .pill.none { background:#eef0f3; color:#4b5563; }
.sev { display:inline-block; min-width: 62px; text-align:center; padding: 1px 8px; border-radius: 4px; font-size: 11px; font-weight: 700; letter-spacing: .4px; color: #fff; text-transform: uppercase; }
.sev.error { background: var(--error); } .sev.warning { background: var(--warning); } .sev.info { background: var(--info); }
.risk { font-weight: 650; }
.unit { border: 1px solid var(--line); border-radius: 10px; margin: 16px 0; overflow: hidden; }
.unit > .head { background: var(--soft); padding: 10px 14px; border-bottom: 1px solid var(--line); }
.unit > .head .name { font-weight: 650; font-size: 15px; }
.unit > .head .meta { color: var(--muted); font-size: 12.5px; }
.finding { padding: 12px 14px 6px 16px; border-left: 4px solid var(--info); border-bottom: 1px solid var(--line); }
.finding:last-child { border-bottom: 0; }
.finding.error { border-left-color: var(--error); } .finding.warning { border-left-color: var(--warning); }
.finding .msg { font-weight: 560; margin: 4px 0 6px; }
.finding .facts { color: var(--muted); font-size: 12.5px; display:flex; flex-wrap: wrap; gap: 4px 14px; }
.finding .facts code { color: var(--fg); }
.baseline { font-size: 12.5px; margin: 6px 0; padding: 6px 10px; border-radius: 6px; }
.baseline.accepted { background: #eef6f0; color:#1d6b3b; } .baseline.new { background: #fff4e5; color: #8a5300; }
ol.chain { list-style: none; padding: 0; margin: 10px 0; counter-reset: step; }
ol.chain > li { position: relative; padding: 0 0 10px 30px; counter-increment: step; }
ol.chain > li::before { content: counter(step); position:absolute; left:0; top:0; width: 20px; height: 20px; border-radius: 50%; background: var(--accent); color:#fff; font-size: 11px; font-weight: 700; text-align:center; line-height: 20px; }
ol.chain > li:not(:last-child)::after { content:""; position:absolute; left: 9.5px; top: 22px; bottom: 2px; border-left: 1px dashed #a9b4c6; }
.where { margin: 8px 0 6px; }
.where .loc { font-size: 12.5px; margin: 3px 0; }
.where .kind { display:inline-block; width: 54px; color: var(--muted); font-size: 11.5px; text-transform: uppercase; letter-spacing: .3px; }
pre.snippet { margin: 4px 0 10px; padding: 6px 0; background: #fbfbfc; border: 1px solid var(--line); border-radius: 6px; overflow-x: auto; line-height: 1.45; }
pre.snippet span.l { display:block; padding: 0 12px 0 0; white-space: pre; }
pre.snippet span.l.cited { background: #fff3c4; }
pre.snippet span.ln { display:inline-block; width: 48px; padding-right: 10px; margin-right: 10px; text-align:right; color:#98a1b0; border-right: 1px solid var(--line); user-select: none; }
figure.graph { margin: 10px 0; border: 1px solid var(--line); border-radius: 10px; padding: 12px; overflow-x: auto; background: #fff; }
figure.graph svg { display:block; margin: 0 auto; max-width: 100%; height: auto; }
figure.graph figcaption { color: var(--muted); font-size: 12.5px; margin-top: 8px; }
.legend { display:flex; flex-wrap: wrap; gap: 6px 20px; font-size: 12.5px; color: var(--muted); margin: 8px 0 0; }
.legend span { display:inline-flex; align-items:center; gap: 6px; }
dl.repro { display:grid; grid-template-columns: 220px 1fr; gap: 4px 16px; margin: 8px 0; }
dl.repro dt { color: var(--muted); } dl.repro dd { margin: 0; word-break: break-all; }
.note { color: var(--muted); font-size: 12.5px; }
ul.refs li, ul.method li { margin: 4px 0; }
footer { color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); margin-top: 40px; padding-top: 12px; }
@media print {
  header.top { background: none; color: #000; padding: 0 0 10px; border-bottom: 2px solid #000; }
  header.top p { color: #333; }
  main { padding: 0; max-width: none; }
  nav.toc { display: none; }
  .unit, .finding, figure.graph { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;

function snippetHtml(s: Snippet): string {
  const lines = s.lines
    .map((l) => `<span class="l${l.cited ? ' cited' : ''}"><span class="ln">${l.line}</span>${h(l.text)}</span>`)
    .join('');
  return `<pre class="snippet" aria-label="${h(s.path)}">${lines}</pre>`;
}

function locHtml(l: AuditLocation): string {
  return `<div class="loc"><span class="kind">${l.kind}</span><code>${h(formatLocation(l.location))}</code></div>${l.snippet ? snippetHtml(l.snippet) : ''}`;
}

function findingHtml(a: AuditFinding): string {
  const f = a.finding;
  const out: string[] = [];
  out.push(`<article class="finding ${f.severity}" id="f-${a.fingerprint}">`);
  out.push(`<div><span class="sev ${f.severity}">${f.severity}</span> <code>${h(f.ruleId)}</code></div>`);
  out.push(`<div class="msg">${h(f.message)}</div>`);
  const facts: string[] = [];
  if (f.symbol) facts.push(`symbol <code>${h(f.symbol)}</code>`);
  if (f.evidence) facts.push(`evidence from ${f.evidence === 'both' ? 'source and binary' : f.evidence}`);
  if (a.functions.length) facts.push(`in ${a.functions.map((x) => `<code>${h(x)}</code>`).join(', ')}`);
  facts.push(`fingerprint <code>${a.fingerprint}</code>`);
  out.push(`<div class="facts">${facts.map((x) => `<span>${x}</span>`).join('')}</div>`);
  if (a.baseline) {
    out.push(
      a.baseline.status === 'accepted'
        ? `<div class="baseline accepted"><strong>Accepted</strong> in the baseline${a.baseline.reason ? `: ${h(a.baseline.reason)}` : ''}</div>`
        : `<div class="baseline new"><strong>New</strong>: not in the baseline</div>`,
    );
  }
  if (a.chain.length) {
    out.push('<ol class="chain">');
    for (const c of a.chain) {
      const s = c.step;
      out.push(
        `<li><code>${h(s.unit)}</code>: <code>${h(s.symbol)}</code>${s.note ? ` — ${h(s.note)}` : ''}` +
          `${s.location ? `<div class="loc note"><code>${h(formatLocation(s.location))}</code></div>` : ''}${c.snippet ? snippetHtml(c.snippet) : ''}</li>`,
      );
    }
    out.push('</ol>');
  }
  if (a.locations.length) {
    out.push(`<div class="where">${a.locations.map(locHtml).join('')}`);
    if (a.omittedLocations) out.push(`<div class="note">… and ${a.omittedLocations} more place${a.omittedLocations === 1 ? '' : 's'} (see the JSON or SARIF report)</div>`);
    out.push('</div>');
  }
  out.push('</article>');
  return out.join('\n');
}

function riskHtml(level: string | undefined): string {
  if (!level) return '<span class="note">—</span>';
  const color = RISK_COLOR[level as RiskLevel] ?? '#5b6472';
  return `<span class="risk" style="color:${color}">${h(level)}</span>`;
}

function swatchNode(fill: string, stroke: string): string {
  return `<svg width="22" height="14" aria-hidden="true"><rect x="1" y="1" width="20" height="12" rx="3" fill="${fill}" stroke="${stroke}" stroke-width="1.4"/></svg>`;
}

function swatchEdge(color: string, width: number, dash?: string): string {
  return `<svg width="30" height="10" aria-hidden="true"><line x1="1" y1="5" x2="29" y2="5" stroke="${color}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/></svg>`;
}

export function renderHtml(doc: AuditDocument): string {
  const r = doc.result;
  const c = doc.counts;
  const o: string[] = [];
  o.push('<!DOCTYPE html>');
  o.push('<html lang="en">');
  o.push('<head>');
  o.push('<meta charset="utf-8">');
  o.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'">`);
  o.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  o.push(`<meta name="generator" content="${h(`${r.tool.name} ${r.tool.version}`)}">`);
  o.push(`<title>${h(doc.title)}</title>`);
  o.push(`<style>${CSS}</style>`);
  o.push('</head>');
  o.push('<body>');
  o.push('<header class="top">');
  o.push(`<h1>${h(doc.title)}</h1>`);
  o.push(
    `<p>${h(r.tool.name)} ${h(r.tool.version)} · ${h(r.invocation.date)} · kernel symbols of Linux ${h(r.database.kernel)} (${h(r.database.arch)}). ` +
      `This report states evidence and the kernel's own rules; it is not a legal opinion.</p>`,
  );
  o.push('</header>');
  o.push('<main>');
  o.push(
    '<nav class="toc">' +
      [
        ['summary', 'Summary'],
        ['graph', 'Boundary graph'],
        ['units', 'Units'],
        ['findings', 'Findings'],
        ['headers', 'Headers'],
        ['method', 'Method & references'],
        ['reproduce', 'Reproduce'],
      ]
        .map(([id, t]) => `<a href="#${id}">${t}</a>`)
        .join('') +
      '</nav>',
  );

  // Summary
  o.push('<section id="summary"><h2>Summary</h2>');
  o.push('<div class="cards">');
  o.push(`<div class="card"><div class="n">${c.units}</div><div class="l">units scanned (${r.stats.analysed} files analysed)</div></div>`);
  o.push(`<div class="card ${c.bySeverity.error ? 'error' : 'ok'}"><div class="n">${c.bySeverity.error}</div><div class="l">errors</div></div>`);
  o.push(`<div class="card ${c.bySeverity.warning ? 'warning' : 'ok'}"><div class="n">${c.bySeverity.warning}</div><div class="l">warnings</div></div>`);
  o.push(`<div class="card"><div class="n">${c.bySeverity.info}</div><div class="l">info</div></div>`);
  o.push(`<div class="card ${c.byLicence.incompatible ? 'error' : 'ok'}"><div class="n">${c.byLicence.incompatible}</div><div class="l">units not GPL-compatible</div></div>`);
  const crossings = doc.graph.edges.filter((e) => e.cls === 'gpl-only-crossing').length;
  o.push(`<div class="card ${crossings ? 'error' : 'ok'}"><div class="n">${crossings}</div><div class="l">GPL-only crossings in the graph</div></div>`);
  o.push('</div>');
  o.push('<table><thead><tr><th>Rule</th><th>What it finds</th><th class="num">Findings</th></tr></thead><tbody>');
  for (const rule of doc.rules) {
    const n = c.byRule.find((x) => x.rule === rule.id)?.count ?? 0;
    o.push(`<tr><td><code>${h(rule.id)}</code></td><td>${h(rule.description)}</td><td class="num">${n}</td></tr>`);
  }
  o.push('</tbody></table>');
  const facts: string[] = [
    `${c.byLicence['gpl-compatible']} GPL-compatible, ${c.byLicence.incompatible} not GPL-compatible, ${c.byLicence.none} without a licence tag`,
  ];
  if (c.byRisk.length) facts.push(`risk: ${c.byRisk.map((x) => `${x.count} ${x.level}`).join(', ')}`);
  if (doc.baseline) facts.push(`baseline <code>${h(doc.baseline.file)}</code>: ${doc.baseline.counts.new} new, ${doc.baseline.counts.accepted} accepted, ${doc.baseline.counts.stale} stale`);
  facts.push(`${r.errors.length} unreadable inputs, ${r.warnings.length} partial-read warnings`);
  o.push(`<p class="note">${facts.join(' · ')}</p>`);
  o.push('</section>');

  // Graph
  o.push('<section id="graph"><h2>Boundary graph</h2>');
  if (!doc.graph.edges.length) o.push('<p>No unit resolves symbols against the kernel or another scanned unit.</p>');
  else {
    o.push('<figure class="graph">');
    o.push(boundaryGraphSvg(doc.graph, `Boundary graph of ${r.inputs.join(', ')}`));
    const legend: string[] = [];
    for (const n of GRAPH_LEGEND.nodes) {
      const s = GRAPH_LEGEND.nodeStyle[n.cls];
      legend.push(`<span>${swatchNode(s.fill, s.stroke)}${h(n.text)}</span>`);
    }
    for (const e of GRAPH_LEGEND.edges) {
      const s = GRAPH_LEGEND.edgeStyle[e.cls];
      legend.push(`<span>${swatchEdge(s.color, s.width, s.dash)}${h(e.text)}</span>`);
    }
    o.push(`<div class="legend">${legend.join('')}</div>`);
    const cap: string[] = [
      "An arrow from a unit points at what it resolves symbols against at load time: another scanned unit, or the kernel's exports (GPL-only and plain ones drawn apart). Labels count distinct symbols; the red badge counts a unit's findings; the bar on a unit's left edge gives its risk level (grey none, green low, amber medium, orange high, red critical).",
    ];
    if (doc.graph.kernelModules.length) cap.push(`Kernel modules among the providers, folded into the kernel nodes: ${doc.graph.kernelModules.map(h).join(', ')}.`);
    if (doc.graph.omittedUnits) cap.push(`${doc.graph.omittedUnits} units without findings or crossings are not drawn.`);
    if (doc.graph.unresolvedImports) cap.push(`${doc.graph.unresolvedImports} imports resolve neither against the kernel nor a scanned unit (libc, or unknown) and are not drawn.`);
    o.push(`<figcaption>${cap.join(' ')}</figcaption>`);
    o.push('</figure>');
  }
  o.push('</section>');

  // Units
  o.push('<section id="units"><h2>Units</h2>');
  o.push(
    '<table><thead><tr><th>Unit</th><th>Kind</th><th>Licence (MODULE_LICENSE)</th><th>Risk</th><th class="num">Imports</th><th class="num">GPL-only</th><th class="num">Findings</th></tr></thead><tbody>',
  );
  for (const u of doc.units) {
    o.push(
      `<tr><td>${u.findings.length ? `<a href="#u-${h(u.unit.id)}"><code>${h(u.unit.id)}</code></a>` : `<code>${h(u.unit.id)}</code>`}</td><td>${h(u.unit.kind)}</td>` +
        `<td><span class="pill ${u.licenceClass}">${h(u.licence)}</span></td><td>${riskHtml(u.risk?.level)}</td>` +
        `<td class="num">${u.imports.total}</td><td class="num">${u.imports.gplOnly}</td><td class="num">${u.findings.length}</td></tr>`,
    );
  }
  o.push('</tbody></table>');
  o.push('</section>');

  // Findings per unit
  o.push('<section id="findings"><h2>Findings</h2>');
  if (!c.findings) o.push('<p>No findings.</p>');
  // Units without findings appear in the Units table only (a scan of thousands of modules stays readable).
  for (const u of doc.units.filter((x) => x.findings.length)) {
    o.push(`<div class="unit" id="u-${h(u.unit.id)}">`);
    o.push('<div class="head">');
    o.push(`<div class="name">${h(u.unit.id)} <span class="pill ${u.licenceClass}">${h(u.licence)}</span></div>`);
    const meta = [
      `${h(u.unit.kind)}, evidence from ${h(u.unit.evidence)}`,
      u.unit.licenses.length ? `GPL-compatible (include/linux/license.h): ${u.unit.gplCompatible ? 'yes' : 'no'}` : '',
      `${u.imports.total} imports (${u.imports.gplOnly} GPL-only, ${u.imports.fromKernel} from the kernel, ${u.imports.fromScanned} from scanned units)`,
    ].filter(Boolean);
    o.push(`<div class="meta">${meta.join(' · ')}</div>`);
    if (u.unit.licenses.length) {
      o.push(`<div class="meta">Licence tags: ${u.unit.licenses.map((l) => `<code>"${h(l.value)}"</code> at <code>${h(formatLocation(l.location))}</code>`).join(', ')}</div>`);
    }
    o.push(`<div class="meta">Files: ${u.unit.paths.map((p) => `<code>${h(p)}</code>`).join(', ') || '—'}</div>`);
    if (u.risk) o.push(`<div class="meta">Risk ${riskHtml(u.risk.level)}: ${h(u.risk.rationale)}</div>`);
    o.push('</div>');
    o.push(u.findings.map(findingHtml).join('\n'));
    o.push('</div>');
  }
  if (doc.stale.length) {
    o.push('<h3>Stale baseline entries</h3><p class="note">Accepted in the baseline but no longer found; drop them with <code>--prune</code>.</p><ul>');
    for (const e of doc.stale) o.push(`<li><code>${h(e.ruleId)}</code> <code>${h(e.unit)}</code>${e.symbol ? ` <code>${h(e.symbol)}</code>` : ''}: ${h(e.message)} <span class="note">(${h(e.fingerprint)})</span></li>`);
    o.push('</ul>');
  }
  o.push('</section>');

  // Headers
  o.push('<section id="headers"><h2>Headers used</h2>');
  if (!doc.headers) o.push('<p class="note">The include facts were not available to this rendering.</p>');
  else if (!doc.headers.length) o.push('<p>No scanned source includes a header.</p>');
  else {
    o.push('<p class="note">Each header the scanned sources include, with the licence its SPDX line states when the header was among the scanned files.</p>');
    o.push('<table><thead><tr><th>Header</th><th>Kind</th><th>Licence (SPDX line)</th><th>Included by</th></tr></thead><tbody>');
    for (const hd of doc.headers) {
      const lic = hd.licences.length ? hd.licences.map((x) => `<code>${h(x)}</code>`).join(', ') : `<span class="note">${hd.resolved ? 'no SPDX line' : 'not determined (not among the scanned files)'}</span>`;
      const by = hd.units.slice(0, 8).map((x) => `<code>${h(x)}</code>`).join(', ') + (hd.units.length > 8 ? ` … (${hd.units.length})` : '');
      o.push(`<tr><td><code>${h(hd.target)}</code>${hd.resolved ? `<div class="note">→ <code>${h(hd.resolved)}</code></div>` : ''}</td><td>${h(hd.category)}</td><td>${lic}</td><td>${by}</td></tr>`);
    }
    o.push('</tbody></table>');
  }
  o.push('</section>');

  // Method and references
  o.push('<section id="method"><h2>Method &amp; references</h2>');
  o.push(`<ul class="method">${METHOD_TEXT.map((m) => `<li>${h(m)}</li>`).join('')}</ul>`);
  o.push('<h3>Rules</h3><table><thead><tr><th>Rule</th><th>Severity</th><th>Why it matters</th></tr></thead><tbody>');
  for (const rule of doc.rules) {
    o.push(`<tr><td><code>${h(rule.id)}</code></td><td>${h(rule.defaultSeverity)}</td><td>${h(rule.description)} ${h(rule.rationale)}</td></tr>`);
  }
  o.push('</tbody></table>');
  o.push('<h3>References</h3><ul class="refs">');
  for (const ref of doc.references) o.push(`<li>${ref.url ? `<a href="${h(ref.url)}" rel="noreferrer">${h(ref.title)}</a>` : h(ref.title)}</li>`);
  o.push('</ul>');
  if (r.errors.length || r.warnings.length) {
    o.push('<h3>Inputs not fully read</h3><ul>');
    for (const e of r.errors) o.push(`<li>unreadable: <code>${h(e.path)}</code>: ${h(e.message)}</li>`);
    for (const w of r.warnings.slice(0, 50)) o.push(`<li>partial: <code>${h(w.location ? formatLocation(w.location) : w.path)}</code>: ${h(w.message)}</li>`);
    if (r.warnings.length > 50) o.push(`<li class="note">… and ${r.warnings.length - 50} more partial-read warnings (see the JSON report)</li>`);
    o.push('</ul>');
  }
  o.push('</section>');

  // Reproduce
  o.push('<section id="reproduce"><h2>Reproduce</h2><dl class="repro">');
  for (const x of doc.reproduce) o.push(`<dt>${h(x.label)}</dt><dd class="mono">${h(x.value)}</dd>`);
  o.push('</dl>');
  o.push(`<p class="note">Install ${h(r.tool.name)} ${h(r.tool.version)}, then run the command above in the same directory with the same inputs.</p>`);
  o.push('</section>');
  o.push(`<footer>Generated by ${h(r.tool.name)} ${h(r.tool.version)} on ${h(r.invocation.date)}.</footer>`);
  o.push('</main>');
  o.push('</body>');
  o.push('</html>');
  return o.join('\n') + '\n';
}


const reporter: Reporter = {
  name: 'html',
  render(result: ScanResult, options: RenderOptions) {
    return renderHtml(buildAudit(result, options));
  },
};
export default reporter;
