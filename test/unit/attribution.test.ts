/** Tying untagged upstream connections to calls by what they carried, and only when one call fits. */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../harness/clock.ts';
import { synthesizeMulaw } from '../../harness/audio/index.ts';
import { attributeByContent } from '../../harness/mocks/attribution.ts';
import { createJournal } from '../../harness/mocks/journal.ts';
import { createConversationScript } from '../../harness/mocks/script.ts';

function setup() {
  const journal = createJournal(createManualClock());
  const script = createConversationScript();
  const hours = { id: 'hours', transcript: 'What are your opening hours?', audio: synthesizeMulaw('What are your opening hours?') };
  const book = { id: 'book', transcript: 'Book a table for two.', audio: synthesizeMulaw('Book a table for two.') };
  script.register({ ...hours, call: 'CA-a', reply: 'We open at nine. We close at five.' });
  script.register({ ...book, call: 'CA-b', reply: 'Done. Your table is booked.' });
  return { journal, script, hours, book };
}

describe('attribution by content', () => {
  it('ties listen, chat and speak connections to the one call their content belongs to', () => {
    const { journal, script } = setup();
    journal.record({ service: 'deepgram.listen', connection: 'listen-1', call: undefined, direction: 'sent', kind: 'Results', data: { utterance: 'hours' } });
    journal.record({ service: 'openai.chat', connection: 'chat-1', call: undefined, direction: 'received', kind: 'request', data: { last_user_text: 'book a table for two' } });
    journal.record({ service: 'deepgram.speak.ws', connection: 'speak-1', call: undefined, direction: 'received', kind: 'Speak', data: { text: 'Hello! How can I help?' } });
    journal.record({ service: 'deepgram.speak.ws', connection: 'speak-1', call: undefined, direction: 'received', kind: 'Speak', data: { text: 'We close at five.' } });
    expect(attributeByContent(journal, script)).toBe(3);
    const callOf = (connection: string) => new Set(journal.entries().filter((e) => e.connection === connection).map((e) => e.call));
    expect(callOf('listen-1')).toEqual(new Set(['CA-a']));
    expect(callOf('chat-1')).toEqual(new Set(['CA-b']));
    expect(callOf('speak-1')).toEqual(new Set(['CA-a']));
    // Later entries of a tied connection are tied too.
    journal.record({ service: 'deepgram.speak.ws', connection: 'speak-1', call: undefined, direction: 'sent', kind: 'audio', data: { bytes: 800 } });
    expect(journal.entries().at(-1)?.call).toBe('CA-a');
  });

  it('leaves a connection untied when its content fits several calls, or none', () => {
    const { journal, script, hours } = setup();
    script.register({ ...hours, call: 'CA-c' });
    journal.record({ service: 'deepgram.listen', connection: 'listen-2', call: undefined, direction: 'sent', kind: 'Results', data: { utterance: 'hours' } });
    journal.record({ service: 'openai.chat', connection: 'chat-2', call: undefined, direction: 'received', kind: 'request', data: { last_user_text: 'something else entirely' } });
    expect(attributeByContent(journal, script)).toBe(0);
    expect(journal.entries().every((e) => e.call === undefined)).toBe(true);
  });

  it('never moves an entry the agent tagged itself', () => {
    const { journal, script } = setup();
    journal.record({ service: 'deepgram.listen', connection: 'listen-3', call: 'CA-z', direction: 'sent', kind: 'Results', data: { utterance: 'hours' } });
    expect(attributeByContent(journal, script)).toBe(0);
    expect(journal.entries()[0]?.call).toBe('CA-z');
  });
});
