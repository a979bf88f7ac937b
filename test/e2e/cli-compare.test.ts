/**
 * `callbench compare` as a user meets it: a variant flag the reference agent does not know, and
 * other bad variants, are one stderr line naming the variant, exit 2, before any call; `--matrix
 * tts` on one short call per variant (instant profile) gives REST against WebSocket TTS in one
 * table, in JSON and in the report folder's result.json and summary.md. Asserts the structure,
 * never the timing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Exit } from './helpers/callbench.ts';

function expectOneLine(result: Exit, line: string): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toBe(`${line}\n`);
}

describe('callbench compare with bad variants', { timeout: 60_000 }, () => {
  it('a flag the reference agent does not know: names the variant and the flag', async () => {
    expectOneLine(
      await runCli(['compare', '--variant', 'a=--tts rest', '--variant', 'b=--tts ws --fast']),
      "callbench: --variant b='--tts ws --fast': unknown flag '--fast' (a variant takes the reference agent's design flags, --agent-mode, --realtime-model, --voice, --vad-silence-ms, --no-call-header, --preset, --text, --tts, --rest-body, --playout, --barge-in, --reply-delay-ms, or --agent-cmd CMD). See 'callbench --help'.",
    );
  });

  it('a bad value, a design flag with --agent-cmd, one variant, a name given twice', async () => {
    expectOneLine(await runCli(['compare', '--variant', 'a=--tts rest', '--variant', 'b=--tts grpc']), "callbench: --variant b='--tts grpc': --tts expects one of ws, rest, got 'grpc'. See 'callbench --help'.");
    expectOneLine(
      await runCli(['compare', '--variant', 'a=', '--variant', `b=--agent-cmd 'node a.js' --tts ws`]),
      "callbench: --variant b='--agent-cmd 'node a.js' --tts ws': --tts configures the reference agent; it does not apply with --agent-cmd. See 'callbench --help'.",
    );
    expectOneLine(await runCli(['compare', '--variant', 'a=--tts rest']), "callbench: compare needs two or more variants: --matrix NAME, or --variant NAME='FLAGS' given twice or more. See 'callbench --help'.");
    expectOneLine(
      await runCli(['compare', '--matrix', 'tts', '--variant', 'ws=--tts ws']),
      "callbench: --variant: the name 'ws' is given twice (--matrix tts has rest, ws); give each variant its own name. See 'callbench --help'.",
    );
  });
});

describe('callbench compare --matrix tts, one short call per variant', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'callbench-compare-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('shows REST against WebSocket TTS: a column group per variant, the ratio of ws to rest, result.json and summary.md', async () => {
    const out = path.join(dir, 'report');
    const result = await runCli(['compare', '--matrix', 'tts', '--scenario', 'test/e2e/fixtures/short-turns.json', '--calls', '1', '--warmup', '0', '--profile', 'instant', '--json', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as {
      kind: string;
      matrix: string;
      scenarios: string[];
      load: { callsPerScenario: number; interleaved: boolean };
      variants: Array<{ name: string; flags: string; agent: string; summary: { scenarios: Record<string, { calls: number }> } }>;
      table: Array<{ metric: string; variants: Record<string, { count: number } | null>; ratios: Record<string, { kind: string }> }>;
    };
    expect(json).toMatchObject({ kind: 'compare', matrix: 'tts', scenarios: ['short-turns'], load: { callsPerScenario: 1, interleaved: true } });
    expect(json.variants.map((v) => [v.name, v.flags])).toEqual([
      ['rest', '--tts rest'],
      ['ws', '--tts ws'],
    ]);
    expect(json.variants[0]?.agent).toContain('tts=rest');
    expect(json.variants[1]?.agent).toContain('tts=ws');
    for (const v of json.variants) expect(v.summary.scenarios['short-turns']?.calls).toBe(1);
    const response = json.table.find((row) => row.metric === 'turn.response_ms');
    expect(Object.keys(response?.variants ?? {})).toEqual(['rest', 'ws']);
    expect(response?.variants['ws']?.count).toBeGreaterThan(0);
    // One call a side is too few for intervals and a test: the ratio is of the point estimates only.
    expect(response?.ratios['ws']?.kind).toBe('too-few');
    expect(json.table.some((row) => row.metric === 'tts.ttfb_ms')).toBe(true);
    expect(result.stderr).toContain('Report: ');

    const saved = JSON.parse(await readFile(path.join(out, 'result.json'), 'utf8')) as { kind: string };
    expect(saved.kind).toBe('compare');
    const markdown = await readFile(path.join(out, 'summary.md'), 'utf8');
    expect(markdown).toMatch(/^# callbench compare rest vs ws /);
    expect(markdown).toContain('| metric (all scenarios) | rest n | rest p50 (95% CI) | rest p95 (95% CI) | ws n | ws p50 (95% CI) | ws p95 (95% CI) | ws/rest p50 | ws/rest p95 | target |');
  });
});
