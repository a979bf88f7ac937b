/**
 * Malformed Twilio media-stream traffic for fuzzing an agent, from a seeded generator
 * (harness/random.ts): the same seed gives the same connections and frames. A connection's plan
 * is a list of frames, perhaps with a valid `start` somewhere in it (so that the call goes live
 * and opens its upstream sockets), and how it ends: a clean close, an abrupt one, a `stop`, or,
 * on a raw TCP socket, a WebSocket frame cut off mid-way. The raw socket speaks just enough of
 * RFC 6455 (the upgrade, masked client frames) to send what the `ws` client never would.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export type FrameKind =
  | 'invalid_json'
  | 'unknown_event'
  | 'wrong_types'
  | 'huge_field'
  | 'wrong_stream'
  | 'binary'
  | 'media_before_start'
  | 'start_twice'
  | 'stop_other_stream'
  | 'empty_payload'
  | 'random_bytes'
  | 'noise_media'
  | 'unknown_mark'
  | 'start';

export interface FuzzFrame {
  kind: FrameKind;
  data: string | Buffer;
  /** A binary frame (otherwise text; a Buffer sent as text may not be UTF-8). */
  binary: boolean;
}

export type ConnectionEnd = 'close' | 'terminate' | 'stop' | 'truncated';

export interface ConnectionPlan {
  index: number;
  callSid: string;
  streamSid: string;
  frames: FuzzFrame[];
  end: ConnectionEnd;
}

type Rng = () => number;

const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const hex = (rng: Rng, n: number): string => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join('');
const bytes = (rng: Rng, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(rng() * 256)));
const text = (data: unknown): string => JSON.stringify(data);

function startMessage(callSid: string, streamSid: string): Record<string, unknown> {
  return {
    event: 'start',
    sequenceNumber: '1',
    streamSid,
    start: {
      accountSid: `AC${'0'.repeat(32)}`,
      streamSid,
      callSid,
      tracks: ['inbound'],
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      customParameters: {},
    },
  };
}

function media(streamSid: string, payload: string, n: number): Record<string, unknown> {
  return { event: 'media', sequenceNumber: String(n + 2), streamSid, media: { track: 'inbound', chunk: String(n), timestamp: String(n * 20), payload } };
}

/** One malformed (or, for `noise_media`, well-formed but meaningless) frame of `kind`. */
function frameOf(rng: Rng, kind: Exclude<FrameKind, 'start'>, plan: Pick<ConnectionPlan, 'callSid' | 'streamSid'>, n: number): FuzzFrame {
  const otherStream = `MZ${hex(rng, 32)}`;
  const t = (data: unknown): FuzzFrame => ({ kind, data: text(data), binary: false });
  switch (kind) {
    case 'invalid_json': {
      const whole = text(media(plan.streamSid, bytes(rng, 160).toString('base64'), n));
      return pick(rng, [
        { kind, data: whole.slice(0, int(rng, 0, whole.length - 1)), binary: false },
        { kind, data: `{'event': 'media'}`, binary: false },
        { kind, data: `${whole},`, binary: false },
        { kind, data: 'undefined', binary: false },
        { kind, data: '{"event":"media","media":{"payload":"\\x00"}}', binary: false },
      ]);
    }
    case 'unknown_event':
      return t(pick(rng, [{ event: 'hello' }, { event: 'MEDIA', streamSid: plan.streamSid }, { event: '' }, { noEvent: true }, { event: 'clear', streamSid: plan.streamSid }]));
    case 'wrong_types':
      return t(
        pick(rng, [
          { event: 42 },
          { event: 'media', streamSid: 7, media: { payload: 'AAAA' } },
          { event: 'media', streamSid: plan.streamSid, media: { track: 'inbound', chunk: 1, timestamp: 20, payload: 12345 } },
          { event: 'media', streamSid: plan.streamSid, media: null },
          { event: 'start', start: 'now' },
          { event: 'start', streamSid: plan.streamSid, start: { ...(startMessage(plan.callSid, plan.streamSid)['start'] as object), callSid: 99 } },
          { event: 'stop', streamSid: plan.streamSid, stop: [] },
          { event: 'mark', streamSid: plan.streamSid, mark: { name: { nested: true } } },
          { event: 'dtmf', streamSid: plan.streamSid, dtmf: { digit: 1 } },
          [1, 2, 3],
          null,
          'media',
        ]),
      );
    case 'huge_field':
      return t(
        pick(rng, [
          media(plan.streamSid, Buffer.alloc(int(rng, 100_000, 600_000), 0xff).toString('base64'), n),
          { event: 'media', streamSid: 'MZ'.padEnd(int(rng, 50_000, 200_000), 'x'), media: { track: 'inbound', chunk: '1', timestamp: '20', payload: 'AAAA' } },
          { event: 'mark', streamSid: plan.streamSid, mark: { name: 'm'.repeat(int(rng, 10_000, 300_000)) } },
          { event: 'start', streamSid: plan.streamSid, start: { ...(startMessage(`CA${'f'.repeat(int(rng, 70, 100_000))}`, plan.streamSid)['start'] as object) } },
          // Past the agent's 1 MiB message bound: the socket is closed (1009).
          media(plan.streamSid, Buffer.alloc(800_000, 0x7f).toString('base64'), n),
        ]),
      );
    case 'wrong_stream':
      return t(media(otherStream, bytes(rng, 160).toString('base64'), n));
    case 'binary':
      return { kind, data: bytes(rng, int(rng, 0, 400)), binary: true };
    case 'media_before_start':
      return t(media(plan.streamSid, bytes(rng, 160).toString('base64'), n));
    case 'start_twice':
      return t(startMessage(`CA${hex(rng, 32)}`, otherStream));
    case 'stop_other_stream':
      return t({ event: 'stop', sequenceNumber: String(n + 2), streamSid: otherStream, stop: { accountSid: `AC${'0'.repeat(32)}`, callSid: `CA${hex(rng, 32)}` } });
    case 'empty_payload':
      return t(media(plan.streamSid, pick(rng, ['', '=', '!!!!', '    ']), n));
    case 'random_bytes':
      // Sent as a text frame: usually not UTF-8, which a WebSocket server must refuse (1007).
      return { kind, data: bytes(rng, int(rng, 1, 300)), binary: false };
    case 'noise_media':
      return t(media(plan.streamSid, bytes(rng, 160).toString('base64'), n));
    case 'unknown_mark':
      return t({ event: 'mark', sequenceNumber: String(n + 2), streamSid: plan.streamSid, mark: { name: `never-sent-${n}` } });
  }
}

