/**
 * The REST TTS side of a call (`tts=rest`): one `POST /v1/speak` per unit of speech (a sentence,
 * or a whole reply), made one at a time in order, their audio forwarded in order.
 *
 * - `restBody=stream` forwards each body chunk as it arrives; `buffer` holds the whole body and
 *   forwards it once the response is complete (the seed analysis's design).
 * - After each unit's audio, a mark named `<turn>-<n>` follows, as with the WebSocket.
 * - `cancel()` aborts the request in flight, forgets every queued unit, and drops what has not
 *   reached Twilio yet; chunks read after it are discarded.
 * - A request that fails, or whose response stalls for `idleTimeoutMs`, is logged and skipped;
 *   the next unit goes on.
 */
import type { Clock } from '../../harness/clock.ts';
import type { AudioOut } from '../call/audio-out.ts';
import { describeError, type CallLogger } from '../logger.ts';
import type { SpeakRequester } from '../upstream/speak-rest.ts';
import type { RestBodyMode } from './reply-options.ts';
import type { Speech } from './speech.ts';
import { createSegmentCounter } from './segment-counter.ts';

export interface RestSpeechDeps {
  clock: Clock;
  request: SpeakRequester;
  out: AudioOut;
  log: CallLogger;
  body: RestBodyMode;
  /** Abort a request that has produced nothing (headers or body bytes) for this long; 0 never. */
  idleTimeoutMs: number;
}

interface Unit {
  turn: number;
  index: number;
  text: string;
}

export function createRestSpeech(deps: RestSpeechDeps): Speech {
  const { clock, out, log } = deps;
  const queue: Unit[] = [];
  let pendingText = '';
  let pendingTurn: number | null = null;
  let current: AbortController | undefined;
  let firstByteTurn = -1;
  let lastAudioTurn: number | null = null;
  let disposed = false;

  const nextIndex = createSegmentCounter();

  const forward = (unit: Unit, audio: Uint8Array): void => {
    out.media(unit.turn, audio);
    lastAudioTurn = unit.turn;
  };

  const synthesise = async (unit: Unit, controller: AbortController): Promise<void> => {
    let stalled = false;
    let cancelWatchdog: () => void = () => {};
    const feedWatchdog = (): void => {
      cancelWatchdog();
      if (deps.idleTimeoutMs <= 0) return;
      cancelWatchdog = clock.at(clock.now() + deps.idleTimeoutMs, () => {
        stalled = true;
        controller.abort();
      });
    };
    const held: Uint8Array[] = [];
    let sent = false;
    /** The request failed or stalled: log it; audio already forwarded (stream mode) still plays, so close it with its mark. */
    const skip = (reason: string): void => {
      log.warn('speak.rest_failed', `turn ${unit.turn}: ${reason}; unit skipped`);
      if (deps.body === 'stream' && sent) out.mark(`${unit.turn}-${unit.index}`);
    };
    const stallReason = (): string => `no audio for ${deps.idleTimeoutMs} ms; request aborted`;
    try {
      feedWatchdog();
      const body = await deps.request(unit.text, controller.signal);
      for await (const chunk of body) {
        if (controller.signal.aborted) break;
        feedWatchdog();
        if (unit.turn > firstByteTurn) {
          firstByteTurn = unit.turn;
          log.emit({ type: 'tts.first_byte', turn: unit.turn });
        }
        if (deps.body === 'stream') forward(unit, chunk);
        else held.push(chunk);
        sent = true;
      }
      if (controller.signal.aborted) {
        // Cancelled: the audio belongs to an interrupted reply and was dropped.
        if (stalled) skip(stallReason());
        return;
      }
      for (const chunk of held) forward(unit, chunk);
      if (sent) out.mark(`${unit.turn}-${unit.index}`);
    } catch (error) {
      if (controller.signal.aborted && !stalled) return;
      skip(stalled ? stallReason() : describeError(error));
    } finally {
      cancelWatchdog();
    }
  };

  const pump = (): void => {
    if (disposed || current !== undefined) return;
    const unit = queue.shift();
    if (unit === undefined) return;
    const controller = new AbortController();
    current = controller;
    void synthesise(unit, controller).finally(() => {
      if (current === controller) current = undefined;
      pump();
    });
  };

  return {
    say(turn, segment) {
      if (disposed) return;
      if (segment.text !== '') {
        // Tokens join verbatim; whole units a space apart.
        pendingText = pendingText === '' || !segment.flush ? pendingText + segment.text : `${pendingText} ${segment.text}`;
        pendingTurn = turn;
      }
      if (!segment.flush || pendingTurn === null) return;
      const text = pendingText.trim();
      const unitTurn = pendingTurn;
      pendingText = '';
      pendingTurn = null;
      if (text === '') return;
      queue.push({ turn: unitTurn, index: nextIndex(unitTurn), text });
      pump();
    },
    cancel() {
      if (disposed) return;
      queue.length = 0;
      pendingText = '';
      pendingTurn = null;
      current?.abort();
      current = undefined;
      out.drop();
    },
    dispose() {
      disposed = true;
      queue.length = 0;
      current?.abort();
      current = undefined;
    },
    get busy() {
      return pendingTurn !== null || queue.length > 0 || current !== undefined;
    },
    get lastAudioTurn() {
      return lastAudioTurn;
    },
  };
}
