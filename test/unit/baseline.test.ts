/**
 * Baselines: the file read back and every way it can be wrong (each a field and what was
 * expected), whether a run's plan is comparable with the baseline's, and the comparison on
 * seeded samples: a planted shift is a regression, the same distribution is no change.
 */
import { describe, expect, it } from 'vitest';
import { compareToBaseline } from '../../harness/baseline/compare.ts';
import { BASELINE_FORMAT, BASELINE_VERSION, type Baseline } from '../../harness/baseline/format.ts';
import { checkBaselinePlan, type CurrentRun } from '../../harness/baseline/plan.ts';
import { parseBaseline } from '../../harness/baseline/read.ts';
import { createRng } from '../../harness/random.ts';

/** n log-normal draws around `median` ms (σ of the log 0.12: a seeded run's reply times spread about so), plus `shift` ms. */
function latencies(n: number, seed: number, median = 400, shift = 0): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const u = Math.max(rng(), 1e-12);
    return median * Math.exp(0.12 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng())) + shift;
  });
}

const MACHINE = { os: 'linux 6.1.0', arch: 'x64', cpus: { model: 'Test CPU', count: 2 }, totalMemoryBytes: 8 * 2 ** 30 };
const VERSIONS = { callbench: '0.1.0', node: '20.11.0', sdks: { openai: '6.49.0', '@deepgram/sdk': '5.13.0' } };

function baseline(): Baseline {
  return {
    format: BASELINE_FORMAT,
    version: BASELINE_VERSION,
    savedAt: '2026-01-01T00:00:00.000Z',
    plan: {
      scenarios: [{ name: 'greeting', digest: 'abc' }],
      profile: 'instant',
      seed: 1,
      load: { model: 'closed', calls: 20, concurrency: 1 },
      warmup: 0,
      agent: { kind: 'reference', design: 'text=sentence tts=ws playout=direct' },
    },
    versions: VERSIONS,
    machine: MACHINE,
    run: { startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1000, calls: 20, failedCalls: 0, warnings: [] },
    scenarios: { greeting: { calls: 20, failedCalls: 0, samples: { 'greeting.first_audio_ms': [10, 11] }, histograms: { 'greeting.first_audio_ms': 'HISTFAA' } } },
    histograms: {},
  };
}

describe('parseBaseline', () => {
  it('reads back what was written', () => {
    const read = parseBaseline(JSON.stringify(baseline()));
    expect(read).toEqual({ ok: true, baseline: baseline() });
  });

  it('refuses text that is not JSON, naming where', () => {
    const read = parseBaseline('{"format": ');
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.error).toMatchObject({ code: 'not_json', field: '' });
  });

  it('refuses a file that is not a baseline (a result.json, say)', () => {
    const read = parseBaseline(JSON.stringify({ metrics: {}, scenarios: {} }));
    expect(read).toEqual({ ok: false, error: { code: 'not_baseline', field: 'format', expected: 'expected "callbench-baseline": this is not a callbench baseline; save one with callbench run --save-baseline FILE' } });
  });

  it('refuses another format version, saying which it reads', () => {
    const read = parseBaseline(JSON.stringify({ ...baseline(), version: 2 }));
    expect(read).toEqual({
      ok: false,
      error: { code: 'version', field: 'version', expected: 'this callbench reads baseline format version 1, the file is version 2; save one with callbench run --save-baseline FILE with this callbench' },
    });
  });

  it('names the field of a wrong shape, and an unknown metric', () => {
    const noSeed = { ...baseline(), plan: { ...baseline().plan, seed: 'one' } };
    const read = parseBaseline(JSON.stringify(noSeed));
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.error.field).toBe('plan.seed');
    const unknown = baseline();
    (unknown.scenarios.greeting?.samples as Record<string, number[]>)['http_req_duration'] = [1];
    const bad = parseBaseline(JSON.stringify(unknown));
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.field).toBe('scenarios.greeting.samples.http_req_duration');
      expect(bad.error.expected).toMatch(/^is not a metric this callbench knows \(expected one of greeting\.first_audio_ms, /);
    }
  });

  it('refuses negative samples and a planned scenario with no entry', () => {
    const negative = baseline();
    (negative.scenarios.greeting as { samples: Record<string, number[]> }).samples['greeting.first_audio_ms'] = [-1];
    const read = parseBaseline(JSON.stringify(negative));
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.error.field).toBe('scenarios.greeting.samples.greeting.first_audio_ms.0');
    const missing = { ...baseline(), scenarios: {} };
    expect(parseBaseline(JSON.stringify(missing))).toEqual({ ok: false, error: { code: 'shape', field: 'scenarios.greeting', expected: 'is missing: the plan plays greeting' } });
  });
});

