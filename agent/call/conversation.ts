/** One call's chat history, as sent to the LLM: the system prompt, then user and assistant turns. */

export interface ChatTurnMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Conversation {
  addUser(text: string): void;
  /** What the agent said (for an interrupted reply, what it had sent to TTS). Empty text is skipped. */
  addAssistant(text: string): void;
  /** A copy, safe to hand to a request while the history moves on. */
  messages(): ChatTurnMessage[];
}

/** Oldest turns are dropped beyond this many messages (the system prompt is always kept). */
export const MAX_HISTORY_MESSAGES = 60;

export function createConversation(systemPrompt: string): Conversation {
  const turns: ChatTurnMessage[] = [];
  const push = (message: ChatTurnMessage): void => {
    turns.push(message);
    if (turns.length > MAX_HISTORY_MESSAGES) turns.splice(0, turns.length - MAX_HISTORY_MESSAGES);
  };
  return {
    addUser: (text) => push({ role: 'user', content: text }),
    addAssistant(text) {
      if (text.trim() !== '') push({ role: 'assistant', content: text });
    },
    messages() {
      const system: ChatTurnMessage[] = systemPrompt === '' ? [] : [{ role: 'system', content: systemPrompt }];
      return [...system, ...turns.map((turn) => ({ ...turn }))];
    },
  };
}
