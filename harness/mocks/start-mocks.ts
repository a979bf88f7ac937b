/** Starts every mock service on 127.0.0.1 with one clock, journal, script and latency profile. */
import type { Clock } from '../clock.ts';
import type { MockContext, MockServer } from './context.ts';
import { startDeepgramMock } from './deepgram/server.ts';
import { createFaultBook, type FaultBook } from './faults.ts';
import { createJournal, type Journal } from './journal/journal.ts';
import { createCallBook, type CallBook } from './attribution/call-book.ts';
import { createTextLedger } from './attribution/text-ledger.ts';
import { createSourceBook, type SourceBook } from './attribution/source-book.ts';
import { startOpenAIMock, type OpenAIMockServer } from './openai/server.ts';
import { createDelaySampler, type DelaySampler, type LatencyProfile } from './profiles.ts';
import { createConversationScript, type ConversationScript } from './script.ts';
import type { ReplaySource } from './replay/source.ts';

export interface MocksOptions {
  clock: Clock;
  profile: LatencyProfile;
  seed: number;
  /** The key the mocks accept; every other key is refused as the real services would. */
  apiKey?: string;
  /** Fixed ports (0 or absent: any free port): Deepgram, OpenAI over http/ws, and OpenAI's TLS twin (https/wss, for Realtime SDK helpers). */
  ports?: { deepgram?: number; openai?: number; openaiTls?: number };
  /** A recorded call to answer from (`callbench replay`, ./replay/source.ts): its messages, tokens and delays instead of the script's and the profile's. */
  replay?: ReplaySource;
}

/** The environment an agent needs to use the mocks. */
export interface UpstreamEnv {
  DEEPGRAM_API_URL: string;
  DEEPGRAM_API_KEY: string;
  OPENAI_BASE_URL: string;
  OPENAI_API_KEY: string;
  /**
   * ws://…/v1/realtime of the Realtime mock, for agents that open the socket themselves (append
   * ?model=…).
   */
  OPENAI_REALTIME_URL: string;
  /**
   * https://…/v1 of the mock's TLS twin: the base URL for SDK helpers that force wss://
   * (openai-node's OpenAIRealtimeWS dials wss://<host>/v1/realtime from it).
   */
  OPENAI_REALTIME_BASE_URL: string;
  /** PEM of the TLS twin's self-signed certificate, to trust for OPENAI_REALTIME_BASE_URL. */
  OPENAI_CA_CERT: string;
}

export interface Mocks {
  deepgram: MockServer;
  openai: OpenAIMockServer;
  journal: Journal;
  script: ConversationScript;
  faults: FaultBook;
  /** The calls the run announces before placing them (their tokens mark the caller's audio). */
  calls: CallBook;
  /** The connections whose marked speech the caller reports hearing. */
  sources: SourceBook;
  /** The profile's delays; a caller may key calls to common streams (callbench compare's pairs). */
  delays: DelaySampler;
  env: UpstreamEnv;
  close(): Promise<void>;
}

export const DEFAULT_MOCK_KEY = 'callbench-mock-key';

/** The context every mock handler shares: one clock, journal, script and delay sampler. */
export function createMockContext(options: MocksOptions): MockContext {
  const counters = new Map<string, number>();
  const calls = createCallBook();
  const journal = createJournal(options.clock);
  return {
    clock: options.clock,
    calls,
    texts: createTextLedger(options.clock, calls),
    sources: createSourceBook(journal),
    journal,
    script: createConversationScript(),
    delays: createDelaySampler(options.profile, options.seed),
    apiKey: options.apiKey ?? DEFAULT_MOCK_KEY,
    faults: createFaultBook(),
    ...(options.replay === undefined ? {} : { replay: options.replay }),
    nextId(prefix) {
      const n = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, n);
      return `${prefix}-${n}`;
    },
  };
}

export async function startMocks(options: MocksOptions): Promise<Mocks> {
  const ctx = createMockContext(options);
  const { journal, script, apiKey, faults, calls, sources, delays } = ctx;
  const deepgram = await startDeepgramMock(ctx, options.ports?.deepgram ?? 0);
  const openai = await startOpenAIMock(ctx, options.ports?.openai ?? 0, options.ports?.openaiTls ?? 0).catch(async (error: unknown) => {
    await deepgram.close();
    throw error;
  });
  return {
    deepgram,
    openai,
    journal,
    script,
    faults,
    calls,
    sources,
    delays,
    env: {
      DEEPGRAM_API_URL: deepgram.url,
      DEEPGRAM_API_KEY: apiKey,
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: apiKey,
      OPENAI_REALTIME_URL: openai.realtimeUrl,
      OPENAI_REALTIME_BASE_URL: openai.tls.url,
      OPENAI_CA_CERT: openai.tls.ca,
    },
    async close() {
      await Promise.all([deepgram.close(), openai.close()]);
    },
  };
}
