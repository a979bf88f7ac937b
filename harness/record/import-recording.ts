/**
 * A Twilio dual-channel call recording turned into a scenario (`callbench import`): the caller's
 * channel cut into utterances where the energy VAD finds voice (each made a fixture, with its
 * sidecar, by the same code as `callbench fixture add`), and steps that say them at the moments
 * they were said relative to the agent's audio on the other channel:
 *
 *   - an utterance that starts while the agent is talking is a barge-in: `wait_for_agent_audio`
 *     with playedMs = (where the utterance's audio starts) − (the first audible sample of the
 *     agent's reply it cut into), then the `say` (expect interrupt). The caller counts playedMs
 *     from the reply's first audible sample and sends the fixture from its first sample, so the
 *     voice lands at the same place in the reply as on the call (a barge-in 2.3 s into the reply
 *     stays 2.3 s into the reply);
 *   - one that starts after the agent fell quiet waits for the agent's turn to end with quietMs =
 *     the silence the caller left on the call (`wait_for_agent`), then says it;
 *   - one said before the agent spoke at all, or right after another utterance with no agent audio
 *     between, waits the recorded gap (`pause`).
 *
 * Cuts are on 10 ms boundaries of the recording, so the VAD windows of the cut and of the
 * recording line up and the fixture's voiced spans are the recording's, moved.
 *
 * Pure: bytes in, files' contents out; the CLI reads and writes (harness/cli/commands/import.ts).
 */
import { decodeMulaw, DEFAULT_SYNTH, encodeMulaw, findVoicedSpans, firstAudibleMs, resample, SAMPLE_RATE, writeMulawWav, type VoicedSpan } from '../audio/index.ts';
import { decodeWav, describeFormat, WavError, type Channel } from '../scenario/fixture-wav.ts';
import { makeFixture, type FixtureSidecarFile } from '../scenario/make-fixture.ts';
import type { ScenarioStep } from '../scenario/schema.ts';

/** Caller voice separated by less than this is one utterance (a breath between words is not a turn). */
export const UTTERANCE_GAP_MS = 700;
/** Audio kept before an utterance's first voiced window and after its last. */
const LEAD_MS = 200;
const TAIL_MS = 300;
/** The agent counts as talking at a caller's voice onset when its voice was heard this recently. */
const TALKING_MS = 300;
/** Cut points are whole VAD windows (10 ms) of the recording. */
const GRID_MS = 10;
const SAMPLES_PER_MS = SAMPLE_RATE / 1000;
/** Text the mock LLM speaks for a reply of unknown words: sized to the recorded reply (the mock speaks DEFAULT_SYNTH.msPerChar per character). */
const FILLER = 'This stands in for what the agent said on the recorded call, for as long as it spoke. ';

export interface ImportSettings {
  /** The scenario's name; fixtures are NAME-1, NAME-2, … */
  name: string;
  callerChannel: Channel;
  sourceName: string;
  /** From --transcript: the caller's words per utterance, in order, and the agent's reply after each (if given). */
  transcript?: Transcript;
}

export interface Transcript {
  caller: string[];
  /** agent[k]: what the agent said after caller utterance k (undefined: not in the transcript). */
  agent: Array<string | undefined>;
}

export interface ImportedUtterance {
  fixture: string;
  wav: Uint8Array;
  sidecar: FixtureSidecarFile;
  /** Where its audio starts in the recording, ms. */
  startMs: number;
  /** Its first voiced sample in the recording, ms. */
  voiceMs: number;
  /** For a barge-in: how far into the agent's reply its voice came, ms (the recorded offset). */
  bargeInMs?: number;
}

export interface ImportedRecording {
  utterances: ImportedUtterance[];
  steps: ScenarioStep[];
  durationMs: number;
  format: string;
}

/** Problems with the recording itself; the CLI prefixes the file's name. */
export class RecordingError extends Error {}

const grid = (ms: number, round: (x: number) => number): number => round(ms / GRID_MS) * GRID_MS;
const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/**
 * The transcript file: one line per caller utterance, in order; lines may be prefixed `caller:`
 * or `agent:` (an agent line is the reply to the caller line before it). Blank lines and `#`
 * comments are skipped.
 */
export function parseTranscript(text: string): Transcript {
  const caller: string[] = [];
  const agent: Array<string | undefined> = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(caller|agent)\s*:\s*(.*)$/i.exec(line);
    const who = match?.[1]?.toLowerCase() ?? 'caller';
    const words = (match?.[2] ?? line).trim();
    if (words === '') continue;
    if (who === 'caller') {
      caller.push(words);
      agent.push(undefined);
    } else if (caller.length > 0) {
      const k = caller.length - 1;
      agent[k] = agent[k] === undefined ? words : `${agent[k]} ${words}`;
    }
  }
  return { caller, agent };
}

/** A reply the mock speaks for about `ms` (at least a sentence). */
function fillerFor(ms: number): string {
  const chars = Math.max(FILLER.length, Math.ceil(ms / DEFAULT_SYNTH.msPerChar));
  return FILLER.repeat(Math.ceil(chars / FILLER.length)).trim();
}

