/** What the journal keeps of each Realtime server event: its kind and a few small facts, never audio. */
import type { ServerEvent } from './response.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function primitives(source: Record<string, unknown>, skip: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (skip.includes(key)) continue;
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  }
  return out;
}

/** Journal kind and data for a server event; audio deltas become kind `audio` with their byte count. */
export function sentFacts(event: ServerEvent, bytesPerMs: number): { kind: string; data: Record<string, unknown> } {
  if (event.type === 'response.output_audio.delta') {
    const bytes = Buffer.byteLength(String(event['delta'] ?? ''), 'base64');
    return { kind: 'audio', data: { bytes, ms: bytes / bytesPerMs, item_id: event['item_id'], response_id: event['response_id'] } };
  }
  const data = primitives(event, ['type', 'event_id']);
  const { response, item, error, session } = event;
  if (isRecord(response)) {
    const details = response['status_details'];
    Object.assign(data, { response_id: response['id'], status: response['status'], reason: isRecord(details) ? details['reason'] : null });
  }
  if (isRecord(item)) {
    const content = Array.isArray(item['content']) ? item['content'] : [];
    const first: unknown = content[0];
    Object.assign(data, {
      item_id: item['id'],
      role: item['role'],
      status: item['status'],
      ...(isRecord(first) ? { content_type: first['type'], text: first['text'] ?? first['transcript'] } : {}),
    });
  }
  if (isRecord(error)) Object.assign(data, primitives(error, []));
  if (isRecord(session)) {
    const audio = isRecord(session['audio']) ? session['audio'] : {};
    const input = isRecord(audio['input']) ? audio['input'] : {};
    const output = isRecord(audio['output']) ? audio['output'] : {};
    const formatType = (f: unknown): unknown => (isRecord(f) ? f['type'] : undefined);
    const td = input['turn_detection'];
    Object.assign(data, {
      session_id: session['id'],
      model: session['model'],
      input_format: formatType(input['format']),
      output_format: formatType(output['format']),
      voice: output['voice'],
      turn_detection: isRecord(td) ? td['type'] : null,
    });
  }
  return { kind: event.type, data };
}
