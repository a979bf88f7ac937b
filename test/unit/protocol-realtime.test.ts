/** OpenAI Realtime server events as a client parses them at the socket edge. */
import { describe, expect, it } from 'vitest';
import { parseRealtimeServerEvent } from '../../harness/protocol/realtime.ts';

describe('parseRealtimeServerEvent', () => {
  it('types the events a client acts on, keeping the fields it needs', () => {
    expect(parseRealtimeServerEvent({ type: 'input_audio_buffer.speech_started', event_id: 'event_1', audio_start_ms: 1000, item_id: 'msg_003' })).toEqual({
      ok: true,
      value: { type: 'input_audio_buffer.speech_started', event_id: 'event_1', audio_start_ms: 1000, item_id: 'msg_003' },
    });
    const done = parseRealtimeServerEvent({
      type: 'response.done',
      event_id: 'event_2',
      response: { object: 'realtime.response', id: 'resp_1', status: 'cancelled', status_details: { type: 'cancelled', reason: 'turn_detected' }, output: [] },
    });
    expect(done).toMatchObject({ ok: true, value: { type: 'response.done', response: { id: 'resp_1', status: 'cancelled', status_details: { reason: 'turn_detected' } } } });
    expect(
      parseRealtimeServerEvent({ type: 'error', event_id: 'e', error: { type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found', param: null, event_id: null } }),
    ).toMatchObject({ ok: true, value: { type: 'error', error: { code: 'response_cancel_not_active' } } });
  });

  it('passes any other well-formed event as "other", so a new event type never breaks a call', () => {
    expect(parseRealtimeServerEvent({ type: 'rate_limits.updated', rate_limits: [] })).toEqual({ ok: true, value: { type: 'other', name: 'rate_limits.updated' } });
    expect(parseRealtimeServerEvent({ type: 'output_audio_buffer.started' })).toEqual({ ok: true, value: { type: 'other', name: 'output_audio_buffer.started' } });
  });

  it('refuses a known event without a field a client needs, and anything that is not an event, saying why', () => {
    expect(parseRealtimeServerEvent({ type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_1' })).toEqual({
      ok: false,
      error: expect.stringMatching(/^response\.output_audio\.delta: delta: /),
    });
    expect(parseRealtimeServerEvent([1, 2])).toEqual({ ok: false, error: 'not a JSON object' });
    expect(parseRealtimeServerEvent({ event_id: 'x' })).toEqual({ ok: false, error: 'type: expected a string' });
  });
});
