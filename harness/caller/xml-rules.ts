/**
 * Rules of XML 1.0 that fast-xml-parser does not enforce and Twilio's parser does, so the fake
 * Twilio reads hostile <Parameter> and <Say> text as Twilio would:
 * - characters outside XML's Char production (C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone
 *   surrogates) are not allowed anywhere, not even written as character references: a document
 *   holding one is not well-formed;
 * - a `&` must begin a reference (`&amp;`, `&#38;`, …) and an attribute value holds no `<`: the
 *   unescaped TwiML of REFERENCE-AGENTS §6 bug class 18, which fast-xml-parser reads happily;
 * - attribute-value normalisation: a literal tab, LF or CR inside an attribute value reads as a
 *   space (only a character reference such as `&#xA;` keeps it).
 */

/** Characters XML 1.0 never allows. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const CHAR_REF = /&#(x[0-9a-fA-F]+|[0-9]+);/g;

const codePoint = (n: number): string => `U+${n.toString(16).toUpperCase().padStart(4, '0')}`;

function allowed(n: number): boolean {
  return n === 0x9 || n === 0xa || n === 0xd || (n >= 0x20 && n <= 0xd7ff) || (n >= 0xe000 && n <= 0xfffd) || (n >= 0x10000 && n <= 0x10ffff);
}

/** Line and column (1-based) of offset `at` in `text`. */
function position(text: string, at: number): string {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return `line ${line}, column ${at - before.lastIndexOf('\n')}`;
}

/** Why `xml` breaks XML's character rule, or undefined when it does not. */
export function xmlCharError(xml: string): string | undefined {
  const raw = NOT_XML_CHAR.exec(xml);
  if (raw !== null) return `character ${codePoint(raw[0].codePointAt(0) ?? 0)} at ${position(xml, raw.index)} is not allowed in XML 1.0`;
  for (const ref of xml.matchAll(CHAR_REF)) {
    const body = ref[1] ?? '';
    const n = body.startsWith('x') ? Number.parseInt(body.slice(1), 16) : Number.parseInt(body, 10);
    if (!allowed(n)) return `character reference ${ref[0]} (${codePoint(n)}) at ${position(xml, ref.index)} is not allowed in XML 1.0`;
  }
  return undefined;
}

/** A stretch of a document: character data, an attribute value (quotes excluded), or markup passed over (tags' names, comments, CDATA, PIs, declarations). */
interface Segment {
  kind: 'text' | 'value' | 'other';
  start: number;
  end: number;
}

/** Cuts `xml` into segments, in order, covering all of it. */
function segments(xml: string): Segment[] {
  const out: Segment[] = [];
  let i = 0;
  const push = (kind: Segment['kind'], start: number, end: number): void => {
    if (end > start) out.push({ kind, start, end });
  };
  const skipTo = (end: string): void => {
    const j = xml.indexOf(end, i);
    const stop = j < 0 ? xml.length : j + end.length;
    push('other', i, stop);
    i = stop;
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) {
      push('text', i, xml.length);
      break;
    }
    push('text', i, lt);
    i = lt;
    if (xml.startsWith('<!--', i)) skipTo('-->');
    else if (xml.startsWith('<![CDATA[', i)) skipTo(']]>');
    else if (xml.startsWith('<?', i)) skipTo('?>');
    else if (xml.startsWith('<!', i)) skipTo('>');
    else {
      // A tag: quoted values may hold '>'.
      let from = i;
      let quote: string | undefined;
      for (; i < xml.length; i++) {
        const c = xml[i];
        if (quote !== undefined) {
          if (c !== quote) continue;
          push('value', from, i);
          from = i;
          quote = undefined;
        } else if (c === '"' || c === "'") {
          quote = c;
          push('other', from, i + 1);
          from = i + 1;
        } else if (c === '>') {
          i++;
          break;
        }
      }
      push(quote === undefined ? 'other' : 'value', from, i);
    }
  }
  return out;
}

/** The predefined entities and character references: all a TwiML document (no DTD) may use. */
const REFERENCE = /^&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/;

/**
 * Why `xml` breaks XML's markup rules that fast-xml-parser lets through, or undefined: a `&` that
 * does not begin a reference (write `&amp;`), a `<` inside an attribute value (write `&lt;`).
 */
export function xmlMarkupError(xml: string): string | undefined {
  for (const segment of segments(xml)) {
    if (segment.kind === 'other') continue;
    for (let i = segment.start; i < segment.end; i++) {
      const c = xml[i];
      if (c === '&' && !REFERENCE.test(xml.slice(i, i + 12))) return `'&' at ${position(xml, i)} begins no entity or character reference (an unescaped '&'; write &amp;)`;
      if (c === '<' && segment.kind === 'value') return `'<' at ${position(xml, i)} inside an attribute value (write &lt;)`;
    }
  }
  return undefined;
}

/**
 * `source` with every literal tab, LF and CR inside an attribute value replaced by a space (and CR
 * LF anywhere read as LF), as an XML processor reads it.
 */
export function normalizeAttributeWhitespace(source: string): string {
  // End-of-line handling comes first: CR LF and a lone CR read as LF.
  const xml = source.replace(/\r\n?/g, '\n');
  return segments(xml)
    .map((segment) => {
      const text = xml.slice(segment.start, segment.end);
      return segment.kind === 'value' ? text.replace(/[\t\n\r]/g, ' ') : text;
    })
    .join('');
}
