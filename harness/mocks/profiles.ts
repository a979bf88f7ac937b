/**
 * Latency profiles: named, seeded distributions for every delay the mocks model. A delay is
 * log-normal, fixed by its median and 95th percentile; the same seed gives the same sequence.
 */
import { createRng } from '../random.ts';

export { createRng };

export type DelayName =
  /** STT: from the end of the audio a result covers to sending the result. */
  | 'stt.result_lag_ms'
  /** STT: processing added after the endpointing silence before a speech_final result. */
  | 'stt.endpointing_ms'
  /** LLM (chat): from the request to the first content token. */
  | 'llm.first_token_ms'
  /** LLM (chat): between content tokens. */
  | 'llm.token_gap_ms'
  /** TTS (WebSocket): from Flush to the first audio frame. */
  | 'tts.first_byte_ms'
  /** TTS (REST): from the request to the first body byte. */
  | 'tts.rest_first_byte_ms'
  /** Realtime: from speech_stopped (or the response.create) to the first response.output_audio.delta. */
  | 'realtime.first_audio_ms';

/** A delay distribution: log-normal with this median and 95th percentile (equal values: constant). */
export interface Distribution {
  p50: number;
  p95: number;
}

export interface LatencyProfile {
  name: string;
  description: string;
  delays: Record<DelayName, Distribution>;
  /** How many times faster than real time the TTS produces audio once it has started. */
  ttsSpeedup: number;
}

const constant = (ms: number): Distribution => ({ p50: ms, p95: ms });

export const PROFILES: Readonly<Record<string, LatencyProfile>> = {
  instant: {
    name: 'instant',
    description: 'every modeled delay zero: what remains is the agent’s and the harness’s own overhead',
    delays: {
      'stt.result_lag_ms': constant(0),
      'stt.endpointing_ms': constant(0),
      'llm.first_token_ms': constant(0),
      'llm.token_gap_ms': constant(0),
      'tts.first_byte_ms': constant(0),
      'tts.rest_first_byte_ms': constant(0),
      'realtime.first_audio_ms': constant(0),
    },
    ttsSpeedup: 1000,
  },
  reference: {
    name: 'reference',
    description: 'the seed analysis’s Reference column: Deepgram ~50 ms STT lag, OpenAI TTFT 200–400 ms, Deepgram WS TTFB ~200 ms',
    delays: {
      'stt.result_lag_ms': { p50: 50, p95: 120 },
      'stt.endpointing_ms': { p50: 80, p95: 150 },
      'llm.first_token_ms': { p50: 300, p95: 400 },
      'llm.token_gap_ms': { p50: 15, p95: 30 },
      'tts.first_byte_ms': { p50: 200, p95: 300 },
      'tts.rest_first_byte_ms': { p50: 275, p95: 450 },
      // gpt-realtime first audio after speech_stopped (PROTOCOLS.md §6).
      'realtime.first_audio_ms': { p50: 400, p95: 800 },
    },
    ttsSpeedup: 10,
  },
  'twilio-2025': {
    name: 'twilio-2025',
    description:
      'Twilio’s cascaded-agent latency targets (Nov 2025; PROTOCOLS.md §6): STT first transcript 350/500 ms, LLM TTFT 375/750 ms, TTS first byte 100/250 ms (target as p50, upper bound as p95)',
    delays: {
      'stt.result_lag_ms': { p50: 150, p95: 300 },
      'stt.endpointing_ms': { p50: 100, p95: 300 },
      'llm.first_token_ms': { p50: 375, p95: 750 },
      'llm.token_gap_ms': { p50: 15, p95: 30 },
      'tts.first_byte_ms': { p50: 100, p95: 250 },
      'tts.rest_first_byte_ms': { p50: 250, p95: 450 },
      // Twilio's targets are for cascaded agents; Realtime keeps the gpt-realtime figures (PROTOCOLS.md §6).
      'realtime.first_audio_ms': { p50: 400, p95: 800 },
    },
    ttsSpeedup: 10,
  },
  slow: {
    name: 'slow',
    description: 'a bad day: slow STT, an LLM with a heavy first-token tail (p95 2.5 s), slow TTS; for testing timeouts, fillers and barge-in under load',
    delays: {
      'stt.result_lag_ms': { p50: 300, p95: 600 },
      'stt.endpointing_ms': { p50: 300, p95: 600 },
      'llm.first_token_ms': { p50: 900, p95: 2500 },
      'llm.token_gap_ms': { p50: 40, p95: 100 },
      'tts.first_byte_ms': { p50: 300, p95: 600 },
      'tts.rest_first_byte_ms': { p50: 600, p95: 1200 },
      // gpt-realtime-2 first audio, minimal to high reasoning: 1.1–2.3 s (PROTOCOLS.md §6).
      'realtime.first_audio_ms': { p50: 1100, p95: 2300 },
    },
    ttsSpeedup: 3,
  },
};

