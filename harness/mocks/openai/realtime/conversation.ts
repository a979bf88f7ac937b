/** The conversation's items as the server keeps them: what `conversation.item.*` events carry, plus the audio generated. */

export type ItemContent =
  | { type: 'input_text'; text: string }
  | { type: 'input_audio'; transcript: string | null }
  | { type: 'output_text'; text: string }
  | { type: 'output_audio'; transcript: string };

export interface ConversationItem {
  id: string;
  role: 'user' | 'assistant' | 'system';
  status: 'completed' | 'incomplete' | 'in_progress';
  content: ItemContent[];
  /** Ms of output audio generated and sent for this item (assistant audio items). */
  audioMs: number;
}

/** The item as events carry it (never with audio bytes). */
export function wireItem(item: ConversationItem): Record<string, unknown> {
  return { id: item.id, object: 'realtime.item', type: 'message', status: item.status, role: item.role, content: item.content.map((c) => ({ ...c })) };
}

/** The text of an item for reply lookup: typed text or the recognised transcript. */
export function itemText(item: ConversationItem): string {
  return item.content
    .map((c) => ('text' in c ? c.text : (c.transcript ?? '')))
    .join(' ')
    .trim();
}

export interface Conversation {
  readonly id: string;
  add(item: ConversationItem): { previousItemId: string | null };
  get(id: string): ConversationItem | undefined;
  /** Id of the last item, the `previous_item_id` of the next. */
  lastId(): string | null;
  /** The most recent user item with text or a transcript. */
  lastUserText(): string;
  delete(id: string): boolean;
}

export function createConversation(id: string): Conversation {
  const items: ConversationItem[] = [];
  return {
    id,
    add(item) {
      const previousItemId = items[items.length - 1]?.id ?? null;
      items.push(item);
      return { previousItemId };
    },
    get: (id) => items.find((item) => item.id === id),
    lastId: () => items[items.length - 1]?.id ?? null,
    lastUserText() {
      for (let i = items.length - 1; i >= 0; i--) {
        const item = items[i];
        if (item?.role === 'user') {
          const text = itemText(item);
          if (text !== '') return text;
        }
      }
      return '';
    },
    delete(id) {
      const index = items.findIndex((item) => item.id === id);
      if (index < 0) return false;
      items.splice(index, 1);
      return true;
    },
  };
}
