/**
 * Every question the harness asks of the mock journal, in one place: attribution, the stage
 * metrics, the checks and the reports read entries only through these typed predicates and
 * queries, never by probing fields.
 */
import type { EntryOf, EntryWithKind as EntryKind, JournalEntry, MockService, RefusalData, TieMethod } from './entries.ts';

/** The entries of `service` and `kind` in `entries`, typed. */
export function entriesOfKind<S extends MockService, K extends EntryOf<S>['kind']>(entries: readonly JournalEntry[], service: S, kind: K): Array<EntryKind<S, K>> {
  return entries.filter((e): e is EntryKind<S, K> => e.service === service && e.kind === kind);
}

export type ListenResults = EntryKind<'deepgram.listen', 'Results'>;
export type SpeechStopped = EntryKind<'openai.realtime', 'input_audio_buffer.speech_stopped'>;
export type TruncateRequest = EntryKind<'openai.realtime', 'conversation.item.truncate'>;
export type ChatRequest = EntryKind<'openai.chat', 'request'>;

export const isListenResults = (e: JournalEntry): e is ListenResults => e.service === 'deepgram.listen' && e.kind === 'Results';
export const isSpeechStopped = (e: JournalEntry): e is SpeechStopped => e.service === 'openai.realtime' && e.kind === 'input_audio_buffer.speech_stopped';
export const isSpeechStarted = (e: JournalEntry): e is EntryKind<'openai.realtime', 'input_audio_buffer.speech_started'> =>
  e.service === 'openai.realtime' && e.kind === 'input_audio_buffer.speech_started';
export const isRealtimeAudio = (e: JournalEntry): e is EntryKind<'openai.realtime', 'audio'> => e.service === 'openai.realtime' && e.kind === 'audio';

/**
 * The entries that end an utterance upstream, in `entries`' (time) order: Realtime's
 * speech_stopped, Deepgram's UtteranceEnd, and a speech_final that closes words. Deepgram may
 * finalize an utterance's words in an is_final result before endpointing ends it, and then send
 * the speech_final with an empty transcript (our mock does when a segment reaches its 5 s limit
 * just before the pause; PROTOCOLS.md §2.4): that speech_final still ends the utterance, so it
 * counts when an is_final with words came on its connection since the last one. A speech_final
 * with no words before it (noise, silence) ends nothing.
 */
export function utteranceEnds(entries: readonly JournalEntry[]): JournalEntry[] {
  const wordsPending = new Set<string>();
  const ends: JournalEntry[] = [];
  for (const e of entries) {
    if (isListenResults(e)) {
      const words = e.data.transcript !== '';
      if (e.data.speechFinal && (words || wordsPending.has(e.connection))) {
        ends.push(e);
        wordsPending.delete(e.connection);
      } else if (e.data.isFinal && words) {
        wordsPending.add(e.connection);
      }
    } else if (e.service === 'deepgram.listen' && e.kind === 'UtteranceEnd') {
      // It ends the utterance too: a speech_final after it has no words of this one left to close.
      ends.push(e);
      wordsPending.delete(e.connection);
    } else if (isSpeechStopped(e)) {
      ends.push(e);
    }
  }
  return ends;
}

/** A chat completions request the mock could parse (an invalid one is answered with an error and asks nothing). */
export const isLlmRequest = (e: JournalEntry): e is ChatRequest => e.service === 'openai.chat' && e.kind === 'request' && e.data.valid;
/** The words a chat completion answered: the last user message of the request on `connection` (each request is its own connection). */
export function chatRequestText(entries: readonly JournalEntry[], connection: string): string | undefined {
  const request = entries.find((e): e is ChatRequest => isLlmRequest(e) && e.connection === connection);
  return request?.data.valid === true ? request.data.lastUserText : undefined;
}
export const isFirstToken = (e: JournalEntry): boolean => e.service === 'openai.chat' && e.kind === 'first_token';

/** Text handed to TTS: a speak `Speak` message or a REST speak request. */
export const isTtsText = (e: JournalEntry): boolean =>
  (e.service === 'deepgram.speak.ws' && e.kind === 'Speak' && e.data.ignored === undefined) || (e.service === 'deepgram.speak.rest' && e.kind === 'request');
/** A TTS synthesis request: a speak `Flush` that was processed, or a REST speak request. */
export const isTtsRequest = (e: JournalEntry): boolean =>
  (e.service === 'deepgram.speak.ws' && e.kind === 'Flush' && e.data.sequenceId !== undefined) || (e.service === 'deepgram.speak.rest' && e.kind === 'request');
/** TTS audio leaving the mock: a speak audio frame or a REST body's first byte. */
export const isTtsAudio = (e: JournalEntry): boolean => (e.service === 'deepgram.speak.ws' && e.kind === 'audio') || (e.service === 'deepgram.speak.rest' && e.kind === 'first_byte');

export type ReplyProduced = EntryKind<'openai.chat', 'reply'> | EntryKind<'openai.realtime', 'reply'>;
/** A reply a mock produced (chat completion, Realtime response), with how long it sounds spoken whole. */
export const isReply = (e: JournalEntry): e is ReplyProduced => (e.service === 'openai.chat' || e.service === 'openai.realtime') && e.kind === 'reply';

export const isTruncate = (e: JournalEntry): e is TruncateRequest => e.service === 'openai.realtime' && e.kind === 'conversation.item.truncate';

