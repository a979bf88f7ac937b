/**
 * `fault.not-injected`: every fault the scenario armed for a call was injected by the mocks. A
 * fault that never fired leaves the scenario testing nothing (an agent whose connections could
 * not be tied to the call, a service the agent never used, a trigger it never reached), and a
 * run that passes then says nothing about the bug the fault was written for: each one that did
 * not fire is named, with what the call's journal shows instead.
 */
import type { JournalEntry } from '../mocks/journal/entries.ts';
import type { Fault } from '../mocks/faults.ts';
import { entriesOfKind, isFault } from '../mocks/journal/queries.ts';
import { skipped, verdictOf, type CheckVerdict } from './check.ts';

/** A fault in one line, as a scenario writes it. */
export function describeFault(fault: Fault): string {
  switch (fault.type) {
    case 'close': {
      const trigger = fault.afterAudioMs !== undefined ? `afterAudioMs ${fault.afterAudioMs}` : fault.afterFlushes !== undefined ? `afterFlushes ${fault.afterFlushes}` : `afterResponses ${fault.afterResponses ?? '?'}`;
      return `close ${fault.service} ${trigger} (code ${fault.code})`;
    }
    case 'http_error':
      return `http_error ${fault.status} on openai.chat request(s) ${fault.requests.join(', ')}`;
    case 'stall':
      return `stall of openai.chat request ${fault.request} after ${fault.afterTokens} token(s) for ${fault.ms} ms`;
    case 'late_audio':
      return `late_audio ${fault.ms} ms on ${fault.service}`;
    case 'interleave_control':
      return 'interleave_control on deepgram.speak';
  }
}

const has = (journal: readonly JournalEntry[], service: JournalEntry['service']): boolean => journal.some((e) => e.service === service);
const noConnection = (service: string): string => `the call has no ${service} connection (the agent never opened one, or it could not be tied to this call)`;

/** Why `fault` did not fire on a call whose journal is `journal`, or undefined when it did. */
function notInjected(fault: Fault, journal: readonly JournalEntry[]): string | undefined {
  const injected = journal.filter(isFault);
  switch (fault.type) {
    case 'close': {
      const service = fault.service === 'deepgram.speak' ? 'deepgram.speak.ws' : fault.service;
      if (injected.some((e) => e.service === service && e.data.type === 'close')) return undefined;
      if (!has(journal, service)) return noConnection(service);
      if (fault.afterFlushes !== undefined) return `the call's ${service} socket had ${entriesOfKind(journal, 'deepgram.speak.ws', 'Flush').filter((e) => e.data.sequenceId !== undefined).length} Flush(es) answered with audio, not ${fault.afterFlushes}`;
      if (fault.afterResponses !== undefined) return `the call's Realtime socket had ${entriesOfKind(journal, 'openai.realtime', 'response.created').length} response(s), not ${fault.afterResponses} with audio`;
      const heard = Math.max(0, ...entriesOfKind(journal, 'deepgram.listen', 'Metadata').map((e) => e.data.durationMs));
      return `the call's listen socket closed before ${fault.afterAudioMs ?? 0} ms of audio${heard > 0 ? ` (it received ${Math.round(heard)} ms)` : ''}`;
    }
    case 'http_error': {
      const fired = new Set(injected.flatMap((e) => (e.service === 'openai.chat' && e.data.type === 'http_error' ? [e.data.request] : [])));
      const missing = fault.requests.filter((n) => !fired.has(n));
      if (missing.length === 0) return undefined;
      if (!has(journal, 'openai.chat')) return noConnection('openai.chat');
      const requests = entriesOfKind(journal, 'openai.chat', 'request').filter((e) => e.data.valid).length;
      return `request(s) ${missing.join(', ')} never came: the call made ${requests} chat request(s)`;
    }
    case 'stall': {
      if (injected.some((e) => e.service === 'openai.chat' && e.data.type === 'stall' && e.data.request === fault.request)) return undefined;
      if (!has(journal, 'openai.chat')) return noConnection('openai.chat');
      return `the call's chat request ${fault.request} never streamed ${fault.afterTokens} token(s)`;
    }
    case 'late_audio': {
      const service = fault.service === 'deepgram.speak' ? 'deepgram.speak.ws' : fault.service;
      if (injected.some((e) => e.service === service && e.data.type === 'late_audio')) return undefined;
      if (!has(journal, service)) return noConnection(service);
      return service === 'deepgram.speak.ws' ? 'the agent sent no Clear on the speak socket while audio was pending' : 'the agent sent no response.cancel while a response was active';
    }
    case 'interleave_control': {
      if (injected.some((e) => e.service === 'deepgram.speak.ws' && e.data.type === 'interleave_control')) return undefined;
      if (!has(journal, 'deepgram.speak.ws')) return noConnection('deepgram.speak.ws');
      return 'the speak socket sent no audio';
    }
  }
}

/** Skipped when the scenario armed no fault; failed (a warning) for every armed fault that did not fire. */
export function checkFaultsInjected(faults: readonly Fault[], journal: readonly JournalEntry[]): CheckVerdict {
  if (faults.length === 0) return skipped('fault.not-injected', 'the scenario arms no fault');
  return verdictOf(
    'fault.not-injected',
    faults.flatMap((fault) => {
      const why = notInjected(fault, journal);
      return why === undefined ? [] : [`${describeFault(fault)}: not injected: ${why}`];
    }),
  );
}
