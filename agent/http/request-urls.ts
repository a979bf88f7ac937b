/**
 * The two public URLs the agent has to know: the voice webhook (what Twilio signed) and the media
 * stream (what the TwiML points at, and what Twilio signs on the upgrade). Behind a proxy, set
 * `publicUrl`; otherwise they are built from the Host header and the scheme the request came in on.
 */

export const INCOMING_CALL_PATH = '/incoming-call';
export const MEDIA_STREAM_PATH = '/media-stream';

const HOST_HEADER = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The Host header if it is a plain host[:port], else undefined (it ends up in the TwiML). */
export function cleanHost(host: string | undefined): string | undefined {
  return host !== undefined && HOST_HEADER.test(host) ? host : undefined;
}

/** The path of a request target, without its query ('/' when absent or unparsable). */
export function requestPath(target: string | undefined): string {
  try {
    return new URL(target ?? '/', 'http://agent.invalid').pathname;
  } catch {
    return '/';
  }
}

/** The query of a request target as sent, with its `?` ('' when there is none): part of what Twilio signs. */
export function requestQuery(target: string | undefined): string {
  const at = target?.indexOf('?') ?? -1;
  return target === undefined || at < 0 ? '' : target.slice(at);
}

/** The public URL's path prefix without a trailing slash ('' for none). */
function prefixOf(url: URL): string {
  return url.pathname.replace(/\/+$/, '');
}

function swapScheme(url: URL, map: Record<string, string>): string {
  return map[url.protocol] ?? url.protocol;
}

/** The wss:// media-stream URL for the TwiML, or undefined when it cannot be known. */
export function mediaStreamUrl(publicUrl: URL | null, host: string | undefined): string | undefined {
  if (publicUrl !== null) {
    const scheme = swapScheme(publicUrl, { 'https:': 'wss:', 'http:': 'ws:' });
    return `${scheme}//${publicUrl.host}${prefixOf(publicUrl)}${MEDIA_STREAM_PATH}`;
  }
  const clean = cleanHost(host);
  return clean === undefined ? undefined : `wss://${clean}${MEDIA_STREAM_PATH}`;
}

/** The webhook URL as Twilio requested (and signed) it, or undefined when it cannot be known. */
export function webhookUrl(publicUrl: URL | null, host: string | undefined, encrypted: boolean, target: string): string | undefined {
  if (publicUrl !== null) {
    const scheme = swapScheme(publicUrl, { 'wss:': 'https:', 'ws:': 'http:' });
    return `${scheme}//${publicUrl.host}${prefixOf(publicUrl)}${target}`;
  }
  const clean = cleanHost(host);
  return clean === undefined ? undefined : `${encrypted ? 'https' : 'http'}://${clean}${target}`;
}
