/**
 * Reads back what hlog.ts writes: the histograms.hlog of a run, one interval histogram per line
 * (`Tag=<metric>/<scenario>,<start s>,<length s>,<max ms>,<base64>`). Comment lines (`#[...]`) and
 * the legend are skipped; a line that is not of that form is an error naming its line number, as
 * is a histogram that does not decode. Pure.
 */
import { decodeHistogram, type LatencyHistogram } from '../metrics/histogram.ts';
import { HLOG_LEGEND } from './hlog.ts';

export interface HlogLine {
  tag: string;
  /** Seconds after the log's time origin. */
  startS: number;
  lengthS: number;
  histogram: LatencyHistogram;
}

export type HlogRead = { ok: true; lines: HlogLine[] } | { ok: false; line: number; expected: string };

const LINE = /^Tag=([^,\s]+),(\d+(?:\.\d+)?),(\d+(?:\.\d+)?),(\d+(?:\.\d+)?),(\S+)$/;

export function readHistogramLog(text: string): HlogRead {
  const lines: HlogLine[] = [];
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const row = (rows[i] ?? '').trim();
    if (row === '' || row.startsWith('#') || row === HLOG_LEGEND) continue;
    const match = LINE.exec(row);
    if (match === null) return { ok: false, line: i + 1, expected: 'Tag=<metric>/<scenario>,<start>,<length>,<max>,<histogram>' };
    let histogram: LatencyHistogram;
    try {
      histogram = decodeHistogram(match[5] ?? '');
    } catch {
      return { ok: false, line: i + 1, expected: 'a compressed base64 HdrHistogram in its last field' };
    }
    lines.push({ tag: match[1] ?? '', startS: Number(match[2]), lengthS: Number(match[3]), histogram });
  }
  return { ok: true, lines };
}
