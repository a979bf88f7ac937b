/** What the fake Twilio saw and did during one call, each event stamped with the run's clock. */

export type TimelineEvent =
  | {
      kind: 'webhook';
      /** When the answer (the TwiML) was in. */
      t: number;
      /** When the request was sent: Twilio speaks a <Say> as soon as it has the TwiML, so a TwiML greeting counts from here. */
      sentAt: number;
      status: number;
      durationMs: number;
    }
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
  | { kind: 'socket_open'; t: number }
  | { kind: 'start_sent'; t: number; streamSid: string }
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
    }
  | {
      kind: 'agent_media';
      t: number;
      bytes: number;
      /** When the playback model starts and ends playing this chunk (before any clear). */
      playStart: number;
      playEnd: number;
      /** Playback time of the first and just after the last audible sample, if any is audible. */
      audibleFrom: number | undefined;
      audibleTo: number | undefined;
    }
  | { kind: 'agent_mark'; t: number; name: string }
  | { kind: 'mark_echo'; t: number; name: string; cleared: boolean }
  | { kind: 'clear'; t: number; droppedMs: number }
  | { kind: 'protocol_error'; t: number; error: string }
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
