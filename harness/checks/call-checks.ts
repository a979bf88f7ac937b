/**
 * The conformance checks judged from one call alone, as a pure function of its caller timeline,
 * its metrics (harness/metrics/call-metrics.ts) and the mock journal entries tied to it:
 * `twilio.protocol`, `turn.answered`, `bargein.no-leak`, `bargein.no-spurious-clear` and
 * `realtime.truncate-accepted` and `fault.not-injected`. (`upstream.closed-after-hangup` needs a
 * grace period after the hang-up: teardown-check.ts.)
 */
import { eventsOf, type EventOf, type TimelineEvent } from '../caller/timeline.ts';
import type { CallMetrics } from '../metrics/call-metrics.ts';
import type { JournalEntry, MockService } from '../mocks/journal/entries.ts';
import type { Fault } from '../mocks/faults.ts';
import { isTruncate, truncateAnswer } from '../mocks/journal/queries.ts';
import { CHECK_IDS, callOrigin, secondsAfter, skipped, verdictOf, type CheckVerdict } from './check.ts';
import { twilioChecks } from './twilio/index.ts';
import { upstreamChecks } from './upstream/index.ts';
import { checkFaultsInjected } from './fault-check.ts';
import { absentService } from './absence.ts';
import { checkRepliesComplete } from './complete-check.ts';

export interface CallCheckInput {
  events: readonly TimelineEvent[];
  metrics: CallMetrics;
  /** The mock journal entries tied to this call, in time order (empty without mocks). */
  journal: readonly JournalEntry[];
  /** Whether the call's upstream services were the run's mocks (false: the real services, unjudgeable). */
  mocks?: boolean;
  /** Services with connections made during the call that could not be tied to any call. */
  untied?: readonly MockService[];
  /** The faults the scenario armed for the call. */
  faults?: readonly Fault[];
}

type Media = EventOf<'agent_media'>;
type Clear = EventOf<'clear'>;

const ms = (value: number): string => `${Math.round(value)} ms`;

/** `twilio.protocol`: every message the fake Twilio flagged. */
function protocol(events: readonly TimelineEvent[], origin: number): CheckVerdict {
  return verdictOf(
    'twilio.protocol',
    eventsOf(events, 'protocol_error').map((e) => `at ${secondsAfter(origin, e.t)}: ${e.error}`),
  );
}

/** `turn.answered`: the utterances that expected a reply (reply or barge-in) and got no audible one. */
function answered(events: readonly TimelineEvent[], metrics: CallMetrics, origin: number): CheckVerdict {
  const utterances = eventsOf(events, 'utterance');
  // computeCallMetrics records exactly one turn per utterance, in order.
  const expecting = metrics.turns.flatMap((turn, i) => (turn.kind === 'talk-over' ? [] : [{ turn, utterance: utterances[i], next: utterances[i + 1] }]));
  if (expecting.length === 0) return skipped('turn.answered', utterances.length === 0 ? 'the caller said nothing' : 'every caller utterance was spoken over agent audio the agent did not clear');
  return verdictOf(
    'turn.answered',
    expecting
      .filter(({ turn }) => !turn.answered)
      .map(({ turn, utterance, next }) => {
        const spoken = utterance === undefined ? '' : `, last voiced sample sent at ${secondsAfter(origin, utterance.lastVoicedAt)}`;
        const until = next === undefined ? 'before the call ended' : `before the next utterance (${secondsAfter(origin, next.firstVoicedAt)})`;
        return `utterance '${turn.utterance}' (${turn.kind}${spoken}): no audible agent audio ${until}`;
      }),
  );
}

/** `bargein.no-leak`: the bargein.leak_ms samples, with the clear and the late chunks behind each one above 0. */
function noLeak(events: readonly TimelineEvent[], metrics: CallMetrics, origin: number): CheckVerdict {
  const samples = metrics.samples['bargein.leak_ms'] ?? [];
  if (samples.length === 0) {
    const overAgent = metrics.turns.some((turn) => turn.kind === 'talk-over');
    return skipped('bargein.no-leak', overAgent ? 'no barge-in: the agent cleared none of the audio the caller spoke over' : 'no barge-in: the caller never spoke over agent audio');
  }
  const utterances = eventsOf(events, 'utterance');
  const media = eventsOf(events, 'agent_media');
  const clears = eventsOf(events, 'clear');
  // One leak sample per barge-in turn, in order (harness/metrics/call-metrics.ts).
  const bargeIns = metrics.turns.flatMap((turn, i) => (turn.kind === 'barge-in' ? [{ turn, utterance: utterances[i], next: utterances[i + 1] }] : []));
  const evidence = samples.flatMap((leak, k) => {
    if (leak <= 0) return [];
    const b = bargeIns[k];
    const u = b?.utterance;
    const clear = u === undefined ? undefined : clears.find((c) => c.t >= u.firstVoicedAt && c.t < (b?.next?.firstVoicedAt ?? Infinity));
    if (b === undefined || u === undefined || clear === undefined) return [`${ms(leak)} of an interrupted reply arrived after its clear`];
    const late = media.filter((m) => m.t > clear.t && m.t <= u.lastVoicedAt);
    const first = late[0];
    const last = late[late.length - 1];
    const when = first === undefined || last === undefined ? '' : first === last ? ` at ${secondsAfter(origin, first.t)}` : ` from ${secondsAfter(origin, first.t)} to ${secondsAfter(origin, last.t)}`;
    return [`clear at ${secondsAfter(origin, clear.t)} (barge-in '${b.turn.utterance}'): ${ms(leak)} of the interrupted reply arrived after it${when}`];
  });
  return verdictOf('bargein.no-leak', evidence);
}

