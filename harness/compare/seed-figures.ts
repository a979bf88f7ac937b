/**
 * The seed analysis's own figures, quoted from its table "Expected Performance After Fixes"
 * (seed/000_39904836ecfa5fbc.txt, lines 577–583, beside docs/ in the project's shared folder),
 * each on the metric that measures it (README "Targets"): the seed's "total response latency"
 * starts at the STT final, so it is turn.after_final_ms; barge-in response is bargein.clear_ms.
 * `callbench compare --matrix seed` prints them beside what it measured of the two designs.
 */
import type { MetricName } from '../metrics/definitions.ts';

export interface SeedRow {
  /** The seed's row label, as written there. */
  label: string;
  metric: MetricName;
  /** The seed's "Current" and "Target" columns, as written there. */
  current: string;
  target: string;
}

export const SEED_SOURCE = 'seed/000_39904836ecfa5fbc.txt, "Expected Performance After Fixes" (lines 577–583)';

export const SEED_ROWS: readonly SeedRow[] = [
  { label: 'STT → LLM latency', metric: 'agent.stt_to_llm_ms', current: '~500ms', target: '~100ms' },
  { label: 'LLM Time to First Token', metric: 'llm.ttft_ms', current: '~800ms', target: '~300ms' },
  { label: 'TTS Time to First Byte', metric: 'tts.ttfb_ms', current: '~2000ms', target: '~300ms' },
  { label: 'Total Response Latency', metric: 'turn.after_final_ms', current: '~3-4s', target: '~600-800ms' },
  { label: 'Barge-in Response', metric: 'bargein.clear_ms', current: '~500ms', target: '~200ms' },
];
