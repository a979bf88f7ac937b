/**
 * The hosts the fake Twilio treats as this machine. A local agent has no certificate, so its
 * wss:// stream and https:// <Play> audio are reached over plain ws:// and http://.
 */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

/** `url` as the fake Twilio connects to it: wss → ws and https → http on a loopback host when `plain`. */
export function plainOnLoopback(url: URL, plain: boolean): URL {
  const target = new URL(url);
  if (!plain || !isLoopbackHost(url.hostname)) return target;
  if (target.protocol === 'wss:') target.protocol = 'ws:';
  else if (target.protocol === 'https:') target.protocol = 'http:';
  return target;
}