export function importRecording(bytes: Uint8Array, settings: ImportSettings): ImportedRecording {
  const decoded = decodeWav(bytes);
  const format = describeFormat(decoded.format);
  if (decoded.format.channels !== 2) {
    throw new RecordingError(`has ${decoded.format.channels === 1 ? 'one channel' : `${decoded.format.channels} channels`} (${format}); callbench import expects a dual-channel recording, the caller on one channel and the agent on the other`);
  }
  const to8k = (samples: Int16Array): Int16Array => decodeMulaw(encodeMulaw(resample({ sampleRate: decoded.format.sampleRate, samples }, SAMPLE_RATE).samples));
  const callerIndex = settings.callerChannel === 'left' ? 0 : 1;
  const caller = to8k(decoded.channels[callerIndex] ?? new Int16Array(0));
  const agent = to8k(decoded.channels[1 - callerIndex] ?? new Int16Array(0));
  if (caller.length === 0) throw new RecordingError(`is a WAV with no audio in it (${format}, 0 samples)`);
  const durationMs = caller.length / SAMPLES_PER_MS;

  const callerSpans = findVoicedSpans(caller, SAMPLE_RATE, { mergeGapMs: UTTERANCE_GAP_MS });
  if (callerSpans.length === 0) throw new RecordingError(`has no voice on the ${settings.callerChannel} channel (the caller's, --caller-channel); the other channel is the agent's`);
  const agentSpans = findVoicedSpans(agent, SAMPLE_RATE);
  const transcript = settings.transcript;
  if (transcript !== undefined && transcript.caller.length !== callerSpans.length) {
    throw new RecordingError(
      `has ${callerSpans.length} caller utterance(s) on the ${settings.callerChannel} channel (voice at ${callerSpans.map((s) => `${(s.startMs / 1000).toFixed(2)} s`).join(', ')}), but the transcript has ${transcript.caller.length} caller line(s)`,
    );
  }

  /** The first audible sample of the agent voice span `span` (the VAD gives whole windows). */
  const audibleStart = (span: VoicedSpan): number => {
    const from = Math.round(span.startMs * SAMPLES_PER_MS);
    const within = firstAudibleMs(agent.subarray(from, Math.round(span.endMs * SAMPLES_PER_MS)), SAMPLE_RATE);
    return span.startMs + (within ?? 0);
  };

  const utterances: ImportedUtterance[] = [];
  const steps: ScenarioStep[] = [];
  let previousEnd = 0;
  let previousVoiceEnd = 0;
  for (const [k, span] of callerSpans.entries()) {
    const next = callerSpans[k + 1];
    const startMs = Math.max(grid(previousEnd, Math.ceil), grid(span.startMs - LEAD_MS, Math.floor), 0);
    const endMs = Math.min(grid(span.endMs + TAIL_MS, Math.ceil), next === undefined ? durationMs : grid(next.startMs - LEAD_MS, Math.floor), durationMs);
    const fixture = `${settings.name}-${k + 1}`;
    const cut = encodeMulaw(caller.subarray(Math.round(startMs * SAMPLES_PER_MS), Math.round(endMs * SAMPLES_PER_MS)));
    const text = transcript?.caller[k] ?? `(caller utterance ${k + 1} of ${settings.sourceName})`;
    let made;
    try {
      made = makeFixture(writeMulawWav(cut), { name: fixture, text, sourceName: settings.sourceName });
    } catch (error) {
      if (error instanceof WavError) throw new RecordingError(`utterance ${k + 1} (${(startMs / 1000).toFixed(2)} s): ${error.message}`);
      throw error;
    }
    made.sidecar.source = { file: settings.sourceName, format, channel: settings.callerChannel };

    // The agent's audio between the previous utterance and this one, and whether it is talking now.
    const agentBefore = agentSpans.filter((s) => s.endMs > previousVoiceEnd && s.startMs < span.startMs);
    const talking = agentBefore.find((s) => s.startMs <= span.startMs && s.endMs >= span.startMs - TALKING_MS);
    const utterance: ImportedUtterance = { fixture, wav: made.wav, sidecar: made.sidecar, startMs, voiceMs: span.startMs };
    const say: ScenarioStep & { type: 'say' } = { type: 'say', fixture };
    const firstOfReply = agentBefore[0];
    if (talking !== undefined && firstOfReply !== undefined) {
      const replyStart = audibleStart(firstOfReply);
      steps.push({ type: 'wait_for_agent_audio', playedMs: clamp(Math.round(startMs - replyStart), 0, 120_000), timeoutMs: 20_000 });
      say.expect = 'interrupt';
      utterance.bargeInMs = Math.round(span.startMs - replyStart);
    } else if (agentBefore.length > 0) {
      const last = agentBefore[agentBefore.length - 1]!;
      steps.push({ type: 'wait_for_agent', quietMs: clamp(Math.round(startMs - last.endMs), 100, 10_000), timeoutMs: 20_000 });
    } else if (startMs - previousEnd > 0) {
      steps.push({ type: 'pause', ms: Math.round(startMs - previousEnd) });
    }
    // What the agent answers to it: the transcript's words, else filler as long as the recorded reply (to the next utterance, or the end).
    const replyEnd = Math.max(0, ...agentSpans.filter((s) => s.startMs >= span.endMs && s.startMs < (next?.startMs ?? Infinity)).map((s) => s.endMs));
    const replyFrom = agentSpans.find((s) => s.startMs >= span.endMs && s.startMs < (next?.startMs ?? Infinity))?.startMs;
    const reply = transcript?.agent[k] ?? (replyFrom === undefined ? undefined : fillerFor(Math.max(replyEnd - replyFrom, 1000) + 2000));
    if (reply !== undefined) say.reply = reply;
    steps.push(say);
    utterances.push(utterance);
    previousEnd = endMs;
    previousVoiceEnd = span.endMs;
  }
  const lastSpoken = callerSpans[callerSpans.length - 1]!;
  if (agentSpans.some((s) => s.endMs > lastSpoken.endMs)) steps.push({ type: 'wait_for_agent', quietMs: 800, timeoutMs: 20_000 });
  steps.push({ type: 'hangup' });
  return { utterances, steps, durationMs, format };
}
