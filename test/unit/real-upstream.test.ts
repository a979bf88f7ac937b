/** The upstream environment of a run on the real services, read from the harness's environment. */
import { describe, expect, it } from 'vitest';
import { realUpstreamEnv } from '../../harness/runner/real-upstream.ts';

describe('realUpstreamEnv', () => {
  it('takes the keys and defaults to the services’ public URLs', () => {
    expect(realUpstreamEnv({ DEEPGRAM_API_KEY: 'dg-secret', OPENAI_API_KEY: 'sk-secret' }, ['DEEPGRAM_API_KEY', 'OPENAI_API_KEY'])).toEqual({
      ok: true,
      value: {
        DEEPGRAM_API_URL: 'https://api.deepgram.com',
        DEEPGRAM_API_KEY: 'dg-secret',
        OPENAI_BASE_URL: 'https://api.openai.com/v1',
        OPENAI_API_KEY: 'sk-secret',
        OPENAI_REALTIME_URL: 'wss://api.openai.com/v1/realtime',
        OPENAI_REALTIME_BASE_URL: 'https://api.openai.com/v1',
        OPENAI_CA_CERT: '',
      },
    });
  });

  it('honours URLs pointing elsewhere (a proxy, or mocks started on their own)', () => {
    const result = realUpstreamEnv({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'http://127.0.0.1:4001/v1', DEEPGRAM_API_URL: 'http://127.0.0.1:4000' }, ['OPENAI_API_KEY']);
    expect(result).toMatchObject({ ok: true, value: { OPENAI_REALTIME_URL: 'ws://127.0.0.1:4001/v1/realtime', DEEPGRAM_API_URL: 'http://127.0.0.1:4000' } });
  });

  it('names the missing keys and a bad URL, and never echoes a key', () => {
    expect(realUpstreamEnv({ OPENAI_API_KEY: 'sk-secret' }, ['DEEPGRAM_API_KEY', 'OPENAI_API_KEY'])).toEqual({
      ok: false,
      error: '--upstream real needs DEEPGRAM_API_KEY in the environment (the keys of the real services)',
    });
    const bad = realUpstreamEnv({ OPENAI_API_KEY: 'sk-secret', OPENAI_BASE_URL: 'api.openai.com' }, ['OPENAI_API_KEY']);
    expect(bad).toEqual({ ok: false, error: "OPENAI_BASE_URL must be an http(s) URL, got 'api.openai.com'" });
  });
});
