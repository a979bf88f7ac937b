/** The TwiML that connects a call to the agent's media stream, built with the `twilio` library. */
import twilio from 'twilio';

/** Twilio: "The combined length of each <Parameter> name and value attributes must be under 500 characters". */
export const MAX_PARAMETER_CHARS = 499;

export interface StreamTwimlOptions {
  /** wss:// URL, no query string (Twilio does not support one). */
  streamUrl: string;
  /** Sent back verbatim in `start.customParameters`. Pairs over Twilio's size limit are left out. */
  parameters: Readonly<Record<string, string>>;
}

export function buildStreamTwiml(options: StreamTwimlOptions): string {
  const response = new twilio.twiml.VoiceResponse();
  const stream = response.connect().stream({ url: options.streamUrl });
  for (const [name, value] of Object.entries(options.parameters)) {
    if (name === '' || name.length + value.length > MAX_PARAMETER_CHARS) continue;
    stream.parameter({ name, value });
  }
  return response.toString();
}