describe('checkBaselinePlan', () => {
  const current = (change: (run: CurrentRun) => void = () => {}): CurrentRun => {
    const b = baseline();
    const run: CurrentRun = { plan: structuredClone(b.plan), versions: structuredClone(b.versions), machine: structuredClone(b.machine) };
    change(run);
    return run;
  };
  const base = (): CurrentRun => ({ plan: baseline().plan, versions: VERSIONS, machine: MACHINE });

  it('finds the same plan comparable, with nothing to note', () => {
    expect(checkBaselinePlan(base(), current())).toEqual({ kind: 'comparable', notes: [] });
  });

  it('refuses another profile, seed, scenario set or content, load, or reference design', () => {
    const refused = (change: (run: CurrentRun) => void): string | undefined => {
      const check = checkBaselinePlan(base(), current(change));
      return check.kind === 'refused' ? check.code : undefined;
    };
    expect(refused((r) => (r.plan.profile = 'reference'))).toBe('profile');
    expect(refused((r) => (r.plan.seed = 2))).toBe('seed');
    expect(refused((r) => (r.plan.scenarios = [{ name: 'question', digest: 'abc' }]))).toBe('scenarios');
    expect(refused((r) => (r.plan.scenarios = [{ name: 'greeting', digest: 'changed' }]))).toBe('scenario-content');
    expect(refused((r) => (r.plan.load = { model: 'closed', calls: 20, concurrency: 4 }))).toBe('load');
    expect(refused((r) => (r.plan.agent = { kind: 'reference', design: 'text=full tts=rest rest-body=buffer playout=poll' }))).toBe('agent');
    expect(refused((r) => (r.plan.agent = { kind: 'command', command: 'node a.js' }))).toBe('agent');
    const check = checkBaselinePlan(base(), current((r) => (r.plan.profile = 'reference')));
    expect(check).toEqual({ kind: 'refused', code: 'profile', reason: 'the baseline used profile instant; this run uses reference' });
  });

  it('notes another machine, other versions, another calls count and another agent command in one line each', () => {
    const check = checkBaselinePlan(
      base(),
      current((r) => {
        r.machine.cpus = { model: 'Other CPU', count: 8 };
        r.versions.node = '22.1.0';
        r.plan.load = { model: 'closed', calls: 10, concurrency: 1 };
      }),
    );
    expect(check.kind).toBe('comparable');
    if (check.kind !== 'comparable') return;
    expect(check.notes.map((n) => n.code)).toEqual(['machine', 'versions', 'size']);
    expect(check.notes[0]?.message).toBe(
      'the baseline was measured on another machine (2 × Test CPU, 8.0 GiB, linux 6.1.0 x64) than this run (8 × Other CPU, 8.0 GiB, linux 6.1.0 x64): its figures may differ for that reason alone',
    );
    expect(check.notes[1]?.message).toBe("versions differ from the baseline's: node 20.11.0 → 22.1.0");
    expect(check.notes.every((n) => !n.message.includes('\n'))).toBe(true);
    const commands = checkBaselinePlan(
      { ...base(), plan: { ...baseline().plan, agent: { kind: 'command', command: 'node a.js' } } },
      current((r) => (r.plan.agent = { kind: 'command', command: 'SLOW=1 node a.js' })),
    );
    expect(commands.kind === 'comparable' && commands.notes.map((n) => n.code)).toEqual(['agent']);
  });
});

describe('compareToBaseline', () => {
  const samples = (seed: number, shift = 0): Record<string, Record<string, number[]>> => ({
    greeting: { 'greeting.first_audio_ms': latencies(30, seed, 300), 'turn.response_ms': latencies(30, seed + 1, 900, shift) },
    question: { 'turn.response_ms': latencies(30, seed + 2, 1000, shift), 'bargein.clear_ms': latencies(4, seed + 3, 30) },
  });

  it('calls a planted 150 ms shift a regression, in each scenario and over all', () => {
    const c = compareToBaseline(samples(1), samples(100, 150), { seed: 1 });
    const response = c.rows.filter((r) => r.metric === 'turn.response_ms');
    expect(response.map((r) => r.scenario)).toEqual(['greeting', 'question', undefined]);
    for (const r of response) {
      expect(r.verdict.kind).toBe('regressed');
      expect(r.p50?.diffCi[0]).toBeGreaterThan(0);
    }
    expect(c.rows.find((r) => r.metric === 'greeting.first_audio_ms')?.verdict.kind).toBe('no-change');
  });

  it('finds no significant change between two samples of one distribution, for many seeds', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const c = compareToBaseline(samples(seed), samples(seed + 500), { seed });
      expect(c.counts.regressed + c.counts.improved).toBe(0);
    }
  });

  it('calls an improvement an improvement', () => {
    const c = compareToBaseline(samples(1, 200), samples(100), { seed: 1 });
    expect(c.rows.find((r) => r.metric === 'turn.response_ms' && r.scenario === undefined)?.verdict.kind).toBe('improved');
  });

  it('gives no verdict with too few samples, and flags a metric that vanished', () => {
    const c = compareToBaseline(samples(1), samples(100), { seed: 1 });
    expect(c.rows.find((r) => r.metric === 'bargein.clear_ms')?.verdict).toEqual({ kind: 'too-few', needed: 10 });
    const gone = samples(100);
    delete (gone.question as Record<string, number[]>)['bargein.clear_ms'];
    expect(compareToBaseline(samples(1), gone, { seed: 1 }).rows.find((r) => r.metric === 'bargein.clear_ms')?.verdict).toEqual({ kind: 'vanished' });
  });

  it('does not call a significant shift under the noise floor a change', () => {
    // 3 ms on a 20 ms metric: a large effect, highly significant, and smaller than the harness's own drift between two runs.
    const base = { s: { 'agent.stt_to_llm_ms': latencies(200, 1, 20) } };
    const run = { s: { 'agent.stt_to_llm_ms': latencies(200, 2, 20, 3) } };
    const [row] = compareToBaseline(base, run, { seed: 1 }).rows;
    expect(row?.verdict).toMatchObject({ kind: 'no-change', why: 'below the noise floor' });
    const [strict] = compareToBaseline(base, run, { seed: 1, floorMs: 0, floorFraction: 0 }).rows;
    expect(strict?.verdict.kind).toBe('regressed');
  });
});
