/**
 * What the journal keeps of each Realtime event, typed (../../journal/entries.ts): the events the
 * harness reads (audio, VAD, truncation, errors, response and session lifecycle) field by field,
 * the others as their primitive facts; never audio itself.
 */
import { REALTIME_OTHER_RECEIVED, REALTIME_OTHER_SENT, type RealtimeFacts, type ServiceInput } from '../../journal/entries.ts';
import type { ServerEvent } from './response.ts';

type RealtimeInput = ServiceInput<'openai.realtime'>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function primitives(source: Record<string, unknown>, skip: readonly string[]): RealtimeFacts {
  const out: RealtimeFacts = {};
  for (const [key, value] of Object.entries(source)) {
    if (skip.includes(key)) continue;
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  }
  return out;
}

function isOtherSent(type: string): type is (typeof REALTIME_OTHER_SENT)[number] {
  return (REALTIME_OTHER_SENT as readonly string[]).includes(type);
}

/** The journal entry of a server event; audio deltas become kind `audio` with their length. */
export function sentEntry(event: ServerEvent, bytesPerMs: number): RealtimeInput {
  const { type } = event;
  switch (type) {
    case 'response.output_audio.delta': {
      const bytes = Buffer.byteLength(str(event['delta']), 'base64');
      return { direction: 'sent', kind: 'audio', data: { bytes, ms: bytes / bytesPerMs, itemId: str(event['item_id']), responseId: str(event['response_id']) } };
    }
    case 'input_audio_buffer.speech_started':
      return { direction: 'sent', kind: type, data: { audioStartMs: num(event['audio_start_ms']), itemId: str(event['item_id']) } };
    case 'input_audio_buffer.speech_stopped':
      return { direction: 'sent', kind: type, data: { audioEndMs: num(event['audio_end_ms']), itemId: str(event['item_id']) } };
    case 'conversation.item.truncated':
      return { direction: 'sent', kind: type, data: { itemId: str(event['item_id']), audioEndMs: num(event['audio_end_ms']) } };
    case 'error': {
      const error = isRecord(event['error']) ? event['error'] : {};
      return { direction: 'sent', kind: 'error', data: { code: strOrNull(error['code']), message: str(error['message']), param: strOrNull(error['param']), eventId: strOrNull(error['event_id']) } };
    }
    case 'response.created':
    case 'response.done': {
      const response = isRecord(event['response']) ? event['response'] : {};
      const details = response['status_details'];
      if (type === 'response.created') return { direction: 'sent', kind: type, data: { responseId: str(response['id']) } };
      return { direction: 'sent', kind: type, data: { responseId: str(response['id']), status: str(response['status']), reason: isRecord(details) ? strOrNull(details['reason']) : null } };
    }
    case 'session.created':
    case 'session.updated': {
      const session = isRecord(event['session']) ? event['session'] : {};
      const audio = isRecord(session['audio']) ? session['audio'] : {};
      const input = isRecord(audio['input']) ? audio['input'] : {};
      const output = isRecord(audio['output']) ? audio['output'] : {};
      const formatType = (f: unknown): string => (isRecord(f) ? str(f['type']) : '');
      const td = input['turn_detection'];
      return {
        direction: 'sent',
        kind: type,
        data: {
          sessionId: str(session['id']),
          model: str(session['model']),
          inputFormat: formatType(input['format']),
          outputFormat: formatType(output['format']),
          voice: str(output['voice']),
          turnDetection: isRecord(td) ? str(td['type']) : null,
        },
      };
    }
    default: {
      if (!isOtherSent(type)) throw new Error(`callbench mock: the Realtime event '${type}' has no journal entry type (add it to REALTIME_OTHER_SENT)`);
      const data = primitives(event, ['type', 'event_id']);
      const item = event['item'];
      if (isRecord(item)) {
        const content = Array.isArray(item['content']) ? item['content'] : [];
        const first: unknown = content[0];
        Object.assign(data, {
          item_id: strOrNull(item['id']),
          role: strOrNull(item['role']),
          status: strOrNull(item['status']),
          ...(isRecord(first) ? { content_type: strOrNull(first['type']), text: strOrNull(first['text'] ?? first['transcript']) } : {}),
        });
      }
      return { direction: 'sent', kind: type, data };
    }
  }
}

/** The journal entry of a client event the connection received (its type already read). */
export function receivedEntry(type: string, message: Record<string, unknown>, generatedMs: (itemId: unknown) => number | undefined, active: string | undefined): RealtimeInput {
  switch (type) {
    case 'input_audio_buffer.append':
      return { direction: 'received', kind: type, data: { bytes: typeof message['audio'] === 'string' ? Buffer.byteLength(message['audio'], 'base64') : 0 } };
    case 'conversation.item.truncate':
      return {
        direction: 'received',
        kind: type,
        data: { itemId: message['item_id'], contentIndex: message['content_index'], audioEndMs: message['audio_end_ms'], generatedMs: generatedMs(message['item_id']) },
      };
    case 'session.update': {
      const session = isRecord(message['session']) ? message['session'] : {};
      const audio = isRecord(session['audio']) ? session['audio'] : {};
      const input = isRecord(audio['input']) ? audio['input'] : {};
      const output = isRecord(audio['output']) ? audio['output'] : {};
      const td = isRecord(input['turn_detection']) ? input['turn_detection'] : undefined;
      const formatType = (f: unknown): unknown => (isRecord(f) ? f['type'] : f);
      return {
        direction: 'received',
        kind: type,
        data: {
          fields: Object.keys(session),
          type: session['type'],
          inputFormat: formatType(input['format']),
          outputFormat: formatType(output['format']),
          voice: output['voice'],
          turnDetection: input['turn_detection'] === null ? null : td?.['type'],
          silenceDurationMs: td?.['silence_duration_ms'],
          interruptResponse: td?.['interrupt_response'],
          createResponse: td?.['create_response'],
          instructionsChars: typeof session['instructions'] === 'string' ? session['instructions'].length : undefined,
          outputModalities: session['output_modalities'],
        },
      };
    }
    case 'response.create': {
      const r = isRecord(message['response']) ? message['response'] : {};
      return {
        direction: 'received',
        kind: type,
        data: { instructionsChars: typeof r['instructions'] === 'string' ? r['instructions'].length : undefined, outputModalities: r['output_modalities'], conversation: r['conversation'] },
      };
    }
    case 'response.cancel':
      return { direction: 'received', kind: type, data: { responseId: message['response_id'], active } };
    case 'conversation.item.create': {
      const item = isRecord(message['item']) ? message['item'] : {};
      const parts = Array.isArray(item['content']) ? item['content'].filter(isRecord) : [];
      return {
        direction: 'received',
        kind: type,
        data: { itemType: item['type'], role: item['role'], callId: item['call_id'], text: parts.map((p) => (typeof p['text'] === 'string' ? p['text'] : '')).join(' ') },
      };
    }
    default:
      if ((REALTIME_OTHER_RECEIVED as readonly string[]).includes(type)) return { direction: 'received', kind: type as (typeof REALTIME_OTHER_RECEIVED)[number], data: {} };
      return { direction: 'received', kind: 'unknown', data: { type } };
  }
}
