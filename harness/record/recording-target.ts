/**
 * An agent behind the capture proxies, as a run target: whatever `inner` is (the reference agent,
 * a child process, an agent you run), it is given the upstream proxy's environment, whose proxy
 * forwards to the run's upstream (the mocks, or the real services), and the caller is given the
 * Twilio proxy's webhook, which forwards to the agent. So `callbench record --scenario …` records
 * calls that callbench's own caller places, and the mocks (which cannot tell the proxy from the
 * agent) still tie every connection and judge every check as in any run.
 *
 * Captures are written when the target stops (after the run's last call and its teardown wait),
 * one directory per call (`dirFor`).
 */
import type { Clock } from '../clock.ts';
import type { AgentTarget } from '../runner/agent-target.ts';
import type { CallerScript, CaptureManifest } from './capture-format.ts';
import { createRecorder, type RecordedCall, type Recorder } from './recorder.ts';
import { createRedactor } from './redact.ts';
import { startTwilioProxy } from './twilio-proxy.ts';
import { startUpstreamProxy, type UpstreamProxyOptions } from './upstream-proxy.ts';
import type { UpstreamEnv } from '../mocks/start-mocks.ts';

export interface RecordingTargetOptions {
  clock: Clock;
  dirFor(callSid: string, index: number): string;
  /** What the run's upstream is, for capture.json. */
  upstream: CaptureManifest['upstream'];
  callbenchVersion: string;
  onWritten?: (call: RecordedCall) => void;
  onError?: (callSid: string, error: Error) => void;
  /** Fixed ports (absent: any): the Twilio proxy, and the upstream proxy's Deepgram, OpenAI and OpenAI TLS listeners. */
  ports?: { twilio?: number; upstream?: UpstreamProxyOptions['ports'] };
  /** How Twilio reaches the Twilio proxy (a tunnel's https URL); default its loopback address. */
  publicUrl?: string;
  /** Told once both proxies listen: what to give Twilio and the agent (`callbench record` prints it). */
  onListening?: (proxies: RecordingProxies) => void;
  /** Callbench's caller places the calls and annotate()s each: a capture waits for its script (recorder.ts). */
  scripted?: boolean;
}

export interface RecordingProxies {
  /** The voice webhook to give Twilio (the public base and the agent's webhook path). */
  webhookUrl: string;
  /** The agent's own voice webhook, which the proxy forwards to. */
  agentWebhookUrl: string;
  /** The agent's upstream environment pointed at the upstream proxy (keys as given). */
  upstream: UpstreamEnv;
}

export interface RecordingTarget extends AgentTarget {
  /** What the caller said and expected on a call, for its capture (before the target stops). */
  annotate(callSid: string, script: CallerScript): void;
  /** The captures written so far. */
  readonly written: readonly RecordedCall[];
}

/** The Realtime socket of an upstream environment: its TLS base URL's /realtime, over wss:// (plain ws:// for an http base). */
function realtimeTarget(base: string): string {
  const url = new URL(`${base.replace(/\/+$/, '')}/realtime`);
  url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
  return url.toString();
}

export function createRecordingTarget(inner: AgentTarget, options: RecordingTargetOptions): RecordingTarget {
  let recorder: Recorder | undefined;
  const pending = new Map<string, CallerScript>();
  return {
    describe: () => `${inner.describe()}, recorded through callbench record's proxies`,
    get written() {
      return recorder?.written ?? [];
    },
    annotate(callSid, script) {
      if (recorder === undefined) pending.set(callSid, script);
      else recorder.annotate(callSid, script);
    },
    async start(env, startOptions) {
      const redactor = createRedactor([env.DEEPGRAM_API_KEY, env.OPENAI_API_KEY, env.TWILIO_AUTH_TOKEN]);
      const rec = createRecorder({
        clock: options.clock,
        dirFor: options.dirFor,
        upstream: options.upstream,
        callbenchVersion: options.callbenchVersion,
        ...(options.scripted === undefined ? {} : { scripted: options.scripted }),
        ...(options.onWritten === undefined ? {} : { onWritten: options.onWritten }),
        ...(options.onError === undefined ? {} : { onError: options.onError }),
      });
      recorder = rec;
      for (const [callSid, script] of pending) rec.annotate(callSid, script);
      const upstream = await startUpstreamProxy({
        recorder: rec,
        redactor,
        targets: { deepgram: env.DEEPGRAM_API_URL, openai: env.OPENAI_BASE_URL, openaiRealtime: realtimeTarget(env.OPENAI_REALTIME_BASE_URL), ca: env.OPENAI_CA_CERT },
        ...(options.ports?.upstream === undefined ? {} : { ports: options.ports.upstream }),
      });
      const upstreamEnv = upstream.env({ DEEPGRAM_API_KEY: env.DEEPGRAM_API_KEY, OPENAI_API_KEY: env.OPENAI_API_KEY });
      let agent;
      try {
        agent = await inner.start({ ...upstreamEnv, TWILIO_AUTH_TOKEN: env.TWILIO_AUTH_TOKEN }, startOptions);
      } catch (error) {
        await upstream.close();
        throw error;
      }
      const running = agent;
      const twilio = await startTwilioProxy({
        recorder: rec,
        redactor,
        agentWebhookUrl: running.webhookUrl,
        authToken: env.TWILIO_AUTH_TOKEN,
        ...(options.ports?.twilio === undefined ? {} : { port: options.ports.twilio }),
        ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
      }).catch(async (error: unknown) => {
        await running.stop();
        await upstream.close();
        throw error;
      });
      options.onListening?.({ webhookUrl: twilio.webhookUrl, agentWebhookUrl: running.webhookUrl, upstream: upstreamEnv });
      return {
        webhookUrl: twilio.webhookUrl,
        ...(running.selfReports === undefined ? {} : { selfReports: running.selfReports }),
        ...(running.exited === undefined ? {} : { exited: running.exited }),
        async stop() {
          try {
            await running.stop();
          } finally {
            await twilio.close();
            await rec.close();
            await upstream.close();
          }
        },
      };
    },
  };
}
