/** One evidence line for messages the agent sent when it should have sent nothing: how many, of what, over which span. */
import type { EventOf } from '../../caller/timeline.ts';

type Stray = EventOf<'early_message'> | EventOf<'after_stop'>;

/** `3 messages (media ×2, mark ×1), from 0.900 s to 0.700 s`: `at` renders a time (the caller says before or after what). */
export function strayLine(messages: readonly Stray[], at: (t: number) => string): string | undefined {
  const first = messages[0];
  const last = messages[messages.length - 1];
  if (first === undefined || last === undefined) return undefined;
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m.what, (counts.get(m.what) ?? 0) + 1);
  const kinds = [...counts].map(([what, n]) => `${what} ×${n}`).join(', ');
  const span = first === last ? `at ${at(first.t)}` : `from ${at(first.t)} to ${at(last.t)}`;
  return `${messages.length} message${messages.length === 1 ? '' : 's'} (${kinds}), ${span}`;
}
