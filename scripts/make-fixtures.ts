/**
 * Writes the caller-utterance fixtures: fixtures/utterances/<name>.wav (8 kHz mono mu-law) and
 * <name>.json (text, duration, voiced spans). Speech comes from eSpeak NG (the `espeak-ng` WASM
 * build), so the fixtures are reproducible byte for byte from this file alone.
 *
 * Per phrase: espeak-ng writes a 22.05 kHz 16-bit WAV to its virtual FS; the samples are
 * resampled to 8 kHz, normalised to a fixed peak, trimmed to the audible part, mu-law encoded and
 * framed by exact digital silence, so the voiced spans the VAD finds are those of the voice alone.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  decodeMulaw,
  encodeMulaw,
  findVoicedSpans,
  MULAW_SILENCE,
  readWav,
  resample,
  SAMPLE_RATE,
  writeMulawWav,
  type PcmAudio,
} from '../harness/audio/index.ts';
import { FIXTURES_DIR } from '../harness/cli/paths.ts';

/** The caller's phrases: fixture name -> what is said. */
const PHRASES: ReadonlyArray<{ name: string; text: string }> = [
  { name: 'hours', text: 'What are your opening hours on Saturday?' },
  { name: 'book', text: 'I would like to book a table for two people tonight.' },
  { name: 'bye', text: 'Thank you, that is all. Goodbye.' },
  { name: 'uh-huh', text: 'Uh-huh.' },
  { name: 'wait-stop', text: 'Wait, stop, I have a different question.' },
  { name: 'weather', text: 'What is the weather like tomorrow?' },
  { name: 'yes', text: 'Yes, please.' },
  { name: 'no', text: 'No.' },
  { name: 'ok', text: 'OK.' },
];

const VOICE = 'en-us';
/**
 * espeak-ng's -s (nominal words per minute). Its default, 175, measures about 200 wpm over these
 * phrases (pauses included); 145 lands them in the 150-180 wpm of conversational speech.
 */
const ESPEAK_SPEED = 145;
/** Peak level of every fixture, dBFS. */
const PEAK_DBFS = -4;
const LEAD_SILENCE_MS = 200;
const TRAIL_SILENCE_MS = 300;
/** Conversational rate the fixtures must land in, words per minute over the voiced time. */
const WPM_RANGE = [150, 180] as const;

interface EspeakModule {
  FS: { readFile(path: string): Uint8Array };
}
type EspeakFactory = (options: {
  arguments: string[];
  print?: (line: string) => void;
  printErr?: (line: string) => void;
}) => Promise<EspeakModule>;

// The package ships no type declarations: import it through a string-typed specifier and type
// the one entry point used here.
const ESPEAK_PACKAGE: string = 'espeak-ng';
const espeakFactory = ((await import(ESPEAK_PACKAGE)) as { default: EspeakFactory }).default;

/** Runs the espeak-ng CLI once (a fresh WASM instance per call) and returns what it printed. */
async function runEspeak(args: string[]): Promise<{ module: EspeakModule; output: string[]; errors: string[] }> {
  const output: string[] = [];
  const errors: string[] = [];
  const module = await espeakFactory({
    arguments: args,
    print: (line) => output.push(line),
    // Emscripten notes on stderr, after every run, that it keeps the runtime alive: not an error.
    printErr: (line) => {
      if (!line.startsWith('program exited (with status: 0)')) errors.push(line);
    },
  });
  return { module, output, errors };
}

async function espeakVersion(): Promise<string> {
  const { output } = await runEspeak(['--version']);
  const match = /text-to-speech:\s*(\S+)/.exec(output.join('\n'));
  if (match?.[1] === undefined) throw new Error(`cannot read the espeak-ng version from: ${output.join(' ')}`);
  return match[1];
}

async function speak(text: string): Promise<PcmAudio> {
  const out = '/callbench-utterance.wav';
  const { module, errors } = await runEspeak(['-v', VOICE, '-s', String(ESPEAK_SPEED), '-w', out, text]);
  let wav: Uint8Array;
  try {
    wav = module.FS.readFile(out);
  } catch {
    throw new Error(`espeak-ng wrote no audio for ${JSON.stringify(text)}: ${errors.join(' ') || 'no message'}`);
  }
  return readWav(wav);
}

/** Prepends and appends `ms` of zeros, so the resampler's filter starts and ends at rest. */
function padZeros(audio: PcmAudio, ms: number): PcmAudio {
  const pad = Math.round((ms * audio.sampleRate) / 1000);
  const samples = new Int16Array(audio.samples.length + 2 * pad);
  samples.set(audio.samples, pad);
  return { sampleRate: audio.sampleRate, samples };
}

