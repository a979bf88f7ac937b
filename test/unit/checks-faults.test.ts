/** `fault.not-injected`: a fault the scenario armed that the mocks never injected is named, with why. */
import { describe, expect, it } from 'vitest';
import { checkFaultsInjected, describeFault } from '../../harness/checks/fault-check.ts';
import { Fault } from '../../harness/mocks/faults.ts';
import { journalEntry } from './helpers/journal.ts';

const fault = (raw: unknown): Fault => Fault.parse(raw);
const dropSpeak = fault({ type: 'close', service: 'deepgram.speak', afterFlushes: 2 });
const rateLimit = fault({ type: 'http_error', service: 'openai.chat', status: 429, requests: [1, 2] });

describe('fault.not-injected', () => {
  it('is skipped, with the reason, when the scenario arms no fault', () => {
    expect(checkFaultsInjected([], [])).toMatchObject({ status: 'skipped', reason: 'the scenario arms no fault' });
  });

  it('passes when every armed fault fired', () => {
    const journal = [
      journalEntry(1000, 'deepgram.speak.ws', 'event', 'fault', { type: 'close', code: 1011, flush: 1 }),
      journalEntry(1100, 'openai.chat', 'event', 'fault', { type: 'http_error', status: 429, request: 1 }),
      journalEntry(1200, 'openai.chat', 'event', 'fault', { type: 'http_error', status: 429, request: 2 }),
    ];
    expect(checkFaultsInjected([dropSpeak, rateLimit], journal).status).toBe('passed');
  });

  it('names a fault whose service the call never reached: no connection of it was tied to the call', () => {
    expect(checkFaultsInjected([dropSpeak], [journalEntry(1000, 'deepgram.listen', 'event', 'open')])).toMatchObject({
      status: 'failed',
      severity: 'warning',
      evidence: ['close deepgram.speak afterFlushes 2 (code 1011): not injected: the call has no deepgram.speak.ws connection (the agent never opened one, or it could not be tied to this call)'],
    });
  });

  it('names a trigger the call never reached, with what the journal shows instead', () => {
    const journal = [
      journalEntry(1000, 'deepgram.speak.ws', 'received', 'Flush', { chars: 10, sequenceId: 0 }),
      journalEntry(1100, 'openai.chat', 'received', 'request', { valid: true, lastUserText: 'x' }),
      journalEntry(1100, 'openai.chat', 'event', 'fault', { type: 'http_error', status: 429, request: 1 }),
    ];
    expect(checkFaultsInjected([dropSpeak, rateLimit], journal).evidence).toEqual([
      "close deepgram.speak afterFlushes 2 (code 1011): not injected: the call's deepgram.speak.ws socket had 1 Flush(es) answered with audio, not 2",
      'http_error 429 on openai.chat request(s) 1, 2: not injected: request(s) 2 never came: the call made 1 chat request(s)',
    ]);
  });

  it('says a late_audio fault waits for a Clear the agent never sent', () => {
    const late = fault({ type: 'late_audio', service: 'deepgram.speak', ms: 300 });
    expect(checkFaultsInjected([late], [journalEntry(1000, 'deepgram.speak.ws', 'event', 'open')]).evidence).toEqual([
      'late_audio 300 ms on deepgram.speak: not injected: the agent sent no Clear on the speak socket while audio was pending',
    ]);
    expect(describeFault(fault({ type: 'stall', service: 'openai.chat', afterTokens: 3, ms: 5000 }))).toBe('stall of openai.chat request 1 after 3 token(s) for 5000 ms');
  });
});
