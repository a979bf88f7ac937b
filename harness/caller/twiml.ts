/**
 * Reads TwiML as Twilio does: the verbs in document order, the <Connect><Stream> that opens the
 * bidirectional media stream (with its <Parameter>s and Twilio's rules on the URL), what comes
 * before it (played first: Twilio dials the stream only once those verbs are done) and what comes
 * after it (run by Twilio only once the stream ends). What the fake Twilio does not do is named in
 * one note line; a verb that makes the stream impossible fails the document.
 */
import { XMLParser } from 'fast-xml-parser';
import { normalizeAttributeWhitespace, xmlCharError, xmlMarkupError } from './xml-rules.ts';

export interface StreamInstruction {
  url: string;
  parameters: Record<string, string>;
}

export type TwimlVerb =
  | {
      verb: 'Say';
      /** The text spoken: entities decoded, the text of any SSML inside, whitespace collapsed. */
      text: string;
      voice: string | undefined;
      language: string | undefined;
      /** Times the text is spoken (≥ 1 before <Connect>; 0 means "until the call ends"). */
      loop: number;
      /** True when the <Say> held SSML elements (read here as their text only). */
      ssml: boolean;
    }
  | { verb: 'Pause'; lengthS: number }
  | { verb: 'Play'; url: string; loop: number }
  | { verb: 'Connect'; stream: StreamInstruction }
  /** Anything the fake Twilio does not play: <Gather>, <Dial>, <Start><Stream>, unknown elements, ... */
  | { verb: 'Other'; name: string; label: string };

export interface TwimlDocument {
  /** Every verb of the <Response>, in document order, the <Connect> included. */
  verbs: readonly TwimlVerb[];
  /** The verbs before the <Connect>: Twilio runs them, in order, before it dials the stream. */
  before: readonly TwimlVerb[];
  stream: StreamInstruction;
  /** The verbs after the <Connect>: Twilio runs them only once the stream has ended; never played here. */
  after: readonly TwimlVerb[];
  /** One line naming what the fake Twilio skips or does not run, if anything. */
  note: string | undefined;
}

export type TwimlResult = { ok: true; value: TwimlDocument } | { ok: false; error: string };

const parser = new XMLParser({
  // Document order matters (a <Say> before <Connect> plays first): keep elements as an ordered list.
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  // Say text stays text ("007" is not the number 7).
  parseTagValue: false,
  processEntities: true,
  // Attribute values are Twilio's verbatim (<Parameter> values reach customParameters as written).
  trimValues: false,
  // Also decodes numeric character references (&#xA; and the like, which twilio's own builder writes).
  htmlEntities: true,
});

/** TwiML voice verbs (Twilio's reference); any other element is named as not a TwiML verb. */
const KNOWN_VERBS = new Set(['Connect', 'Dial', 'Echo', 'Enqueue', 'Gather', 'Hangup', 'Leave', 'Pause', 'Pay', 'Play', 'Record', 'Redirect', 'Refer', 'Reject', 'Say', 'Sms', 'Start', 'Stop']);

/** Verbs that, before <Connect>, end the call or leave this document: the stream would never open. */
const ENDS_BEFORE_CONNECT = new Map([
  ['Hangup', 'Twilio would hang up before the stream opens'],
  ['Reject', 'Twilio would reject the call before the stream opens'],
  ['Redirect', 'Twilio would leave this document for another and never reach this <Connect> (the fake Twilio does not follow redirects)'],
]);

const ATTRIBUTES = ':@';
const TEXT = '#text';

/** One element of the ordered parse: `{ Name: children, ':@': attributes }` or `{ '#text': string }`. */
type OrderedNode = Record<string, unknown>;

function nodesOf(value: unknown): OrderedNode[] {
  return Array.isArray(value) ? value.filter((v): v is OrderedNode => typeof v === 'object' && v !== null && !Array.isArray(v)) : [];
}

function nameOf(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ATTRIBUTES);
}

