/** What a call's reply pipeline asks of speech, whatever the TTS transport (ws or rest). */
import type { TextSegment } from './text-segmenter.ts';

export interface Speech {
  /** Queues a segment of `turn` for synthesis. */
  say(turn: number, segment: TextSegment): void;
  /** Drops everything queued or being synthesised, and any late audio of it. */
  cancel(): void;
  dispose(): void;
  /** Text is waiting for synthesis or being synthesised. */
  readonly busy: boolean;
  /** The turn whose audio went out last, or null before any. */
  readonly lastAudioTurn: number | null;
}
