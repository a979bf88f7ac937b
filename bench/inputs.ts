/**
 * The realistic inputs the benchmarks share, built once before anything is timed.
 *
 * - The caller's side of a conversation: every fixture of `fixtures/utterances` in turn, each
 *   followed by `CALLER_GAP_MS` of silence while the agent answers, cut into the 20 ms frames the
 *   caller sends (`toFrames` for speech, `silenceFrame` for the gaps, as harness/caller/call.ts
 *   does). A mock hears exactly these frames, forwarded by the agent.
 * - The agent's side: the mock TTS voice (`synthesizeMulaw`) speaking a scripted reply, as
 *   Twilio `media` messages of 160 bytes each, the JSON text a caller's socket delivers.
 * - A conversation script with every fixture registered, as the caller registers them before
 *   speaking (test/unit/script.test.ts loads them the same way).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FRAME_BYTES, FRAME_MS, silenceFrame, synthesizeMulaw, toFrames, wavToMulaw8k } from '../harness/audio/index.ts';
import { createConversationScript, type ConversationScript } from '../harness/mocks/script.ts';
import type { AgentToTwilio } from '../harness/protocol/twilio.ts';

const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/utterances');

/** Silence the caller sends after each utterance while the agent answers. */
export const CALLER_GAP_MS = 2000;

/** What the agent says in the caller-receive benchmark (the `question` scenario's scripted reply). */
export const AGENT_REPLY =
  'We are open from nine in the morning until five in the afternoon on Saturday. Is there anything else I can help you with?';

export interface Fixture {
  id: string;
  text: string;
  /** 8 kHz mu-law, as the caller sends it. */
  audio: Uint8Array;
}

/** Every fixture of fixtures/utterances, by name. */
export function loadFixtures(): Fixture[] {
  const names = readdirSync(FIXTURES_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
  if (names.length === 0) throw new Error(`no fixtures in ${FIXTURES_DIR}`);
  return names.map((id) => {
    const meta = JSON.parse(readFileSync(path.join(FIXTURES_DIR, `${id}.json`), 'utf8')) as { text: string };
    return { id, text: meta.text, audio: wavToMulaw8k(readFileSync(path.join(FIXTURES_DIR, `${id}.wav`))) };
  });
}

/** A conversation script with every fixture registered. */
export function scriptWith(fixtures: readonly Fixture[]): ConversationScript {
  const script = createConversationScript();
  for (const fixture of fixtures) script.register({ id: fixture.id, transcript: fixture.text, audio: fixture.audio });
  return script;
}

/** Frames of silence in one caller gap. */
export const GAP_FRAMES = CALLER_GAP_MS / FRAME_MS;

/**
 * The caller's conversation as the binary frames a mock receives: each fixture's frames, then
 * the gap's silence frames. One pass is a whole conversation; the benchmarks loop over it.
 */
export function conversationFrames(fixtures: readonly Fixture[]): Buffer[] {
  const frames: Buffer[] = [];
  for (const fixture of fixtures) {
    for (const frame of toFrames(fixture.audio)) frames.push(Buffer.from(frame));
    for (let k = 0; k < GAP_FRAMES; k++) frames.push(Buffer.from(silenceFrame()));
  }
  return frames;
}

/** The agent's reply as `media` messages of 160 bytes of audio each, as the bytes a socket delivers. */
export function agentMediaMessages(streamSid: string): Buffer[] {
  const audio = synthesizeMulaw(AGENT_REPLY);
  const messages: Buffer[] = [];
  for (let offset = 0; offset + FRAME_BYTES <= audio.length; offset += FRAME_BYTES) {
    const chunk = audio.subarray(offset, offset + FRAME_BYTES);
    const message: AgentToTwilio = { event: 'media', streamSid, media: { payload: Buffer.from(chunk).toString('base64') } };
    messages.push(Buffer.from(JSON.stringify(message), 'utf8'));
  }
  return messages;
}
