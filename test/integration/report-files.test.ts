/**
 * The report files of a real run: the reference agent, in-process on the mocks (instant profile),
 * greeting with one short sentence, one `question-hours-short` call (test/integration/scenarios: the
 * shipped `question` with a one-sentence answer) with `callAudio` on. The caller's tap keeps what it sent and received; the
 * report directory then holds every file, with calls/1/call.wav the call in stereo (the caller's
 * question on the left, the agent's greeting and answer on the right, each where the timeline
 * says it was played), calls/1/timeline.json the call's record, histograms.hlog and junit.xml
 * that read back, and $GITHUB_STEP_SUMMARY appended. Without `callAudio` (a `greeting` call) no audio is kept.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { XMLParser } from 'fast-xml-parser';
import wavefile from 'wavefile';
import { afterAll, describe, expect, it } from 'vitest';
import type { Utterance } from '../../harness/caller/utterance.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { evaluateThresholds, outcomeHistograms } from '../../harness/gate/evaluate.ts';
import { PROFILES } from '../../harness/mocks/profiles.ts';
import { createRunFold } from '../../harness/report/fold.ts';
import { createReportCollector } from '../../harness/report/report-collector.ts';
import { summarize } from '../../harness/report/summary.ts';
import { writeReports } from '../../harness/report/write-reports.ts';
import type { RunEvent } from '../../harness/runner/events.ts';
import { createReferenceAgentTarget } from '../../harness/runner/reference-agent.ts';
import type { PlannedScenario, RunPlan } from '../../harness/runner/run.ts';
import { startRun } from '../../harness/runner/start-run.ts';
import { loadFixture, loadScenario } from '../../harness/scenario/load.ts';
import { plannedTestScenario } from './helpers/test-scenarios.ts';

const { WaveFile } = wavefile;
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const clock = createSystemClock();
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function planned(name: string): Promise<PlannedScenario> {
  if (name === 'question-hours-short') return plannedTestScenario(name);
  const scenario = await loadScenario(path.join(ROOT, 'scenarios', `${name}.json`));
  const fixtures = new Map<string, Utterance>();
  for (const step of scenario.steps) if (step.type === 'say') fixtures.set(step.fixture, await loadFixture(path.join(ROOT, 'fixtures', 'utterances'), step.fixture));
  return { scenario, fixtures };
}

async function play(name: string, callAudio: boolean): Promise<{ events: RunEvent[]; dir: string; stepSummary: string; written: Awaited<ReturnType<typeof writeReports>> }> {
  const profile = PROFILES['instant'];
  if (profile === undefined) throw new Error('no instant profile');
  const plan: RunPlan = {
    scenarios: [await planned(name)],
    load: { model: 'closed', calls: 1, concurrency: 1 },
    profile,
    seed: 5,
    agent: createReferenceAgentTarget({ greeting: 'Hello, how can I help?' }),
    authToken: 'report-files-token',
    ...(callAudio ? { callAudio: true } : {}),
  };
  const run = startRun(plan, { clock });
  const events: RunEvent[] = [];
  const fold = createRunFold();
  const collector = createReportCollector();
  run.subscribe((event) => {
    events.push(event);
    fold.add(event);
    collector.add(event);
  });
  await run.result;
  const outcome = fold.outcome();
  const summary = summarize(outcome, '0.0.0-test', { resamples: 10 });
  const dir = await mkdtemp(path.join(tmpdir(), 'callbench-report-files-'));
  dirs.push(dir);
  const stepSummary = path.join(dir, 'step-summary.md');
  await writeFile(stepSummary, '# earlier step\n');
  const gate = evaluateThresholds([], summary, outcomeHistograms(outcome));
  const written = await writeReports(path.join(dir, 'report'), { outcome, summary, gate, targets: [], collection: collector.collection(), stepSummary });
  return { events, dir: path.join(dir, 'report'), stepSummary, written };
}

/** Fraction of 20 ms windows in [from, to) ms after `start` where the channel is not silent. */
function voicedShare(channel: Int16Array, fromMs: number, toMs: number): number {
  const from = Math.round(fromMs);
  const to = Math.round(toMs);
  let voiced = 0;
  let windows = 0;
  for (let ms = from; ms + 20 <= to; ms += 20) {
    windows++;
    let energy = 0;
    for (let i = ms * 8; i < (ms + 20) * 8; i++) energy = Math.max(energy, Math.abs(channel[i] ?? 0));
    if (energy > 500) voiced++;
  }
  return windows === 0 ? 0 : voiced / windows;
}

