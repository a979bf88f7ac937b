/**
 * A caller's audio cut into utterances by the energy VAD (harness/audio/vad.ts), each with what the
 * agent was doing when it began: the caller's script for a recording that has none (a real call),
 * and for `callbench import`. An utterance is speech with no pause of UTTERANCE_GAP_MS or more in
 * it; its audio runs from a little before its first voiced sample to a little after its last, on
 * 20 ms frame boundaries, never into its neighbours. It is expected to `interrupt` when the agent
 * was audible at its first voiced sample (the caller spoke over the agent), else to get a `reply`.
 */
import { decodeMulaw, findVoicedSpans, FRAME_MS, SAMPLE_RATE, type VoicedSpan } from '../audio/index.ts';

/** A pause this long between voiced stretches ends an utterance; shorter ones are inside it. */
export const UTTERANCE_GAP_MS = 700;
/** Audio kept before the first and after the last voiced sample (onsets and tails the VAD clips). */
const LEAD_MS = 100;
const TAIL_MS = 200;

export interface FoundUtterance {
  /** Offset of its first frame in the audio (a multiple of 20 ms). */
  startMs: number;
  durationMs: number;
  /** Voiced spans in ms from `startMs`. */
  voiced: VoicedSpan[];
  /** Offset of its first voiced sample in the whole audio. */
  voiceStartMs: number;
  voiceEndMs: number;
  expect: 'reply' | 'interrupt';
}

const floorFrame = (ms: number): number => Math.floor(ms / FRAME_MS) * FRAME_MS;
const ceilFrame = (ms: number): number => Math.ceil(ms / FRAME_MS) * FRAME_MS;

/** The voiced stretches of μ-law audio, merged across pauses shorter than `gapMs`. */
export function voicedStretches(mulaw: Uint8Array, gapMs = UTTERANCE_GAP_MS): VoicedSpan[] {
  return findVoicedSpans(decodeMulaw(mulaw), SAMPLE_RATE, { mergeGapMs: gapMs });
}

/** Whether `at` (ms) falls in audible audio of `heard` (the agent as the caller heard it), with a little slack around its edges. */
function audibleAt(heard: readonly VoicedSpan[], at: number): boolean {
  return heard.some((span) => at >= span.startMs - 20 && at <= span.endMs + 20);
}

/**
 * The utterances of `caller` (8 kHz μ-law); `agent`, on the same time origin, decides what each
 * is expected to get.
 */
export function findUtterances(caller: Uint8Array, agent: Uint8Array | undefined): FoundUtterance[] {
  const totalMs = caller.length / (SAMPLE_RATE / 1000);
  const stretches = voicedStretches(caller);
  const heard = agent === undefined ? [] : findVoicedSpans(decodeMulaw(agent), SAMPLE_RATE, { mergeGapMs: 300 });
  const pcm = decodeMulaw(caller);
  const out: FoundUtterance[] = [];
  stretches.forEach((stretch, i) => {
    const last = out[out.length - 1];
    const previousEnd = last === undefined ? 0 : last.startMs + last.durationMs;
    const nextStart = stretches[i + 1]?.startMs ?? totalMs;
    const startMs = Math.max(previousEnd, floorFrame(stretch.startMs - LEAD_MS));
    // A short tail after the last voiced sample, but never into the lead of the next utterance.
    const room = Math.max(ceilFrame(stretch.endMs), floorFrame(nextStart - LEAD_MS));
    const endMs = Math.min(totalMs, ceilFrame(stretch.endMs + TAIL_MS), room);
    const from = Math.round(startMs * (SAMPLE_RATE / 1000));
    const to = Math.round(endMs * (SAMPLE_RATE / 1000));
    const voiced = findVoicedSpans(pcm.subarray(from, to), SAMPLE_RATE);
    if (voiced.length === 0) return;
    out.push({
      startMs,
      durationMs: endMs - startMs,
      voiced,
      voiceStartMs: startMs + (voiced[0]?.startMs ?? 0),
      voiceEndMs: startMs + (voiced[voiced.length - 1]?.endMs ?? 0),
      expect: audibleAt(heard, startMs + (voiced[0]?.startMs ?? 0)) ? 'interrupt' : 'reply',
    });
  });
  return out;
}
