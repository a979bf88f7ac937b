/**
 * The upstream environment of a run on the real services (`callbench run --upstream real`): the
 * keys and URLs from the harness's own environment, with the services' public URLs as defaults.
 * Pure: reads only the object it is given; never echoes a key.
 */
import type { UpstreamEnv } from '../mocks/start-mocks.ts';

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULTS = {
  DEEPGRAM_API_URL: 'https://api.deepgram.com',
  OPENAI_BASE_URL: 'https://api.openai.com/v1',
} as const;

const value = (env: Env, name: string): string | undefined => {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
};

/** ws(s)://…/realtime from an http(s) base URL, as the SDK helpers derive it. */
function realtimeUrlOf(baseUrl: string): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/realtime`);
  url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
  return url.toString();
}

/**
 * The environment for an agent on the real services. `required` names the keys the agent will
 * need (the reference agent's mode decides); a missing one is an error naming it.
 */
export function realUpstreamEnv(env: Env, required: readonly ('DEEPGRAM_API_KEY' | 'OPENAI_API_KEY')[]): { ok: true; value: UpstreamEnv } | { ok: false; error: string } {
  const missing = required.filter((name) => value(env, name) === undefined);
  if (missing.length > 0) {
    return { ok: false, error: `--upstream real needs ${missing.join(' and ')} in the environment (the keys of the real services)` };
  }
  const openaiBase = value(env, 'OPENAI_BASE_URL') ?? DEFAULTS.OPENAI_BASE_URL;
  for (const [name, url] of [
    ['DEEPGRAM_API_URL', value(env, 'DEEPGRAM_API_URL')],
    ['OPENAI_BASE_URL', openaiBase],
    ['OPENAI_REALTIME_BASE_URL', value(env, 'OPENAI_REALTIME_BASE_URL')],
  ] as const) {
    if (url === undefined) continue;
    if (!/^https?:\/\/[^/]/.test(url) || !URL.canParse(url)) return { ok: false, error: `${name} must be an http(s) URL, got '${url}'` };
  }
  return {
    ok: true,
    value: {
      DEEPGRAM_API_URL: value(env, 'DEEPGRAM_API_URL') ?? DEFAULTS.DEEPGRAM_API_URL,
      DEEPGRAM_API_KEY: value(env, 'DEEPGRAM_API_KEY') ?? '',
      OPENAI_BASE_URL: openaiBase,
      OPENAI_API_KEY: value(env, 'OPENAI_API_KEY') ?? '',
      OPENAI_REALTIME_URL: realtimeUrlOf(value(env, 'OPENAI_REALTIME_BASE_URL') ?? openaiBase),
      OPENAI_REALTIME_BASE_URL: value(env, 'OPENAI_REALTIME_BASE_URL') ?? openaiBase,
      OPENAI_CA_CERT: '',
    },
  };
}
