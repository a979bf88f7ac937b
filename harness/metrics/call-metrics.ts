/**
 * Metric samples of one call, derived from its timeline alone.
 * - greeting.first_audio_ms: `start` sent → playback time of the first audible agent sample,
 *   when the agent spoke before the caller's first utterance.
 * - turn.response_ms: the send time of the frame carrying an utterance's last voiced sample →
 *   playback time of the first audible agent sample received after it (the reply), if the reply
 *   started before the caller's next utterance.
 * - turn.first_media_ms: the same start → receipt of the first agent media message after it.
 * A turn without a reply is counted as missing, never as a fast sample.
 */
import { eventsOf, type TimelineEvent } from '../caller/timeline.ts';
import type { MetricName } from './definitions.ts';

export interface CallMetrics {
  samples: Partial<Record<MetricName, number[]>>;
  /** Utterances the agent never answered (before the next utterance or the end of the call). */
  unansweredTurns: number;
  greetingHeard: boolean;
}

export function computeCallMetrics(events: readonly TimelineEvent[]): CallMetrics {
  const samples: Partial<Record<MetricName, number[]>> = {};
  const add = (name: MetricName, value: number): void => {
    (samples[name] ??= []).push(value);
  };
  const start = eventsOf(events, 'start_sent')[0];
  const media = eventsOf(events, 'agent_media');
  const utterances = eventsOf(events, 'utterance');

  let greetingHeard = false;
  if (start !== undefined) {
    const firstUtterance = utterances[0]?.firstVoicedAt ?? Infinity;
    const greeting = media.find((m) => m.audibleFrom !== undefined && m.t < firstUtterance);
    if (greeting?.audibleFrom !== undefined) {
      greetingHeard = true;
      add('greeting.first_audio_ms', greeting.audibleFrom - start.t);
    }
  }

  let unansweredTurns = 0;
  utterances.forEach((utterance, i) => {
    const next = utterances[i + 1]?.firstVoicedAt ?? Infinity;
    const after = media.filter((m) => m.t > utterance.lastVoicedAt && m.t < next);
    const firstMedia = after[0];
    const firstAudible = after.find((m) => m.audibleFrom !== undefined);
    if (firstMedia !== undefined) add('turn.first_media_ms', firstMedia.t - utterance.lastVoicedAt);
    if (firstAudible?.audibleFrom !== undefined) add('turn.response_ms', firstAudible.audibleFrom - utterance.lastVoicedAt);
    else unansweredTurns++;
  });
  return { samples, unansweredTurns, greetingHeard };
}