/**
 * When a chunk stopped playing, counting only the clears before `clears[upTo]`: a chunk plays from
 * `playStart` to `playEnd` unless an earlier clear that arrived after it cut it short (the
 * playback notion of harness/metrics/call-metrics.ts).
 */
function endBefore(media: Media, clears: readonly Clear[], upTo: number): number {
  const cut = clears.slice(0, upTo).find((c) => c.t >= media.t);
  return cut !== undefined && cut.t < media.playEnd ? Math.max(media.playStart, cut.t) : media.playEnd;
}

/**
 * `bargein.no-spurious-clear`: every clear that arrived while none of the agent's audio was
 * playing. Any queued chunk counts as playing, audible or not: the agent cannot know its audio is
 * silent, and clearing it is no fault.
 */
function noSpuriousClear(events: readonly TimelineEvent[], origin: number): CheckVerdict {
  const media = eventsOf(events, 'agent_media');
  const clears = eventsOf(events, 'clear');
  const evidence = clears.flatMap((clear, i) => {
    const playing = media.some((m) => m.t <= clear.t && m.playStart <= clear.t && clear.t < endBefore(m, clears, i));
    if (playing) return [];
    const previous = media.filter((m) => m.t <= clear.t).reduce<number | undefined>((end, m) => Math.max(end ?? -Infinity, endBefore(m, clears, i)), undefined);
    const since = previous === undefined ? 'no agent audio had arrived' : `agent audio stopped playing at ${secondsAfter(origin, previous)}`;
    return [`clear at ${secondsAfter(origin, clear.t)} with nothing playing (${since})`];
  });
  return verdictOf('bargein.no-spurious-clear', evidence);
}

const num = (value: unknown): string => (typeof value === 'number' ? String(Math.round(value)) : 'unknown');

/**
 * `realtime.truncate-accepted`: the Realtime mock answers a truncate at once, on the same
 * connection, with `conversation.item.truncated` or an `error`; the first event it sent there
 * after the truncate is that answer.
 */
function truncateAccepted(input: CallCheckInput, origin: number): CheckVerdict {
  const { journal } = input;
  const truncates = journal.flatMap((e, i) => (isTruncate(e) ? [{ e, i }] : []));
  if (truncates.length === 0) {
    return skipped('realtime.truncate-accepted', absentService(input, 'openai.realtime') ?? 'the agent sent no conversation.item.truncate on this call');
  }
  const evidence = truncates.flatMap(({ e, i }) => {
    const answer = truncateAnswer(journal, i);
    if (answer?.accepted === true) return [];
    const { itemId, audioEndMs: end, generatedMs: generated } = e.data;
    const what = `at ${secondsAfter(origin, e.t)}: conversation.item.truncate of ${String(itemId)}`;
    if (answer === undefined) return [`${what} (audio_end_ms ${num(end)}) got no conversation.item.truncated in reply`];
    const compare = typeof end === 'number' && typeof generated === 'number' && end > generated ? `audio_end_ms ${num(end)} > generated_ms ${num(generated)}` : `audio_end_ms ${num(end)}, generated_ms ${num(generated)}`;
    return [`${what} refused: ${compare}${answer.message === undefined ? '' : ` ("${answer.message}")`}`];
  });
  return verdictOf('realtime.truncate-accepted', evidence);
}

/** The first checks, judged from one call alone. */
function coreChecks(input: CallCheckInput, origin: number): CheckVerdict[] {
  return [
    protocol(input.events, origin),
    answered(input.events, input.metrics, origin),
    checkRepliesComplete({ ...input, origin }),
    noLeak(input.events, input.metrics, origin),
    noSpuriousClear(input.events, origin),
    truncateAccepted(input, origin),
    input.mocks === false ? skipped('fault.not-injected', 'no mocks (the real services): nothing is injected') : checkFaultsInjected(input.faults ?? [], input.journal),
  ];
}

/**
 * Every check judged from one call alone, in the order of CHECK_IDS. Each area of the catalogue
 * (catalogue/*.ts) contributes its own verdicts through one function of its own.
 */
export function evaluateCallChecks(input: CallCheckInput): CheckVerdict[] {
  const origin = callOrigin(input.events);
  const verdicts = [...coreChecks(input, origin), ...twilioChecks(input, origin), ...upstreamChecks(input, origin)];
  const order = new Map(CHECK_IDS.map((id, i) => [id, i]));
  return verdicts.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}
