/** A `ws` message payload (Buffer, Buffer[] or ArrayBuffer) as one Buffer. */
import type { RawData } from 'ws';

export function rawDataToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
