/** Reads what Twilio reads from a voice webhook's TwiML: the <Connect><Stream> and its <Parameter>s. */
import { XMLParser } from 'fast-xml-parser';

export interface StreamInstruction {
  url: string;
  parameters: Record<string, string>;
}

export type TwimlResult = { ok: true; value: StreamInstruction } | { ok: false; error: string };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => name === 'Parameter' || name === 'Stream' || name === 'Connect',
  parseAttributeValue: false,
  processEntities: true,
  // Attribute values are Twilio's verbatim (<Parameter> values reach customParameters as written).
  trimValues: false,
  // Also decodes numeric character references (&#xA; and the like, which twilio's own builder writes).
  htmlEntities: true,
});

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Parses TwiML and returns the bidirectional stream it asks for, with Twilio's own rules on the URL. */
export function parseStreamTwiml(xml: string): TwimlResult {
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch (error) {
    return { ok: false, error: `TwiML is not well-formed XML: ${(error as Error).message}` };
  }
  const response = record(record(doc)?.['Response']);
  if (response === undefined) return { ok: false, error: 'TwiML has no <Response> root' };
  const connect = Array.isArray(response['Connect']) ? record(response['Connect'][0]) : undefined;
  if (connect === undefined) return { ok: false, error: 'TwiML has no <Connect> (a bidirectional stream needs <Connect><Stream>)' };
  const stream = Array.isArray(connect['Stream']) ? record(connect['Stream'][0]) : undefined;
  const url = stream?.['url'];
  if (stream === undefined || typeof url !== 'string') return { ok: false, error: 'TwiML <Connect> has no <Stream url="...">' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, error: `Stream url is not an absolute URL: ${url} (Twilio error 31923)` };
  }
  if (parsed.protocol !== 'wss:') return { ok: false, error: `Stream url must use wss:// (Twilio error 31922), got ${url}` };
  if (parsed.search !== '') return { ok: false, error: `Stream url must not carry a query string (use <Parameter>), got ${url}` };
  const entries: Array<[string, string]> = [];
  const list = Array.isArray(stream['Parameter']) ? stream['Parameter'] : [];
  for (const item of list) {
    const param = record(item);
    const name = param?.['name'];
    const value = param?.['value'];
    if (typeof name === 'string') entries.push([name, typeof value === 'string' ? value : '']);
  }
  // fromEntries defines own properties, so a parameter named __proto__ is kept like any other.
  const parameters: Record<string, string> = Object.fromEntries(entries);
  return { ok: true, value: { url, parameters } };
}
