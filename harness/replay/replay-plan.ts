/**
 * A capture as something a run can play (`callbench replay CAPTURE`): a scenario that sends the
 * recorded caller audio on its recorded schedule, and the upstream recording the mocks answer from.
 *
 * The caller's audio (caller.wav) is cut at the end of each utterance into segments played back to
 * back from the first frame, each a `say` step whose fixture is that stretch of the recording
 * (the pause before the utterance included): the caller's frames go out exactly as recorded, frame
 * for frame, whatever the agent does, and each utterance is still an utterance to the metrics and
 * checks, with what the recorded scenario expected of it. What follows the last utterance is a
 * pause as long as the rest of the recording, then the caller hangs up if it did (once the agent
 * is as quiet as it was then: hangupAsRecorded).
 *
 * A capture made by callbench's own caller knows its utterances (capture.json `caller`); for any
 * other the VAD finds them (utterances.ts) and the listen (or Realtime) transcripts recorded at
 * that moment give their words.
 *
 * The mocks' profile is `instant` for every delay the recording does not give, with the services'
 * recorded speed of speech; the faults the recorded services showed are armed again.
 */
import path from 'node:path';
import { BYTES_PER_MS, decodeMulaw, lastAudibleEndMs, SAMPLE_RATE, type VoicedSpan } from '../audio/index.ts';
import type { Utterance } from '../caller/utterance.ts';
import type { Fault } from '../mocks/faults.ts';
import { PROFILES, type LatencyProfile } from '../mocks/profiles.ts';
import type { UpstreamRecording } from '../mocks/replay/source.ts';
import type { Capture, CapturedUtterance } from '../record/capture-format.ts';
import type { PlannedScenario } from '../runner/run.ts';
import type { Scenario, ScenarioStep } from '../scenario/schema.ts';
import { findUtterances } from './utterances.ts';
import { upstreamFacts } from './upstream-recording.ts';

export interface ReplayPlan {
  planned: PlannedScenario;
  recording: UpstreamRecording;
  profile: LatencyProfile;
  /** Where the caller's script came from. */
  script: 'capture' | 'vad';
  /** The utterances as played: where each is in caller.wav. */
  utterances: ReadonlyArray<{ id: string; text: string; startMs: number; voiceStartMs: number; expect: string | undefined }>;
  faults: readonly Fault[];
}

/** A `start` later than this after `connected` in the recording is the hostile Twilio's delayed start, played again. */
const DELAYED_START_MS = 100;

