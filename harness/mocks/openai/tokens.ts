/**
 * Token-like pieces of text, roughly as a BPE tokenizer's pre-tokenizer splits it: contractions,
 * words and numbers with their leading space, runs of punctuation, whitespace. Joining the pieces
 * gives back the text exactly.
 */
const PIECE = /'(?:s|t|re|ve|m|ll|d)\b| ?\p{L}+| ?\p{N}{1,3}| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/giu;

export function tokenize(text: string): string[] {
  return text.match(PIECE) ?? [];
}

/** Prompt tokens as the chat format counts them: each message's content plus a few framing tokens. */
export function countPromptTokens(messages: ReadonlyArray<{ role: string; text: string }>): number {
  const PER_MESSAGE = 3;
  const REPLY_PRIMING = 3;
  return messages.reduce((sum, message) => sum + PER_MESSAGE + tokenize(message.text).length + 1, REPLY_PRIMING);
}

/** Dated snapshots the API reports for its aliases (the `model` field of every response). */
const SNAPSHOTS: Readonly<Record<string, string>> = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
  'gpt-4-turbo': 'gpt-4-turbo-2024-04-09',
  'gpt-3.5-turbo': 'gpt-3.5-turbo-0125',
  'gpt-5': 'gpt-5-2025-08-07',
  'gpt-5-mini': 'gpt-5-mini-2025-08-07',
  'gpt-5-nano': 'gpt-5-nano-2025-08-07',
};

/** The model name a response carries for the requested one (unknown names are echoed unchanged). */
export function snapshotOf(model: string): string {
  return SNAPSHOTS[model] ?? model;
}
