/**
 * `callbench mocks` as a user runs it: start it, read the environment it prints, point the
 * official SDKs at it with nothing changed but the base URL, then interrupt it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { readFile } from 'node:fs/promises';
import { DeepgramClient } from '@deepgram/sdk';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('callbench mocks', () => {
  it('prints the agent environment, serves the official SDKs, and exits 0 on SIGINT', async () => {
    const child = spawn(process.execPath, ['bin/callbench.js', 'mocks', '--profile', 'instant'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const env: Record<string, string> = {};
    const lines = createInterface({ input: child.stdout });
    for await (const line of lines) {
      const [name, ...value] = line.split('=');
      if (name !== undefined) env[name] = value.join('=');
      if (name === 'NODE_EXTRA_CA_CERTS') break;
    }
    expect(Object.keys(env).sort()).toEqual([
      'DEEPGRAM_API_KEY',
      'DEEPGRAM_API_URL',
      'NODE_EXTRA_CA_CERTS',
      'OPENAI_API_KEY',
      'OPENAI_BASE_URL',
      'OPENAI_REALTIME_BASE_URL',
      'OPENAI_REALTIME_URL',
    ]);

    const openai = new OpenAI({ apiKey: env['OPENAI_API_KEY'], baseURL: env['OPENAI_BASE_URL'], maxRetries: 0 });
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello?' }] });
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);

    const deepgram = new DeepgramClient({ apiKey: env['DEEPGRAM_API_KEY'] ?? '', baseUrl: env['DEEPGRAM_API_URL'] ?? '' });
    const speak = await deepgram.speak.v1.connect({ model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '8000', reconnectAttempts: 0 } as Parameters<typeof deepgram.speak.v1.connect>[0]);
    const metadata = new Promise<unknown>((resolve) => speak.on('message', resolve));
    speak.connect();
    await speak.waitForOpen();
    expect(await metadata).toMatchObject({ type: 'Metadata', model_name: 'aura-2-thalia-en' });
    speak.close();

    // Realtime through the SDK helper, which forces wss://: the printed base URL and CA file suffice.
    const ca = await readFile(env['NODE_EXTRA_CA_CERTS'] ?? '', 'utf8');
    const realtimeClient = new OpenAI({ apiKey: env['OPENAI_API_KEY'], baseURL: env['OPENAI_REALTIME_BASE_URL'] });
    const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime', options: { ca } }, realtimeClient);
    const created = await new Promise<{ type: string }>((resolve, reject) => {
      rt.on('event', (event) => resolve(event));
      rt.on('error', reject);
    });
    expect(created.type).toBe('session.created');
    rt.close();

    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('refuses a bad flag with one line and exit code 2', async () => {
    const child = spawn(process.execPath, ['bin/callbench.js', 'mocks', '--port', 'eighty'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/--port/);
  });
});
