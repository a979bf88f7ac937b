/**
 * calls/<n>/call.wav: one call as the caller lived it, stereo 16-bit PCM at 8 kHz (wavefile).
 * Left: every frame the caller sent (speech, noise, the silence between), placed at the time it
 * was sent. Right: the agent as the caller heard it, the playback model's account (harness/caller/
 * playback.ts) replayed: each media payload plays from its `playStart`, and a `clear` cuts what
 * was playing or queued when it came, as Twilio does, so leaked audio after a clear is heard and
 * cleared audio is not. Playback also stops at the caller's `stop` or the socket's close. Time 0
 * is `start` sent (as in the checks' evidence). TwiML played before the stream is not included.
 * Pure: returns the file's bytes, or undefined when the call's audio was not kept.
 */
import wavefile from 'wavefile';
import type { CallAudio } from '../caller/audio-capture.ts';
import type { TimelineEvent } from '../caller/timeline.ts';
import { callOrigin } from '../checks/check.ts';
import { decodeMulaw, SAMPLE_RATE } from '../audio/mulaw.ts';

const { WaveFile } = wavefile;
const PER_MS = SAMPLE_RATE / 1000;

/** One stretch of agent audio as heard: which payload, from when, for how many samples. */
export interface HeardChunk {
  /** Index into CallAudio.received (and the timeline's agent_media events). */
  index: number;
  playStart: number;
  /** Samples of it played before a clear, the stop or the close cut it (0: it was never heard). */
  samples: number;
}

/** The agent's audio as heard: each agent_media event, cut by the first clear, stop or close after it arrived. */
export function heardChunks(timeline: readonly TimelineEvent[]): HeardChunk[] {
  const open: Array<{ index: number; playStart: number; playEnd: number; bytes: number; cut: number }> = [];
  let index = 0;
  let ended = Infinity;
  for (const event of timeline) {
    if (event.kind === 'agent_media') {
      open.push({ index: index++, playStart: event.playStart, playEnd: event.playEnd, bytes: event.bytes, cut: Infinity });
    } else if (event.kind === 'clear') {
      // A clear drops what is playing or queued at that moment; what arrives after it plays anew.
      for (const chunk of open) chunk.cut = Math.min(chunk.cut, event.t);
    } else if ((event.kind === 'stop_sent' || event.kind === 'closed') && ended === Infinity) {
      ended = event.t;
    }
  }
  return open.map((c) => {
    const end = Math.min(c.playEnd, c.cut, ended);
    const samples = end <= c.playStart ? 0 : Math.min(c.bytes, Math.round((end - c.playStart) * PER_MS));
    return { index: c.index, playStart: c.playStart, samples };
  });
}

function place(channel: Int16Array, origin: number, at: number, pcm: Int16Array, count = pcm.length): void {
  const offset = Math.round((at - origin) * PER_MS);
  for (let i = 0; i < count; i++) {
    const k = offset + i;
    if (k >= 0 && k < channel.length) channel[k] = pcm[i] ?? 0;
  }
}

export function renderCallWav(timeline: readonly TimelineEvent[], audio: CallAudio | undefined): Uint8Array | undefined {
  if (audio === undefined) return undefined;
  const origin = timeline.some((e) => e.kind === 'start_sent') ? callOrigin(timeline) : (audio.sent[0]?.at ?? 0);
  const heard = heardChunks(timeline).filter((c) => c.samples > 0);
  let length = 0;
  for (const chunk of audio.sent) length = Math.max(length, Math.round((chunk.at - origin) * PER_MS) + chunk.mulaw.length);
  for (const chunk of heard) length = Math.max(length, Math.round((chunk.playStart - origin) * PER_MS) + chunk.samples);
  const left = new Int16Array(Math.max(0, length));
  const right = new Int16Array(Math.max(0, length));
  for (const chunk of audio.sent) place(left, origin, chunk.at, decodeMulaw(chunk.mulaw));
  for (const chunk of heard) {
    const payload = audio.received[chunk.index];
    if (payload !== undefined) place(right, origin, chunk.playStart, decodeMulaw(payload.mulaw), chunk.samples);
  }
  const wav = new WaveFile();
  wav.fromScratch(2, SAMPLE_RATE, '16', [left, right]);
  return wav.toBuffer();
}
