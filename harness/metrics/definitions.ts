/** The metrics callbench reports: names carry the unit; headline metrics are measured at the caller, on audio. */

export const METRICS = {
  'greeting.first_audio_ms': '`start` sent (a TwiML greeting: the webhook request) → first audible agent sample played',
  'turn.response_ms': 'last voiced caller sample sent → first audible sample of the reply played',
  'turn.first_media_ms': 'last voiced caller sample sent → first outbound media of the reply received, audible or not',
  'turn.after_final_ms': 'the end-of-utterance signal the mock sent (STT final, or Realtime speech_stopped) → first audible sample of the reply played',
  'turn.gap_ms': 'first audio of a reply → its end: total time the playback queue ran dry mid-reply',
  'bargein.clear_ms': 'first voiced caller sample during agent playback → `clear` received',
  'bargein.stop_ms': 'first voiced caller sample during agent playback → last audible sample of the interrupted reply played',
  'bargein.leak_ms': '`clear` → ms of audio of the interrupted reply received after it',
  'bargein.truncate_error_ms':
    'Realtime: |audio_end_ms of the agent’s conversation.item.truncate − ms of the interrupted reply the caller played before the clear|',
  'stt.final_ms': 'stage: last voiced caller sample sent → the STT final that ends the utterance sent by the mock',
  'agent.stt_to_llm_ms': 'stage: STT final sent → LLM request received by the mock',
  'llm.ttft_ms': 'stage: LLM request received → first content token sent by the mock',
  'agent.llm_to_tts_ms': 'stage: first LLM token sent → first text for TTS received by the mock',
  'tts.ttfb_ms': 'stage: TTS synthesis requested (Flush or REST request) → first audio sent by the mock',
  'agent.tts_to_twilio_ms': 'stage: first TTS audio sent by the mock → first agent media received by the caller',
  'realtime.speech_stopped_ms': 'stage: last voiced caller sample sent → Realtime speech_stopped sent by the mock',
  'realtime.first_audio_ms': 'stage: Realtime speech_stopped sent → first output audio delta sent by the mock',
  'agent.realtime_to_twilio_ms': 'stage: first Realtime audio delta sent by the mock → first agent media received by the caller',
  'agent.self_report_error_ms': 'agent-reported (its STT final → its first media sent) against measured (mock final sent → first media received), absolute difference',
  'call.start_lag_ms': 'open model: call placed (webhook POSTed) − its due time on the arrival schedule',
} as const;

export type MetricName = keyof typeof METRICS;

/** Metrics joined from the mock journals rather than measured on the caller's audio. */
export type StageMetricName = Extract<
  MetricName,
  | 'stt.final_ms'
  | 'agent.stt_to_llm_ms'
  | 'llm.ttft_ms'
  | 'agent.llm_to_tts_ms'
  | 'tts.ttfb_ms'
  | 'agent.tts_to_twilio_ms'
  | 'realtime.speech_stopped_ms'
  | 'realtime.first_audio_ms'
  | 'agent.realtime_to_twilio_ms'
>;

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
