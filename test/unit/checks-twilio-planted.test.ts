/**
 * The Twilio-side checks proven on planted bugs: a small agent (helpers/planted-agent.ts) called
 * through runScenarioCall exactly as a run calls it, once conforming and once with each fault of
 * REFERENCE-AGENTS §6 switched on. The conforming agent passes every check on a hostile scenario
 * (delayed start, injected messages, hostile webhook values, late mark echoes, two barge-ins);
 * each planted bug fails the check that exists for it, with evidence. The calls run at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Utterance } from '../../harness/caller/utterance.ts';
import { evaluateCallChecks } from '../../harness/checks/call-checks.ts';
import type { CheckId, CheckVerdict } from '../../harness/checks/check.ts';
import { TWILIO_CHECKS } from '../../harness/checks/catalogue/twilio.ts';
import { createSystemClock } from '../../harness/clock.ts';
import { computeCallMetrics } from '../../harness/metrics/call-metrics.ts';
import { runScenarioCall, type ScenarioCallOutcome } from '../../harness/runner/run-scenario-call.ts';
import type { Scenario, ScenarioStep } from '../../harness/scenario/schema.ts';
import { startPlantedAgent, type PlantedAgent, type PlantedBug } from './helpers/planted-agent.ts';

const clock = createSystemClock();
const TOKEN = 'planted-token';

/** Caller audio that is never digital silence, voiced throughout. */
function utterance(id: string, ms: number): Utterance {
  const audio = new Uint8Array(ms * 8);
  for (let i = 0; i < audio.length; i++) audio[i] = (i * 37 + id.length) % 0x7f;
  return { id, text: id, audio, voiced: [{ startMs: 0, endMs: ms }] };
}
const fixtures = new Map(['q', 'stop', 'again', 'uh-huh'].map((id) => [id, utterance(id, id === 'uh-huh' ? 300 : 700)]));

const greet: ScenarioStep = { type: 'wait_for_agent', quietMs: 300, timeoutMs: 10_000 };
const answered: ScenarioStep = { type: 'wait_for_agent', quietMs: 300, timeoutMs: 15_000 };
const hangup: ScenarioStep = { type: 'hangup' };
const heard = (playedMs: number): ScenarioStep => ({ type: 'wait_for_agent_audio', playedMs, timeoutMs: 10_000 });
const say = (fixture: string, expect?: 'reply' | 'interrupt' | 'ignore'): ScenarioStep => ({ type: 'say', fixture, ...(expect === undefined ? {} : { expect }) });
const scenario = (name: string, steps: ScenarioStep[], twilio?: Scenario['twilio']): Scenario => ({ name, description: name, steps, ...(twilio === undefined ? {} : { twilio }) });

const HOSTILE_FROM = 'client:Zoë & "Bo" <admin>\u0007';
/** Two barge-ins, the first clear's echoes held back until the second reply has queued its marks. */
const staleMarks = scenario('stale-marks', [greet, say('q'), heard(600), say('stop'), heard(1500), say('again'), answered, hangup], { markEcho: 'late' });
const injectAll: ScenarioStep = { type: 'inject', messages: ['unknown-event', 'malformed-json', 'binary', 'foreign-media', 'foreign-stop'] };
const robust = scenario('robust', [greet, say('q'), heard(500), injectAll, answered, say('again'), answered, hangup]);
const hostile = scenario('hostile', [greet, say('q'), heard(600), injectAll, say('stop'), heard(1500), say('again'), answered, hangup], {
  startDelayMs: 500,
  markEcho: 'late',
  webhookParams: { From: HOSTILE_FROM },
});

interface Case {
  bugs: PlantedBug[];
  scenario: Scenario;
}