/** The `audio_end_ms` a truncate asked for, when it is a number. */
export function truncateAudioEndMs(e: TruncateRequest): number | undefined {
  return typeof e.data.audioEndMs === 'number' ? e.data.audioEndMs : undefined;
}

/** The Realtime mock's answer to the truncate at `index` of `entries`: the first event it sent on that connection after it. */
export function truncateAnswer(entries: readonly JournalEntry[], index: number): { accepted: true } | { accepted: false; message: string | undefined } | undefined {
  const request = entries[index];
  if (request === undefined) return undefined;
  for (const e of entries.slice(index + 1)) {
    if (e.connection !== request.connection || e.service !== 'openai.realtime' || e.direction !== 'sent') continue;
    if (e.kind === 'conversation.item.truncated') return { accepted: true };
    if (e.kind === 'error') return { accepted: false, message: e.data.message };
    return undefined;
  }
  return undefined;
}

/** The upstream services reached over a WebSocket that a call keeps open. */
export const UPSTREAM_SOCKET_SERVICES: readonly MockService[] = ['deepgram.listen', 'deepgram.speak.ws', 'openai.realtime'];

export type SocketOpen = Extract<JournalEntry, { kind: 'open' }>;
export type SocketClose = Extract<JournalEntry, { kind: 'close' }>;

export const isSocketOpen = (e: JournalEntry): e is SocketOpen => e.kind === 'open' && UPSTREAM_SOCKET_SERVICES.includes(e.service);
export const isSocketClose = (e: JournalEntry): e is SocketClose => e.kind === 'close' && UPSTREAM_SOCKET_SERVICES.includes(e.service);
/** Whether an entry is the opening or closing of an upstream socket. */
export const isSocketLifecycle = (e: JournalEntry): boolean => isSocketOpen(e) || isSocketClose(e);

export type FaultInjected = Extract<JournalEntry, { kind: 'fault' }>;
export const isFault = (e: JournalEntry): e is FaultInjected => e.kind === 'fault';

export type Refusal = Extract<JournalEntry, { kind: 'refused' }>;
export const isRefusal = (e: JournalEntry): e is Refusal => e.kind === 'refused';

/** One line for a refusal: the service, what was refused and the mock's own message. */
export function describeRefusal(service: MockService, data: RefusalData): string {
  const how =
    data.what === 'upgrade' ? `refused the upgrade (HTTP ${data.status ?? '?'})` : data.what === 'http' ? `answered HTTP ${data.status ?? '?'}` : data.what === 'close' ? `closed the socket (${String(data.code ?? '?')})` : `sent an error${data.code === null || data.code === undefined ? '' : ` (${String(data.code)})`}`;
  return `${service} ${how}: ${data.message}`;
}

/** The entries tied to `call`, in time order. */
export function entriesOfCall(entries: readonly JournalEntry[], call: string): JournalEntry[] {
  return entries.filter((e) => e.call === call);
}

export interface ConnectionTies {
  /** Connections (sockets and HTTP requests) by how they were tied. */
  byMethod: Record<TieMethod, number>;
  untied: number;
  /** Per service: tied and untied connections. */
  byService: Partial<Record<MockService, { tied: number; untied: number }>>;
}

/**
 * How the journal's connections came to their calls. A connection is a socket or an HTTP request;
 * one whose every entry is a refusal of the upgrade counts too (it is the agent's attempt).
 */
export function connectionTies(entries: readonly JournalEntry[]): ConnectionTies {
  const services = new Map<string, MockService>();
  const methods = new Map<string, TieMethod>();
  for (const e of entries) {
    if (!services.has(e.connection)) services.set(e.connection, e.service);
    if (e.kind === 'tied' && !methods.has(e.connection)) methods.set(e.connection, e.data.how);
  }
  const out: ConnectionTies = { byMethod: { header: 0, audio: 0, text: 0, content: 0 }, untied: 0, byService: {} };
  for (const [connection, service] of services) {
    const method = methods.get(connection);
    const perService = (out.byService[service] ??= { tied: 0, untied: 0 });
    if (method === undefined) {
      out.untied++;
      perService.untied++;
    } else {
      out.byMethod[method]++;
      perService.tied++;
    }
  }
  return out;
}

export interface RefusalLine {
  service: MockService;
  /** The service, what it refused and the mock's own message (describeRefusal). */
  line: string;
  /** How many times it was sent, and to how many calls (refusals of connections tied to none are `untied`). */
  count: number;
  calls: number;
  untied: number;
}

/** Every distinct refusal the mocks sent, with how often: what the run prints once. */
export function refusalLines(entries: readonly JournalEntry[]): RefusalLine[] {
  const lines = new Map<string, { service: MockService; count: number; calls: Set<string>; untied: number }>();
  for (const e of entries) {
    if (!isRefusal(e)) continue;
    const line = describeRefusal(e.service, e.data);
    let group = lines.get(line);
    if (group === undefined) lines.set(line, (group = { service: e.service, count: 0, calls: new Set(), untied: 0 }));
    group.count++;
    if (e.call === undefined) group.untied++;
    else group.calls.add(e.call);
  }
  return [...lines].map(([line, g]) => ({ service: g.service, line, count: g.count, calls: g.calls.size, untied: g.untied }));
}

/** What the run reports of its upstream connections: how each was tied to its call, and the refusals sent. */
export interface UpstreamReport {
  ties: ConnectionTies;
  refusals: RefusalLine[];
}

export function upstreamReport(entries: readonly JournalEntry[]): UpstreamReport {
  return { ties: connectionTies(entries), refusals: refusalLines(entries) };
}
