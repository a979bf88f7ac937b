/**
 * Stage metrics: where a reply's time went, joined from the mock journal entries tied to the call
 * (harness/mocks/attribution: by header, audio mark, text or content). Each reply is the window from
 * the caller's last voiced sample to the first agent audio the caller received; a stage whose journal
 * entries are missing in that window (a connection that could not be tied, or a mode that skips a
 * service) gives no sample rather than a guess.
 */
import type { JournalEntry } from '../mocks/journal/entries.ts';
import { isFirstToken, isLlmRequest, isRealtimeAudio, isSpeechStopped, isTtsAudio, isTtsRequest, isTtsText, utteranceEnds } from '../mocks/journal/queries.ts';
import type { StageMetricName } from './definitions.ts';

export interface ReplyWindow {
  /** Send time of the frame carrying the utterance's last voiced sample. */
  from: number;
  /** Receipt of the reply's first agent media message. */
  to: number;
}

/** Stage samples of every reply of one call; `entries` are that call's journal entries in time order. */
export function computeStageMetrics(windows: readonly ReplyWindow[], entries: readonly JournalEntry[]): Partial<Record<StageMetricName, number[]>> {
  const samples: Partial<Record<StageMetricName, number[]>> = {};
  const add = (name: StageMetricName, from: number | undefined, to: number | undefined): void => {
    if (from !== undefined && to !== undefined && to >= from) (samples[name] ??= []).push(to - from);
  };
  const ends = new Set(utteranceEnds(entries));
  for (const window of windows) {
    const inWindow = entries.filter((e) => e.t >= window.from && e.t <= window.to);
    const after = (t: number | undefined, predicate: (e: JournalEntry) => boolean): number | undefined =>
      t === undefined ? undefined : inWindow.find((e) => e.t >= t && predicate(e))?.t;
    const stopped = inWindow.find(isSpeechStopped)?.t;
    if (stopped !== undefined) {
      // Realtime: one service hears, thinks and speaks.
      const audio = after(stopped, isRealtimeAudio);
      add('realtime.speech_stopped_ms', window.from, stopped);
      add('realtime.first_audio_ms', stopped, audio);
      add('agent.realtime_to_twilio_ms', audio, audio === undefined ? undefined : window.to);
      continue;
    }
    const final = inWindow.find((e) => ends.has(e))?.t;
    const request = after(final, isLlmRequest);
    const firstToken = after(request, isFirstToken);
    const ttsText = after(firstToken, isTtsText);
    const ttsRequest = after(ttsText, isTtsRequest);
    const ttsAudio = after(ttsRequest, isTtsAudio);
    add('stt.final_ms', window.from, final);
    add('agent.stt_to_llm_ms', final, request);
    add('llm.ttft_ms', request, firstToken);
    add('agent.llm_to_tts_ms', firstToken, ttsText);
    add('tts.ttfb_ms', ttsRequest, ttsAudio);
    add('agent.tts_to_twilio_ms', ttsAudio, ttsAudio === undefined ? undefined : window.to);
  }
  return samples;
}
