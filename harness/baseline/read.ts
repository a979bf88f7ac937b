/**
 * Reading a baseline file back: JSON, a callbench baseline, of this format version, of the right
 * shape. Every problem is a BaselineReadError naming the field and what was expected; nothing
 * here throws or prints. A baseline of another format version is refused outright (its fields
 * may mean something else), with how to make a new one.
 */
import { z } from 'zod';
import { METRIC_NAMES } from '../metrics/definitions.ts';
import { describeJsonError } from '../scenario/json-syntax.ts';
import { BASELINE_FORMAT, BASELINE_VERSION, type Baseline } from './format.ts';

export type BaselineReadErrorCode = 'not_json' | 'not_baseline' | 'version' | 'shape';

export interface BaselineReadError {
  code: BaselineReadErrorCode;
  /** The field at fault, dotted (`scenarios.greeting.samples`); '' for the file as a whole. */
  field: string;
  expected: string;
}

export type BaselineRead = { ok: true; baseline: Baseline } | { ok: false; error: BaselineReadError };

const SAVE_HINT = 'save one with callbench run --save-baseline FILE';

const metricName = z.enum(METRIC_NAMES as [string, ...string[]]);
const samples = z.partialRecord(metricName, z.array(z.number().finite().nonnegative()));
const histograms = z.partialRecord(metricName, z.string().min(1));
const load = z.discriminatedUnion('model', [
  z.object({ model: z.literal('closed'), calls: z.number().int().positive(), concurrency: z.number().int().positive() }),
  z.object({ model: z.literal('closed-duration'), durationMs: z.number().positive(), concurrency: z.number().int().positive() }),
  z.object({ model: z.literal('open'), ratePerSec: z.number().positive(), durationMs: z.number().positive(), maxInFlight: z.number().int().positive(), lateBoundMs: z.number().nonnegative() }),
]);
const agent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reference'), design: z.string() }),
  z.object({ kind: z.literal('command'), command: z.string() }),
  z.object({ kind: z.literal('url'), url: z.string() }),
]);

const BaselineShape = z.object({
  format: z.literal(BASELINE_FORMAT),
  version: z.literal(BASELINE_VERSION),
  savedAt: z.string(),
  plan: z.object({
    scenarios: z.array(z.object({ name: z.string().min(1), digest: z.string().min(1) })).min(1),
    profile: z.string().min(1),
    seed: z.number().int().nonnegative(),
    load,
    warmup: z.number().int().nonnegative(),
    agent,
  }),
  versions: z.object({ callbench: z.string(), node: z.string(), sdks: z.record(z.string(), z.string().nullable()) }),
  machine: z.object({
    os: z.string(),
    arch: z.string(),
    cpus: z.object({ model: z.string(), count: z.number().int().nonnegative() }),
    totalMemoryBytes: z.number().nonnegative(),
  }),
  run: z.object({
    startedAt: z.string(),
    durationMs: z.number().nonnegative(),
    calls: z.number().int().nonnegative(),
    failedCalls: z.number().int().nonnegative(),
    warnings: z.array(z.string()),
  }),
  scenarios: z.record(z.string(), z.object({ calls: z.number().int().nonnegative(), failedCalls: z.number().int().nonnegative(), samples, histograms })),
  histograms,
});

function fail(code: BaselineReadErrorCode, field: string, expected: string): BaselineRead {
  return { ok: false, error: { code, field, expected } };
}

function describe(value: unknown): string {
  if (value === undefined) return 'none';
  return JSON.stringify(value)?.slice(0, 40) ?? String(value);
}

export function parseBaseline(text: string): BaselineRead {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return fail('not_json', '', `is not valid JSON: ${describeJsonError(text, error)}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data) || (data as { format?: unknown }).format !== BASELINE_FORMAT) {
    return fail('not_baseline', 'format', `expected "${BASELINE_FORMAT}": this is not a callbench baseline; ${SAVE_HINT}`);
  }
  const version = (data as { version?: unknown }).version;
  if (version !== BASELINE_VERSION) {
    return fail('version', 'version', `this callbench reads baseline format version ${BASELINE_VERSION}, the file is version ${describe(version)}; ${SAVE_HINT} with this callbench`);
  }
  const result = BaselineShape.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue === undefined ? [] : issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path;
    const unknownMetric = issue?.code === 'unrecognized_keys' || issue?.code === 'invalid_key';
    return fail('shape', where.map(String).join('.'), unknownMetric ? `is not a metric this callbench knows (expected one of ${METRIC_NAMES.join(', ')})` : (issue?.message ?? 'is invalid'));
  }
  const baseline = result.data as Baseline;
  const planned = baseline.plan.scenarios.map((s) => s.name);
  const missing = planned.find((name) => baseline.scenarios[name] === undefined);
  if (missing !== undefined) return fail('shape', `scenarios.${missing}`, `is missing: the plan plays ${planned.join(', ')}`);
  return { ok: true, baseline };
}
