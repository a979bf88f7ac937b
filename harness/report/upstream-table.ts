/**
 * The terminal's account of what the harness could and could not see of the agent's upstream
 * traffic, so no absence passes silently: how each upstream connection was tied to its call
 * (and how many could not be: they give no stage sample and no verdict), every refusal the mocks
 * sent the agent in the mocks' own words, what the fake Twilio skipped of the agent's TwiML, and
 * where the greetings came from when some came from TwiML.
 *
 *   Upstream connections: 12, all tied to their calls (4 by audio mark, 8 by text).
 *   The mocks refused the agent 2 time(s):
 *     deepgram.listen refused the upgrade (HTTP 401): Invalid credentials. (2 calls)
 */
import type { TieMethod } from '../mocks/journal/entries.ts';
import type { RunSummary } from './summary.ts';

const METHOD_WORDS: Record<TieMethod, string> = { header: 'by x-callbench-call header', audio: 'by audio mark', text: 'by text', content: 'by content' };

function tiesLine(summary: RunSummary): string | undefined {
  const ties = summary.attribution;
  if (ties === null) return undefined;
  const methods = (Object.keys(METHOD_WORDS) as TieMethod[]).filter((m) => ties.byMethod[m] > 0).map((m) => `${ties.byMethod[m]} ${METHOD_WORDS[m]}`);
  const tied = Object.values(ties.byMethod).reduce((sum, n) => sum + n, 0);
  const total = tied + ties.untied;
  if (total === 0) return 'Upstream connections: none (the agent made no request to the mocks).';
  if (ties.untied === 0) return `Upstream connections: ${total}, all tied to their calls (${methods.join(', ')}).`;
  const untied = Object.entries(ties.byService)
    .filter(([, n]) => (n?.untied ?? 0) > 0)
    .map(([service, n]) => `${service} ${n?.untied ?? 0}`)
    .join(', ');
  return `Upstream connections: ${total}; ${ties.untied} could not be tied to any call (${untied}): they give no stage sample and no verdict${methods.length > 0 ? `; tied: ${methods.join(', ')}` : ''}.`;
}

function refusalLines(summary: RunSummary): string[] {
  if (summary.refusals.length === 0) return [];
  const total = summary.refusals.reduce((sum, r) => sum + r.count, 0);
  return [
    `The mocks refused the agent ${total} time(s):`,
    ...summary.refusals.map((r) => {
      const whom = [r.calls > 0 ? `${r.calls} call${r.calls === 1 ? '' : 's'}` : '', r.untied > 0 ? `${r.untied} not tied to a call` : ''].filter((p) => p !== '').join(', ');
      return `  ${r.line}${r.count > 1 ? ` (${r.count}×; ${whom})` : ` (${whom})`}`;
    }),
  ];
}

function greetingLine(summary: RunSummary): string | undefined {
  let stream = 0;
  let twiml = 0;
  for (const scenario of Object.values(summary.scenarios)) {
    stream += scenario.greetings.stream;
    twiml += scenario.greetings.twiml;
  }
  if (twiml === 0) return undefined;
  return `Greetings: ${twiml} from TwiML before <Connect> (greeting.first_audio_ms measured from the webhook request), ${stream} from the media stream (from \`start\`).`;
}

export function renderUpstream(summary: RunSummary): string {
  const lines = [tiesLine(summary), ...refusalLines(summary), greetingLine(summary), ...summary.twimlNotes.map((note) => `TwiML: ${note}`)];
  return lines.filter((line): line is string => line !== undefined).join('\n');
}
