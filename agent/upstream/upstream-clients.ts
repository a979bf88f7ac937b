/**
 * One set of SDK clients per call, tagged with the call: every upstream connection and request
 * carries `x-callbench-call: <CallSid>` so the harness's mocks can attribute it without guessing
 * (unless `callHeader` is off: then nothing carries it, to show the verdicts do not depend on it).
 *
 * - Deepgram: the client-level `headers` option, which SDK v5 merges into REST requests and into
 *   the WebSocket upgrade of `listen.v1.connect` / `speak.v1.connect` alike. A client per call also
 *   gives each call its own `x-deepgram-session-id`.
 * - OpenAI: `defaultHeaders` on a per-call client.
 */
import { DeepgramClient } from '@deepgram/sdk';
import OpenAI from 'openai';
import type { ResolvedAgentOptions } from '../options.ts';

export const CALL_HEADER = 'x-callbench-call';

export interface UpstreamClients {
  deepgram: DeepgramClient;
  openai: OpenAI;
}

/** The headers that tie an upstream connection to its call: none when the knob is off. */
export function callHeaders(callHeader: boolean, callSid: string): Record<string, string> {
  return callHeader ? { [CALL_HEADER]: callSid } : {};
}

export function createUpstreamClients(options: ResolvedAgentOptions, callSid: string): UpstreamClients {
  const headers = callHeaders(options.callHeader, callSid);
  return {
    deepgram: new DeepgramClient({ apiKey: options.deepgramApiKey, baseUrl: options.deepgramApiUrl, headers }),
    openai: new OpenAI({
      apiKey: options.openaiApiKey,
      baseURL: options.openaiBaseUrl,
      defaultHeaders: headers,
      maxRetries: options.tuning.llmMaxRetries,
    }),
  };
}
