/**
 * How the agent sets up and talks to OpenAI Realtime (REFERENCE-AGENTS §5 D20, bug class 20):
 * - `realtime.session-config`: the session ends up audio/pcmu both ways (Twilio's format), and a
 *   voice the agent chose is in the session (a `voice` in the URL query is silently ignored);
 * - `realtime.event-names`: every client event is one of the GA API (beta names, or the beta shape,
 *   are refused by the service).
 */
import { entriesOfKind } from '../../mocks/journal/queries.ts';
import type { CallCheckInput } from '../call-checks.ts';
import { secondsAfter, skipped, verdictOf, type CheckVerdict } from '../check.ts';
import { absentService } from '../absence.ts';

export function checkSessionConfig(input: CallCheckInput): CheckVerdict {
  const opens = entriesOfKind(input.journal, 'openai.realtime', 'open').filter((o) => !o.data.beta);
  if (opens.length === 0) return skipped('realtime.session-config', absentService(input, 'openai.realtime') ?? 'the call opened no GA Realtime socket');
  return verdictOf(
    'realtime.session-config',
    opens.flatMap((open) => {
      const own = input.journal.filter((e) => e.connection === open.connection);
      const updated = entriesOfKind(own, 'openai.realtime', 'session.updated').at(-1);
      const updates = entriesOfKind(own, 'openai.realtime', 'session.update');
      const out: string[] = [];
      if (updated === undefined) out.push(`${open.connection}: the session was never updated, so it stays audio/pcm at 24 kHz (Twilio sends and plays audio/pcmu)`);
      else {
        if (updated.data.inputFormat !== 'audio/pcmu') out.push(`${open.connection}: the session's input format is ${updated.data.inputFormat}, not audio/pcmu`);
        if (updated.data.outputFormat !== 'audio/pcmu') out.push(`${open.connection}: the session's output format is ${updated.data.outputFormat}, not audio/pcmu`);
      }
      if (open.data.query.includes('voice') && !updates.some((u) => typeof u.data.voice === 'string')) {
        out.push(`${open.connection}: voice given only in the URL query, which the service ignores; the session speaks with ${updated?.data.voice ?? 'its default voice'}`);
      }
      return out;
    }),
  );
}

export function checkEventNames(input: CallCheckInput, origin: number): CheckVerdict {
  const opens = entriesOfKind(input.journal, 'openai.realtime', 'open');
  if (opens.length === 0) return skipped('realtime.event-names', absentService(input, 'openai.realtime') ?? 'the call opened no Realtime socket');
  const evidence = [
    ...opens.filter((o) => o.data.beta).map((o) => `${o.connection} asked for the beta API shape (OpenAI-Beta: realtime=v1), which the service refuses`),
    ...entriesOfKind(input.journal, 'openai.realtime', 'unknown').map((e) => `at ${secondsAfter(origin, e.t)}: '${e.data.type}' is not a Realtime GA client event`),
    ...entriesOfKind(input.journal, 'openai.realtime', 'invalid').map((e) => `at ${secondsAfter(origin, e.t)}: a message that is not a JSON event (${e.data.error})`),
  ];
  return verdictOf('realtime.event-names', evidence);
}
