/** Hand-built caller timeline events for metric and check tests. */
import type { TimelineEvent } from '../../../harness/caller/timeline.ts';

/** Agent audio received at `t`, playing from `playStart` for `ms`, audible throughout. */
export function media(t: number, playStart: number, ms: number): TimelineEvent {
  return { kind: 'agent_media', t, bytes: ms * 8, playStart, playEnd: playStart + ms, audibleFrom: playStart, audibleTo: playStart + ms };
}

/** A caller utterance voiced from `firstVoicedAt` to `lastVoicedAt` (queued 200 ms before, 300 ms of trailing silence). */
export function utterance(id: string, firstVoicedAt: number, lastVoicedAt: number): TimelineEvent {
  return { kind: 'utterance', t: firstVoicedAt - 200, id, text: id, firstVoicedAt, lastVoicedAt, endAt: lastVoicedAt + 300 };
}
