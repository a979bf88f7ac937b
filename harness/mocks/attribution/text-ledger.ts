/**
 * Ties the text-only upstream requests (chat completions, Deepgram speak) to calls through the
 * text this run's mocks produced: a chat request carries the caller's words that the listen mock
 * sent on one call's connection; a speak request carries the reply the chat mock sent to one call.
 * Only what was produced recently counts (agents forward at once; the window only keeps a long run
 * from matching old text). When two live calls would produce the same words, the producing mock
 * adds an invisible call mark (./text-mark.ts) so the text still tells them apart; without a mark,
 * text that fits more than one call ties nothing, and says why.
 */
import type { Clock } from '../../clock.ts';
import type { CallBook } from './call-book.ts';
import { markSentences, markTranscript, normaliseText, readTextMarks } from './text-mark.ts';

/** How long produced text stays evidence. */
export const TEXT_WINDOW_MS = 60_000;
/** Speak text shorter than this (after normalising) is too common to tie anything by itself. */
const MIN_SPEECH_CHARS = 12;

export type TextTie = { ok: true; call: string; detail: string } | { ok: false; reason: string };

export interface TextLedger {
  /**
   * The listen mock is about to send a final transcript on a connection of `call`: returns the text
   * to send, marked when another live call may say the same words.
   */
  transcript(call: string, text: string, shared: boolean): { text: string; marked: boolean };
  /** The chat mock is about to stream `text` to `call`: returns the text to stream, marked when shared. */
  reply(call: string, text: string, shared: boolean): { text: string; marked: boolean };
  /** The call a chat request belongs to, from its last user message. */
  tieUserText(text: string): TextTie;
  /** The call a speak request belongs to, from the text it asks to be spoken. */
  tieSpeechText(text: string): TextTie;
}


interface Produced {
  call: string;
  text: string;
  t: number;
}

function containsWords(haystack: string, needle: string): boolean {
  return needle !== '' && ` ${haystack} `.includes(` ${needle} `);
}

export function createTextLedger(clock: Clock, calls: CallBook): TextLedger {
  const finals: Produced[] = [];
  const replies: Produced[] = [];
  const recent = (list: Produced[]): Produced[] => {
    const since = clock.now() - TEXT_WINDOW_MS;
    while (list.length > 0 && (list[0]?.t ?? 0) < since) list.shift();
    return list;
  };
  const byMark = (text: string): TextTie | undefined => {
    const owners = new Set(readTextMarks(text).map((token) => calls.callOfToken(token)));
    if (owners.size === 0) return undefined;
    const [call] = owners;
    if (owners.size > 1 || call === undefined) return { ok: false, reason: 'the text carries marks of different calls' };
    return { ok: true, call, detail: 'text mark' };
  };
  /** The one call the fitting text came from: live calls first (an ended call rarely still talks upstream). */
  const single = (all: Produced[], what: string): TextTie => {
    const live = all.filter((p) => calls.isLive(p.call));
    const fits = live.length > 0 ? live : all;
    const owners = [...new Set(fits.map((p) => p.call))];
    if (owners.length === 1 && owners[0] !== undefined) return { ok: true, call: owners[0], detail: `${what} '${fits[fits.length - 1]?.text ?? ''}'` };
    if (owners.length === 0) return { ok: false, reason: `no call was sent this ${what} in the last ${TEXT_WINDOW_MS / 1000} s` };
    return { ok: false, reason: `${owners.length} calls were sent this ${what}` };
  };
  return {
    transcript(call, text, shared) {
      const clean = normaliseText(text);
      if (clean !== '') recent(finals).push({ call, text: clean, t: clock.now() });
      const token = calls.tokenOf(call);
      if (!shared || token === undefined || clean === '') return { text, marked: false };
      return { text: markTranscript(text, token), marked: true };
    },
    reply(call, text, shared) {
      recent(replies).push({ call, text: normaliseText(text), t: clock.now() });
      const token = calls.tokenOf(call);
      if (!shared || token === undefined) return { text, marked: false };
      return { text: markSentences(text, token), marked: true };
    },
    tieUserText(text) {
      const marked = byMark(text);
      if (marked !== undefined) return marked;
      const said = normaliseText(text);
      if (said === '') return { ok: false, reason: 'the request has no user text' };
      return single(recent(finals).filter((p) => containsWords(said, p.text)), 'transcript');
    },
    tieSpeechText(text) {
      const marked = byMark(text);
      if (marked !== undefined) return marked;
      const spoken = normaliseText(text);
      if (spoken.length < MIN_SPEECH_CHARS) return { ok: false, reason: 'too little text to tell calls apart' };
      return single(recent(replies).filter((p) => containsWords(p.text, spoken)), 'reply');
    },
  };
}
