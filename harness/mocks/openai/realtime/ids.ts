/**
 * Ids as the Realtime API shapes them: a prefix and 21 base62 characters
 * (`event_C9G5RJeJ2gF77mV7f2B1j`, `item_…`, `resp_…`, `conv_…`, `sess_…`).
 */
import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Bytes at or above this are rejected so every character is equally likely (248 = 4 × 62). */
const UNBIASED_LIMIT = 248;
export const ID_LENGTH = 21;

/** `length` random base62 characters. */
export function base62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < UNBIASED_LIMIT && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export type RealtimeIdKind = 'event' | 'item' | 'resp' | 'conv' | 'sess';

export function realtimeId(kind: RealtimeIdKind): string {
  return `${kind}_${base62(ID_LENGTH)}`;
}
