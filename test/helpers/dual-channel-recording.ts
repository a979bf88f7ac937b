/**
 * A Twilio-style dual-channel call recording made for the import tests: the caller (two shipped
 * fixtures) on the left, the agent (synthesized speech) on the right. The caller asks a question
 * QUIET_MS after the greeting's last audible sample, then barges in BARGE_IN_MS after the first
 * audible sample of the agent's reply (its voice onset there); the agent stops 400 ms later and
 * answers. The offsets are exact by construction: the tests compare the imported scenario to them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import wavefile from 'wavefile';
import { firstAudibleMs, lastAudibleEndMs, readWav, SAMPLE_RATE, synthesizePcm } from '../../harness/audio/index.ts';
import { FIXTURES_DIR } from '../../harness/cli/paths.ts';

export const BARGE_IN_MS = 2300;
export const QUIET_MS = 800;
const SPM = SAMPLE_RATE / 1000;

async function fixture(name: string): Promise<{ samples: Int16Array; voice0: number }> {
  const samples = readWav(await readFile(path.join(FIXTURES_DIR, `${name}.wav`))).samples;
  const sidecar = JSON.parse(await readFile(path.join(FIXTURES_DIR, `${name}.json`), 'utf8')) as { voiced: Array<{ startMs: number }> };
  return { samples, voice0: sidecar.voiced[0]?.startMs ?? 0 };
}

/** `what` into `into` at `ms`. */
function place(into: Int16Array, what: Int16Array, ms: number): void {
  into.set(what.subarray(0, Math.max(0, into.length - Math.round(ms * SPM))), Math.round(ms * SPM));
}

/** The recording's two channels (8 kHz 16-bit PCM). */
export async function dualChannelChannels(): Promise<{ caller: Int16Array; agent: Int16Array }> {
  const book = await fixture('book');
  const stop = await fixture('wait-stop');
  const greeting = synthesizePcm('Hello, thanks for calling. How can I help you today?');
  const reply = synthesizePcm('Certainly, I can help you with a table for two tonight. We have availability at six thirty and at seven fifteen.');
  const answer = synthesizePcm('Of course. What would you like to ask?');

  const greetingAt = 300;
  const greetingEnd = greetingAt + (lastAudibleEndMs(greeting, SAMPLE_RATE) ?? 0);
  const bookAt = Math.round(greetingEnd + QUIET_MS - book.voice0);
  const bookEnd = bookAt + book.samples.length / SPM;
  const replyAt = Math.round(bookEnd + 700);
  const replyAudible = replyAt + (firstAudibleMs(reply, SAMPLE_RATE) ?? 0);
  const stopAt = Math.round(replyAudible + BARGE_IN_MS - stop.voice0);
  const cutAt = stopAt + stop.voice0 + 400;
  const answerAt = Math.round(stopAt + stop.samples.length / SPM + 600);
  const total = Math.round((answerAt + answer.length / SPM + 500) * SPM);

  const caller = new Int16Array(total);
  const agent = new Int16Array(total);
  place(agent, greeting, greetingAt);
  place(agent, reply.subarray(0, Math.round((cutAt - replyAt) * SPM)), replyAt);
  place(agent, answer, answerAt);
  place(caller, book.samples, bookAt);
  place(caller, stop.samples, stopAt);
  return { caller, agent };
}

/** The recording as a stereo WAV file. */
export async function dualChannelRecording(): Promise<Uint8Array> {
  const { caller, agent } = await dualChannelChannels();
  const wav = new wavefile.WaveFile();
  wav.fromScratch(2, SAMPLE_RATE, '16', [caller, agent]);
  return wav.toBuffer();
}