function attributesOf(node: OrderedNode): Record<string, unknown> {
  const attributes = node[ATTRIBUTES];
  return typeof attributes === 'object' && attributes !== null ? (attributes as Record<string, unknown>) : {};
}

function attribute(node: OrderedNode, name: string): string | undefined {
  const value = attributesOf(node)[name];
  return typeof value === 'string' ? value : undefined;
}

function childrenOf(node: OrderedNode): OrderedNode[] {
  const name = nameOf(node);
  return name === undefined || name === TEXT ? [] : nodesOf(node[name]);
}

/** The text inside an element, its descendants' included (SSML inside <Say>). */
function textOf(node: OrderedNode): string {
  const own = node[TEXT];
  if (typeof own === 'string') return own;
  return childrenOf(node).map(textOf).join('');
}

/** A whole number attribute: `fallback` when absent, an error line when not a whole number ≥ `min`. */
function wholeNumber(node: OrderedNode, verb: string, name: string, fallback: number, min: number): number | string {
  const raw = attribute(node, name);
  if (raw === undefined) return fallback;
  const trimmed = raw.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < min) return `TwiML <${verb} ${name}="${raw}">: ${name} must be a whole number ≥ ${min}`;
  return Number(trimmed);
}

function readStream(connect: OrderedNode): { ok: true; value: StreamInstruction } | { ok: false; error: string } {
  const children = childrenOf(connect).filter((child) => nameOf(child) !== TEXT);
  const stream = children.find((child) => nameOf(child) === 'Stream');
  if (stream === undefined) {
    const other = children[0] === undefined ? undefined : nameOf(children[0]);
    const holds = other === undefined ? '' : ` (it holds <${other}>; the fake Twilio opens only media streams)`;
    return { ok: false, error: `TwiML <Connect> has no <Stream url="...">${holds}` };
  }
  const url = attribute(stream, 'url');
  if (url === undefined) return { ok: false, error: 'TwiML <Connect> has no <Stream url="...">' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, error: `Stream url is not an absolute URL: ${url} (Twilio error 31923)` };
  }
  if (parsed.protocol !== 'wss:') return { ok: false, error: `Stream url must use wss:// (Twilio error 31922), got ${url}` };
  if (parsed.search !== '') return { ok: false, error: `Stream url must not carry a query string (use <Parameter>), got ${url}` };
  const entries: Array<[string, string]> = [];
  for (const param of childrenOf(stream)) {
    if (nameOf(param) !== 'Parameter') continue;
    const name = attribute(param, 'name');
    if (name !== undefined) entries.push([name, attribute(param, 'value') ?? '']);
  }
  // fromEntries defines own properties, so a parameter named __proto__ is kept like any other.
  const parameters: Record<string, string> = Object.fromEntries(entries);
  return { ok: true, value: { url, parameters } };
}

/** One verb element, read; `connected` says whether the stream's <Connect> has already been read. */
function readVerb(node: OrderedNode, name: string, connected: boolean): TwimlVerb | string {
  switch (name) {
    case 'Say': {
      const loop = wholeNumber(node, 'Say', 'loop', 1, 0);
      if (typeof loop === 'string') return loop;
      const ssml = childrenOf(node).some((child) => nameOf(child) !== TEXT);
      const text = textOf(node).replace(/\s+/g, ' ').trim();
      return { verb: 'Say', text, voice: attribute(node, 'voice'), language: attribute(node, 'language'), loop, ssml };
    }
    case 'Pause': {
      const lengthS = wholeNumber(node, 'Pause', 'length', 1, 1);
      return typeof lengthS === 'string' ? lengthS : { verb: 'Pause', lengthS };
    }
    case 'Play': {
      if (attribute(node, 'digits') !== undefined) return { verb: 'Other', name, label: '<Play digits> (DTMF tones)' };
      const loop = wholeNumber(node, 'Play', 'loop', 1, 0);
      if (typeof loop === 'string') return loop;
      const url = textOf(node).trim();
      if (url === '') return 'TwiML <Play> has no URL';
      return { verb: 'Play', url, loop };
    }
    case 'Connect': {
      // A second <Connect> runs only after the first one's stream has ended: not read here.
      if (connected) return { verb: 'Other', name, label: '<Connect>' };
      const stream = readStream(node);
      return stream.ok ? { verb: 'Connect', stream: stream.value } : stream.error;
    }
    case 'Start': {
      const streams = childrenOf(node).some((child) => nameOf(child) === 'Stream');
      return { verb: 'Other', name, label: streams ? '<Start><Stream> (unidirectional; not opened)' : '<Start>' };
    }
    default:
      return { verb: 'Other', name, label: KNOWN_VERBS.has(name) ? `<${name}>` : `<${name}> (not a TwiML verb)` };
  }
}

