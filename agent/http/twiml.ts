/** The TwiML that connects a call to the agent's media stream, built with the `twilio` library. */
import twilio from 'twilio';

/** Twilio: "The combined length of each <Parameter> name and value attributes must be under 500 characters". */
export const MAX_PARAMETER_CHARS = 499;

export interface StreamTwimlOptions {
  /** wss:// URL, no query string (Twilio does not support one). */
  streamUrl: string;
  /**
   * Sent back in `start.customParameters`, verbatim but for characters XML forbids (dropped).
   * Pairs over Twilio's size limit are left out.
   */
  parameters: Readonly<Record<string, string>>;
}

/**
 * Characters XML 1.0 does not allow anywhere in a document, not even escaped: C0 controls other
 * than tab, LF and CR, lone surrogates, U+FFFE and U+FFFF. The twilio builder escapes markup but
 * passes these through, which gives TwiML no parser accepts.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** `text` without the characters XML 1.0 forbids. */
export function xmlSafe(text: string): string {
  return text.replace(NOT_XML_CHAR, '');
}

export function buildStreamTwiml(options: StreamTwimlOptions): string {
  const response = new twilio.twiml.VoiceResponse();
  const stream = response.connect().stream({ url: xmlSafe(options.streamUrl) });
  for (const [rawName, rawValue] of Object.entries(options.parameters)) {
    const name = xmlSafe(rawName);
    const value = xmlSafe(rawValue);
    if (name === '' || name.length + value.length > MAX_PARAMETER_CHARS) continue;
    stream.parameter({ name, value });
  }
  return response.toString();
}
