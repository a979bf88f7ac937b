/**
 * `callbench merge`: the shards of one plan (`run --shard i/n`, read by read-shard.ts) added up
 * into the result of the whole run. Exact where the figures add: every per-scenario HDR histogram
 * is the sum of the shards' (from their histograms.hlog, held to the raw sample counts of their
 * result.json), the raw samples are concatenated (the bootstrap intervals resample them), call,
 * turn, greeting and check tallies are added, the caller's pacing histograms are added. What does
 * not add is said: the event-loop delay is the worst shard's (each shard ran on its own loop), the
 * run spans the earliest start to the latest end. Shards of different plans, of different splits,
 * or the same shard twice are refused; missing shards make the result partial. Pure.
 */
import { addCheckSummaries, type ChecksSummary } from '../checks/summary.ts';
import type { HistogramLookup } from '../gate/evaluate.ts';
import { METRIC_NAMES, type MetricName } from '../metrics/definitions.ts';
import { createHistogram, decodeHistogram, type LatencyHistogram } from '../metrics/histogram.ts';
import type { ConnectionTies, RefusalLine } from '../mocks/journal/queries.ts';
import { emptyHistograms, emptySamples, type MetricHistograms, type MetricSamples } from '../report/fold.ts';
import { hlogTag } from '../report/hlog.ts';
import type { HistogramInterval, IntervalHistogram } from '../report/report-collector.ts';
import { loadSummary, metricSummaries, MIN_CI_SAMPLES, type RunSummary } from '../report/summary.ts';
import { TRUST_BOUNDS, type TrustBounds } from '../report/trust-bounds.ts';
import { trustWarnings } from '../report/warnings.ts';
import type { EventLoopDelay } from '../runner/event-loop.ts';
import type { LoadPlan } from '../runner/run.ts';
import { DEFAULT_LEVEL, DEFAULT_RESAMPLES } from '../statistics/bootstrap.ts';
import type { ShardReport, ShardResult } from './read-shard.ts';

export interface MergeOptions {
  /** The merging callbench's version: the merged result's. */
  version: string;
  resamples?: number;
  trustBounds?: Readonly<TrustBounds>;
}

export interface Merged {
  summary: RunSummary;
  /** Every shard's intervals, on the merged run's time origin: histograms.hlog of the merged run. */
  intervals: HistogramInterval[];
  /** The merged histograms, for thresholds. */
  histograms: HistogramLookup;
  /** What differs between the shards without making them another plan (versions), one line each. */
  notes: string[];
}

export type MergeResult = { ok: true; merged: Merged } | { ok: false; reason: string };

const brief = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** Why `b` is not a shard of `a`'s plan, or undefined when it is. */
function planDifference(a: ShardResult, b: ShardResult): string | undefined {
  const pa = a.forMerge.plan;
  const pb = b.forMerge.plan;
  if (pa.scenarios.map((s) => s.name).join() !== pb.scenarios.map((s) => s.name).join()) return `its scenarios are ${pb.scenarios.map((s) => s.name).join(', ')}, not ${pa.scenarios.map((s) => s.name).join(', ')}`;
  const changed = pa.scenarios.find((s, i) => s.digest !== pb.scenarios[i]?.digest);
  if (changed !== undefined) return `its scenario ${changed.name} (or its audio) has other content`;
  for (const field of ['profile', 'seed', 'load', 'warmup', 'agent'] as const) {
    if (JSON.stringify(pa[field]) !== JSON.stringify(pb[field])) return `its ${field} is ${brief(pb[field])}, not ${brief(pa[field])}`;
  }
  return undefined;
}

const sum = <T>(items: readonly T[], of: (item: T) => number): number => items.reduce((total, item) => total + of(item), 0);

function addRecords(parts: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of parts) for (const [key, n] of Object.entries(part)) out[key] = (out[key] ?? 0) + n;
  return out;
}

/** The worst shard's delay in every figure: the loop a latency was measured on was at least this late somewhere. */
function worstEventLoop(delays: ReadonlyArray<EventLoopDelay | null>): EventLoopDelay | null {
  const known = delays.filter((d): d is EventLoopDelay => d !== null);
  const first = known[0];
  if (first === undefined) return null;
  const worst = (key: keyof EventLoopDelay['delayMs']): number => Math.max(...known.map((d) => d.delayMs[key]));
  return { resolutionMs: first.resolutionMs, samples: sum(known, (d) => d.samples), delayMs: { p50: worst('p50'), p90: worst('p90'), p99: worst('p99'), max: worst('max'), mean: worst('mean') } };
}

