/**
 * An inaudible per-call mark in the caller's audio, so the mocks can tell which call a stream of
 * audio belongs to without any help from the agent. The caller writes a repeating 64-bit codeword
 * into the least significant bit of every μ-law byte it sends, silence included: one quantisation
 * step of G.711, about −72 dBFS on silence, far below anything a listener or a VAD hears. Agents that
 * forward Twilio's μ-law untouched (to Deepgram, or as Realtime `audio/pcmu`) pass it on byte for
 * byte; an agent that decodes to linear16 at 8 kHz keeps it too (μ-law decode then encode is exact),
 * and one that upsamples by sample repetition or linear interpolation keeps every k-th sample, which
 * the reader tries at each phase. A real resampler loses it: then the mocks fall back on what the
 * audio says (the energy-envelope match in ../mocks/script.ts).
 *
 * Codeword, most significant bit first: 16-bit sync, 24-bit call token, 8-bit utterance number
 * (0 between utterances), 16-bit CRC-16/CCITT of the 4 payload bytes. The reader scans every bit
 * position (the agent may cut or drop bytes anywhere) and reports a call once two valid codewords
 * with the same token have been seen: a false report needs two 32-bit coincidences.
 */
import alawmulaw from 'alawmulaw';

/**
 * Two kinds of mark, told apart by their sync word: the caller's (which call is speaking) and the
 * mocks' on the speech they synthesise (which upstream connection made the audio the caller hears).
 */
export const MARK_SYNC = 0xb5c3;
export const SOURCE_MARK_SYNC = 0x5ac3;
export const MARK_BITS = 64;
export const MAX_CALL_TOKEN = 0xffffff;

export interface CallMark {
  /** The call's token (1 … MAX_CALL_TOKEN), assigned by the mocks' call book. */
  token: number;
  /** The utterance being said (1 … 255, cycling), or 0 between utterances. */
  utterance: number;
}

function crc16(bytes: readonly number[]): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The 64 bits of a codeword, most significant first. */
export function codewordBits(mark: CallMark, sync = MARK_SYNC): Uint8Array {
  const payload = [(mark.token >>> 16) & 0xff, (mark.token >>> 8) & 0xff, mark.token & 0xff, mark.utterance & 0xff];
  const words = [sync, (payload[0]! << 8) | payload[1]!, (payload[2]! << 8) | payload[3]!, crc16(payload)];
  const bits = new Uint8Array(MARK_BITS);
  for (let i = 0; i < MARK_BITS; i++) bits[i] = (words[i >> 4]! >>> (15 - (i & 15))) & 1;
  return bits;
}

export interface MarkWriter {
  /** Writes the mark into a copy of `frame` (μ-law bytes) carrying utterance number `utterance`. */
  mark(frame: Uint8Array, utterance: number): Uint8Array;
}

/**
 * Marks one call's outgoing μ-law stream. The bit position runs on across frames; a change of
 * utterance number takes effect at the next codeword boundary, so every codeword is whole.
 */
export function createMarkWriter(token: number, sync = MARK_SYNC): MarkWriter {
  if (!Number.isInteger(token) || token < 1 || token > MAX_CALL_TOKEN) throw new RangeError(`call token must be 1…${MAX_CALL_TOKEN}, got ${token}`);
  let position = 0;
  let current = 0;
  let bits = codewordBits({ token, utterance: 0 }, sync);
  return {
    mark(frame, utterance) {
      const out = new Uint8Array(frame.length);
      for (let i = 0; i < frame.length; i++) {
        if (position === 0 && utterance !== current) {
          current = utterance;
          bits = codewordBits({ token, utterance }, sync);
        }
        out[i] = ((frame[i] ?? 0) & 0xfe) | (bits[position] ?? 0);
        position = (position + 1) % MARK_BITS;
      }
      return out;
    },
  };
}

