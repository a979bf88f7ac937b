/**
 * Plays the TwiML verbs before <Connect> as Twilio does: in document order, each once the one
 * before it is done, and only then is the media stream dialled. Nothing is sent anywhere; each
 * verb lands on the timeline with the times the caller hears it, on the run's clock:
 * - <Say>: the text at the mock TTS's speaking rate (DEFAULT_SYNTH), times `loop`, so Say speech
 *   and agent speech of the same text last the same; audible throughout (Twilio's own TTS);
 * - <Pause>: `length` seconds of silence;
 * - <Play>: fetched when it is reached (as Twilio does), then its WAV's duration times `loop`.
 * Other verbs are skipped here (the document's note names them). Verbs that play back to back
 * are recorded together when the first begins, each with its scheduled times: one wait covers
 * them, and nothing else happens on the call before the stream opens.
 */
import type { Clock } from '../clock.ts';
import { DEFAULT_SYNTH, speechDurationMs } from '../audio/index.ts';
import { fetchPlayAudio } from './play-audio.ts';
import type { Timeline } from './timeline.ts';
import type { TwimlVerb } from './twiml.ts';

export interface PreludeOptions {
  clock: Clock;
  timeline: Timeline;
  /** The TwiML document's URL (relative <Play> URLs resolve against it). */
  baseUrl: string;
  plainLoopback: boolean;
}

export type PreludeResult =
  | {
      ok: true;
      /** When the last audible <Say>/<Play> stopped playing, if any played: the caller heard the agent until then. */
      audioEnd: number | undefined;
    }
  | { ok: false; error: string };

export async function playTwimlPrelude(verbs: readonly TwimlVerb[], options: PreludeOptions): Promise<PreludeResult> {
  const { clock, timeline } = options;
  // Verbs follow each other on a schedule (each starts when the one before ends), so a late timer
  // delays the stream but never stretches what the timeline says was heard.
  let cursor = clock.now();
  let audioEnd: number | undefined;
  for (const verb of verbs) {
    switch (verb.verb) {
      case 'Say': {
        const once = speechDurationMs(verb.text);
        const playEnd = cursor + once * verb.loop;
        const audible = once > DEFAULT_SYNTH.leadingSilenceMs;
        timeline.push({
          kind: 'twiml_say',
          t: cursor,
          text: verb.text,
          voice: verb.voice,
          language: verb.language,
          loop: verb.loop,
          playStart: cursor,
          playEnd,
          audibleFrom: audible ? cursor + DEFAULT_SYNTH.leadingSilenceMs : undefined,
          audibleTo: audible ? playEnd : undefined,
        });
        if (audible) audioEnd = playEnd;
        cursor = playEnd;
        break;
      }
      case 'Pause': {
        const playEnd = cursor + verb.lengthS * 1000;
        timeline.push({ kind: 'twiml_pause', t: cursor, lengthS: verb.lengthS, playStart: cursor, playEnd });
        cursor = playEnd;
        break;
      }
      case 'Play': {
        // Twilio fetches the file when it reaches the verb: what came before has played by then.
        await waitUntil(clock, cursor);
        const fetchedFrom = clock.now();
        const audio = await fetchPlayAudio(clock, verb.url, { baseUrl: options.baseUrl, plainLoopback: options.plainLoopback });
        if (!audio.ok) return audio;
        const { durationMs, audibleFromMs, audibleToMs } = audio.value;
        const playStart = Math.max(cursor, clock.now());
        const playEnd = playStart + durationMs * verb.loop;
        const audible = audibleFromMs !== undefined && audibleToMs !== undefined;
        timeline.push({
          kind: 'twiml_play',
          t: fetchedFrom,
          url: verb.url,
          loop: verb.loop,
          playStart,
          playEnd,
          audibleFrom: audible ? playStart + audibleFromMs : undefined,
          audibleTo: audible ? playStart + durationMs * (verb.loop - 1) + audibleToMs : undefined,
        });
        if (audible) audioEnd = playEnd;
        cursor = playEnd;
        break;
      }
      case 'Connect':
      case 'Other':
        break;
    }
  }
  await waitUntil(clock, cursor);
  return { ok: true, audioEnd };
}

/** Sleeps until `at`, and not at all when it has passed (a timer would wait for the next tick). */
async function waitUntil(clock: Clock, at: number): Promise<void> {
  if (at > clock.now()) await clock.sleepUntil(at);
}
