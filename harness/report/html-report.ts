/**
 * report.html: the run in one self-contained page that works offline — inline CSS and SVG, no
 * script, font, image or stylesheet from anywhere (links to the run's own calls/<n>/ files are
 * plain anchors, never loaded). It shows the headline (targets, thresholds, checks, trust
 * warnings), per metric its table with the target column and its percentile plot
 * (percentile-plot.ts), and per call the timeline of what the caller sent and heard beside what
 * the agent asked of the mocks (call-timeline-svg.ts). Pure: returns the document.
 */
import { CHECK_IDS } from '../checks/check.ts';
import type { ThresholdResult } from '../gate/evaluate.ts';
import type { MetricName } from '../metrics/definitions.ts';
import { renderCallTimeline } from './call-timeline-svg.ts';
import type { RunOutcome } from './fold.ts';
import { renderPercentilePlot, type PlotSeries } from './percentile-plot.ts';
import type { CollectedCall, ReportCollection } from './report-collector.ts';
import type { RunSummary } from './summary.ts';
import { COLUMNS, describeLoad, describePartial, isStage, summaryRow } from './table.ts';
import { hasTargetOn, headlineTargets, targetCell, targetsOf } from './targets.ts';
import { renderUpstream } from './upstream-table.ts';
import { escapeXml as esc } from './xml-escape.ts';

