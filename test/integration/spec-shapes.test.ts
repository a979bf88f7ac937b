/**
 * Every message shape the mocks send, checked against the official specs in ../shared/specs
 * (Deepgram AsyncAPI, OpenAI OpenAPI) with a JSON Schema validator. Where the specs folder is
 * missing, the suite says so and skips.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { MULAW_SILENCE, synthesizeMulaw } from '../../harness/audio/index.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { startMocks, type Mocks } from '../../harness/mocks/start-mocks.ts';
import { PROFILES } from '../../harness/mocks/profiles.ts';

const SPECS = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'specs');
const present = existsSync(path.join(SPECS, 'deepgram-asyncapi.yml')) && existsSync(path.join(SPECS, 'openai-openapi.yaml'));
if (!present) console.warn(`spec-shapes: ${SPECS} is missing; skipping the checks against the official specs`);

type Validate = (name: string, value: unknown) => string[];

/** OpenAPI's `nullable: true` (3.0 style, still used in places of the OpenAI spec) as JSON Schema. */
function normaliseNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normaliseNullable);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = normaliseNullable(value);
  if (out['nullable'] !== true) return out;
  delete out['nullable'];
  if (Array.isArray(out['enum'])) out['enum'] = [...(out['enum'] as unknown[]), null];
  if (typeof out['type'] === 'string') return { ...out, type: [out['type'], 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}

function validator(kind: 'draft7' | '2020', file: string, id: string): Validate {
  const doc = normaliseNullable(parse(readFileSync(path.join(SPECS, file), 'utf8'))) as Record<string, unknown>;
  const ajv = kind === '2020' ? new Ajv2020({ strict: false, allErrors: true, validateFormats: false }) : new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ ...doc, $id: id });
  return (name, value) => {
    const check = ajv.getSchema(`${id}#/components/schemas/${name}`);
    if (check === undefined) return [`no schema ${name}`];
    return check(value) ? [] : (check.errors ?? []).map((e) => `${name}${e.instancePath} ${e.message ?? ''}`);
  };
}

const DEEPGRAM_SCHEMA: Record<string, string> = {
  Results: 'ListenV1_ListenV1Results',
  SpeechStarted: 'ListenV1_ListenV1SpeechStarted',
  UtteranceEnd: 'ListenV1_ListenV1UtteranceEnd',
  Metadata: 'ListenV1_ListenV1Metadata',
};
const SPEAK_SCHEMA: Record<string, string> = {
  Metadata: 'SpeakV1_SpeakV1Metadata',
  Flushed: 'SpeakV1_SpeakV1Flushed',
  Cleared: 'SpeakV1_SpeakV1Cleared',
  Warning: 'SpeakV1_SpeakV1Warning',
};

