/**
 * Ties an audio-carrying upstream connection (Deepgram listen, OpenAI Realtime) to its call by the
 * caller's audio mark (harness/audio/call-mark.ts), and tells the recogniser what the caller is
 * saying: the utterance the mark names, else (audio whose mark did not survive, e.g. a resampling
 * agent) the best envelope match among what the connection's call is saying now, else among every
 * registered utterance — in which case an utterance only one live call registered ties the
 * connection to that call ("content").
 */
import { createMarkReader, type MarkEncoding, type MarkReader } from '../../audio/call-mark.ts';
import type { MockContext } from '../context.ts';
import type { MockService } from '../journal/entries.ts';
import type { RegisteredUtterance } from '../script.ts';

/** What a recogniser asks when it has heard `envelope` (dB per 10 ms window from the speech onset). */
export type UtteranceIdentifier = (envelope: readonly number[]) => RegisteredUtterance | undefined;

export interface AudioAttribution {
  /** Feeds the bytes the agent sent, in the stream's current format. */
  push(bytes: Uint8Array): void;
  /** The stream's format changed (a Realtime session.update): marks are read afresh from here on. */
  setFormat(encoding: MarkEncoding | undefined, sampleRate: number): void;
  identify: UtteranceIdentifier;
}

export function createAudioAttribution(
  ctx: MockContext,
  service: MockService,
  connection: string,
  format: { encoding: MarkEncoding | undefined; sampleRate: number },
): AudioAttribution {
  let reader: MarkReader | undefined = format.encoding === undefined ? undefined : createMarkReader(format.encoding, format.sampleRate);
  const call = (): string | undefined => ctx.journal.callOf(connection);
  return {
    push(bytes) {
      if (reader === undefined) return;
      const before = reader.token;
      reader.push(bytes);
      const token = reader.token;
      if (token === undefined || token === before || call() !== undefined) return;
      const owner = ctx.calls.callOfToken(token);
      if (owner !== undefined) ctx.journal.tie(service, connection, { call: owner, how: 'audio', detail: 'audio mark' });
    },
    setFormat(encoding, sampleRate) {
      reader = encoding === undefined ? undefined : createMarkReader(encoding, sampleRate);
    },
    identify(envelope) {
      const owner = call();
      const number = reader?.latest?.utterance ?? 0;
      if (owner !== undefined && number > 0) {
        const marked = ctx.script.utteranceOf(owner, number);
        if (marked !== undefined) return marked;
      }
      if (owner !== undefined) return ctx.script.match(envelope, ctx.script.sayingNow(owner));
      const heard = ctx.script.match(envelope);
      if (heard !== undefined) {
        const live = [...ctx.script.callsOfUtterance(heard.id)].filter((c) => ctx.calls.isLive(c));
        if (live.length === 1 && live[0] !== undefined) ctx.journal.tie(service, connection, { call: live[0], how: 'content', detail: `utterance '${heard.id}'` });
      }
      return heard;
    },
  };
}
