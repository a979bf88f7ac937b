/**
 * The 44-byte RIFF/WAVE header that opens a streamed WAV body (`container=wav`): PCM (format 1),
 * A-law (6) or mu-law (7), mono. The sizes are exact because the mock knows the audio's length
 * before it sends the first byte.
 */
import type { SpeakEncoding } from './speak-ws.ts';

const FORMAT: Record<SpeakEncoding, number> = { linear16: 1, alaw: 6, mulaw: 7 };

export function wavStreamHeader(encoding: SpeakEncoding, sampleRate: number, dataBytes: number): Buffer {
  const bytesPerSample = encoding === 'linear16' ? 2 : 1;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(FORMAT[encoding], 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * bytesPerSample, 28);
  header.writeUInt16LE(bytesPerSample, 32);
  header.writeUInt16LE(bytesPerSample * 8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}