/** Scans a stream of least significant bits for codewords. */
class BitScanner {
  private hi = 0;
  private lo = 0;
  private count = 0;
  private lastToken: number | undefined;
  confirmed: number | undefined;
  latest: CallMark | undefined;
  /** Called once per token, the first time two codewords in a row agree on it. */
  onConfirmed: ((token: number) => void) | undefined;
  private readonly seen = new Set<number>();

  constructor(private readonly sync: number) {}

  push(bit: number): void {
    this.hi = ((this.hi << 1) | (this.lo >>> 31)) >>> 0;
    this.lo = ((this.lo << 1) | bit) >>> 0;
    if (++this.count < MARK_BITS || this.hi >>> 16 !== this.sync) return;
    const payload = [(this.hi >>> 8) & 0xff, this.hi & 0xff, (this.lo >>> 24) & 0xff, (this.lo >>> 16) & 0xff];
    if (crc16(payload) !== (this.lo & 0xffff)) return;
    const token = (payload[0]! << 16) | (payload[1]! << 8) | payload[2]!;
    if (token === 0) return;
    this.latest = { token, utterance: payload[3]! };
    if (this.lastToken === token) {
      this.confirmed ??= token;
      if (!this.seen.has(token)) {
        this.seen.add(token);
        this.onConfirmed?.(token);
      }
    }
    this.lastToken = token;
  }
}

/**
 * Reads every source mark in a stream of μ-law (the agent's audio as the caller receives it, made of
 * several sources one after another: the speech of one speak socket, then another's, then a REST
 * request's): `onSource` is called once per source token, when it is first confirmed.
 */
export function createSourceMarkReader(onSource: (token: number) => void): { push(bytes: Uint8Array): void } {
  const scanner = new BitScanner(SOURCE_MARK_SYNC);
  scanner.onConfirmed = onSource;
  return {
    push(bytes) {
      for (const byte of bytes) scanner.push(byte & 1);
    },
  };
}

export type MarkEncoding = 'mulaw' | 'linear16';

export interface MarkReader {
  /** Feeds received audio bytes (any chunking). */
  push(bytes: Uint8Array): void;
  /** The call token, once two codewords agree on it. */
  readonly token: number | undefined;
  /** The latest valid codeword on the confirmed path (its utterance number follows the speech). */
  readonly latest: CallMark | undefined;
}

/**
 * Reads the mark from audio as an agent forwarded it: μ-law at 8 kHz, or linear16 at 8 kHz or a
 * multiple of it (each phase of the decimation scanned on its own).
 */
export function createMarkReader(encoding: MarkEncoding, sampleRate: number): MarkReader {
  const factor = encoding === 'linear16' && sampleRate % 8000 === 0 && sampleRate >= 8000 ? sampleRate / 8000 : encoding === 'mulaw' ? 1 : 0;
  const scanners = Array.from({ length: Math.max(factor, 1) }, () => new BitScanner(MARK_SYNC));
  let sampleIndex = 0;
  let carry: number | undefined;
  const winner = (): BitScanner | undefined => scanners.find((s) => s.confirmed !== undefined);
  return {
    push(bytes) {
      if (factor === 0) return;
      if (encoding === 'mulaw') {
        const scanner = scanners[0]!;
        for (const byte of bytes) scanner.push(byte & 1);
        return;
      }
      let i = 0;
      if (carry !== undefined && bytes.length > 0) {
        const sample = ((bytes[0]! << 8) | carry) << 16 >> 16;
        carry = undefined;
        scanners[sampleIndex++ % factor]!.push(alawmulaw.mulaw.encodeSample(sample) & 1);
        i = 1;
      }
      for (; i + 1 < bytes.length; i += 2) {
        const sample = ((bytes[i + 1]! << 8) | bytes[i]!) << 16 >> 16;
        scanners[sampleIndex++ % factor]!.push(alawmulaw.mulaw.encodeSample(sample) & 1);
      }
      if (i < bytes.length) carry = bytes[i];
    },
    get token() {
      return winner()?.confirmed;
    },
    get latest() {
      const scanner = winner();
      return scanner?.latest?.token === scanner?.confirmed ? scanner?.latest : undefined;
    },
  };
}
