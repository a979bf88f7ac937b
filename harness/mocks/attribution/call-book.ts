/**
 * The calls the mocks are serving, as the runner announces them: each gets a token that the caller
 * writes into its audio (harness/audio/call-mark.ts) and into text marks (./text-mark.ts), and the
 * mocks read back to know, without the agent's help, which call a connection belongs to.
 */
import { MAX_CALL_TOKEN } from '../../audio/call-mark.ts';

export interface CallBook {
  /** Announces a call about to be placed; returns its token (fresh per call, never reused in a run). */
  open(call: string): number;
  /** The call has ended: it stays known (late connections still tie to it) but is no longer live. */
  close(call: string): void;
  tokenOf(call: string): number | undefined;
  callOfToken(token: number): string | undefined;
  /** Calls opened and not yet closed. */
  live(): readonly string[];
  isLive(call: string): boolean;
}

export function createCallBook(): CallBook {
  const tokens = new Map<string, number>();
  const calls = new Map<number, string>();
  const live = new Set<string>();
  let next = 0;
  return {
    open(call) {
      const existing = tokens.get(call);
      if (existing !== undefined) {
        live.add(call);
        return existing;
      }
      if (next >= MAX_CALL_TOKEN) throw new RangeError(`more than ${MAX_CALL_TOKEN} calls in one run`);
      const token = ++next;
      tokens.set(call, token);
      calls.set(token, call);
      live.add(call);
      return token;
    },
    close(call) {
      live.delete(call);
    },
    tokenOf: (call) => tokens.get(call),
    callOfToken: (token) => calls.get(token),
    live: () => [...live],
    isLive: (call) => live.has(call),
  };
}