function collect(url: string, key: string, drive: (ws: WebSocket) => Promise<void>): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Token ${key}` } });
    const messages: Array<Record<string, unknown>> = [];
    ws.on('message', (data, isBinary) => {
      if (!isBinary) messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    });
    ws.on('close', () => resolve(messages));
    ws.on('error', reject);
    ws.on('open', () => void drive(ws).catch(reject));
  });
}

describe.skipIf(!present)('mock messages against the official specs', () => {
  let deepgram: Validate;
  let openai: Validate;
  let mocks: Mocks;
  const clock = createSystemClock();

  beforeAll(async () => {
    deepgram = validator('draft7', 'deepgram-asyncapi.yml', 'deepgram');
    openai = validator('2020', 'openai-openapi.yaml', 'openai');
    const instant = PROFILES['instant'];
    if (instant === undefined) throw new Error('no instant profile');
    mocks = await startMocks({ clock, profile: instant, seed: 1 });
  }, 60_000);
  afterAll(async () => {
    await mocks?.close();
  });

  it('the validators reject what the specs forbid', () => {
    expect(deepgram('ListenV1_ListenV1Results', { type: 'Results', start: 0 })).not.toEqual([]);
    expect(deepgram('SpeakV1_SpeakV1Flushed', { type: 'Flushed', sequence_id: 'one' })).not.toEqual([]);
    expect(openai('CreateChatCompletionStreamResponse', { id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'done' }] })).not.toEqual([]);
  });

  it('Deepgram listen: Results, SpeechStarted, UtteranceEnd, Metadata', async () => {
    const text = 'What are your opening hours on Saturday?';
    const speech = synthesizeMulaw(text);
    mocks.script.register({ id: 'q', transcript: text, audio: speech });
    const audio = new Uint8Array(200 * 8 + speech.length + 1600 * 8).fill(MULAW_SILENCE);
    audio.set(speech, 200 * 8);
    const url = `${mocks.env.DEEPGRAM_API_URL.replace('http', 'ws')}/v1/listen?model=nova-3&encoding=mulaw&sample_rate=8000&interim_results=true&endpointing=300&utterance_end_ms=1000&vad_events=true&smart_format=true`;
    const messages = await collect(url, mocks.env.DEEPGRAM_API_KEY, async (ws) => {
      for (let i = 0; i < audio.length; i += 1600) ws.send(audio.subarray(i, i + 1600));
      await clock.sleep(200);
      ws.send(JSON.stringify({ type: 'CloseStream' }));
    });
    const types = new Set(messages.map((m) => String(m['type'])));
    expect([...types].sort()).toEqual(['Metadata', 'Results', 'SpeechStarted', 'UtteranceEnd']);
    for (const message of messages) expect(deepgram(DEEPGRAM_SCHEMA[String(message['type'])] ?? '?', message)).toEqual([]);
  });

  it('Deepgram speak (WebSocket): Metadata, Flushed, Cleared, Warning', async () => {
    const url = `${mocks.env.DEEPGRAM_API_URL.replace('http', 'ws')}/v1/speak?model=aura-2-thalia-en&encoding=mulaw&sample_rate=8000`;
    const messages = await collect(url, mocks.env.DEEPGRAM_API_KEY, async (ws) => {
      ws.send(JSON.stringify({ type: 'Speak', text: 'Hello there.' }));
      ws.send(JSON.stringify({ type: 'Flush' }));
      await clock.sleep(300);
      ws.send(JSON.stringify({ type: 'Clear' }));
      ws.send('not json');
      await clock.sleep(200);
      ws.send(JSON.stringify({ type: 'Close' }));
    });
    const types = new Set(messages.map((m) => String(m['type'])));
    expect([...types].sort()).toEqual(['Cleared', 'Flushed', 'Metadata', 'Warning']);
    for (const message of messages) expect(deepgram(SPEAK_SCHEMA[String(message['type'])] ?? '?', message)).toEqual([]);
  });

  it('OpenAI chat completions: stream chunks, the whole response and the error body', async () => {
    const headers = { authorization: `Bearer ${mocks.env.OPENAI_API_KEY}`, 'content-type': 'application/json' };
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
    const streamed = await fetch(`${mocks.env.OPENAI_BASE_URL}/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
    });
    const chunks = (await streamed.text())
      .split('\n\n')
      .map((event) => event.replace(/^data: /, '').trim())
      .filter((data) => data !== '' && data !== '[DONE]')
      .map((data) => JSON.parse(data) as unknown);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(openai('CreateChatCompletionStreamResponse', chunk)).toEqual([]);

    const whole = await fetch(`${mocks.env.OPENAI_BASE_URL}/chat/completions`, { method: 'POST', headers, body: JSON.stringify(body) });
    expect(openai('CreateChatCompletionResponse', await whole.json())).toEqual([]);

    const refused = await fetch(`${mocks.env.OPENAI_BASE_URL}/chat/completions`, {
      method: 'POST',
      headers: { ...headers, authorization: 'Bearer wrong' },
      body: JSON.stringify(body),
    });
    expect(refused.status).toBe(401);
    expect(openai('ErrorResponse', await refused.json())).toEqual([]);
  });
});