function addTies(ties: ReadonlyArray<ConnectionTies | null>): ConnectionTies | null {
  const known = ties.filter((t): t is ConnectionTies => t !== null);
  if (known.length === 0) return null;
  const byService: ConnectionTies['byService'] = {};
  for (const t of known) {
    for (const [service, n] of Object.entries(t.byService) as Array<[keyof ConnectionTies['byService'], { tied: number; untied: number }]>) {
      const into = (byService[service] ??= { tied: 0, untied: 0 });
      into.tied += n.tied;
      into.untied += n.untied;
    }
  }
  return { byMethod: addRecords(known.map((t) => t.byMethod)) as ConnectionTies['byMethod'], untied: sum(known, (t) => t.untied), byService };
}

function addRefusals(lists: ReadonlyArray<readonly RefusalLine[]>): RefusalLine[] {
  const lines = new Map<string, RefusalLine>();
  for (const list of lists) {
    for (const r of list) {
      const key = `${r.service}\u0000${r.line}`;
      const into = lines.get(key);
      if (into === undefined) lines.set(key, { ...r });
      else lines.set(key, { ...into, count: into.count + r.count, calls: into.calls + r.calls, untied: into.untied + r.untied });
    }
  }
  return [...lines.values()].sort((a, b) => b.count - a.count);
}

export function mergeShards(reports: readonly ShardReport[], options: MergeOptions): MergeResult {
  const first = reports[0];
  if (first === undefined) return { ok: false, reason: 'no shard given: name the report folders of callbench run --shard i/n' };
  const of = first.result.shard.count;
  const seen = new Map<number, string>();
  for (const report of reports) {
    const { index, count } = report.result.shard;
    if (count !== of) return { ok: false, reason: `${report.dir} is shard ${index}/${count} but ${first.dir} is shard ${first.result.shard.index}/${of}: shards of different splits of a plan` };
    const twin = seen.get(index);
    if (twin !== undefined) return { ok: false, reason: `${twin} and ${report.dir} are both shard ${index}/${of}` };
    seen.set(index, report.dir);
    const difference = planDifference(first.result, report.result);
    if (difference !== undefined) return { ok: false, reason: `${report.dir} is a shard of another plan than ${first.dir}: ${difference}` };
  }
  const shards = [...reports].sort((a, b) => a.result.shard.index - b.result.shard.index);
  const results = shards.map((s) => s.result);
  const plan = first.result.forMerge.plan;
  const names = plan.scenarios.map((s) => s.name);
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = first.result.seed;

  // Each scenario's histograms from the shards' logs, checked against their raw sample counts.
  const scenarioHistograms = new Map<string, MetricHistograms>(names.map((name) => [name, emptyHistograms()]));
  const scenarioSamples = new Map<string, MetricSamples>(names.map((name) => [name, emptySamples()]));
  for (const shard of shards) {
    for (const name of names) {
      const histograms = scenarioHistograms.get(name) as MetricHistograms;
      const samples = scenarioSamples.get(name) as MetricSamples;
      for (const metric of METRIC_NAMES) {
        const tag = hlogTag(metric, name);
        const own = createHistogram();
        for (const line of shard.hlog) if (line.tag === tag) own.add(line.histogram);
        const values = shard.result.forMerge.samples[name]?.[metric] ?? [];
        if (own.count !== values.length) {
          return { ok: false, reason: `${shard.dir}: histograms.hlog holds ${own.count} sample(s) of ${metric} in ${name}, result.json's forMerge.samples ${values.length}: the two files are not of one run` };
        }
        histograms[metric].add(own);
        samples[metric].push(...values);
      }
    }
  }

  const stoppedAny = results.some((r) => r.partial === true);
  const scenarios: RunSummary['scenarios'] = {};
  const scenarioChecks: ChecksSummary[] = [];
  const metrics = emptyHistograms();
  const samples = emptySamples();
  for (const name of names) {
    const parts = results.map((r) => r.scenarios[name] as RunSummary['scenarios'][string]);
    const histograms = scenarioHistograms.get(name) as MetricHistograms;
    const values = scenarioSamples.get(name) as MetricSamples;
    for (const metric of METRIC_NAMES) {
      metrics[metric].add(histograms[metric]);
      samples[metric].push(...values[metric]);
    }
    const checks = addCheckSummaries(
      parts.map((p) => p.checks),
      names,
    );
    scenarioChecks.push(checks);
    scenarios[name] = {
      calls: sum(parts, (p) => p.calls),
      failedCalls: sum(parts, (p) => p.failedCalls),
      ...(stoppedAny ? { stoppedCalls: sum(parts, (p) => p.stoppedCalls ?? 0) } : {}),
      droppedCalls: sum(parts, (p) => p.droppedCalls),
      warmupCalls: sum(parts, (p) => p.warmupCalls),
      unansweredTurns: sum(parts, (p) => p.unansweredTurns),
      turns: addRecords(parts.map((p) => p.turns)),
      greetings: { stream: sum(parts, (p) => p.greetings.stream), twiml: sum(parts, (p) => p.greetings.twiml) },
      errors: parts.flatMap((p) => p.errors),
      metrics: metricSummaries(histograms, values, seed, name, resamples),
      checks,
    };
  }

  const pacingLateness = createHistogram();
  for (const r of results) pacingLateness.add(decodeHistogram(r.forMerge.pacing));
  const pacing = { framesLateMs: pacingLateness.summary(), framesSent: sum(results, (r) => r.pacing.framesSent) };
  const eventLoop = worstEventLoop(results.map((r) => r.eventLoop));
  const starts = results.map((r) => Date.parse(r.startedAt));
  const origin = Math.min(...starts);
  const end = Math.max(...results.map((r, i) => (starts[i] ?? origin) + r.durationMs));
  const missing = Array.from({ length: of }, (_, i) => i + 1).filter((i) => !seen.has(i));
  const stopped = results.find((r) => r.stopped !== undefined);
  const loadPlan = plan.load as unknown as LoadPlan;
  const open = loadPlan.model === 'open';
  const histogramsEncoded: Record<string, string> = {};
  for (const name of METRIC_NAMES) if (metrics[name].count > 0) histogramsEncoded[name] = metrics[name].encode();

  const summary: RunSummary = {
    callbench: { version: options.version },
    ...(stoppedAny || missing.length > 0 ? { partial: true as const } : {}),
    ...(stopped?.stopped === undefined ? {} : { stopped: { reason: stopped.stopped.reason, message: `shard ${stopped.shard.index}/${of}: ${stopped.stopped.message}` } }),
    startedAt: new Date(origin).toISOString(),
    durationMs: Math.round(end - origin),
    profile: first.result.profile,
    seed,
    agent: first.result.agent,
    merged: { shards: shards.length, of, missing },
    load: loadSummary({
      plan: loadPlan,
      started: sum(results, (r) => r.load.started),
      ...(open
        ? {
            scheduled: sum(results, (r) => (r.load.model === 'open' ? r.load.scheduled : 0)),
            dropped: { late: sum(results, (r) => (r.load.model === 'open' ? r.load.dropped.late : 0)), 'max-in-flight': sum(results, (r) => (r.load.model === 'open' ? r.load.dropped.maxInFlight : 0)) },
          }
        : {}),
    }),
    warmup: { calls: sum(results, (r) => r.warmup.calls), failedCalls: sum(results, (r) => r.warmup.failedCalls) },
    statistics: { ci: 'percentile bootstrap of the raw samples (nearest-rank percentiles)', level: DEFAULT_LEVEL, resamples, seed, minSamples: MIN_CI_SAMPLES },
    metrics: metricSummaries(metrics, samples, seed, '*', resamples),
    scenarios,
    checks: addCheckSummaries(scenarioChecks, names),
    pacing,
    eventLoop,
    warnings: trustWarnings({ pacing, eventLoop: eventLoop ?? undefined }, options.trustBounds ?? TRUST_BOUNDS),
    attribution: addTies(results.map((r) => r.attribution)),
    refusals: addRefusals(results.map((r) => r.refusals)),
    twimlNotes: [...new Set(results.flatMap((r) => r.twimlNotes))],
    histograms: histogramsEncoded,
  };

  const versions = [...new Set(results.map((r) => r.callbench.version))];
  const notes = versions.length > 1 ? [`the shards ran different callbench versions (${versions.join(', ')})`] : [];
  return {
    ok: true,
    merged: {
      summary,
      intervals: mergedIntervals(shards, names, origin),
      histograms: (metric, scenario) => (scenario === undefined ? metrics[metric] : scenarioHistograms.get(scenario)?.[metric]),
      notes,
    },
  };
}

