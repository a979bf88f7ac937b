/**
 * Keeps credentials out of a capture. Every header, URL and frame passes through a Redactor before
 * the recorder keeps it: credential headers (Authorization, API-key headers, cookies, Twilio's
 * signature), credential query parameters (`token`, `key`, `api_key`, …), the key Deepgram takes as
 * a WebSocket subprotocol (`token, KEY`) and OpenAI's browser form (`openai-insecure-api-key.KEY`)
 * become `***`. Each value redacted so is also remembered, with the secrets the recorder was given
 * (the Twilio auth token), and scrubbed wherever it appears later: in a body, in a frame, in an echo.
 */

export const REDACTED = '***';

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'openai-api-key', 'cookie', 'set-cookie', 'x-twilio-signature']);
const SECRET_QUERY = /^(token|key|api[-_]?key|access[-_]?token|auth[-_]?token|client[-_]?secret|password|secret)$/i;
/** WebSocket subprotocols that are names, not credentials. */
const PLAIN_PROTOCOLS = new Set(['token', 'bearer', 'realtime', 'openai-beta.realtime-v1']);
const INSECURE_KEY_PROTOCOL = 'openai-insecure-api-key.';
/** `Bearer X`, `Token X`, `Basic X` in free text. */
const SCHEME_VALUE = /\b(Bearer|Token|Basic)(\s+)([A-Za-z0-9._~+/=-]{6,})/g;
/** Shorter values are too common to scrub from free text safely (they are still redacted where they were found). */
const MIN_SCRUB_CHARS = 6;

export interface Redactor {
  /** Remembers `secret` (a key or token the recorder knows of) so that it is scrubbed everywhere. */
  remember(secret: string): void;
  /** Headers with credential values replaced (and remembered). Multi-valued headers are joined with ', '. */
  headers(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string>;
  /** A URL (or path and query) with credential query values replaced. */
  url(url: string): string;
  /** WebSocket subprotocols with credentials replaced. */
  protocols(protocols: readonly string[]): string[];
  /** Free text (a body, a frame) with every remembered secret and `Bearer X`-style value replaced. */
  text(text: string): string;
}

export function createRedactor(secrets: readonly string[] = []): Redactor {
  const known = new Set<string>();
  const remember = (secret: string): void => {
    const value = secret.trim();
    if (value.length >= MIN_SCRUB_CHARS && value !== REDACTED) known.add(value);
  };
  for (const secret of secrets) remember(secret);

  /** A credential header value: the scheme is kept (`Bearer ***`), the rest remembered. */
  const credential = (value: string): string => {
    const match = /^(\s*[A-Za-z]+\s+)(.+)$/.exec(value);
    if (match?.[1] !== undefined && match[2] !== undefined && /^(bearer|token|basic)\s/i.test(match[1])) {
      remember(match[2]);
      return `${match[1]}${REDACTED}`;
    }
    remember(value);
    return REDACTED;
  };

  const scrub = (text: string): string => {
    let out = text.replace(SCHEME_VALUE, (_whole, scheme: string, gap: string, value: string) => {
      remember(value);
      return `${scheme}${gap}${REDACTED}`;
    });
    // Longest first, so a secret containing another is replaced whole.
    for (const secret of [...known].sort((a, b) => b.length - a.length)) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };

  return {
    remember,
    headers(headers) {
      const out: Record<string, string> = {};
      for (const [name, raw] of Object.entries(headers)) {
        if (raw === undefined) continue;
        const value = Array.isArray(raw) ? raw.join(', ') : raw;
        const lower = name.toLowerCase();
        if (SECRET_HEADERS.has(lower)) out[lower] = credential(value);
        else if (lower === 'sec-websocket-protocol') out[lower] = this.protocols(value.split(',').map((p) => p.trim())).join(', ');
        else out[lower] = scrub(value);
      }
      return out;
    },
    url(url) {
      const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
      let parsed: URL;
      try {
        parsed = new URL(url, 'http://relative.invalid');
      } catch {
        return scrub(url);
      }
      for (const [name, value] of [...parsed.searchParams]) {
        if (SECRET_QUERY.test(name)) {
          remember(value);
          parsed.searchParams.set(name, REDACTED);
        }
      }
      if (parsed.password !== '') {
        remember(decodeURIComponent(parsed.password));
        parsed.password = REDACTED;
      }
      const text = absolute ? parsed.toString() : `${parsed.pathname}${parsed.search}`;
      return scrub(text.replaceAll(encodeURIComponent(REDACTED), REDACTED));
    },
    protocols(protocols) {
      return protocols.map((protocol) => {
        if (PLAIN_PROTOCOLS.has(protocol.toLowerCase())) return protocol;
        if (protocol.startsWith(INSECURE_KEY_PROTOCOL)) {
          remember(protocol.slice(INSECURE_KEY_PROTOCOL.length));
          return `${INSECURE_KEY_PROTOCOL}${REDACTED}`;
        }
        // Any other subprotocol may be a credential (Deepgram's `token, KEY`): kept out.
        remember(protocol);
        return REDACTED;
      });
    },
    text: scrub,
  };
}
