/**
 * A metric's percentile distribution as inline SVG, as HdrHistogram's plotter draws it: latency
 * (ms, linear) against percentile on a log scale of 1 / (1 − p), so p90, p99 and p99.9 are evenly
 * spaced and the tail gets the room it deserves. One line per scenario and one for all of them;
 * a dashed line per target on the metric. Values are read from the run's HDR histograms exactly as
 * the tables read them (harness/gate/percentile.ts). Pure: returns the SVG element as a string.
 */
import { percentileMs } from '../gate/percentile.ts';
import type { LatencyHistogram } from '../metrics/histogram.ts';
import { escapeXml } from './xml-escape.ts';

export interface PlotSeries {
  label: string;
  histogram: LatencyHistogram;
}

export interface PlotTarget {
  label: string;
  ms: number;
}

export const SERIES_COLOURS = ['#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#ad1457', '#4e342e', '#37474f'] as const;

export interface PlotOptions {
  /** Width of the whole plot (default 560) and of its legend on the right (default 150), px. */
  width?: number;
  legendWidth?: number;
}

const HEIGHT = 240;
const LEFT = 56;
const TOP = 14;
const BOTTOM = 36;
/** Up to p99.9: 1 / (1 − p) reaches 1000, three decades. */
const DECADES = 3;
const POINTS = 60;

/** Horizontal position of percentile `p` (0 ≤ p < 100) on the 1 / (1 − p) log scale, 0 … 1. */
export function percentileX(p: number): number {
  return Math.min(1, Math.log10(1 / (1 - p / 100)) / DECADES);
}

/** A round step for about `count` ticks over 0 … max. */
function step(max: number, count: number): number {
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
}

/** The percentiles the lines go through: 0 to 99.9 evenly spaced on the log scale. */
function percentiles(): number[] {
  return Array.from({ length: POINTS + 1 }, (_, i) => 100 * (1 - 10 ** (-(DECADES * i) / POINTS)));
}

export function renderPercentilePlot(metric: string, series: readonly PlotSeries[], targets: readonly PlotTarget[] = [], options: PlotOptions = {}): string {
  const WIDTH = options.width ?? 540;
  const legendW = options.legendWidth ?? 170;
  const drawn = series.filter((s) => s.histogram.count > 0);
  const plotW = WIDTH - LEFT - legendW;
  /** A legend entry cut to its room (about 6 px a character); the full name is in the line's tooltip. */
  const legendText = (text: string): string => {
    const room = Math.floor((legendW - 34) / 6);
    return text.length <= room ? text : `${text.slice(0, room - 1)}…`;
  };
  const plotH = HEIGHT - TOP - BOTTOM;
  const lines = drawn.map((s) => ({ label: s.label, n: s.histogram.count, points: percentiles().map((p) => [p, percentileMs(s.histogram, Math.max(p, 1e-6)) ?? 0] as const) }));
  const top = Math.max(1, ...lines.flatMap((l) => l.points.map(([, v]) => v)), ...targets.map((t) => t.ms)) * 1.08;
  const yStep = step(top, 5);
  const x = (p: number): number => LEFT + percentileX(p) * plotW;
  const y = (ms: number): number => TOP + plotH - (ms / top) * plotH;
  const out: string[] = [
    `<svg class="plot" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(`${metric} by percentile`)}">`,
    `<rect x="${LEFT}" y="${TOP}" width="${plotW}" height="${plotH}" fill="#fafafa" stroke="#bbb"/>`,
  ];
  for (let v = 0; v <= top; v += yStep) {
    out.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e3e3"/>`, `<text x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${Number(v.toPrecision(6))}</text>`);
  }
  for (const p of [0, 50, 90, 99, 99.9]) {
    out.push(`<line x1="${x(p).toFixed(1)}" x2="${x(p).toFixed(1)}" y1="${TOP}" y2="${TOP + plotH}" stroke="#e3e3e3"/>`, `<text x="${x(p).toFixed(1)}" y="${TOP + plotH + 14}" text-anchor="middle" class="tick">p${p}</text>`);
  }
  out.push(
    `<text x="${LEFT + plotW / 2}" y="${HEIGHT - 4}" text-anchor="middle" class="axis">percentile (log scale of 1/(1−p))</text>`,
    `<text x="12" y="${TOP + plotH / 2}" text-anchor="middle" class="axis" transform="rotate(-90 12 ${TOP + plotH / 2})">ms</text>`,
  );
  for (const target of targets) {
    out.push(
      `<line class="target" x1="${LEFT}" x2="${LEFT + plotW}" y1="${y(target.ms).toFixed(1)}" y2="${y(target.ms).toFixed(1)}" stroke="#c62828" stroke-dasharray="6 4"><title>${escapeXml(target.label)}</title></line>`,
      `<text x="${LEFT + plotW - 4}" y="${(y(target.ms) - 4).toFixed(1)}" text-anchor="end" class="tick" fill="#c62828">${escapeXml(target.label)}</text>`,
    );
  }
  for (const [i, line] of lines.entries()) {
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length] ?? '#000';
    const d = line.points.map(([p, v], k) => `${k === 0 ? 'M' : 'L'}${x(p).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    out.push(
      `<path class="series" d="${d}" fill="none" stroke="${colour}" stroke-width="${line.label === 'all' ? 2.5 : 1.5}"><title>${escapeXml(`${line.label} (n ${line.n})`)}</title></path>`,
      `<rect x="${LEFT + plotW + 12}" y="${TOP + 6 + i * 18}" width="12" height="3" fill="${colour}"/>`,
      `<text x="${LEFT + plotW + 30}" y="${TOP + 11 + i * 18}" class="legend">${escapeXml(legendText(`${line.label} (n ${line.n})`))}<title>${escapeXml(`${line.label} (n ${line.n})`)}</title></text>`,
    );
  }
  if (lines.length === 0) out.push(`<text x="${LEFT + plotW / 2}" y="${TOP + plotH / 2}" text-anchor="middle" class="axis">no samples</text>`);
  out.push('</svg>');
  return out.join('\n');
}