export function profileNames(): string[] {
  return Object.keys(PROFILES);
}

const Z95 = 1.6448536269514722;

export interface DelaySampler {
  readonly profile: LatencyProfile;
  /**
   * A fresh delay in ms for `name`. For a call given a stream key (`keyCall`), drawn from that
   * key's own stream of `name`; for any other call, or none, from the run's shared stream.
   */
  sample(name: DelayName, call?: string): number;
  /**
   * Common random numbers: every call given the same `key` draws the same sequence of each delay,
   * whatever other calls draw meanwhile. callbench compare gives both calls of a pair one key, so
   * the variants meet the same upstream delays and their difference is the design's alone.
   */
  keyCall(call: string, key: string): void;
  /** How many draws came from a call's keyed streams and how many from the shared ones (a connection not yet tied to its call draws shared). */
  draws(): { keyed: number; shared: number };
}

/** A stream seed for `labels` under `seed` (FNV-style, stable across runs). */
function streamSeed(seed: number, ...labels: string[]): number {
  let h = seed >>> 0;
  for (const label of labels) {
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 2654435761) >>> 0;
    h = Math.imul(h ^ 0x1f, 2654435761) >>> 0;
  }
  return h;
}

/** A sampler for `profile`; each delay name has its own stream so adding draws of one leaves the others unchanged. */
export function createDelaySampler(profile: LatencyProfile, seed: number): DelaySampler {
  const streams = new Map<DelayName, () => number>();
  const keyedStreams = new Map<string, () => number>();
  const keys = new Map<string, string>();
  const counts = { keyed: 0, shared: 0 };
  const stream = (name: DelayName): (() => number) => {
    let rng = streams.get(name);
    if (rng === undefined) {
      let h = seed >>> 0;
      for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 2654435761) >>> 0;
      rng = createRng(h);
      streams.set(name, rng);
    }
    return rng;
  };
  /** Each call has a stream of its own per delay, seeded by its key: two calls of one key draw the same sequence. */
  const keyedStream = (call: string, key: string, name: DelayName): (() => number) => {
    const id = `${call}\u0000${name}`;
    let rng = keyedStreams.get(id);
    if (rng === undefined) {
      rng = createRng(streamSeed(seed, key, name));
      keyedStreams.set(id, rng);
    }
    return rng;
  };
  return {
    profile,
    keyCall(call, key) {
      keys.set(call, key);
    },
    draws: () => ({ ...counts }),
    sample(name, call) {
      const { p50, p95 } = profile.delays[name];
      if (p50 <= 0) return 0;
      if (p95 <= p50) return p50;
      const key = call === undefined ? undefined : keys.get(call);
      if (key === undefined) counts.shared++;
      else counts.keyed++;
      const rng = key === undefined || call === undefined ? stream(name) : keyedStream(call, key, name);
      // Box–Muller: one standard normal from two uniforms.
      const u1 = Math.max(rng(), Number.EPSILON);
      const u2 = rng();
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      const sigma = Math.log(p95 / p50) / Z95;
      return p50 * Math.exp(sigma * z);
    },
  };
}
