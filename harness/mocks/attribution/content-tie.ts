/**
 * The last resort, once a call has ended: ties connections that nothing else tied (no header, no
 * audio or text mark) by what they carried — a listen or Realtime connection by the registered
 * utterances it recognised, a chat request by the caller's words it was asked about, a speak
 * connection by the scripted reply text it was asked to say. A connection is tied only when
 * exactly one call fits; the rest stay untied, and give no stage sample and no verdict.
 */
import type { Journal } from '../journal/journal.ts';
import type { JournalEntry } from '../journal/entries.ts';
import type { ConversationScript } from '../script.ts';

/** The one call every clue agrees on, if there is exactly one. */
function single(candidates: ReadonlyArray<ReadonlySet<string>>): string | undefined {
  let common: Set<string> | undefined;
  for (const calls of candidates) {
    if (calls.size === 0) continue;
    common = common === undefined ? new Set(calls) : new Set([...common].filter((call) => calls.has(call)));
  }
  return common !== undefined && common.size === 1 ? [...common][0] : undefined;
}

function clues(entries: readonly JournalEntry[], script: ConversationScript): Array<ReadonlySet<string>> {
  return entries.flatMap((e): Array<ReadonlySet<string>> => {
    if (e.service === 'deepgram.listen' && e.kind === 'Results' && e.data.utterance !== undefined) return [script.callsOfUtterance(e.data.utterance)];
    if (e.service === 'openai.chat' && e.kind === 'request' && e.data.valid) return [script.callsOfTranscript(e.data.lastUserText)];
    if (e.service === 'deepgram.speak.ws' && e.kind === 'Speak') return [script.callsOfReplyText(e.data.text)];
    if (e.service === 'deepgram.speak.rest' && e.kind === 'request') return [script.callsOfReplyText(e.data.text)];
    return [];
  });
}

/** Ties every untied connection that the content ties to exactly one call; returns how many. */
export function attributeByContent(journal: Journal, script: ConversationScript): number {
  const untied = new Map<string, JournalEntry[]>();
  for (const entry of journal.entries()) {
    if (entry.call !== undefined) continue;
    let list = untied.get(entry.connection);
    if (list === undefined) untied.set(entry.connection, (list = []));
    list.push(entry);
  }
  let tied = 0;
  for (const [connection, entries] of untied) {
    const call = single(clues(entries, script));
    const first = entries[0];
    if (call !== undefined && first !== undefined && journal.tie(first.service, connection, { call, how: 'content', detail: 'content after the call' })) tied++;
  }
  return tied;
}
