/**
 * How the agent uses Deepgram (REFERENCE-AGENTS §5 D18, D19), from the listen and speak journals:
 * - `deepgram.listen-config`: the listen socket declares the audio it is sent. Twilio's audio is
 *   μ-law at 8 kHz; a socket that leaves encoding or sample_rate out gets Deepgram's defaults and
 *   cannot decode it; one that declares another format must be sent audio in it (recognisable
 *   speech is the proof).
 * - `deepgram.keepalive` (warning): KeepAlive only while the call is alive, and the socket closed
 *   with CloseStream (Deepgram finalises what it heard).
 * - `deepgram.speak-config` (warning): speech asked for in what Twilio plays (μ-law, 8 kHz,
 *   headerless), within the Flush limit.
 */
import type { EntryWithKind } from '../../mocks/journal/entries.ts';
import { entriesOfKind, isListenResults } from '../../mocks/journal/queries.ts';
import type { CallCheckInput } from '../call-checks.ts';
import { secondsAfter, skipped, verdictOf, type CheckVerdict } from '../check.ts';
import { absentService } from '../absence.ts';

/** KeepAlives this long after the hang-up keep a dead call's socket alive. */
const AFTER_HANGUP_MS = 1000;

type ListenOpen = EntryWithKind<'deepgram.listen', 'open'>;

export function checkListenConfig(input: CallCheckInput): CheckVerdict {
  const opens = entriesOfKind(input.journal, 'deepgram.listen', 'open');
  if (opens.length === 0) return skipped('deepgram.listen-config', absentService(input, 'deepgram.listen') ?? 'the call opened no listen socket');
  const recognised = (open: ListenOpen): boolean => input.journal.some((e) => isListenResults(e) && e.connection === open.connection && e.data.transcript !== '');
  return verdictOf(
    'deepgram.listen-config',
    opens.flatMap((open) => {
      const { encoding, sampleRate } = open.data.declared;
      if (encoding === null || sampleRate === null) {
        const missing = [encoding === null ? 'encoding' : '', sampleRate === null ? 'sample_rate' : ''].filter((p) => p !== '').join(' and ');
        return [`${open.connection} was opened without ${missing}: Deepgram then takes ${open.data.encoding} at ${open.data.sampleRate} Hz and cannot decode Twilio's μ-law at 8000 Hz`];
      }
      if (encoding === 'mulaw' && sampleRate === '8000') return [];
      if (recognised(open)) return [];
      return [`${open.connection} declared encoding=${encoding}&sample_rate=${sampleRate} and no speech was recognised in what it was sent (Twilio sends mulaw at 8000 Hz)`];
    }),
  );
}

export function checkKeepAlive(input: CallCheckInput, origin: number): CheckVerdict {
  const opens = entriesOfKind(input.journal, 'deepgram.listen', 'open');
  if (opens.length === 0) return skipped('deepgram.keepalive', absentService(input, 'deepgram.listen') ?? 'the call opened no listen socket');
  const hangupAt = input.events.find((e) => e.kind === 'stop_sent' || e.kind === 'closed')?.t ?? Infinity;
  const evidence = opens.flatMap((open) => {
    const own = input.journal.filter((e) => e.connection === open.connection);
    const late = own.filter((e) => e.kind === 'KeepAlive' && e.t > hangupAt + AFTER_HANGUP_MS);
    const out: string[] = [];
    if (late.length > 0) out.push(`${open.connection}: ${late.length} KeepAlive(s) after the hang-up at ${secondsAfter(origin, hangupAt)}, the last at ${secondsAfter(origin, late[late.length - 1]?.t ?? 0)}`);
    const close = own.find((e) => e.kind === 'close');
    const closedByAgent = close !== undefined && !own.some((e) => e.kind === 'idle-timeout' || (e.kind === 'fault' && e.t <= close.t));
    if (closedByAgent && !own.some((e) => e.kind === 'CloseStream')) out.push(`${open.connection} was closed at ${secondsAfter(origin, close.t)} without CloseStream`);
    return out;
  });
  return verdictOf('deepgram.keepalive', evidence);
}

export function checkSpeakConfig(input: CallCheckInput, origin: number): CheckVerdict {
  const sockets = entriesOfKind(input.journal, 'deepgram.speak.ws', 'open');
  const requests = entriesOfKind(input.journal, 'deepgram.speak.rest', 'request');
  if (sockets.length === 0 && requests.length === 0) {
    const ws = absentService(input, 'deepgram.speak.ws');
    const rest = absentService(input, 'deepgram.speak.rest');
    return skipped('deepgram.speak-config', ws !== undefined && rest !== undefined && ws !== rest ? ws : (ws ?? 'the call asked Deepgram for no speech'));
  }
  const wanted = (what: string, encoding: string, rate: number, container: string | null): string | undefined =>
    encoding === 'mulaw' && rate === 8000 && (container === null || container === 'none') ? undefined : `${what} asked for encoding=${encoding}&sample_rate=${rate}${container === null ? '' : `&container=${container}`}: Twilio plays headerless μ-law at 8000 Hz, so the agent must convert it`;
  const evidence = [
    ...sockets.flatMap((open) => wanted(`speak socket ${open.connection}`, open.data.encoding, open.data.sampleRate, open.data.container) ?? []),
    ...requests.flatMap((r) => wanted(`REST speak request ${r.connection} at ${secondsAfter(origin, r.t)}`, r.data.encoding, r.data.sampleRate, r.data.container) ?? []),
    ...entriesOfKind(input.journal, 'deepgram.speak.ws', 'Warning')
      .filter((w) => w.data.code === 'FLUSH_RATE_LIMIT')
      .map((w) => `speak socket ${w.connection} at ${secondsAfter(origin, w.t)}: over Deepgram's Flush limit (${w.data.description})`),
  ];
  return verdictOf('deepgram.speak-config', [...new Set(evidence)]);
}
