/**
 * How the harness sees an agent, whatever it is: start it against some upstream environment,
 * get its voice-webhook URL, stop it. In-process, child-process and external agents are measured
 * the same way through this interface.
 */
import type { SelfReportedTurn } from '../metrics/self-report.ts';
import type { UpstreamEnv } from '../mocks/start-mocks.ts';

export interface AgentEnv extends UpstreamEnv {
  TWILIO_AUTH_TOKEN: string;
}

/** How an agent's processes ended on their own (not stopped by the harness). */
export interface AgentExit {
  /** e.g. "exited with code 1", "was killed by SIGKILL". */
  how: string;
  /** The agent's last lines of output ('' when it printed nothing). */
  lastOutput: string;
}

export interface RunningAgent {
  /** The voice webhook Twilio would POST to, e.g. http://127.0.0.1:41234/incoming-call */
  webhookUrl: string;
  /** Stops the agent; resolves once nothing of it is left running. */
  stop(): Promise<void>;
  /** The replies of a call as the agent itself reports them, when it does. */
  selfReports?(callSid: string): readonly SelfReportedTurn[];
  /** For an agent the harness runs as processes: resolves if they end before stop() is called. Never rejects. */
  exited?: Promise<AgentExit>;
}

export interface AgentStartOptions {
  /** Aborting it gives up on a start still under way (the start then rejects, with nothing left running). */
  signal?: AbortSignal;
}

export interface AgentTarget {
  /** A short description for reports, e.g. "reference agent (in-process; text=sentence tts=ws playout=direct)". */
  describe(): string;
  start(env: AgentEnv, options?: AgentStartOptions): Promise<RunningAgent>;
}