/** A scenario name from a directory name: lowercase letters, digits and dashes. */
function nameOf(dir: string): string {
  const base = path
    .basename(path.resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return base === '' ? 'capture' : base;
}

/** Final transcripts the recording's upstream produced, with their time in the call. */
function recordedTranscripts(capture: Capture): Array<{ t: number; text: string }> {
  const out: Array<{ t: number; text: string }> = [];
  for (const line of capture.upstream) {
    if (line.kind !== 'text' || line.from !== 'upstream') continue;
    let event: unknown;
    try {
      event = JSON.parse(line.text);
    } catch {
      continue;
    }
    if (typeof event !== 'object' || event === null) continue;
    const e = event as Record<string, unknown>;
    if (e['type'] === 'Results' && e['is_final'] === true) {
      const channel = e['channel'] as { alternatives?: Array<{ transcript?: unknown }> } | undefined;
      const text = channel?.alternatives?.[0]?.transcript;
      if (typeof text === 'string' && text.trim() !== '') out.push({ t: line.t, text: text.trim() });
    } else if (e['type'] === 'conversation.item.input_audio_transcription.completed' && typeof e['transcript'] === 'string' && e['transcript'].trim() !== '') {
      out.push({ t: line.t, text: e['transcript'].trim() });
    }
  }
  return out;
}

/** The caller's utterances: capture.json's, or found by the VAD with the words recorded for them. */
function utterancesOf(capture: Capture): { script: 'capture' | 'vad'; utterances: CapturedUtterance[] } {
  const known = capture.manifest.caller?.utterances;
  if (known !== undefined && known.length > 0) return { script: 'capture', utterances: [...known].sort((a, b) => a.startMs - b.startMs) };
  const found = findUtterances(capture.callerAudio, capture.agentAudio);
  const transcripts = recordedTranscripts(capture);
  return {
    script: 'vad',
    utterances: found.map((u, i) => {
      const until = found[i + 1]?.voiceStartMs ?? Infinity;
      // A transcript belongs to the utterance whose speech it follows (it arrives after the words, before the next utterance).
      const words = transcripts.filter((t) => t.t >= u.voiceStartMs && t.t < until).map((t) => t.text);
      return { id: `utterance-${i + 1}`, text: words.join(' ') || `utterance ${i + 1}`, startMs: u.startMs, durationMs: u.durationMs, voiced: u.voiced, expect: u.expect, stated: false };
    }),
  };
}

/** When the recorded `start` followed `connected`, in ms (0 when at once). */
function startDelayOf(capture: Capture): number {
  const connected = capture.twilio.find((l) => l.kind === 'message' && l.from === 'twilio' && l.event === 'connected');
  const delay = connected === undefined ? 0 : -connected.t;
  return delay >= DELAYED_START_MS ? Math.round(delay) : 0;
}

const shifted = (spans: readonly VoicedSpan[], by: number): VoicedSpan[] => spans.map((s) => ({ startMs: s.startMs + by, endMs: s.endMs + by }));

/** The shortest recorded silence before the hang-up that makes the replay's hang-up wait for the agent's quiet. */
const MIN_QUIET_HANGUP_MS = 100;
/** How much longer than recorded a replay waits for the agent to finish before it hangs up anyway. */
const QUIET_HANGUP_GRACE_MS = 10_000;

/**
 * The recorded hang-up. A caller who hung up into silence after the agent's reply (the agent had
 * finished) hangs up in the replay once the agent has answered and been quiet as long: an agent
 * slower than the recorded one (a loaded machine, or the change under test) is then judged on its
 * whole reply, not cut off by a clock. A caller who hung up while the agent talked, or before it
 * said anything after the caller's last words, hangs up at the recorded moment.
 */
function hangupAsRecorded(capture: Capture, totalMs: number, lastVoiceEndMs: number): ScenarioStep {
  const heardUntil = lastAudibleEndMs(decodeMulaw(capture.agentAudio), SAMPLE_RATE) ?? 0;
  const quietMs = Math.floor(totalMs - heardUntil);
  // The recorded caller hung up over the agent's voice, or without a word from it since the caller
  // last spoke (nothing to wait for): at the recorded moment.
  if (quietMs < MIN_QUIET_HANGUP_MS || heardUntil <= lastVoiceEndMs) return { type: 'hangup' };
  return { type: 'hangup', afterQuietMs: Math.min(10_000, quietMs), timeoutMs: QUIET_HANGUP_GRACE_MS };
}

export function planReplay(capture: Capture): ReplayPlan {
  const { script, utterances } = utterancesOf(capture);
  const totalMs = capture.callerAudio.length / BYTES_PER_MS;
  const fixtures = new Map<string, Utterance>();
  const steps: ScenarioStep[] = [];
  const played: Array<ReplayPlan['utterances'][number]> = [];
  let cursor = 0;
  utterances.forEach((u, i) => {
    const end = Math.min(totalMs, u.startMs + u.durationMs);
    if (end <= cursor) return;
    const id = `u${i + 1}-${u.id.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`.replace(/-+$/, '');
    fixtures.set(id, {
      id,
      text: u.text,
      audio: capture.callerAudio.slice(Math.round(cursor * BYTES_PER_MS), Math.round(end * BYTES_PER_MS)),
      // The segment starts at the cursor: the pause before the utterance is part of it.
      voiced: shifted(u.voiced, u.startMs - cursor),
    });
    steps.push({
      type: 'say',
      fixture: id,
      ...(u.expect === undefined ? {} : { expect: u.expect }),
      ...(u.clearWithinMs === undefined ? {} : { clearWithinMs: u.clearWithinMs }),
      ...(u.replyWithinMs === undefined ? {} : { replyWithinMs: u.replyWithinMs }),
    });
    played.push({ id, text: u.text, startMs: cursor, voiceStartMs: u.startMs + (u.voiced[0]?.startMs ?? 0), expect: u.expect });
    cursor = end;
  });
  const callerStopped = capture.twilio.some((l) => l.kind === 'message' && l.from === 'twilio' && l.event === 'stop');
  steps.push({ type: 'pause', ms: Math.max(0, Math.round(totalMs - cursor)) });
  const last = utterances.at(-1);
  const lastVoiceEndMs = last === undefined ? -Infinity : last.startMs + (last.voiced.at(-1)?.endMs ?? last.durationMs);
  if (callerStopped) steps.push(hangupAsRecorded(capture, totalMs, lastVoiceEndMs));

  const facts = upstreamFacts(capture.upstream);
  const recordedTwilio = capture.manifest.caller?.twilio;
  const startDelayMs = recordedTwilio?.startDelayMs ?? startDelayOf(capture);
  const twilio = {
    ...(recordedTwilio?.markEcho === undefined ? {} : { markEcho: recordedTwilio.markEcho }),
    ...(startDelayMs > 0 ? { startDelayMs } : {}),
  };
  const scenario: Scenario = {
    name: nameOf(capture.dir),
    description: `Replay of the capture ${capture.dir} (call ${capture.manifest.call.callSid}${capture.manifest.caller?.scenario === undefined ? '' : `, scenario ${capture.manifest.caller.scenario}`}): the recorded caller audio on its recorded schedule, the mocks answering from the recording.`,
    steps,
    ...(facts.faults.length > 0 ? { faults: facts.faults } : {}),
    ...(Object.keys(twilio).length > 0 ? { twilio } : {}),
  };
  const instant = PROFILES['instant'];
  if (instant === undefined) throw new Error('the instant profile is missing');
  const profile: LatencyProfile = {
    name: 'replay',
    description: `the recording's delays (every other one zero), speech made ${facts.ttsSpeedup === undefined ? 'at the instant profile’s pace' : `${facts.ttsSpeedup.toFixed(1)}× faster than real time, as recorded`}`,
    delays: instant.delays,
    ttsSpeedup: facts.ttsSpeedup ?? instant.ttsSpeedup,
  };
  return { planned: { scenario, fixtures }, recording: facts.recording, profile, script, utterances: played, faults: facts.faults };
}
