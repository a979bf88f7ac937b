/** The metrics callbench reports: names carry the unit; each is measured at the caller, on audio. */

export const METRICS = {
  'greeting.first_audio_ms': '`start` sent → first audible agent sample played',
  'turn.response_ms': 'last voiced caller sample sent → first audible sample of the reply played',
  'turn.first_media_ms': 'last voiced caller sample sent → first outbound media of the reply received, audible or not',
} as const;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
