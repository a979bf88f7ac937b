/** OpenAI chat completions request validation (what a voice agent sends through the SDK). */
import { describe, expect, it } from 'vitest';
import { ChatCompletionRequest, describeIssues, messageText } from '../../harness/protocol/index.ts';

describe('ChatCompletionRequest', () => {
  it('accepts a streaming request and keeps fields it does not model', () => {
    const request = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a phone agent.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: null },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: null,
      temperature: 0.3,
      user: 'caller-1',
    };
    const parsed = ChatCompletionRequest.safeParse(request);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toMatchObject({ user: 'caller-1', stream: true });
  });

  it('rejects an empty model, no messages, or an unknown role, naming the field', () => {
    const issues = (value: unknown): string => {
      const parsed = ChatCompletionRequest.safeParse(value);
      return parsed.success ? '' : describeIssues(parsed.error);
    };
    expect(issues({ model: '', messages: [{ role: 'user', content: 'x' }] })).toMatch(/^model: /);
    expect(issues({ model: 'm', messages: [] })).toMatch(/^messages: /);
    expect(issues({ model: 'm', messages: [{ role: 'caller', content: 'x' }] })).toMatch(/^messages\.0\.role: /);
    expect(issues({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: 'yes' })).toMatch(/^stream: /);
  });
});

describe('messageText', () => {
  it('reads string, part-array and empty content', () => {
    expect(messageText('Hello')).toBe('Hello');
    expect(messageText([{ type: 'text', text: 'Hel' }, { type: 'image_url' }, { type: 'text', text: 'lo' }])).toBe('Hello');
    expect(messageText(null)).toBe('');
    expect(messageText(undefined)).toBe('');
  });
});