export interface HtmlInput {
  outcome: RunOutcome;
  summary: RunSummary;
  gate: readonly ThresholdResult[];
  targets: readonly ThresholdResult[];
  collection: ReportCollection;
  describe: (metric: string) => string;
  /** Calls (by n) whose calls/<n>/call.wav was written. */
  withAudio: ReadonlySet<number>;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px; color: #212121; max-width: 1240px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 18px 0 6px; } h3 code { font-size: 15px; } code { font: 12.5px ui-monospace, Menlo, Consolas, monospace; }
table { border-collapse: collapse; margin: 6px 0 10px; } th, td { white-space: nowrap; padding: 3px 9px; border-bottom: 1px solid #e6e6e6; text-align: right; }
th:first-child, td:first-child, td.text, th.text { text-align: left; } th { background: #f5f5f5; font-weight: 600; }
.ok { color: #2e7d32; } .bad { color: #c62828; font-weight: 600; } .muted { color: #757575; }
.banner { padding: 10px 14px; border-radius: 6px; margin: 10px 0; } .warn { background: #fff3e0; border: 1px solid #ffb74d; } .fail { background: #ffebee; border: 1px solid #e57373; }
.metric { display: flex; flex-wrap: wrap; gap: 12px 28px; align-items: flex-start; }
.plot .tick, .timeline .tick { font-size: 10px; fill: #616161; } .plot .axis { font-size: 11px; fill: #424242; } .plot .legend { font-size: 11px; fill: #212121; }
.timeline .lane { font-size: 11px; fill: #424242; } .timeline .on-dark { font-size: 10px; fill: #fff; pointer-events: none; }
.timeline .moment-label, .timeline .clear-label { font-size: 10px; } .timeline text { font-family: system-ui, sans-serif; }
.call { margin: 14px 0 26px; } .call .meta { margin: 2px 0 6px; } .scroll { overflow-x: auto; }
.legend-row span { display: inline-block; margin-right: 14px; font-size: 12px; } .swatch { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: -1px; }
`;

const mark = (ok: boolean): string => `<span class="${ok ? 'ok' : 'bad'}">${ok ? '✓' : '✗'}</span>`;

function htmlTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, textColumns: readonly number[] = []): string {
  const cls = (i: number): string => (textColumns.includes(i) ? ' class="text"' : '');
  return `<table><thead><tr>${header.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A target cell with its ✓/✗ coloured. */
function targetHtml(results: readonly ThresholdResult[]): string {
  return targetCell(results)
    .split('  ')
    .map((part) => `<span class="${part.startsWith('✓') ? 'ok' : 'bad'}">${esc(part)}</span>`)
    .join(' ');
}

function label(r: ThresholdResult): string {
  return r.scenario === undefined ? r.metric : `${r.metric}{scenario:${r.scenario}}`;
}

function verdictRows(results: readonly ThresholdResult[]): string[][] {
  return results.map((r) => [`${mark(r.ok)} <code>${esc(`${label(r)} ${r.expression}`)}</code>`, r.observed === null ? 'no samples' : `${esc(String(r.observed))}${r.underSampled === true ? '*' : ''}`, String(r.samples)]);
}

function headline(input: HtmlInput): string {
  const { summary, gate, targets } = input;
  const parts: string[] = [];
  if (targets.length > 0) {
    const shown = headlineTargets(targets);
    const missed = shown.filter((r) => !r.ok).length;
    parts.push(`<h2>Targets: ${missed === 0 ? `all ${shown.length} met` : `${missed} of ${shown.length} missed`}</h2><p class="muted">Informational unless <code>--targets-gate</code>.</p>${htmlTable(['target', 'observed (ms)', 'n'], verdictRows(shown), [0])}`);
  }
  if (gate.length > 0) {
    const failed = gate.filter((r) => !r.ok).length;
    parts.push(`<h2>Thresholds: ${failed === 0 ? `all ${gate.length} passed` : `${failed} of ${gate.length} failed (exit 99)`}</h2>${htmlTable(['threshold', 'observed', 'n'], verdictRows(gate), [0])}`);
  }
  const shown = CHECK_IDS.filter((id) => summary.checks[id].checked + summary.checks[id].skipped > 0);
  const symbol = { passed: '<span class="ok">✓</span>', failed: '<span class="bad">✗</span>', skipped: '<span class="muted">–</span>' } as const;
  const rows = shown.map((id) => {
    const s = summary.checks[id];
    return [`${symbol[s.status]} <code>${esc(id)}</code>`, esc(s.severity), String(s.checked - s.failed), String(s.failed), String(s.skipped)];
  });
  const evidence = CHECK_IDS.filter((id) => summary.checks[id].failed > 0).flatMap((id) => summary.checks[id].evidence.map((e) => `<li><code>${esc(id)}</code> ${esc(e.scenario)} #${e.call}: ${esc(e.line)}</li>`));
  parts.push(
    `<h2>Conformance checks</h2>${rows.length === 0 ? '<p>No check judged any call.</p>' : htmlTable(['check', 'severity', 'passed', 'failed', 'skipped'], rows, [0, 1])}` +
      (evidence.length > 0 ? `<p>Evidence (seconds after <code>start</code>):</p><ul>${evidence.join('')}</ul>` : ''),
  );
  return parts.join('\n');
}

function seriesOf(outcome: RunOutcome, metric: MetricName): PlotSeries[] {
  const series: PlotSeries[] = outcome.scenarios.filter((s) => s.metrics[metric].count > 0).map((s) => ({ label: s.name, histogram: s.metrics[metric] }));
  if (series.length > 1) series.push({ label: 'all', histogram: outcome.metrics[metric] });
  return series;
}

function latency(input: HtmlInput): string {
  const { summary, targets, outcome } = input;
  const blocks: string[] = ['<h2>Latency (ms)</h2>'];
  const stageRows: string[][] = [];
  const stageSeries: PlotSeries[] = [];
  const stageTargets = Object.keys(summary.metrics).some((m) => isStage(m) && hasTargetOn(targets, m));
  for (const metric of Object.keys(summary.metrics)) {
    const all = summary.metrics[metric];
    if (all === undefined) continue;
    const targeted = hasTargetOn(targets, metric);
    const plotTargets = targetsOf(targets, metric, undefined)
      .filter((r) => /^p\(|^med|^max|^min/.test(r.expression))
      .map((r) => ({ label: `target ${r.expression}`, ms: Number(/[\d.]+$/.exec(r.expression)?.[0] ?? NaN) }))
      .filter((t) => Number.isFinite(t.ms));
    if (isStage(metric)) {
      stageRows.push([`<code>${esc(metric)}</code>`, ...summaryRow(metric, all).slice(1).map(esc), ...(stageTargets ? [targetHtml(targetsOf(targets, metric, undefined))] : [])]);
      stageSeries.push({ label: metric, histogram: outcome.metrics[metric as MetricName] });
      continue;
    }
    const plot = renderPercentilePlot(metric, seriesOf(outcome, metric as MetricName), plotTargets);
    const rows: string[][] = [];
    for (const [name, scenario] of Object.entries(summary.scenarios)) {
      const s = scenario.metrics[metric];
      if (s !== undefined) rows.push([esc(name), ...summaryRow(name, s).slice(1).map(esc), ...(targeted ? [targetHtml(targetsOf(targets, metric, name))] : [])]);
    }
    if (rows.length > 1) rows.push(['<b>all</b>', ...summaryRow('all', all).slice(1).map(esc), ...(targeted ? [targetHtml(targetsOf(targets, metric, undefined))] : [])]);
    const header = ['scenario', ...COLUMNS.slice(1), ...(targeted ? ['target'] : [])];
    blocks.push(`<h3 id="metric-${esc(metric)}"><code>${esc(metric)}</code></h3><p class="muted">${esc(input.describe(metric))}</p><div class="metric"><div>${htmlTable(header, rows, targeted ? [header.length - 1] : [])}</div>${plot}</div>`);
  }
  if (stageRows.length > 0) {
    const header = ['stage (all scenarios)', ...COLUMNS.slice(1), ...(stageTargets ? ['target'] : [])];
    blocks.push(
      `<h3 id="stages">Where the reply time went (from the mock journals)</h3><div class="metric"><div>${htmlTable(header, stageRows, stageTargets ? [0, header.length - 1] : [0])}</div>` +
        `${renderPercentilePlot('stages', stageSeries, [], { width: 620, legendWidth: 230 })}</div>`,
    );
  }
  if (blocks.length === 1) blocks.push('<p>No latency samples were recorded.</p>');
  blocks.push('<p class="muted">* fewer samples than this percentile needs (p90: 10, p95: 20, p99: 100): it is the largest sample. CI: 95% bootstrap intervals, - below 10 samples.</p>');
  return blocks.join('\n');
}

const LEGEND = `<p class="legend-row"><span><i class="swatch" style="background:#2e7d32"></i>caller speech (voiced)</span><span><i class="swatch" style="background:#c8e6c9"></i>caller frames of the utterance</span><span><i class="swatch" style="background:#1565c0"></i>agent audio as heard</span><span><i class="swatch" style="background:#ffcdd2"></i>agent audio cut by a clear</span><span><i class="swatch" style="background:#ffcc80"></i>caller talking over agent audio</span><span><i class="swatch" style="background:#c62828"></i>clear</span><span>▲ mark sent, ● echo (○ cleared), ✕ protocol problem</span><span><i class="swatch" style="background:#6a1b9a"></i>STT</span><span><i class="swatch" style="background:#ef6c00"></i>LLM</span><span><i class="swatch" style="background:#00838f"></i>TTS</span></p>`;

function callSection(call: CollectedCall, withAudio: boolean): string {
  const { record } = call;
  const verdicts = [...record.verdicts, ...call.lateVerdicts];
  const failed = verdicts.filter((v) => v.status === 'failed');
  const state = record.state === 'completed' ? '<span class="ok">completed</span>' : record.state === 'failed' ? `<span class="bad">failed</span>: ${esc(record.error)}` : `<span class="muted">stopped</span>: ${esc(record.reason)}`;
  const checks = failed.length === 0 ? '<span class="ok">no check failed</span>' : failed.map((v) => `<span class="bad">✗ ${esc(v.id)}</span> <span class="muted">(${esc(v.severity)})</span>: ${esc(v.evidence.join('; '))}`).join('<br>');
  const links = [`<a href="calls/${call.n}/timeline.json">timeline.json</a>`, ...(withAudio ? [`<a href="calls/${call.n}/call.wav">call.wav</a>`] : [])].join(' · ');
  return `<section class="call" id="call-${call.n}"><h3>#${call.n} ${esc(record.scenario)} call ${record.index + 1} <span class="muted"><code>${esc(record.callSid)}</code></span></h3>
<div class="meta">${state} · ${checks} · ${links}</div>
<div class="scroll">${renderCallTimeline(record.timeline, record.journal, String(call.n))}</div></section>`;
}

function calls(input: HtmlInput): string {
  const { collection } = input;
  if (collection.calls.length === 0) return '<h2>Calls</h2><p>No measured call was played.</p>';
  const failing = collection.calls.filter((c) => c.record.state === 'failed' || [...c.record.verdicts, ...c.lateVerdicts].some((v) => v.status === 'failed'));
  const jump = failing.length === 0 ? '' : `<p>Calls with a failure: ${failing.map((c) => `<a href="#call-${c.n}">#${c.n}</a>`).join(' ')}</p>`;
  const omitted = collection.omittedCalls > 0 ? `<p class="muted">${collection.omittedCalls} more call(s) are not shown (the report keeps the first calls and those that failed).</p>` : '';
  return `<h2>Calls</h2><p class="muted">Seconds after <code>start</code>. Hover a mark for its facts.</p>${LEGEND}${jump}${omitted}\n${collection.calls.map((c) => callSection(c, input.withAudio.has(c.n))).join('\n')}`;
}

export function renderHtmlReport(input: HtmlInput): string {
  const { summary } = input;
  const banners = [
    ...(summary.partial === true ? [`<div class="banner fail">${esc(describePartial(summary))}</div>`] : []),
    ...(summary.warnings.length > 0
      ? [`<div class="banner warn"><b>This run cannot be trusted</b> (<code>--strict</code> makes this a failure):<ul>${summary.warnings.map((w) => `<li><code>${esc(w.code)}</code>: ${esc(w.message)}</li>`).join('')}</ul></div>`]
      : []),
  ];
  const upstream = renderUpstream(summary);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>callbench run ${esc(summary.startedAt)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>callbench run</h1>
<p class="muted">${esc(summary.startedAt)} · callbench ${esc(summary.callbench.version)} · agent ${esc(summary.agent)} · profile <code>${esc(summary.profile)}</code>, seed ${summary.seed} · ${(summary.durationMs / 1000).toFixed(1)} s</p>
<p>${esc(describeLoad(summary.load, summary.warmup.calls))}</p>
${banners.join('\n')}
${headline(input)}
${latency(input)}
${upstream === '' ? '' : `<h2>Upstream connections</h2><ul>${upstream.split('\n').map((l) => `<li>${esc(l.trim())}</li>`).join('')}</ul>`}
${calls(input)}
</body>
</html>
`;
}
