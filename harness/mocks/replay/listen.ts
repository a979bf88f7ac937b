/**
 * Deepgram listen under replay: the recorded SpeechStarted, Results and UtteranceEnd of the
 * connection this one stands for, each at its recorded audio position (./anchored.ts), journalled
 * as the live mock journals them. A final transcript goes through the call's text ledger as the
 * live mock's does (`sayFinal`), so the chat request made of it is tied to the call. Metadata is
 * the live mock's own (sent when the stream closes).
 */
import type { MockSocket } from '../transport/socket.ts';
import type { MockContext } from '../context.ts';
import type { ConnectionJournal } from '../journal/journal.ts';
import { stripTextMarks } from '../attribution/text-mark.ts';
import { createAnchoredPlayer } from './anchored.ts';
import { replayCallOf, type RecordedMessage } from './source.ts';

export interface ListenReplayArgs {
  ctx: MockContext;
  ws: MockSocket;
  connection: string;
  requestId: string;
  journal: ConnectionJournal<'deepgram.listen'>;
  /** The live mock's way of saying a final transcript (its text-ledger entry, and a call mark when needed). */
  sayFinal(transcript: string): { text: string; marked: boolean };
}

export interface ListenReplay {
  /** The agent sent `bytes` of audio. */
  audio(bytes: number): void;
  /** The agent sent a control message (Finalize, CloseStream). */
  control(type: string): void;
  cancel(): void;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The replay of this connection, or undefined when the mocks are not replaying or the recording has no more listen sockets. */
export function createListenReplay(args: ListenReplayArgs): ListenReplay | undefined {
  const { ctx, ws, journal } = args;
  const source = ctx.replay;
  const recorded = source?.listen(replayCallOf(ctx.journal, ctx.calls, args.connection));
  if (source === undefined || recorded === undefined) return undefined;
  const messages = recorded.messages.filter((m) => m.type !== 'Metadata');

  const deliver = (item: RecordedMessage, intendedAt: number): void => {
    if (!ws.isOpen()) return;
    let message: unknown;
    try {
      message = JSON.parse(stripTextMarks(item.text));
    } catch {
      ws.send(item.text);
      return;
    }
    if (!isRecord(message)) return;
    if (item.type === 'Results') {
      const channel = isRecord(message['channel']) ? message['channel'] : {};
      const alternatives = Array.isArray(channel['alternatives']) ? channel['alternatives'] : [];
      const first: Record<string, unknown> = isRecord(alternatives[0]) ? alternatives[0] : {};
      const transcript = typeof first['transcript'] === 'string' ? first['transcript'] : '';
      const isFinal = message['is_final'] === true;
      const said = isFinal && transcript !== '' ? args.sayFinal(transcript) : { text: transcript, marked: false };
      const metadata = isRecord(message['metadata']) ? { ...message['metadata'], request_id: args.requestId } : message['metadata'];
      ws.send(JSON.stringify({ ...message, metadata, channel: { ...channel, alternatives: [{ ...first, transcript: said.text }, ...alternatives.slice(1)] } }));
      journal({
        direction: 'sent',
        kind: 'Results',
        data: {
          isFinal,
          speechFinal: message['speech_final'] === true,
          fromFinalize: message['from_finalize'] === true,
          transcript,
          audioEndMs: Math.round((num(message['start']) + num(message['duration'])) * 1000),
          utterance: undefined,
          marked: said.marked,
        },
      });
    } else {
      ws.send(JSON.stringify(message));
      if (item.type === 'SpeechStarted') journal({ direction: 'sent', kind: 'SpeechStarted', data: { atMs: num(message['timestamp']) * 1000 } });
      else if (item.type === 'UtteranceEnd') journal({ direction: 'sent', kind: 'UtteranceEnd', data: { lastWordEndMs: num(message['last_word_end']) * 1000 } });
    }
    source.timed(`deepgram.listen ${item.type}`, intendedAt, ctx.clock.now());
  };

  const player = createAnchoredPlayer(ctx.clock, messages, deliver);
  return {
    audio: (bytes) => player.audio(bytes / recorded.bytesPerMs),
    control: (type) => player.control(type),
    cancel: () => player.cancel(),
  };
}