/** Each shard's hlog lines as intervals, their timestamps moved from the shard's start to the merged run's. */
function mergedIntervals(shards: readonly ShardReport[], names: readonly string[], originMs: number): HistogramInterval[] {
  const tags = new Map<string, { metric: MetricName; scenario: string }>();
  for (const metric of METRIC_NAMES) for (const scenario of names) tags.set(hlogTag(metric, scenario), { metric, scenario });
  const intervals: HistogramInterval[] = [];
  for (const shard of shards) {
    const offsetMs = Date.parse(shard.result.startedAt) - originMs;
    const byStart = new Map<string, HistogramInterval>();
    for (const line of shard.hlog) {
      const named = tags.get(line.tag);
      if (named === undefined) continue;
      const startMs = line.startS * 1000 + offsetMs;
      const key = `${startMs}/${line.lengthS}`;
      let interval = byStart.get(key);
      if (interval === undefined) {
        interval = { startMs, endMs: startMs + line.lengthS * 1000, histograms: [] };
        byStart.set(key, interval);
        intervals.push(interval);
      }
      const entry: IntervalHistogram = { ...named, histogram: line.histogram as LatencyHistogram };
      interval.histograms.push(entry);
    }
  }
  return intervals.sort((a, b) => a.startMs - b.startMs);
}
