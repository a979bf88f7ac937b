/**
 * The audio of one call, kept only when a run asks for it (`run --call-audio`): every frame the
 * caller sent, and the payload of every media message the agent sent, with the run-clock time of
 * each. The timeline holds when and how agent audio played, never the audio itself; this is what
 * calls/<n>/call.wav is made from (harness/report/call-wav.ts). It costs about 16 KB per second of
 * call (8 KB each way), which is why it is opt-in: a long run keeps nothing of it by default.
 */

export interface AudioChunk {
  /** Run-clock time: when the caller sent the frame, or when the agent's media message arrived. */
  at: number;
  /** 8 kHz mu-law, as it went over the wire. */
  mulaw: Uint8Array;
}

export interface CallAudio {
  /** Every frame the caller sent (speech, noise, the silence between), in order. */
  sent: readonly AudioChunk[];
  /**
   * The payload of every `media` message the agent sent while the stream was live, in order:
   * one for one with the timeline's `agent_media` events, which say when each played.
   */
  received: readonly AudioChunk[];
}

/** What the fake Twilio calls as audio goes out and comes in (harness/caller/call.ts). */
export interface AudioTap {
  sent(mulaw: Uint8Array, at: number): void;
  received(mulaw: Uint8Array, at: number): void;
}

export interface AudioCapture extends AudioTap {
  /** What was captured so far (the arrays are the capture's own: read, never change them). */
  audio(): CallAudio;
}

export function createAudioCapture(): AudioCapture {
  const sent: AudioChunk[] = [];
  const received: AudioChunk[] = [];
  return {
    // Copies: the caller reuses frame buffers, and a payload buffer may be a view of a larger one.
    sent: (mulaw, at) => void sent.push({ at, mulaw: Uint8Array.from(mulaw) }),
    received: (mulaw, at) => void received.push({ at, mulaw: Uint8Array.from(mulaw) }),
    audio: () => ({ sent, received }),
  };
}