/** Weighted: the frames that keep a connection open are the common ones, the ones that close it rare. */
const BEFORE_START: ReadonlyArray<[Exclude<FrameKind, 'start'>, number]> = [
  ['invalid_json', 5],
  ['unknown_event', 4],
  ['wrong_types', 5],
  ['media_before_start', 6],
  ['binary', 2],
  ['empty_payload', 2],
  ['stop_other_stream', 2],
  ['unknown_mark', 2],
  ['random_bytes', 0.3],
  ['huge_field', 0.2],
];
const AFTER_START: ReadonlyArray<[Exclude<FrameKind, 'start'>, number]> = [
  ['invalid_json', 5],
  ['unknown_event', 4],
  ['wrong_types', 5],
  ['noise_media', 8],
  ['wrong_stream', 4],
  ['start_twice', 2],
  ['stop_other_stream', 3],
  ['empty_payload', 3],
  ['unknown_mark', 2],
  ['binary', 2],
  ['random_bytes', 0.3],
  ['huge_field', 0.2],
];

function weighted<T>(rng: Rng, table: ReadonlyArray<[T, number]>): T {
  const total = table.reduce((sum, [, w]) => sum + w, 0);
  let r = rng() * total;
  for (const [item, w] of table) {
    r -= w;
    if (r < 0) return item;
  }
  return (table[table.length - 1] as [T, number])[0];
}

/** The plan of connection `index`: `frames` frames, a start among them for most. */
export function planConnection(rng: Rng, index: number, frames: number): ConnectionPlan {
  const plan = { index, callSid: `CA${hex(rng, 32)}`, streamSid: `MZ${hex(rng, 32)}` };
  const startAt = rng() < 0.7 ? int(rng, 0, Math.min(frames - 1, 10)) : -1;
  const list: FuzzFrame[] = [];
  for (let n = 0; n < frames; n++) {
    if (n === startAt) {
      list.push({ kind: 'start', data: text(startMessage(plan.callSid, plan.streamSid)), binary: false });
      continue;
    }
    list.push(frameOf(rng, weighted(rng, startAt >= 0 && n > startAt ? AFTER_START : BEFORE_START), plan, n));
  }
  const end = weighted<ConnectionEnd>(rng, [
    ['close', 4],
    ['terminate', 3],
    ['stop', 2],
    ['truncated', 2],
  ]);
  return { ...plan, frames: list, end };
}

/** The `stop` a connection ending with 'stop' sends last. */
export function stopFrame(plan: ConnectionPlan): string {
  return text({ event: 'stop', sequenceNumber: '999999', streamSid: plan.streamSid, stop: { accountSid: `AC${'0'.repeat(32)}`, callSid: plan.callSid } });
}

// --- A raw WebSocket client: the upgrade by hand, then frames as bytes ---------------------------

/** One masked client frame (RFC 6455 §5.2): FIN set, `opcode` 1 text, 2 binary, 8 close. */
export function clientFrame(payload: Buffer, opcode: number): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const header = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : len < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65_536) {
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 126;
    header.writeUInt16BE(len, 2);
  } else if (len >= 65_536) {
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  const masked = Buffer.alloc(len);
  for (let i = 0; i < len; i++) masked[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([header, mask, masked]);
}

/** A TCP socket on which the upgrade to `path` has been answered 101 (rejects with the status line otherwise). */
export function rawUpgrade(port: number, path: string, headers: Record<string, string>): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const key = randomBytes(16).toString('base64');
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const lines = head.slice(0, end).split('\r\n');
      if (!/^HTTP\/1\.1 101 /.test(lines[0] ?? '') || !lines.some((l) => l.toLowerCase() === `sec-websocket-accept: ${accept.toLowerCase()}`)) {
        socket.destroy();
        reject(new Error(`upgrade refused: ${lines[0] ?? ''}`));
        return;
      }
      // Whatever the server sends from here on (frames, its close) is read and dropped.
      socket.on('data', () => undefined);
      resolve(socket);
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('connect', () => {
      const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`);
    });
  });
}