const CASES = {
  conforming: { bugs: ['echo-from-into-twiml'], scenario: hostile },
  'pop-any-mark': { bugs: ['pop-any-mark'], scenario: staleMarks },
  'pop-any-mark, prompt echoes': { bugs: ['pop-any-mark'], scenario: { ...staleMarks, twilio: { markEcho: 'prompt' } } },
  'greet-on-connect': { bugs: ['greet-on-connect'], scenario: scenario('late-start', [greet, hangup], { startDelayMs: 500 }) },
  // Only the media: this agent would take the other stream's stop for its own too, and hang up.
  'latch-new-sid': { bugs: ['latch-new-sid'], scenario: scenario('foreign-media', [greet, { type: 'inject', messages: ['foreign-media'] }, say('again'), answered, hangup]) },
  'close-on-unknown': { bugs: ['close-on-unknown'], scenario: robust },
  'stop-any-stream': { bugs: ['stop-any-stream'], scenario: robust },
  'forward-metadata': { bugs: ['forward-metadata'], scenario: scenario('greeting', [greet, hangup]) },
  'talk-after-stop': { bugs: ['talk-after-stop'], scenario: scenario('question', [greet, say('q'), answered, hangup]) },
  'double-clear': { bugs: ['double-clear'], scenario: scenario('barge-in', [greet, say('q'), heard(500), say('stop'), answered, hangup]) },
  'no-barge-in': { bugs: ['no-barge-in'], scenario: scenario('barge-in', [greet, say('q'), heard(500), say('stop'), answered, hangup]) },
  'speech-barge-in on a backchannel': { bugs: [], scenario: scenario('backchannel', [greet, say('q'), heard(500), say('uh-huh', 'ignore'), answered, hangup]) },
  'echo-from-into-twiml-raw': { bugs: ['echo-from-into-twiml-raw'], scenario: scenario('hostile-from', [greet, hangup], { webhookParams: { From: HOSTILE_FROM } }) },
} satisfies Record<string, Case>;
type CaseName = keyof typeof CASES;

interface Judged {
  outcome: ScenarioCallOutcome;
  verdicts: Map<CheckId, CheckVerdict>;
}

const judged = new Map<CaseName, Judged>();
const agents: PlantedAgent[] = [];

async function play(name: CaseName): Promise<void> {
  const { bugs, scenario: played } = CASES[name];
  const agent = await startPlantedAgent({ bugs, replyMs: 6000 });
  agents.push(agent);
  const outcome = await runScenarioCall({ clock, scenario: played, fixtures, webhookUrl: agent.webhookUrl, authToken: TOKEN, script: undefined });
  const events = outcome.result?.timeline.events ?? [];
  const verdicts = evaluateCallChecks({ events, metrics: computeCallMetrics(events), journal: [], mocks: false });
  judged.set(name, { outcome, verdicts: new Map(verdicts.map((v) => [v.id, v])) });
}

beforeAll(async () => {
  await Promise.all((Object.keys(CASES) as CaseName[]).map(play));
}, 90_000);
afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
});

function verdictOf(name: CaseName, id: CheckId): CheckVerdict {
  const verdict = judged.get(name)?.verdicts.get(id);
  if (verdict === undefined) throw new Error(`no verdict of ${id} for ${name}`);
  return verdict;
}
const evidence = (name: CaseName, id: CheckId): string => verdictOf(name, id).evidence.join('\n');

describe('a conforming agent on a hostile Twilio', () => {
  it('passes every Twilio-side check', () => {
    const { outcome } = judged.get('conforming') ?? {};
    expect(outcome?.error).toBeUndefined();
    for (const id of Object.keys(TWILIO_CHECKS) as CheckId[]) {
      expect(verdictOf('conforming', id), id).toMatchObject({ status: 'passed' });
    }
    // The late echoes did arrive, after the second reply had queued its marks.
    const events = outcome?.result?.timeline.events ?? [];
    expect(events.some((e) => e.kind === 'mark_echo' && e.late === true)).toBe(true);
  });
});