/** Scales to a peak of `peakDbfs`; deterministic (plain float arithmetic, rounded). */
function normalise(samples: Int16Array, peakDbfs: number): Int16Array {
  let peak = 0;
  for (const s of samples) peak = Math.max(peak, Math.abs(s));
  if (peak === 0) throw new Error('espeak-ng produced silence');
  const gain = (32767 * 10 ** (peakDbfs / 20)) / peak;
  return samples.map((s) => Math.max(-32768, Math.min(32767, Math.round(s * gain))));
}

/** The mu-law bytes between the first and last byte that do not decode to zero. */
function trimSilence(mulaw: Uint8Array): Uint8Array {
  const pcm = decodeMulaw(mulaw);
  let from = 0;
  while (from < pcm.length && pcm[from] === 0) from++;
  let to = pcm.length;
  while (to > from && pcm[to - 1] === 0) to--;
  return mulaw.subarray(from, to);
}

function withSilence(mulaw: Uint8Array, leadMs: number, trailMs: number): Uint8Array {
  const lead = (leadMs * SAMPLE_RATE) / 1000;
  const trail = (trailMs * SAMPLE_RATE) / 1000;
  const out = new Uint8Array(lead + mulaw.length + trail).fill(MULAW_SILENCE);
  out.set(mulaw, lead);
  return out;
}

/** Rounds ms to one sample at 8 kHz (0.125 ms). */
const toSample = (ms: number): number => Math.round((ms * SAMPLE_RATE) / 1000) / (SAMPLE_RATE / 1000);

function peakDbfs(pcm: Int16Array): number {
  let peak = 0;
  for (const s of pcm) peak = Math.max(peak, Math.abs(s));
  return 20 * Math.log10(peak / 32768);
}

const version = await espeakVersion();
await mkdir(FIXTURES_DIR, { recursive: true });
// Other files (hand-made or recorded utterances, or phrases since dropped from this list) are
// left alone, but named, so a stale one does not go unnoticed.
const generated = new Set(PHRASES.flatMap((p) => [`${p.name}.wav`, `${p.name}.json`]));
const others = (await readdir(FIXTURES_DIR)).filter((file) => /\.(wav|json)$/.test(file) && !generated.has(file));
if (others.length > 0) console.log(`not generated here, left as they are: ${others.join(', ')}`);

let totalWords = 0;
let totalVoicedMs = 0;
for (const { name, text } of PHRASES) {
  const speech = resample(padZeros(await speak(text), 100), SAMPLE_RATE);
  const mulaw = withSilence(trimSilence(encodeMulaw(normalise(speech.samples, PEAK_DBFS))), LEAD_SILENCE_MS, TRAIL_SILENCE_MS);
  const pcm = decodeMulaw(mulaw);
  const voiced = findVoicedSpans(pcm, SAMPLE_RATE).map((span) => ({ startMs: toSample(span.startMs), endMs: toSample(span.endMs) }));
  const first = voiced[0];
  const last = voiced[voiced.length - 1];
  if (first === undefined || last === undefined) throw new Error(`${name}: the VAD finds no voice`);
  const durationMs = mulaw.length / (SAMPLE_RATE / 1000);
  const sidecar = {
    name,
    text,
    sampleRate: SAMPLE_RATE,
    encoding: 'mulaw',
    durationMs,
    voiced,
    voice: VOICE,
    generator: `espeak-ng ${version}`,
  };
  await writeFile(path.join(FIXTURES_DIR, `${name}.wav`), writeMulawWav(mulaw));
  await writeFile(path.join(FIXTURES_DIR, `${name}.json`), `${JSON.stringify(sidecar, null, 2)}\n`);

  const words = text.split(/\s+/).length;
  const voicedMs = last.endMs - first.startMs;
  totalWords += words;
  totalVoicedMs += voicedMs;
  const spans = voiced.map((s) => `${s.startMs}-${s.endMs}`).join(', ');
  console.log(
    `${name.padEnd(10)} ${durationMs.toFixed(1).padStart(7)} ms  voiced [${spans}] ms  peak ${peakDbfs(pcm).toFixed(1)} dBFS  ${((words * 60000) / voicedMs).toFixed(0)} wpm  ${JSON.stringify(text)}`,
  );
}
const wpm = (totalWords * 60000) / totalVoicedMs;
console.log(`${PHRASES.length} fixtures in ${path.relative(process.cwd(), FIXTURES_DIR)}: espeak-ng ${version}, voice ${VOICE}, ${wpm.toFixed(0)} wpm overall`);
if (wpm < WPM_RANGE[0] || wpm > WPM_RANGE[1]) {
  throw new Error(`speaking rate ${wpm.toFixed(0)} wpm is outside ${WPM_RANGE[0]}-${WPM_RANGE[1]} wpm: adjust ESPEAK_SPEED`);
}
