/**
 * Metric samples of one call, derived from its timeline (and, for turn.after_final_ms, the times
 * of the STT finals the mock sent on this call). Definitions: harness/metrics/definitions.ts.
 *
 * Playback is the caller's: each agent chunk plays from `playStart` to `playEnd` unless a later
 * `clear` cut it short. Each caller utterance is classified:
 * - `reply`: spoken while no agent audio was playing; the agent's next audio is its reply;
 * - `barge-in`: spoken over agent audio, and the agent cleared it: the reply was interrupted;
 * - `talk-over`: spoken over agent audio that the agent did not clear (a backchannel the agent
 *   rightly ignored, or a missed barge-in: checks decide which).
 * Interrupted replies give no gap sample, and a turn the agent never answered is counted as
 * unanswered, never as a fast sample.
 */
import { eventsOf, type EventOf, type TimelineEvent } from '../caller/timeline.ts';
import type { JournalEntry } from '../mocks/journal/entries.ts';
import { isTruncate, truncateAudioEndMs, utteranceEnds } from '../mocks/journal/queries.ts';
import type { MetricName, StageMetricName } from './definitions.ts';
import { agentPlayingAt, effectiveEnd } from './playback.ts';
import { selfReportErrors, type SelfReportedTurn } from './self-report.ts';
import { computeStageMetrics, type ReplyWindow } from './stage-metrics.ts';

export type TurnKind = 'reply' | 'barge-in' | 'talk-over';
/** Where a greeting came from: the agent's media stream, or TwiML the fake Twilio played before <Connect>. */
export type GreetingSource = 'stream' | 'twiml';

export interface TurnRecord {
  utterance: string;
  kind: TurnKind;
  /** Whether audible agent audio followed the utterance before the next one (for replies and barge-ins). */
  answered: boolean;
}

export interface CallMetrics {
  samples: Partial<Record<MetricName, number[]>>;
  turns: TurnRecord[];
  /** Utterances that expected a reply (reply or barge-in) and got no audible one. */
  unansweredTurns: number;
  greetingHeard: boolean;
  /** Where the greeting sample came from: TwiML <Say>/<Play> before the stream, or the stream. */
  greetingSource: GreetingSource | undefined;
}


type Media = EventOf<'agent_media'>;

/**
 * `journal` holds the mock journal entries tied to this call, in time order (empty for an agent
 * on the real services): they give turn.after_final_ms and the stage metrics.
 */
