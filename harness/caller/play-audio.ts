/**
 * The audio of a TwiML <Play>, as far as the fake Twilio models it: fetched from a loopback host
 * (a local agent's own server) and read as WAV (μ-law or PCM) for its duration and the span of it
 * that is audible. Anything else fails with one line naming the URL: a guessed duration would
 * make the greeting metric wrong without saying so.
 */
import type { Clock } from '../clock.ts';
import { firstAudibleMs, lastAudibleEndMs, readWav } from '../audio/index.ts';
import { fetchErrorMessage } from '../net/fetch-error.ts';
import { isLoopbackHost, plainOnLoopback } from './loopback.ts';

export interface PlayAudio {
  durationMs: number;
  /** Offsets in ms of the first audible sample and just after the last one, if any is audible. */
  audibleFromMs: number | undefined;
  audibleToMs: number | undefined;
}

export type PlayAudioResult = { ok: true; value: PlayAudio } | { ok: false; error: string };

/** As long as Twilio waits for the TwiML itself: a local file server that takes longer is broken. */
export const PLAY_FETCH_TIMEOUT_MS = 15_000;

export interface PlayFetchOptions {
  /** The TwiML document's URL: a relative <Play> URL is resolved against it, as Twilio does. */
  baseUrl: string;
  plainLoopback: boolean;
}

export async function fetchPlayAudio(clock: Clock, url: string, options: PlayFetchOptions): Promise<PlayAudioResult> {
  let target: URL;
  try {
    target = new URL(url, options.baseUrl);
  } catch {
    return { ok: false, error: `TwiML <Play> URL is not a URL: ${url}` };
  }
  if (!isLoopbackHost(target.hostname) || (target.protocol !== 'http:' && target.protocol !== 'https:')) {
    return { ok: false, error: `TwiML <Play> ${url}: the fake Twilio plays audio only from an http(s) URL on a loopback host (127.0.0.1, localhost, [::1])` };
  }
  const controller = new AbortController();
  const cancel = clock.at(clock.now() + PLAY_FETCH_TIMEOUT_MS, () => controller.abort(new Error(`no answer within ${PLAY_FETCH_TIMEOUT_MS} ms`)));
  let bytes: Uint8Array;
  try {
    const response = await fetch(plainOnLoopback(target, options.plainLoopback), { signal: controller.signal });
    if (!response.ok) return { ok: false, error: `TwiML <Play> ${url} answered HTTP ${response.status}` };
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    const reason = controller.signal.aborted ? (controller.signal.reason as Error).message : fetchErrorMessage(error);
    return { ok: false, error: `TwiML <Play> ${url} could not be fetched: ${reason}` };
  } finally {
    cancel();
  }
  let audio;
  try {
    audio = readWav(bytes);
  } catch (error) {
    return { ok: false, error: `TwiML <Play> ${url} is not a WAV file the fake Twilio can read (${(error as Error).message}); it plays WAV audio (μ-law or PCM) only` };
  }
  if (!(audio.sampleRate > 0)) return { ok: false, error: `TwiML <Play> ${url} is a WAV file with sample rate ${audio.sampleRate}` };
  return {
    ok: true,
    value: {
      durationMs: (audio.samples.length * 1000) / audio.sampleRate,
      audibleFromMs: firstAudibleMs(audio.samples, audio.sampleRate),
      audibleToMs: lastAudibleEndMs(audio.samples, audio.sampleRate),
    },
  };
}
