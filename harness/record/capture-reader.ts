/**
 * Reads a capture directory (capture-format.ts) and checks it whole before anything replays it:
 * the manifest's format and version, every file it lists present with its recorded sha256, both
 * WAV files 8 kHz μ-law mono, every JSON line of the shape its kind has. Any problem is an
 * InputError naming the file (and the field or line) and what is wrong: the CLI prints it as one
 * line and exits 2.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import wavefile from 'wavefile';
import type { z } from 'zod';
import { InputError } from '../scenario/errors.ts';
import { CAPTURE_FILES, CAPTURE_FORMAT, CAPTURE_VERSION, CaptureManifest, MANIFEST_FILE, TwilioLine, UpstreamLine, type Capture } from './capture-format.ts';

const { WaveFile } = wavefile;

async function readBytes(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(file, '', code === 'ENOENT' ? `is missing (${what})` : `cannot be read (${code ?? 'error'})`);
  }
}

function issueOf(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  if (issue === undefined) return { field: '', message: 'is invalid' };
  const where = issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path;
  return { field: where.map(String).join('.'), message: issue.code === 'unrecognized_keys' ? 'is not a field of this format' : issue.message };
}

/** The manifest, checked: its format name first, then its version (a newer one is refused before its fields are judged). */
export function parseManifest(file: string, text: string): CaptureManifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(file, '', `is not valid JSON (${(error as Error).message})`);
  }
  const record = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
  if (record?.['format'] !== CAPTURE_FORMAT) throw new InputError(file, 'format', `expected "${CAPTURE_FORMAT}": this is not a callbench capture manifest`);
  const version = record['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw new InputError(file, 'version', 'expected a whole number from 1');
  if (version > CAPTURE_VERSION) {
    throw new InputError(file, 'version', `is ${version}, newer than this callbench reads (${CAPTURE_VERSION}): replay it with the callbench that recorded it, or a newer one`);
  }
  const parsed = CaptureManifest.safeParse(data);
  if (!parsed.success) {
    const { field, message } = issueOf(parsed.error);
    throw new InputError(file, field, message);
  }
  return parsed.data;
}

/** The μ-law bytes of a capture WAV, which must be 8 kHz μ-law mono as the writer makes them. */
export function mulawOfWav(file: string, bytes: Uint8Array): Uint8Array {
  const wav = new WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (error) {
    throw new InputError(file, '', `is not a WAV file (${(error as Error).message})`);
  }
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number };
  if (fmt.audioFormat !== 7 || fmt.numChannels !== 1 || fmt.sampleRate !== 8000) {
    throw new InputError(file, '', `expected 8 kHz mu-law mono (as callbench record writes it), got format ${fmt.audioFormat}, ${fmt.numChannels} channel(s), ${fmt.sampleRate} Hz`);
  }
  const data = wav.data as { samples: Uint8Array };
  return Uint8Array.from(data.samples);
}

function parseLines<S extends z.ZodType>(file: string, bytes: Buffer, schema: S): Array<z.output<S>> {
  const out: Array<z.output<S>> = [];
  const lines = bytes.toString('utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch (error) {
      throw new InputError(file, `line ${i + 1}`, `is not valid JSON (${(error as Error).message})`);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const { field, message } = issueOf(parsed.error);
      throw new InputError(file, `line ${i + 1}${field === '' ? '' : ` ${field}`}`, message);
    }
    out.push(parsed.data);
  });
  return out;
}

/** Reads and checks the capture in `dir`; throws InputError for anything wrong with it. */
export async function readCapture(dir: string): Promise<Capture> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) throw new InputError(dir, '', 'no such capture directory');
  if (!info.isDirectory()) throw new InputError(dir, '', 'is not a directory: a capture is a directory holding capture.json (callbench record writes one)');
  const manifestFile = path.join(dir, MANIFEST_FILE);
  const manifest = parseManifest(manifestFile, (await readBytes(manifestFile, 'a capture directory holds capture.json; callbench record writes one')).toString('utf8'));
  const files = new Map<string, Buffer>();
  for (const name of CAPTURE_FILES) {
    const file = path.join(dir, name);
    const bytes = await readBytes(file, `capture.json lists it`);
    const expected = manifest.files[name];
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== expected.sha256) {
      throw new InputError(file, '', `sha256 ${actual.slice(0, 12)}… does not match capture.json (${expected.sha256.slice(0, 12)}…): the file changed after it was recorded`);
    }
    files.set(name, bytes);
  }
  const bytesOf = (name: (typeof CAPTURE_FILES)[number]): Buffer => files.get(name) ?? Buffer.alloc(0);
  return {
    dir,
    manifest,
    callerAudio: mulawOfWav(path.join(dir, 'caller.wav'), bytesOf('caller.wav')),
    agentAudio: mulawOfWav(path.join(dir, 'agent.wav'), bytesOf('agent.wav')),
    twilio: parseLines(path.join(dir, 'twilio.jsonl'), bytesOf('twilio.jsonl'), TwilioLine),
    upstream: parseLines(path.join(dir, 'upstream.jsonl'), bytesOf('upstream.jsonl'), UpstreamLine),
  };
}
