/**
 * Ties upstream connections that carried no `x-callbench-call` header to calls by what they
 * carried: a listen connection by the registered utterances it recognised, a chat request by the
 * caller's words it was asked about, a speak connection by the scripted reply text it was asked
 * to say. A connection is tied only when exactly one call fits; the rest stay untied, and their
 * stage samples are reported as such, never guessed.
 */
import type { Journal, JournalEntry } from './journal.ts';
import type { ConversationScript } from './script.ts';

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
  return entries.flatMap((entry): Array<ReadonlySet<string>> => {
    const data = entry.data ?? {};
    if (entry.service === 'deepgram.listen' && entry.kind === 'Results' && typeof data['utterance'] === 'string') return [script.callsOfUtterance(data['utterance'])];
    if (entry.service === 'openai.chat' && entry.kind === 'request' && typeof data['last_user_text'] === 'string') return [script.callsOfTranscript(data['last_user_text'])];
    if (entry.service === 'deepgram.speak.ws' && entry.kind === 'Speak' && typeof data['text'] === 'string') return [script.callsOfReplyText(data['text'])];
    if (entry.service === 'deepgram.speak.rest' && entry.kind === 'request' && typeof data['text'] === 'string') return [script.callsOfReplyText(data['text'])];
    return [];
  });
}

/** Attributes every untied connection that the content ties to exactly one call; returns how many. */
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
    if (call !== undefined) {
      journal.attribute(connection, call);
      tied++;
    }
  }
  return tied;
}
