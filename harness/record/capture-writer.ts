/**
 * Writes a capture directory (capture-format.ts): the WAV and JSON-lines files first, then
 * capture.json with the sha256 and size of each, so a manifest on disk always describes files that
 * are complete. The caller's lines are written as they are given: redaction happens before
 * anything reaches the recorder (harness/record/redact.ts).
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeMulawWav } from '../audio/wav.ts';
import { CAPTURE_FORMAT, CAPTURE_VERSION, MANIFEST_FILE, type CaptureFile, type CaptureManifest, type TwilioLine, type UpstreamLine } from './capture-format.ts';

export interface CaptureContent {
  /** The manifest without what the writer fills in (format, version, files). */
  manifest: Omit<CaptureManifest, 'format' | 'version' | 'files'>;
  callerAudio: Uint8Array;
  agentAudio: Uint8Array;
  twilio: readonly TwilioLine[];
  upstream: readonly UpstreamLine[];
}

function jsonLines(lines: readonly unknown[]): Buffer {
  return Buffer.from(lines.map((line) => `${JSON.stringify(line)}\n`).join(''), 'utf8');
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Writes `content` into `dir` (created if need be); returns the manifest written. */
export async function writeCapture(dir: string, content: CaptureContent): Promise<CaptureManifest> {
  await mkdir(dir, { recursive: true });
  const bodies: Record<CaptureFile, Uint8Array> = {
    'caller.wav': writeMulawWav(content.callerAudio),
    'agent.wav': writeMulawWav(content.agentAudio),
    'twilio.jsonl': jsonLines(content.twilio),
    'upstream.jsonl': jsonLines(content.upstream),
  };
  for (const [name, bytes] of Object.entries(bodies)) await writeFile(path.join(dir, name), bytes);
  const facts = (name: CaptureFile): { sha256: string; bytes: number } => ({ sha256: sha256(bodies[name]), bytes: bodies[name].length });
  const manifest: CaptureManifest = {
    format: CAPTURE_FORMAT,
    version: CAPTURE_VERSION,
    ...content.manifest,
    files: { 'caller.wav': facts('caller.wav'), 'agent.wav': facts('agent.wav'), 'twilio.jsonl': facts('twilio.jsonl'), 'upstream.jsonl': facts('upstream.jsonl') },
  };
  await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
