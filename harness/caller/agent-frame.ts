/**
 * One WebSocket frame from the agent, read as Twilio reads it: a binary frame (warning 31950), a
 * message that is not JSON, of an unknown event or of the wrong shape (31951), a media, mark or
 * clear for another stream (31951 too, but its own fault: the agent latched the wrong streamSid,
 * or sent none), or a valid message of this stream.
 */
import { parseAgentToTwilio, type AgentToTwilio } from '../protocol/twilio.ts';

export type AgentFrame =
  | { kind: 'binary' }
  | { kind: 'invalid'; error: string; what: string }
  | { kind: 'foreign'; event: 'media' | 'mark' | 'clear'; streamSid: string | null }
  | { kind: 'message'; message: AgentToTwilio };

const EVENTS = new Set(['media', 'mark', 'clear']);

export function readAgentFrame(text: string | undefined, streamSid: string): AgentFrame {
  if (text === undefined) return { kind: 'binary' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { kind: 'invalid', what: 'text', error: `invalid message (Twilio warning 31951): not JSON: ${JSON.stringify(text.slice(0, 80))}` };
  }
  const event = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>)['event'] : undefined;
  if (typeof event !== 'string' || !EVENTS.has(event)) {
    const what = typeof event === 'string' ? event.slice(0, 40) : 'text';
    const why = typeof event === 'string' ? `unknown event ${JSON.stringify(event.slice(0, 40))} (an agent sends media, mark or clear)` : 'no "event" field';
    return { kind: 'invalid', what, error: `invalid message (Twilio warning 31951): ${why}` };
  }
  const sid = (data as Record<string, unknown>)['streamSid'];
  if (sid !== streamSid) return { kind: 'foreign', event: event as 'media' | 'mark' | 'clear', streamSid: typeof sid === 'string' && sid !== '' ? sid : null };
  const parsed = parseAgentToTwilio(text);
  if (!parsed.ok) return { kind: 'invalid', what: event, error: `invalid ${event} message (Twilio warning 31951): ${parsed.error}` };
  return { kind: 'message', message: parsed.value };
}

/** The frame in a word, for what arrived before `start` or after `stop`. */
export function frameWhat(frame: AgentFrame): string {
  switch (frame.kind) {
    case 'binary':
      return 'binary';
    case 'invalid':
      return frame.what;
    case 'foreign':
      return frame.event;
    case 'message':
      return frame.message.event;
  }
}