function labelOf(verb: TwimlVerb): string {
  return verb.verb === 'Other' ? verb.label : `<${verb.verb}>`;
}

/** Distinct labels, in order of first appearance. */
function labels(verbs: readonly TwimlVerb[]): string {
  return [...new Set(verbs.map(labelOf))].join(', ');
}

function noteFor(before: readonly TwimlVerb[], after: readonly TwimlVerb[]): string | undefined {
  const parts: string[] = [];
  const skipped = before.filter((verb) => verb.verb === 'Other');
  if (skipped.length > 0) parts.push(`skips ${labels(skipped)} before <Connect>`);
  if (before.some((verb) => verb.verb === 'Say' && verb.ssml)) parts.push('reads the SSML inside <Say> as plain text');
  if (after.length > 0) parts.push(`does not run ${labels(after)} after <Connect> (Twilio runs them once the stream ends)`);
  return parts.length === 0 ? undefined : `TwiML: the fake Twilio ${parts.join('; ')}`;
}

/** Parses a voice webhook's TwiML into its verbs and the bidirectional stream it asks for. */
export function parseTwiml(xml: string): TwimlResult {
  const broken = xmlCharError(xml) ?? xmlMarkupError(xml);
  if (broken !== undefined) return { ok: false, error: `TwiML is not well-formed XML: ${broken}` };
  let doc: unknown;
  try {
    doc = parser.parse(normalizeAttributeWhitespace(xml), true);
  } catch (error) {
    return { ok: false, error: `TwiML is not well-formed XML: ${(error as Error).message}` };
  }
  const root = nodesOf(doc).find((node) => nameOf(node) === 'Response');
  if (root === undefined) return { ok: false, error: 'TwiML has no <Response> root' };

  const verbs: TwimlVerb[] = [];
  let connectAt = -1;
  for (const node of childrenOf(root)) {
    const name = nameOf(node);
    if (name === undefined || name === TEXT) continue;
    const connected = connectAt >= 0;
    const ends = connected ? undefined : ENDS_BEFORE_CONNECT.get(name);
    if (ends !== undefined) return { ok: false, error: `TwiML <${name}> before <Connect>: ${ends}` };
    const verb = readVerb(node, name, connected);
    if (typeof verb === 'string') return { ok: false, error: verb };
    if (!connected && (verb.verb === 'Say' || verb.verb === 'Play') && verb.loop === 0) {
      return { ok: false, error: `TwiML <${verb.verb} loop="0"> before <Connect> repeats until the call ends: the stream would never open` };
    }
    if (verb.verb === 'Connect') connectAt = verbs.length;
    verbs.push(verb);
  }
  const connect = verbs[connectAt];
  if (connect?.verb !== 'Connect') {
    const unidirectional = verbs.some((verb) => verb.verb === 'Other' && verb.name === 'Start') ? ' (<Start><Stream> is unidirectional)' : '';
    return { ok: false, error: `TwiML has no <Connect> (a bidirectional stream needs <Connect><Stream>)${unidirectional}` };
  }
  const before = verbs.slice(0, connectAt);
  const after = verbs.slice(connectAt + 1);
  return { ok: true, value: { verbs, before, stream: connect.stream, after, note: noteFor(before, after) } };
}
