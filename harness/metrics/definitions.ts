/** The metrics callbench reports: names carry the unit; headline metrics are measured at the caller, on audio. */

export const METRICS = {
  'greeting.first_audio_ms': '`start` sent → first audible agent sample played',
  'turn.response_ms': 'last voiced caller sample sent → first audible sample of the reply played',
  'turn.first_media_ms': 'last voiced caller sample sent → first outbound media of the reply received, audible or not',
  'turn.after_final_ms': 'the STT final that ended the utterance (mock journal) → first audible sample of the reply played',
  'turn.gap_ms': 'first audio of a reply → its end: total time the playback queue ran dry mid-reply',
  'bargein.clear_ms': 'first voiced caller sample during agent playback → `clear` received',
  'bargein.stop_ms': 'first voiced caller sample during agent playback → last audible sample of the interrupted reply played',
  'bargein.leak_ms': '`clear` → ms of audio of the interrupted reply received after it',
} as const;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
