/**
 * Faults a scenario injects into the mocks, per call: the mocks look them up by the call id the
 * agent sends in `x-callbench-call`. Each is something the real services do on a bad day, and
 * each reproduces a bug class of REFERENCE-AGENTS.md §6 (dead air after a drop, a crash on a
 * 429, late audio after Clear or response.cancel, control frames taken for audio).
 */
import { z } from 'zod';
import { wholeNumber } from '../scenario/bounds.ts';

/** The one trigger each closable service reaches: a close fault takes exactly that one. */
const CLOSE_TRIGGERS = { 'deepgram.listen': 'afterAudioMs', 'deepgram.speak': 'afterFlushes', 'openai.realtime': 'afterResponses' } as const;

export const Fault = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('close'),
    /** Which upstream socket closes. */
    service: z.enum(['deepgram.listen', 'deepgram.speak', 'openai.realtime']),
    code: wholeNumber(1000, 4999, ' (a WebSocket close code)').default(1011),
    reason: z.string().max(120).default('callbench fault: upstream closed'),
    /** listen: after this much audio (ms) has been received. */
    afterAudioMs: wholeNumber(0, 600_000, ' of ms').optional(),
    /** speak: right after the first audio of the n-th Flush (1-based): mid-reply. */
    afterFlushes: wholeNumber(1, 10_000).optional(),
    /** openai.realtime: right after the first audio delta of the n-th response (1-based): mid-reply. */
    afterResponses: wholeNumber(1, 10_000).optional(),
  }).superRefine((fault, ctx) => {
    // A trigger the service never reaches, or none at all, would leave the fault armed but never struck.
    const trigger = CLOSE_TRIGGERS[fault.service];
    for (const other of Object.values(CLOSE_TRIGGERS)) {
      if (other !== trigger && fault[other] !== undefined) ctx.addIssue({ code: 'custom', path: [other], message: `${fault.service} never reaches ${other}; its close trigger is ${trigger}` });
    }
    if (fault[trigger] === undefined) ctx.addIssue({ code: 'custom', path: [trigger], message: `is required: a close of ${fault.service} strikes at ${trigger}` });
  }),
  z.strictObject({
    type: z.literal('http_error'),
    service: z.literal('openai.chat'),
    status: z.union([z.literal(429), z.literal(500), z.literal(503)]),
    /** Which of the call's chat requests fail (1-based). */
    requests: z.array(wholeNumber(1, 10_000)).min(1).default([1]),
  }),
  z.strictObject({
    type: z.literal('stall'),
    service: z.literal('openai.chat'),
    /** The stream stops after this many content tokens of the n-th request… */
    afterTokens: wholeNumber(0, 100_000),
    /** …for this long. */
    ms: wholeNumber(1, 600_000, ' of ms'),
    request: wholeNumber(1, 10_000).default(1),
  }),
  z.strictObject({
    type: z.literal('late_audio'),
    service: z.enum(['deepgram.speak', 'openai.realtime']),
    /**
     * speak: after a Clear, keep sending this much audio of the cleared speech before `Cleared`.
     * openai.realtime: after response.cancel, keep sending this much audio of the response before
     * its `response.done` (deltas that were in flight when the cancel arrived).
     */
    ms: wholeNumber(1, 10_000, ' of ms'),
  }),
  z.strictObject({
    type: z.literal('interleave_control'),
    service: z.literal('deepgram.speak'),
  }),
]);
export type Fault = z.infer<typeof Fault>;
export type FaultType = Fault['type'];

export interface FaultBook {
  /** Arms `faults` for the call `call` (replacing any armed before). */
  arm(call: string, faults: readonly Fault[]): void;
  disarm(call: string): void;
  /** The faults of one type armed for a call (none for untagged connections). */
  of<T extends FaultType>(call: string | undefined, type: T): Array<Extract<Fault, { type: T }>>;
  /** Counts a call's requests to a service; returns this request's 1-based number. */
  count(call: string | undefined, service: string): number;
  /** True the first time it is asked about `fault` for `call`: for faults that strike once per call. */
  strike(call: string | undefined, fault: Fault): boolean;
}

export function createFaultBook(): FaultBook {
  const armed = new Map<string, readonly Fault[]>();
  const counters = new Map<string, number>();
  const struck = new Map<string, Set<Fault>>();
  return {
    arm(call, faults) {
      armed.set(call, faults);
    },
    disarm(call) {
      armed.delete(call);
      struck.delete(call);
      for (const key of counters.keys()) if (key.startsWith(`${call} `)) counters.delete(key);
    },
    of(call, type) {
      if (call === undefined) return [];
      return (armed.get(call) ?? []).filter((fault): fault is Extract<Fault, { type: typeof type }> => fault.type === type);
    },
    count(call, service) {
      const key = `${call ?? ''} ${service}`;
      const n = (counters.get(key) ?? 0) + 1;
      counters.set(key, n);
      return n;
    },
    strike(call, fault) {
      if (call === undefined) return false;
      let done = struck.get(call);
      if (done === undefined) struck.set(call, (done = new Set()));
      if (done.has(fault)) return false;
      done.add(fault);
      return true;
    },
  };
}
