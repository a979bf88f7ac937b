/** What the fake Twilio saw and did during one call, each event stamped with the run's clock. */
import type { InjectKind } from './inject.ts';

/** What a caller utterance is meant to get from the agent (harness/scenario/expectations.ts decides the default). */
export type Expectation = 'reply' | 'interrupt' | 'ignore';

export interface UtteranceExpectation {
  expect: Expectation;
  /** False when the scenario did not say, and the step's place decided it. */
  stated: boolean;
  /** interrupt: the `clear` must arrive within this many ms of the first voiced sample. */
  clearWithinMs?: number;
  /** reply (or interrupt): the first audible reply sample must play within this many ms of the last voiced sample. */
  replyWithinMs?: number;
}

/** The stage of placing a call that failed: the webhook, its TwiML, the TwiML played before the stream, the stream upgrade. */
export type PlacementStage = 'webhook' | 'twiml' | 'prelude' | 'stream';

export type TimelineEvent =
  | {
      kind: 'webhook';
      /** When the answer (the TwiML) was in. */
      t: number;
      /** When the request was sent: Twilio speaks a <Say> as soon as it has the TwiML, so a TwiML greeting counts from here. */
      sentAt: number;
      status: number;
      durationMs: number;
      /** The answer's Content-Type header (undefined: none, or no answer). */
      contentType?: string | undefined;
      /** Size of the answer's body in bytes. */
      bodyBytes?: number;
      /** The form parameters posted (hostile values the scenario set included), to check what came back in `start`. */
      params?: Readonly<Record<string, string>>;
      /** Names of the parameters the scenario set (twilio.webhookParams): the ones whose round trip is checked. */
      scenarioParams?: readonly string[];
    }
  /** Placing the call failed at `stage`: the call never streamed (or never got this far). */
  | { kind: 'placement_failed'; t: number; stage: PlacementStage; error: string }
  /** One line naming what of the TwiML the fake Twilio skips or does not run (see twiml.ts); at most one per call. */
  | { kind: 'twiml_note'; t: number; note: string }
  /**
   * TwiML played to the caller before the stream opened, in document order. Playback times as for
   * agent media; `audibleFrom`/`audibleTo` are undefined when none of it is audible.
   */
  | {
      kind: 'twiml_say';
      t: number;
      text: string;
      voice: string | undefined;
      language: string | undefined;
      loop: number;
      playStart: number;
      playEnd: number;
      audibleFrom: number | undefined;
      audibleTo: number | undefined;
    }
  | { kind: 'twiml_pause'; t: number; lengthS: number; playStart: number; playEnd: number }
  | {
      kind: 'twiml_play';
      /** When the fake Twilio began fetching the audio (it plays once fetched, as Twilio does). */
      t: number;
      url: string;
      loop: number;
      playStart: number;
      playEnd: number;
      audibleFrom: number | undefined;
      audibleTo: number | undefined;
    }
  | { kind: 'socket_open'; t: number; url?: string }
  | {
      kind: 'start_sent';
      t: number;
      streamSid: string;
      /** The <Parameter>s of the TwiML's <Stream>, as sent in `start.customParameters`. */
      customParameters?: Readonly<Record<string, string>>;
    }
  | {
      kind: 'utterance';
      /** When say() was called. */
      t: number;
      id: string;
      text: string;
      /** Send time of the frame carrying the first voiced sample. */
      firstVoicedAt: number;
      /** Send time of the frame carrying the last voiced sample. */
      lastVoicedAt: number;
      /** Send time of the utterance's last frame (trailing silence included). */
      endAt: number;
      /** What the scenario expects the agent to do with it (absent: the call was placed without expectations). */
      expectation?: UtteranceExpectation;
    }
  | {
      kind: 'agent_media';
      t: number;
      bytes: number;
      /** When the playback model starts and ends playing this chunk (before any clear). */
      playStart: number;
      playEnd: number;
      /** Playback time of the first and just after the last audible sample, if any is audible (never for a payload that is not audio). */
      audibleFrom: number | undefined;
      audibleTo: number | undefined;
      /** What is wrong with the payload as Twilio audio (harness/caller/payload.ts), if anything. */
      payloadIssue?: string;
    }
  | { kind: 'agent_mark'; t: number; name: string }
  /** `late`: a stale echo of a mark cleared earlier, held back until the agent's next reply had queued its marks (twilio.markEcho "late"). */
  | { kind: 'mark_echo'; t: number; name: string; cleared: boolean; late?: true }
  | { kind: 'clear'; t: number; droppedMs: number }
  /** Invalid JSON, an unknown event, a message of the wrong shape, a binary frame (Twilio warnings 31951, 31950). */
  | { kind: 'protocol_error'; t: number; error: string }
  /** A media, mark or clear for another stream (or none: `streamSid` null when missing, empty or not a string); Twilio ignores it. */
  | { kind: 'foreign_sid'; t: number; event: 'media' | 'mark' | 'clear'; streamSid: string | null }
  /** Something the agent sent before `start` (`what`: the event, or `binary` / `text`); not acted on. */
  | { kind: 'early_message'; t: number; what: string }
  /** Something the agent sent after the caller's `stop`, while the socket was still open; not acted on. */
  | { kind: 'after_stop'; t: number; what: string }
  /** A hostile message the caller sent on purpose (an `inject` step). */
  | { kind: 'injected'; t: number; message: InjectKind; /** The other stream's SID, for a foreign media or stop. */ foreignStreamSid?: string }
  | { kind: 'dtmf_sent'; t: number; digit: string }
  | { kind: 'stop_sent'; t: number }
  | { kind: 'closed'; t: number; by: 'caller' | 'agent'; code: number };

export type TimelineKind = TimelineEvent['kind'];
export type EventOf<K extends TimelineKind> = Extract<TimelineEvent, { kind: K }>;

export interface Timeline {
  push(event: TimelineEvent): void;
  readonly events: readonly TimelineEvent[];
}

export function createTimeline(): Timeline {
  const events: TimelineEvent[] = [];
  return {
    push: (event) => void events.push(event),
    events,
  };
}

/** Every event of one kind, in order. */
export function eventsOf<K extends TimelineKind>(events: readonly TimelineEvent[], kind: K): Array<EventOf<K>> {
  return events.filter((event): event is EventOf<K> => event.kind === kind);
}
