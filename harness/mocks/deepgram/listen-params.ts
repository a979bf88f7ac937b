/** The query parameters of Deepgram streaming listen that the mock honours, parsed once at the upgrade. */

export type ListenEncoding = 'mulaw' | 'alaw' | 'linear16';

export interface ListenParams {
  model: string;
  encoding: ListenEncoding;
  sampleRate: number;
  channels: number;
  interimResults: boolean;
  /** Silence (ms) that ends a spoken segment with speech_final; undefined when endpointing=false. */
  endpointingMs: number | undefined;
  utteranceEndMs: number | undefined;
  vadEvents: boolean;
  punctuate: boolean;
  language: string;
}

const ENCODINGS: readonly ListenEncoding[] = ['mulaw', 'alaw', 'linear16'];

function isEncoding(value: string): value is ListenEncoding {
  return (ENCODINGS as readonly string[]).includes(value);
}

function flag(params: URLSearchParams, name: string): boolean {
  return params.get(name) === 'true';
}

/** Parses the listen query; returns a Deepgram-style error message for values the mock refuses. */
export function parseListenParams(params: URLSearchParams): { ok: true; value: ListenParams } | { ok: false; error: string } {
  const encoding = params.get('encoding') ?? 'linear16';
  if (!isEncoding(encoding)) {
    return { ok: false, error: `Bad Request: the mock supports encoding ${ENCODINGS.join('|')}, got '${encoding}'.` };
  }
  const sampleRate = Number(params.get('sample_rate') ?? '16000');
  if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 48000) {
    return { ok: false, error: `Bad Request: sample_rate must be an integer from 8000 to 48000, got '${params.get('sample_rate')}'.` };
  }
  const channels = Number(params.get('channels') ?? '1');
  if (channels !== 1) return { ok: false, error: `Bad Request: the mock supports channels=1, got '${params.get('channels')}'.` };
  const endpointingRaw = params.get('endpointing') ?? '10';
  let endpointingMs: number | undefined;
  if (endpointingRaw !== 'false') {
    endpointingMs = Number(endpointingRaw);
    if (!Number.isFinite(endpointingMs) || endpointingMs < 0) {
      return { ok: false, error: `Bad Request: endpointing must be a number of ms or false, got '${endpointingRaw}'.` };
    }
  }
  const interimResults = flag(params, 'interim_results');
  const utteranceEndRaw = params.get('utterance_end_ms');
  let utteranceEndMs: number | undefined;
  if (utteranceEndRaw !== null) {
    utteranceEndMs = Number(utteranceEndRaw);
    if (!Number.isInteger(utteranceEndMs) || utteranceEndMs < 1000 || utteranceEndMs > 5000) {
      return { ok: false, error: `Bad Request: utterance_end_ms must be an integer from 1000 to 5000, got '${utteranceEndRaw}'.` };
    }
    if (!interimResults) return { ok: false, error: 'Bad Request: utterance_end_ms requires interim_results=true.' };
  }
  return {
    ok: true,
    value: {
      model: params.get('model') ?? 'base',
      encoding,
      sampleRate,
      channels,
      interimResults,
      endpointingMs,
      utteranceEndMs,
      vadEvents: flag(params, 'vad_events'),
      punctuate: flag(params, 'punctuate') || flag(params, 'smart_format'),
      language: params.get('language') ?? 'en',
    },
  };
}
