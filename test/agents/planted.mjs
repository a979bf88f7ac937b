#!/usr/bin/env node
/**
 * The planted agent: a small voice agent written for callbench's tests, correct by default, with
 * one knob per bug class of ../shared/docs/REFERENCE-AGENTS.md §6, so that each conformance check
 * can be shown to catch its bug on its own.
 *
 *   AGENT_MODE=cascaded  Deepgram listen + OpenAI chat completions (SSE) + Deepgram speak, raw sockets
 *   AGENT_MODE=realtime  one OpenAI Realtime GA socket
 *   PLANT=<bug>[,<bug>…] the bugs to plant (test/agents/README.md lists them; none: correct)
 *
 * Like the other agents of test/agents it is an outsider: `ws` and Node built-ins only, nothing
 * from agent/ or harness/, and no `x-callbench-call` header. Per-call state only, except where a
 * knob plants a module global on purpose. Logs plain lines on stdout; a bad setting is one line on
 * stderr and exit 2.
 */
import { CascadedCall } from './planted/cascaded.mjs';
import { ConfigError, readConfig } from './planted/config.mjs';
import { RealtimeCall } from './planted/realtime.mjs';
import { serve } from './planted/server.mjs';

const NAME = 'planted';

function log(callId, message) {
  console.log(`[${NAME}] ${callId}: ${message}`);
}

let config;
try {
  config = readConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`[${NAME}] ${error.message}`);
  process.exit(2);
}

const Call = config.mode === 'cascaded' ? CascadedCall : RealtimeCall;
serve(config, log, (ws, gone) => new Call(config, ws, log, gone));
