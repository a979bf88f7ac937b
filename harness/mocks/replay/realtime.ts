/**
 * OpenAI Realtime under replay: the recorded server VAD events of the connection this one stands
 * for, at their recorded positions on the appended audio (./anchored.ts), each turn committed with
 * the transcription the service made of it; and per response, in order, the recorded transcript
 * as what the response says, with the recorded delay from its trigger to its first audio. The audio
 * itself is made anew in the session's format, as the live mock makes it.
 */
import type { MockContext } from '../context.ts';
import type { RegisteredUtterance } from '../script.ts';
import type { TurnEvent } from '../openai/realtime/turns.ts';
import { createAnchoredPlayer } from './anchored.ts';
import { replayCallOf, type RecordedRealtime } from './source.ts';

export interface RealtimeReplay {
  /** The agent appended `ms` of audio. */
  audio(ms: number): void;
  /** What the next response says and when its first audio is due after its trigger (undefined: as the live mock). */
  nextResponse(): { text: string | undefined; firstAudioMs: number | undefined };
  cancel(): void;
}

/** What the recorded service transcribed, as the utterance the live mock would have recognised. */
function heardUtterance(transcript: string): RegisteredUtterance {
  return { id: 'replayed', number: 0, transcript, reply: undefined, envelope: new Float64Array(0), voicedMs: 0, words: [] };
}

/** The replay of this connection, or undefined when the mocks are not replaying or the recording has no more Realtime sockets. */
export function createRealtimeReplay(ctx: MockContext, connection: string, onTurn: (event: TurnEvent) => void): RealtimeReplay | undefined {
  const source = ctx.replay;
  const recorded: RecordedRealtime | undefined = source?.realtime(replayCallOf(ctx.journal, ctx.calls, connection));
  if (source === undefined || recorded === undefined) return undefined;
  let responses = 0;
  const player = createAnchoredPlayer(ctx.clock, recorded.turns, (turn, intendedAt) => {
    source.timed(`openai.realtime ${turn.type === 'speech_started' ? 'input_audio_buffer.speech_started' : 'input_audio_buffer.speech_stopped'}`, intendedAt, ctx.clock.now());
    if (turn.type === 'speech_started') onTurn({ type: 'speech_started', audioStartMs: turn.audioMs });
    else onTurn({ type: 'speech_stopped', audioEndMs: turn.audioMs, utterance: turn.transcript === undefined ? undefined : heardUtterance(turn.transcript), bufferedMs: 0 });
  });
  return {
    audio: (ms) => player.audio(ms),
    nextResponse() {
      const response = recorded.responses[responses++];
      return { text: response === undefined || response.text === '' ? undefined : response.text, firstAudioMs: response?.firstAudioMs };
    },
    cancel: () => player.cancel(),
  };
}
