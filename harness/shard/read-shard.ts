/**
 * Reading a shard's report folder back for `callbench merge`: its result.json (a run made with
 * `--shard i/n`, so with `shard` and `forMerge`: shard-part.ts) and its histograms.hlog
 * (hlog-read.ts). Only the fields the merge reads are checked; every problem is one
 * ShardReadError naming the file, the field and what was expected. Nothing here throws or prints.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { METRIC_NAMES } from '../metrics/definitions.ts';
import type { RunSummary } from '../report/summary.ts';
import { readHistogramLog, type HlogLine } from '../report/hlog-read.ts';
import { describeJsonError } from '../scenario/json-syntax.ts';
import type { Shard } from './shard.ts';
import type { ShardPart } from './shard-part.ts';

/** A shard's result.json as the merge reads it. */
export type ShardResult = RunSummary & { shard: Shard; forMerge: ShardPart };

export interface ShardReport {
  /** The folder as given on the command line. */
  dir: string;
  result: ShardResult;
  hlog: HlogLine[];
}

export interface ShardReadError {
  /** The file at fault, as the user wrote its folder (`shard-1/result.json`). */
  file: string;
  /** Dotted (`scenarios.greeting.calls`); '' for the file as a whole. */
  field: string;
  expected: string;
}

export type ShardRead = { ok: true; report: ShardReport } | { ok: false; error: ShardReadError };

const count = z.number().int().nonnegative();
const metricName = z.enum(METRIC_NAMES as [string, ...string[]]);
const checkSummary = z.looseObject({
  severity: z.enum(['error', 'warning']),
  status: z.enum(['passed', 'failed', 'skipped']),
  checked: count,
  failed: count,
  skipped: count,
  skipReasons: z.array(z.object({ reason: z.string(), calls: count })),
  evidence: z.array(z.object({ scenario: z.string(), call: z.number().int().positive(), line: z.string() })),
});
const checks = z.record(z.string(), checkSummary);

const ShardShape = z.looseObject({
  callbench: z.looseObject({ version: z.string() }),
  startedAt: z.string().refine((s) => Number.isFinite(Date.parse(s)), 'an ISO 8601 time'),
  durationMs: z.number().nonnegative(),
  profile: z.string(),
  seed: z.number().int().nonnegative(),
  agent: z.string(),
  partial: z.literal(true).optional(),
  stopped: z.looseObject({ reason: z.enum(['interrupted', 'agent-exited']), message: z.string() }).optional(),
  shard: z.object({ index: z.number().int().positive(), count: z.number().int().positive() }).refine((s) => s.index <= s.count, 'index ≤ count'),
  load: z.looseObject({ started: count, scheduled: count.optional(), dropped: z.looseObject({ late: count, maxInFlight: count }).optional() }),
  warmup: z.object({ calls: count, failedCalls: count }),
  scenarios: z.record(
    z.string(),
    z.looseObject({
      calls: count,
      failedCalls: count,
      stoppedCalls: count.optional(),
      droppedCalls: count,
      warmupCalls: count,
      unansweredTurns: count,
      turns: z.record(z.string(), count),
      greetings: z.object({ stream: count, twiml: count }),
      errors: z.array(z.string()),
      checks,
    }),
  ),
  checks,
  pacing: z.looseObject({ framesSent: count }),
  eventLoop: z
    .object({ resolutionMs: z.number().positive(), samples: count, delayMs: z.object({ p50: z.number(), p90: z.number(), p99: z.number(), max: z.number(), mean: z.number() }) })
    .nullable(),
  attribution: z
    .object({ byMethod: z.record(z.string(), count), untied: count, byService: z.record(z.string(), z.object({ tied: count, untied: count })) })
    .nullable(),
  refusals: z.array(z.object({ service: z.string(), line: z.string(), count, calls: count, untied: count })),
  twimlNotes: z.array(z.string()),
  forMerge: z.object({
    plan: z.looseObject({
      scenarios: z.array(z.object({ name: z.string().min(1), digest: z.string().min(1) })).min(1),
      profile: z.string(),
      seed: z.number(),
      load: z.looseObject({ model: z.string() }),
      warmup: count,
      agent: z.looseObject({ kind: z.string() }),
    }),
    samples: z.record(z.string(), z.partialRecord(metricName, z.array(z.number().finite().nonnegative()))),
    pacing: z.string().min(1),
  }),
});

export async function readShard(dir: string): Promise<ShardRead> {
  const file = (name: string): string => path.join(dir, name);
  const fail = (name: string, field: string, expected: string): ShardRead => ({ ok: false, error: { file: file(name), field, expected } });
  let text: string;
  try {
    text = await readFile(file('result.json'), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail('result.json', '', code === 'ENOENT' ? "is not there: give the report folders of callbench run --shard i/n (each holds result.json)" : `cannot be read (${code ?? 'error'})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return fail('result.json', '', `is not valid JSON: ${describeJsonError(text, error)}`);
  }
  if (typeof data !== 'object' || data === null || !('shard' in data) || !('forMerge' in data)) {
    return fail('result.json', 'shard', 'is missing: this is not a shard\'s report (make each with callbench run --shard i/n)');
  }
  const parsed = ShardShape.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail('result.json', (issue?.path ?? []).map(String).join('.'), issue?.message ?? 'is invalid');
  }
  const result = data as ShardResult;
  for (const planned of result.forMerge.plan.scenarios) {
    if (result.scenarios[planned.name] === undefined) return fail('result.json', `scenarios.${planned.name}`, `is missing: the plan plays ${result.forMerge.plan.scenarios.map((s) => s.name).join(', ')}`);
  }
  let hlogText: string;
  try {
    hlogText = await readFile(file('histograms.hlog'), 'utf8');
  } catch (error) {
    return fail('histograms.hlog', '', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): the merge adds the shards' HDR histograms from it`);
  }
  const hlog = readHistogramLog(hlogText);
  if (!hlog.ok) return fail('histograms.hlog', `line ${hlog.line}`, `expected ${hlog.expected}`);
  return { ok: true, report: { dir, result, hlog: hlog.lines } };
}