export function computeCallMetrics(
  events: readonly TimelineEvent[],
  journal: readonly JournalEntry[] = [],
  selfReported: readonly SelfReportedTurn[] = [],
): CallMetrics {
  const samples: Partial<Record<MetricName, number[]>> = {};
  const add = (name: MetricName, value: number): void => {
    (samples[name] ??= []).push(value);
  };
  const start = eventsOf(events, 'start_sent')[0];
  const media = eventsOf(events, 'agent_media');
  const clears = eventsOf(events, 'clear');
  const utterances = eventsOf(events, 'utterance');
  const ends = new Map(media.map((m) => [m, effectiveEnd(m, clears)]));
  const endOf = (m: Media): number => ends.get(m) ?? m.playEnd;
  /** Last audible instant of a chunk as actually played, or undefined if none of it was heard. */
  const heardUntil = (m: Media): number | undefined =>
    m.audibleFrom !== undefined && m.audibleTo !== undefined && m.audibleFrom < endOf(m) ? Math.min(m.audibleTo, endOf(m)) : undefined;
  const playingAt = (t: number): boolean => agentPlayingAt(media, endOf, t);

  // The greeting is the first audible agent audio before the caller speaks. TwiML <Say>/<Play>
  // before <Connect> plays before the stream opens, and Twilio speaks it as soon as it has the
  // TwiML: it counts from the webhook request, so a slow webhook shows in it. Stream audio counts
  // from `start`. Whichever the caller heard first is the sample.
  let greetingHeard = false;
  let greetingSource: CallMetrics['greetingSource'];
  const firstUtterance = utterances[0]?.firstVoicedAt ?? Infinity;
  const webhook = eventsOf(events, 'webhook')[0];
  const heardBefore = (e: { t: number; audibleFrom: number | undefined }): boolean => e.audibleFrom !== undefined && e.t < firstUtterance;
  const twimlFirst = [...eventsOf(events, 'twiml_say'), ...eventsOf(events, 'twiml_play')].filter(heardBefore).sort((a, b) => (a.audibleFrom ?? 0) - (b.audibleFrom ?? 0))[0];
  const streamFirst = media.find(heardBefore);
  const candidates: Array<{ source: 'twiml' | 'stream'; heardAt: number; from: number }> = [];
  if (webhook !== undefined && twimlFirst?.audibleFrom !== undefined) candidates.push({ source: 'twiml', heardAt: twimlFirst.audibleFrom, from: webhook.sentAt });
  if (start !== undefined && streamFirst?.audibleFrom !== undefined) candidates.push({ source: 'stream', heardAt: streamFirst.audibleFrom, from: start.t });
  const greeting = candidates.sort((a, b) => a.heardAt - b.heardAt)[0];
  if (greeting !== undefined) {
    greetingHeard = true;
    greetingSource = greeting.source;
    add('greeting.first_audio_ms', greeting.heardAt - greeting.from);
  }

  const sttFinals = utteranceEnds(journal).map((e) => e.t);
  const replyWindows: ReplyWindow[] = [];
  const measuredTurns: Array<{ finalAt: number; firstMediaAt: number }> = [];
  const turns: TurnRecord[] = [];
  let unansweredTurns = 0;
  const classified = utterances.map((utterance, i) => {
    const next = utterances[i + 1]?.firstVoicedAt ?? Infinity;
    const overAgent = playingAt(utterance.firstVoicedAt);
    const clear = overAgent ? clears.find((c) => c.t >= utterance.firstVoicedAt && c.t < next) : undefined;
    const kind: TurnKind = !overAgent ? 'reply' : clear !== undefined ? 'barge-in' : 'talk-over';
    // Audio received until the barge-in utterance ended, or until the agent cleared if it cleared
    // later (an agent that hears the barge-in only at the transcript's final), belongs to the
    // interrupted reply: the reply to the barge-in is what came after both.
    const replyFrom = kind === 'barge-in' && clear !== undefined ? Math.max(utterance.lastVoicedAt, clear.t) : utterance.lastVoicedAt;
    return { next, clear, kind, replyFrom };
  });
  utterances.forEach((utterance, i) => {
    const { next, clear, kind, replyFrom } = classified[i]!;

    if (kind === 'barge-in' && clear !== undefined) {
      add('bargein.clear_ms', clear.t - utterance.firstVoicedAt);
      const interrupted = media.filter((m) => m.t <= replyFrom);
      const leaked = interrupted.filter((m) => m.t > clear.t);
      add('bargein.leak_ms', leaked.reduce((sum, m) => sum + m.bytes / 8, 0));
      const stoppedAt = Math.max(utterance.firstVoicedAt, ...interrupted.map((m) => heardUntil(m) ?? -Infinity));
      add('bargein.stop_ms', stoppedAt - utterance.firstVoicedAt);
      const truncate = journal.filter(isTruncate).find((e) => e.t >= utterance.firstVoicedAt && e.t < next);
      const audioEndMs = truncate === undefined ? undefined : truncateAudioEndMs(truncate);
      if (audioEndMs !== undefined) {
        // The interrupted reply: what arrived since the previous utterance ended (or since the call began).
        const since = utterances[i - 1]?.lastVoicedAt ?? -Infinity;
        const played = media
          .filter((m) => m.t > since && m.t <= clear.t)
          .reduce((sum, m) => sum + Math.max(0, Math.min(m.playEnd, clear.t) - m.playStart), 0);
        // Absolute: histograms hold no negative values. Either sign is wrong: the model would
        // believe the caller heard words they did not, or repeat words they did.
        add('bargein.truncate_error_ms', Math.abs(audioEndMs - played));
      }
    }
    if (kind === 'talk-over') {
      turns.push({ utterance: utterance.id, kind, answered: false });
      return;
    }

    const reply = media.filter((m) => m.t > replyFrom && m.t < next);
    const firstMedia = reply[0];
    // The first chunk the caller actually heard some of: a clear may cut a chunk before its audible part.
    const firstAudible = reply.find((m) => heardUntil(m) !== undefined);
    if (firstMedia !== undefined) {
      add('turn.first_media_ms', firstMedia.t - utterance.lastVoicedAt);
      replyWindows.push({ from: utterance.lastVoicedAt, to: firstMedia.t });
    }
    if (firstAudible?.audibleFrom === undefined) {
      unansweredTurns++;
      turns.push({ utterance: utterance.id, kind, answered: false });
      return;
    }
    turns.push({ utterance: utterance.id, kind, answered: true });
    add('turn.response_ms', firstAudible.audibleFrom - utterance.lastVoicedAt);
    const final = sttFinals.find((t) => t >= utterance.lastVoicedAt && t <= firstAudible.t);
    if (final !== undefined) add('turn.after_final_ms', firstAudible.audibleFrom - final);
    if (final !== undefined && firstMedia !== undefined) measuredTurns.push({ finalAt: final, firstMediaAt: firstMedia.t });

    const replyEnd = reply[reply.length - 1];
    // Cut short: by a clear while it played, or by the next utterance barging in (an agent that
    // paces its audio in real time may have sent no more of it than had played when the clear came).
    const cut = replyEnd !== undefined && (clears.some((c) => c.t >= firstAudible.t && c.t < endOf(replyEnd) + 1) || classified[i + 1]?.kind === 'barge-in');
    if (!cut) {
      let gap = 0;
      for (let k = 1; k < reply.length; k++) {
        const previous = reply[k - 1];
        const current = reply[k];
        if (previous !== undefined && current !== undefined) gap += Math.max(0, current.playStart - endOf(previous));
      }
      add('turn.gap_ms', gap);
    }
  });
  for (const [name, values] of Object.entries(computeStageMetrics(replyWindows, journal))) {
    for (const value of values) add(name as StageMetricName, value);
  }
  for (const error of selfReportErrors(measuredTurns, selfReported)) add('agent.self_report_error_ms', error);
  return { samples, turns, unansweredTurns, greetingHeard, greetingSource };
}
