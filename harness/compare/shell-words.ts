/**
 * A variant's flags, written as one string on the command line (`--variant mine='--agent-cmd
 * "node a.js"'`), split into arguments the way sh splits words: whitespace separates, single
 * quotes keep everything literally, double quotes keep whitespace and let a backslash escape
 * `"`, `\` and `$`, and a backslash outside quotes keeps the next character. No expansion of
 * any kind: the words are flags, not a script. Pure.
 */

export type Words = { ok: true; words: string[] } | { ok: false; expected: string };

export function splitWords(text: string): Words {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1] ?? '')) word += text[++i] ?? '';
      else word += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'" || c === '"') quote = c;
    else if (c === '\\') {
      if (i + 1 >= text.length) return { ok: false, expected: 'a lone backslash at the end' };
      word += text[++i] ?? '';
    } else word += c;
  }
  if (quote !== undefined) return { ok: false, expected: `an unterminated ${quote === "'" ? 'single' : 'double'} quote` };
  if (inWord) words.push(word);
  return { ok: true, words };
}