describe('each planted bug fails its check', () => {
  it('bug 13: one mark name everywhere and pop-any accounting, under late echoes, misses the second barge-in', () => {
    expect(verdictOf('pop-any-mark', 'turn.expected').status).toBe('failed');
    expect(evidence('pop-any-mark', 'turn.expected')).toMatch(/^'again' \(expected: interrupt, by default\): spoken over agent audio from [\d.]+ s, and no clear came before the hang-up at [\d.]+ s: a missed barge-in$/m);
    expect(evidence('pop-any-mark', 'marks.tied-to-audio')).toMatch(/mark name 'responsePart' sent \d+ times in the greeting/);
    expect(evidence('pop-any-mark', 'marks.tied-to-audio')).toMatch(/stale echo\(es\) \('responsePart'\) arrived late, from [\d.]+ s, after a clear; then 'again' spoke over agent audio at [\d.]+ s and got no clear/);
    // With Twilio's prompt echoes the same agent gets away with it: the late echoes are what expose it.
    expect(verdictOf('pop-any-mark, prompt echoes', 'turn.expected').status).toBe('passed');
  });

  it('bug 3: a greeting sent on connect, before a delayed start', () => {
    expect(evidence('greet-on-connect', 'twilio.nothing-before-start')).toMatch(/^\d+ messages \(media ×\d+, mark ×\d+\), from [\d.]+ s to [\d.]+ s before start \(start was sent \d+ ms after connected\)$/);
  });

  it("bug 1: a process-wide streamSid that another stream's first message overwrites", () => {
    expect(evidence('latch-new-sid', 'twilio.stream-sid')).toMatch(/^media with streamSid MZ[0-9a-f]{32} \(the other stream's, from the injected messages\)/);
  });

  it('A1: an agent that closes the stream on a message it cannot read, or hangs up on another stream\'s stop', () => {
    expect(evidence('close-on-unknown', 'twilio.robust-parsing')).toMatch(/^the agent closed the stream \(code 1011\) at [\d.]+ s, \d+ ms after the injection of /);
    expect(evidence('stop-any-stream', 'twilio.robust-parsing')).toMatch(/^the agent closed the stream \(code 1000\) at [\d.]+ s, \d+ ms after the injection of a stop of another stream/);
  });

  it('bug 16: a JSON control frame forwarded as audio, which is not counted as the greeting', () => {
    expect(evidence('forward-metadata', 'twilio.audio-format')).toMatch(/^media at [\d.]+ s \(\d+ bytes\): payload is JSON, not audio/);
    const events = judged.get('forward-metadata')?.outcome.result?.timeline.events ?? [];
    const [metadata, first] = events.filter((e) => e.kind === 'agent_media');
    expect(metadata).toMatchObject({ audibleFrom: undefined });
    const start = events.find((e) => e.kind === 'start_sent');
    expect(computeCallMetrics(events).samples['greeting.first_audio_ms']).toEqual([(first?.kind === 'agent_media' ? (first.audibleFrom ?? NaN) : NaN) - (start?.t ?? NaN)]);
  });

  it('bug 4: an agent that goes on talking after stop', () => {
    expect(evidence('talk-after-stop', 'twilio.quiet-after-stop')).toMatch(/^\d+ messages \(media ×\d+, mark ×\d+\), from [\d.]+ s to [\d.]+ s after the stop sent at [\d.]+ s, the socket still open$/);
  });

  it('C12: two clears for one interruption', () => {
    expect(evidence('double-clear', 'bargein.one-clear')).toMatch(/^'stop' \(first voiced sample at [\d.]+ s\): 2 clears, at [\d.]+ s, [\d.]+ s$/);
  });

  it('bug 7: no barge-in at all (a talk-over the turn classification lets pass)', () => {
    expect(evidence('no-barge-in', 'turn.expected')).toMatch(/^'stop' \(expected: interrupt, by default\): spoken over agent audio from [\d.]+ s, and no clear came before the hang-up at [\d.]+ s: a missed barge-in$/);
  });

  it('bug 15: a backchannel that stops the agent', () => {
    expect(evidence('speech-barge-in on a backchannel', 'turn.expected')).toMatch(/^'uh-huh' \(expected: ignore\): the agent stopped for it: clear at [\d.]+ s, \d+ ms after its first voiced sample/);
  });

  it('bug 18: a hostile From written into TwiML unescaped: no TwiML Twilio can run, and the call is still judged', () => {
    const { outcome } = judged.get('echo-from-into-twiml-raw') ?? {};
    expect(outcome?.error).toMatch(/^TwiML is not well-formed XML: /);
    expect(evidence('echo-from-into-twiml-raw', 'twiml.valid')).toMatch(/^the webhook answered no TwiML Twilio can run: TwiML is not well-formed XML: .*; the webhook carried hostile From values, which TwiML must escape$/);
  });
});
