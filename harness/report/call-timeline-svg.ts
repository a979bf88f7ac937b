/**
 * One call as an inline SVG timeline, seconds after `start` across, one lane per party:
 *
 *   caller      what the caller said (voiced span solid, the frames around it pale), DTMF, injected messages
 *   agent audio the agent's audio as the caller heard it (blue), and what a clear cut away (red, hatched)
 *   received    each agent media message's arrival (a tick), marks sent (▲) and their echoes (●; hollow: cleared),
 *               protocol problems (✕)
 *   STT         the mock STT's interim (short) and final (tall) results, SpeechStarted, UtteranceEnd
 *   LLM         requests, first tokens, ends; Realtime responses, truncate, cancel
 *   TTS         text and Flush sent to TTS, the first audio back
 *
 * A `clear` is a red line through every lane. Where the caller spoke while agent audio played, an
 * orange band spans the caller and audio lanes: a barge-in the agent handled shows a short band
 * ended by a red line; a missed one a long band with no line; audio leaking after a clear shows
 * blue after the red line, and ticks in `received` after it. Every mark has a tooltip (<title>)
 * with the full facts. Pure: returns the SVG element as a string.
 */
import type { TimelineEvent } from '../caller/timeline.ts';
import { callOrigin } from '../checks/check.ts';
import type { JournalEntry } from '../mocks/journal/entries.ts';
import { heardChunks } from './call-wav.ts';
import { journalMoments, type MomentLane } from './journal-moments.ts';
import { escapeXml } from './xml-escape.ts';

const LANES = ['caller', 'agent audio', 'received', 'STT', 'LLM', 'TTS'] as const;
type Lane = (typeof LANES)[number];
const MOMENT_LANE: Record<MomentLane, Lane> = { stt: 'STT', llm: 'LLM', tts: 'TTS' };

const LABEL_W = 92;
const PLOT_W = 1000;
const LANE_H = 34;
const TOP = 22;
const BOTTOM = 26;
/** About how wide a character of the 10 px labels is. */
const CHAR_W = 5.6;

export interface Span {
  from: number;
  to: number;
}

/** Agent audio as heard, merged into stretches, and what clears cut away. */
export function playedStretches(timeline: readonly TimelineEvent[]): { heard: Span[]; cut: Span[] } {
  const media = timeline.filter((e): e is Extract<TimelineEvent, { kind: 'agent_media' }> => e.kind === 'agent_media');
  const heard: Span[] = [];
  const cut: Span[] = [];
  const push = (list: Span[], span: Span): void => {
    const last = list[list.length - 1];
    // Chunks queued back to back play as one stretch (a 1 ms gap is rounding).
    if (last !== undefined && span.from <= last.to + 1) last.to = Math.max(last.to, span.to);
    else list.push({ ...span });
  };
  for (const chunk of heardChunks(timeline)) {
    const event = media[chunk.index];
    if (event === undefined) continue;
    const end = chunk.playStart + chunk.samples / 8;
    if (chunk.samples > 0) push(heard, { from: chunk.playStart, to: end });
    if (end < event.playEnd - 0.5) push(cut, { from: Math.max(end, event.playStart), to: event.playEnd });
  }
  return { heard, cut };
}

/** Where the caller's voiced speech overlaps agent audio being heard. */
export function talkOver(timeline: readonly TimelineEvent[], heard: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const e of timeline) {
    if (e.kind !== 'utterance' || !Number.isFinite(e.firstVoicedAt) || !Number.isFinite(e.lastVoicedAt)) continue;
    for (const h of heard) {
      const from = Math.max(e.firstVoicedAt, h.from);
      const to = Math.min(e.lastVoicedAt, h.to);
      if (to > from) out.push({ from, to });
    }
  }
  return out;
}

function step(range: number): number {
  const raw = range / 10;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-3)));
  return ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
}

