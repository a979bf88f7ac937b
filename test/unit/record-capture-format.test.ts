/** The capture format: written, read back whole; a missing file, a changed file, a newer version: one InputError naming the file. */
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CAPTURE_VERSION } from '../../harness/record/capture-format.ts';
import { readCapture } from '../../harness/record/capture-reader.ts';
import { writeCapture, type CaptureContent } from '../../harness/record/capture-writer.ts';
import { InputError } from '../../harness/scenario/errors.ts';

const content: CaptureContent = {
  manifest: {
    createdAt: '2025-01-01T00:00:00.000Z',
    callbench: '0.0.0-test',
    call: { callSid: 'CA00000000000000000000000000000001', streamSid: 'MZ00000000000000000000000000000001', webhookPath: '/incoming-call', streamUrl: 'wss://127.0.0.1:1/media-stream' },
    services: ['twilio', 'deepgram.listen'],
    durations: { callMs: 1000, streamMs: 900, callerAudioMs: 40, agentAudioMs: 20 },
    upstream: 'mocks',
    overlapped: false,
    caller: { utterances: [{ id: 'hello', text: 'Hello.', startMs: 0, durationMs: 40, voiced: [{ startMs: 5, endMs: 30 }], expect: 'reply', stated: false }] },
  },
  callerAudio: new Uint8Array(320).fill(0x7f),
  agentAudio: new Uint8Array(160).fill(0x7e),
  twilio: [
    { t: -5, kind: 'webhook', path: '/incoming-call', params: { CallSid: 'CA00000000000000000000000000000001' }, signature: 'valid' },
    { t: 20, kind: 'caller_media', bytes: 160, audioMs: 0 },
    { t: 30, kind: 'message', from: 'agent', event: 'clear', message: { event: 'clear' } },
  ],
  upstream: [
    { t: 1, conn: 'u1', service: 'deepgram.listen', kind: 'ws_open', url: 'ws://x/v1/listen?encoding=mulaw', protocols: ['token', '***'], headers: {} },
    { t: 21, conn: 'u1', kind: 'binary', from: 'agent', bytes: 160 },
  ],
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'callbench-capture-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(): Promise<InputError> {
  const error = await readCapture(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('capture format', () => {
  it('reads back what it wrote: manifest, both WAVs as mu-law, every line', async () => {
    const manifest = await writeCapture(dir, content);
    expect(manifest.version).toBe(CAPTURE_VERSION);
    expect(manifest.files['caller.wav'].sha256).toMatch(/^[0-9a-f]{64}$/);
    const capture = await readCapture(dir);
    expect(capture.manifest).toEqual(manifest);
    expect(capture.callerAudio).toEqual(content.callerAudio);
    expect(capture.agentAudio).toEqual(content.agentAudio);
    expect(capture.twilio).toEqual(content.twilio);
    expect(capture.upstream).toEqual(content.upstream);
  });

  it('a missing file is one line naming it', async () => {
    await writeCapture(dir, content);
    await unlink(path.join(dir, 'agent.wav'));
    const error = await refusal();
    expect(error.file).toBe(path.join(dir, 'agent.wav'));
    expect(error.message).toMatch(/agent\.wav: is missing \(capture\.json lists it\)$/);
    expect(error.message).not.toContain('\n');
  });

  it('a file changed after recording is a hash mismatch naming it', async () => {
    await writeCapture(dir, content);
    await writeFile(path.join(dir, 'twilio.jsonl'), '{"t":0,"kind":"close","from":"agent","code":1000}\n');
    const error = await refusal();
    expect(error.file).toBe(path.join(dir, 'twilio.jsonl'));
    expect(error.message).toMatch(/does not match capture\.json/);
  });

  it('a newer format version is refused before its fields are read', async () => {
    await writeCapture(dir, content);
    const file = path.join(dir, 'capture.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...manifest, version: CAPTURE_VERSION + 1, somethingNew: true }));
    const error = await refusal();
    expect(error.file).toBe(file);
    expect(error.field).toBe('version');
    expect(error.message).toMatch(/newer than this callbench reads/);
  });

  it('a directory without capture.json, and a line of the wrong shape, are named', async () => {
    let error = await refusal();
    expect(error.message).toMatch(/capture\.json: is missing/);
    await writeCapture(dir, { ...content, upstream: [...content.upstream, { t: 2, conn: 'u1', kind: 'nonsense' } as never] });
    error = await refusal();
    expect(error.file).toBe(path.join(dir, 'upstream.jsonl'));
    expect(error.field).toMatch(/^line 3/);
  });
});