// The two runs are independent (each its own mocks and agent), and mostly wait on real-time calls: they run side by side.
describe.concurrent('the report files of a real run', { timeout: 90_000 }, () => {
  it('with callAudio: every file, and call.wav holds both sides where the timeline puts them', async () => {
    const { events, dir, stepSummary, written } = await play('question-hours-short', true);
    const ended = events.flatMap((e) => (e.type === 'call-ended' ? [e.call] : []));
    expect(ended).toHaveLength(1);
    const record = ended[0];
    if (record === undefined) throw new Error('no call');
    expect(record.state, record.state === 'failed' ? record.error : '').toBe('completed');
    // The tap saw every agent media message the timeline has, and a frame every 20 ms.
    const media = record.timeline.filter((e) => e.kind === 'agent_media');
    expect(record.audio?.received.length).toBe(media.length);
    expect(record.audio?.received.map((c) => c.mulaw.length)).toEqual(media.map((e) => (e.kind === 'agent_media' ? e.bytes : 0)));
    expect(record.audio?.sent.length).toBe(record.pacing?.framesSent);

    expect(written).toMatchObject({ files: ['report.html', 'summary.md', 'junit.xml', 'histograms.hlog'], calls: 1, audioCalls: 1, omittedCalls: 0, stepSummary: true });
    const summaryMd = await readFile(path.join(dir, 'summary.md'), 'utf8');
    expect(await readFile(stepSummary, 'utf8')).toBe(`# earlier step\n${summaryMd}\n`);

    const timeline = JSON.parse(await readFile(path.join(dir, 'calls', '1', 'timeline.json'), 'utf8')) as { origin: number; callSid: string; timeline: Array<{ kind: string }>; journal: unknown[] };
    expect(timeline.callSid).toBe(record.callSid);
    expect(timeline.timeline).toHaveLength(record.timeline.length);
    expect(timeline.journal.length).toBeGreaterThan(0);

    const wav = new WaveFile();
    wav.fromBuffer(await readFile(path.join(dir, 'calls', '1', 'call.wav')));
    expect(wav.fmt).toMatchObject({ numChannels: 2, sampleRate: 8000, bitsPerSample: 16 });
    const [left, right] = wav.getSamples(false, Int16Array) as unknown as [Int16Array, Int16Array];
    const utterance = record.timeline.find((e) => e.kind === 'utterance');
    if (utterance?.kind !== 'utterance') throw new Error('no utterance');
    const origin = timeline.origin;
    // The caller's question is on the left, voiced where the timeline says, and silence before it.
    expect(voicedShare(left, utterance.firstVoicedAt - origin + 40, utterance.lastVoicedAt - origin - 40)).toBeGreaterThan(0.5);
    expect(voicedShare(left, 0, 200)).toBe(0);
    // The agent's greeting and answer are on the right, where they played; nothing while the caller asked.
    const heard = media.flatMap((e) => (e.kind === 'agent_media' && e.audibleFrom !== undefined && e.audibleTo !== undefined ? [[e.audibleFrom - origin, e.audibleTo - origin] as const] : []));
    const answer = heard.filter(([from]) => from > utterance.lastVoicedAt - origin);
    expect(answer.length).toBeGreaterThan(0);
    const [answerFrom] = answer[0] ?? [0];
    expect(voicedShare(right, answerFrom, answerFrom + 400)).toBeGreaterThan(0.5);
    expect(voicedShare(right, utterance.firstVoicedAt - origin, utterance.lastVoicedAt - origin)).toBe(0);

    // The hlog reads back with the run's samples; junit parses with one `call` case.
    const hlog = await readFile(path.join(dir, 'histograms.hlog'), 'utf8');
    const reader = new hdr.HistogramLogReader(hlog);
    let responses = 0;
    for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) if (h.tag === 'turn.response_ms/question-hours-short') responses += h.totalCount;
    expect(responses).toBe(record.samples['turn.response_ms']?.length);
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(await readFile(path.join(dir, 'junit.xml'), 'utf8')) as { testsuites: { '@failures': string } };
    expect(junit.testsuites['@failures']).toBe('0');
    expect(await readFile(path.join(dir, 'report.html'), 'utf8')).toContain('<svg class="timeline"');
  });

  it('without callAudio: no audio kept, no call.wav', async () => {
    const { events, written } = await play('greeting', false);
    const record = events.flatMap((e) => (e.type === 'call-ended' ? [e.call] : []))[0];
    expect(record?.audio).toBeUndefined();
    expect(written).toMatchObject({ calls: 1, audioCalls: 0 });
  });
});