/** `text` cut to what fits in `px` (with an ellipsis), '' when not even a few characters do. */
function fit(text: string, px: number): string {
  const chars = Math.floor(px / CHAR_W);
  if (chars < 4) return '';
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

const s3 = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;

/** `id`: unique within the page, for the SVG's own ids (its hatch pattern). */
export function renderCallTimeline(timeline: readonly TimelineEvent[], journal: readonly JournalEntry[], id = 'call'): string {
  const hatch = `hatch-${id}`;
  const origin = callOrigin(timeline);
  const moments = journalMoments(journal);
  const { heard, cut } = playedStretches(timeline);
  const overlaps = talkOver(timeline, heard);
  // Audio a clear cut away would play on long after the call: the axis ends with what happened.
  const times = [
    ...timeline.map((e) => e.t),
    ...heard.map((h) => h.to),
    ...timeline.flatMap((e) => (e.kind === 'twiml_say' || e.kind === 'twiml_play' || e.kind === 'twiml_pause' ? [e.playEnd] : [])),
    ...timeline.flatMap((e) => (e.kind === 'utterance' ? [e.endAt] : [])),
    ...moments.map((m) => m.t),
  ].filter(Number.isFinite);
  const t0 = Math.min(origin, ...times);
  const t1 = Math.max(t0 + 1000, ...times);
  const x = (t: number): number => LABEL_W + ((t - t0) / (t1 - t0)) * PLOT_W;
  const laneY = (lane: Lane): number => TOP + LANES.indexOf(lane) * LANE_H;
  const height = TOP + LANES.length * LANE_H + BOTTOM;
  const width = LABEL_W + PLOT_W + 10;
  const fx = (t: number): string => x(t).toFixed(1);
  /** Per lane, where the last label drawn ends: a label that would overlap it is left to the tooltip. */
  const labelEnds = new Map<Lane, number>();
  const roomFor = (lane: Lane, at: number, text: string): boolean => {
    if (at < (labelEnds.get(lane) ?? -Infinity)) return false;
    labelEnds.set(lane, at + text.length * CHAR_W + 4);
    return true;
  };
  const title = (text: string): string => `<title>${escapeXml(text)}</title>`;
  const out: string[] = [
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="call timeline">`,
    `<defs><pattern id="${hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffebee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#c62828" stroke-width="2"/></pattern></defs>`,
  ];
  for (const [i, lane] of LANES.entries()) {
    const y = laneY(lane);
    out.push(
      `<rect x="${LABEL_W}" y="${y}" width="${PLOT_W}" height="${LANE_H}" fill="${i % 2 === 0 ? '#fafafa' : '#f2f2f2'}"/>`,
      `<text x="${LABEL_W - 6}" y="${y + LANE_H / 2 + 4}" text-anchor="end" class="lane">${escapeXml(lane)}</text>`,
    );
  }
  const tick = step(t1 - t0);
  for (let t = Math.ceil((t0 - origin) / tick) * tick; origin + t <= t1; t += tick) {
    const px = fx(origin + t);
    out.push(`<line x1="${px}" x2="${px}" y1="${TOP}" y2="${TOP + LANES.length * LANE_H}" stroke="#e0e0e0"/>`, `<text x="${px}" y="${height - 8}" text-anchor="middle" class="tick">${Number((t / 1000).toFixed(3))} s</text>`);
  }

  // Talk-over first, under everything else.
  for (const o of overlaps) {
    out.push(`<rect class="talk-over" x="${fx(o.from)}" y="${laneY('caller')}" width="${Math.max(1, x(o.to) - x(o.from)).toFixed(1)}" height="${LANE_H * 2}" fill="#ff9800" fill-opacity="0.35">${title(`caller talking over agent audio for ${Math.round(o.to - o.from)} ms (${s3(o.from - origin)} – ${s3(o.to - origin)})`)}</rect>`);
  }

  // The caller.
  for (const e of timeline) {
    const y = laneY('caller');
    switch (e.kind) {
      case 'utterance': {
        const expect = e.expectation === undefined ? '' : ` (expects: ${e.expectation.expect})`;
        out.push(`<rect class="speech-frames" x="${fx(e.t)}" y="${y + 10}" width="${Math.max(1, x(e.endAt) - x(e.t)).toFixed(1)}" height="${LANE_H - 20}" fill="#c8e6c9"/>`);
        if (Number.isFinite(e.firstVoicedAt) && Number.isFinite(e.lastVoicedAt)) {
          out.push(
            `<rect class="speech" x="${fx(e.firstVoicedAt)}" y="${y + 6}" width="${Math.max(1, x(e.lastVoicedAt) - x(e.firstVoicedAt)).toFixed(1)}" height="${LANE_H - 12}" fill="#2e7d32">${title(`caller: “${e.text}”${expect}, voiced ${s3(e.firstVoicedAt - origin)} – ${s3(e.lastVoicedAt - origin)}`)}</rect>`,
            `<text x="${(x(e.firstVoicedAt) + 3).toFixed(1)}" y="${y + LANE_H / 2 + 4}" class="on-dark">${escapeXml(fit(e.text, x(e.lastVoicedAt) - x(e.firstVoicedAt) - 6))}</text>`,
          );
        }
        break;
      }
      case 'dtmf_sent':
        out.push(`<text class="dtmf" x="${fx(e.t)}" y="${y + 12}" text-anchor="middle">#${title(`DTMF ${e.digit} at ${s3(e.t - origin)}`)}</text>`);
        break;
      case 'injected':
        out.push(`<text class="injected" x="${fx(e.t)}" y="${y + 12}" text-anchor="middle" fill="#6a1b9a">!${title(`injected ${e.message} at ${s3(e.t - origin)}`)}</text>`);
        break;
      case 'stop_sent':
        out.push(`<line class="stop" x1="${fx(e.t)}" x2="${fx(e.t)}" y1="${y}" y2="${y + LANE_H}" stroke="#000" stroke-width="2">${title(`caller sent stop at ${s3(e.t - origin)}`)}</line>`);
        break;
      default:
        break;
    }
  }

  // The agent as heard; TwiML before the stream in the same lane.
  const audioY = laneY('agent audio');
  // What clears cut first, so that audio heard after a clear (a new reply, or a leak) is drawn over it.
  for (const span of cut) {
    if (span.from >= t1) continue;
    out.push(`<rect class="cleared-audio" x="${fx(span.from)}" y="${audioY + 6}" width="${Math.max(1, x(Math.min(span.to, t1)) - x(span.from)).toFixed(1)}" height="${LANE_H - 12}" fill="url(#${hatch})">${title(`queued agent audio a clear (or the hang-up) cut: ${Math.round(span.to - span.from)} ms never heard`)}</rect>`);
  }
  for (const span of heard) {
    out.push(`<rect class="played" x="${fx(span.from)}" y="${audioY + 6}" width="${Math.max(1, x(span.to) - x(span.from)).toFixed(1)}" height="${LANE_H - 12}" fill="#1565c0">${title(`agent audio heard ${s3(span.from - origin)} – ${s3(span.to - origin)} (${Math.round(span.to - span.from)} ms)`)}</rect>`);
  }
  for (const e of timeline) {
    if ((e.kind === 'twiml_say' || e.kind === 'twiml_play') && e.audibleFrom !== undefined && e.audibleTo !== undefined) {
      out.push(`<rect class="played twiml" x="${fx(e.audibleFrom)}" y="${audioY + 6}" width="${Math.max(1, x(e.audibleTo) - x(e.audibleFrom)).toFixed(1)}" height="${LANE_H - 12}" fill="#7986cb">${title(e.kind === 'twiml_say' ? `TwiML <Say>: “${e.text}”` : `TwiML <Play> ${e.url}`)}</rect>`);
    }
  }

  // What arrived from the agent: media ticks in one path, marks, echoes, problems.
  const recvY = laneY('received');
  const ticks = timeline.filter((e) => e.kind === 'agent_media').map((e) => `M${fx(e.t)},${recvY + 4}v8`);
  if (ticks.length > 0) out.push(`<path class="media-ticks" d="${ticks.join('')}" stroke="#1565c0" stroke-width="1">${title(`${ticks.length} media message(s) from the agent`)}</path>`);
  for (const e of timeline) {
    switch (e.kind) {
      case 'agent_mark':
        out.push(`<path class="mark" d="M${fx(e.t)},${recvY + 16}l-4,7h8z" fill="#455a64">${title(`mark “${e.name}” sent by the agent at ${s3(e.t - origin)}`)}</path>`);
        break;
      case 'mark_echo':
        out.push(`<circle class="mark-echo" cx="${fx(e.t)}" cy="${recvY + 28}" r="3" fill="${e.cleared ? 'none' : '#455a64'}" stroke="#455a64">${title(`echo of mark “${e.name}”${e.cleared ? ' (cleared)' : ''}${e.late === true ? ' (held back)' : ''} at ${s3(e.t - origin)}`)}</circle>`);
        break;
      case 'protocol_error':
      case 'foreign_sid':
      case 'early_message':
      case 'after_stop': {
        const what = e.kind === 'protocol_error' ? e.error : e.kind === 'foreign_sid' ? `${e.event} for another stream (${e.streamSid ?? 'none'})` : `${e.what} ${e.kind === 'early_message' ? 'before start' : 'after stop'}`;
        out.push(`<text class="problem" x="${fx(e.t)}" y="${recvY + 12}" text-anchor="middle" fill="#c62828">✕${title(`${what} at ${s3(e.t - origin)}`)}</text>`);
        break;
      }
      default:
        break;
    }
  }

  // The journal.
  for (const m of moments) {
    const lane = MOMENT_LANE[m.lane];
    const y = laneY(lane);
    const h = m.major ? LANE_H - 8 : LANE_H / 3;
    const colour = m.kind === 'refusal' || m.kind === 'fault' ? '#c62828' : m.lane === 'stt' ? '#6a1b9a' : m.lane === 'llm' ? '#ef6c00' : '#00838f';
    out.push(`<line class="moment ${m.kind}" x1="${fx(m.t)}" x2="${fx(m.t)}" y1="${(y + LANE_H - 4 - h).toFixed(1)}" y2="${y + LANE_H - 4}" stroke="${colour}" stroke-width="${m.major ? 2 : 1}">${title(`${m.detail} at ${s3(m.t - origin)}`)}</line>`);
    if (m.major && m.label !== '' && roomFor(lane, x(m.t) + 3, m.label)) out.push(`<text x="${(x(m.t) + 3).toFixed(1)}" y="${y + 12}" class="moment-label" fill="${colour}">${escapeXml(m.label)}</text>`);
  }

  // Clears last, over every lane.
  for (const e of timeline) {
    if (e.kind !== 'clear') continue;
    out.push(
      `<line class="clear" x1="${fx(e.t)}" x2="${fx(e.t)}" y1="${TOP - 4}" y2="${TOP + LANES.length * LANE_H}" stroke="#c62828" stroke-width="2">${title(`clear at ${s3(e.t - origin)}: ${Math.round(e.droppedMs)} ms of queued audio dropped`)}</line>`,
      `<text x="${fx(e.t)}" y="${TOP - 8}" text-anchor="middle" class="clear-label" fill="#c62828">clear</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}
