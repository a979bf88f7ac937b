/**
 * How closely a replay kept to the recording's timing: for every upstream event it replayed, the
 * time it went out minus the time its anchor and recorded offset said (the listen and Realtime VAD
 * messages from their audio position, chat events from the request; timed by the replay source as
 * it sends them), and for the delays the live mocks were given (speak's first audio after a
 * Flush, a Realtime response's first audio after its trigger) the delay the journal shows minus
 * the recorded one. The replay's own report prints these figures; nothing asserts on them.
 */
import type { JournalEntry } from '../mocks/journal/entries.ts';
import type { TimingSample, UpstreamRecording } from '../mocks/replay/source.ts';

export interface TimingRow {
  what: string;
  n: number;
  /** Of the absolute error, ms. */
  p50: number;
  p95: number;
  max: number;
  /** Samples within ±5 ms. */
  within5: number;
}

export interface TimingReport {
  rows: TimingRow[];
  all: TimingRow;
}

/** Within this the replay keeps to the recording (the target the replay is measured against). */
export const TIMING_TOLERANCE_MS = 5;

function row(what: string, errors: readonly number[]): TimingRow {
  const abs = errors.map(Math.abs).sort((a, b) => a - b);
  const at = (q: number): number => abs[Math.min(abs.length - 1, Math.max(0, Math.ceil(q * abs.length) - 1))] ?? 0;
  return { what, n: abs.length, p50: at(0.5), p95: at(0.95), max: abs[abs.length - 1] ?? 0, within5: abs.filter((e) => e <= TIMING_TOLERANCE_MS).length };
}

/** Connections of `service` in `journal`, in the order they first appear. */
function connectionsOf(journal: readonly JournalEntry[], service: JournalEntry['service']): string[] {
  const seen: string[] = [];
  for (const e of journal) if (e.service === service && !seen.includes(e.connection)) seen.push(e.connection);
  return seen;
}

/**
 * The delays the live mocks took from the recording, as the journal of one replayed call shows
 * them: speak's first audio after each Flush that had nothing queued ahead of it, a Realtime
 * response's first audio after what triggered it.
 */
export function liveDelayErrors(journal: readonly JournalEntry[], recording: UpstreamRecording): TimingSample[] {
  const out: TimingSample[] = [];
  connectionsOf(journal, 'deepgram.speak.ws').forEach((connection, i) => {
    const recorded = recording.speakWs[i];
    if (recorded === undefined) return;
    const entries = journal.filter((e) => e.connection === connection);
    for (const flush of entries) {
      if (flush.service !== 'deepgram.speak.ws' || flush.kind !== 'Flush' || flush.data.sequenceId === undefined) continue;
      const sequence = flush.data.sequenceId;
      const first = entries.find((e) => e.service === 'deepgram.speak.ws' && e.kind === 'audio' && e.data.flush === sequence && !e.data.late);
      const expected = recorded.flushes[sequence]?.firstByteMs;
      // Audio still going out at the Flush queues the new speech behind it: no delay of its own to compare.
      const queued = entries.some((e) => e.service === 'deepgram.speak.ws' && e.kind === 'audio' && e.t >= flush.t && e.data.flush !== sequence && first !== undefined && e.t <= first.t);
      if (first === undefined || expected === undefined || queued) continue;
      out.push({ what: 'deepgram.speak.ws first audio', errorMs: first.t - flush.t - expected });
    }
  });
  connectionsOf(journal, 'openai.realtime').forEach((connection, i) => {
    const recorded = recording.realtime[i];
    if (recorded === undefined) return;
    const entries = journal.filter((e) => e.connection === connection);
    let n = 0;
    for (const created of entries) {
      if (created.service !== 'openai.realtime' || created.kind !== 'response.created') continue;
      const expected = recorded.responses[n++]?.firstAudioMs;
      const trigger = entries.filter((e) => e.t <= created.t && ((e.kind === 'response.create' && e.direction === 'received') || e.kind === 'input_audio_buffer.speech_stopped')).at(-1);
      const first = entries.find((e) => e.service === 'openai.realtime' && e.kind === 'audio' && e.data.responseId === created.data.responseId);
      if (expected === undefined || trigger === undefined || first === undefined) continue;
      out.push({ what: 'openai.realtime first audio', errorMs: first.t - trigger.t - expected });
    }
  });
  return out;
}

export function timingReport(samples: readonly TimingSample[]): TimingReport {
  const kinds = [...new Set(samples.map((s) => s.what))].sort();
  return {
    rows: kinds.map((what) => row(what, samples.filter((s) => s.what === what).map((s) => s.errorMs))),
    all: row('all', samples.map((s) => s.errorMs)),
  };
}

/** The report as lines of a table. */
export function renderTiming(report: TimingReport): string {
  const lines = [...report.rows, report.all].map((r) => [r.what, String(r.n), r.p50.toFixed(2), r.p95.toFixed(2), r.max.toFixed(2), `${r.within5}/${r.n}`]);
  const head = ['upstream event', 'n', 'p50', 'p95', 'max', `within ±${TIMING_TOLERANCE_MS} ms`];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [`Replay timing (|replayed − recorded offset| from each event's anchor, ms):`, fmt(head), ...lines.map(fmt)].join('\n');
}
