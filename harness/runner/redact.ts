/**
 * Secrets out of a command line before it is printed or stored. `--agent-cmd` strings carry keys
 * inline (`OPENAI_API_KEY=sk-… node agent.js`, `--auth-token X`), and the command is echoed in
 * the progress line, in result.json and in start errors. Redacted:
 * - `NAME=value` where NAME contains KEY, TOKEN, SECRET or PASSWORD (any case), quoted or not:
 *   `NAME=***` (this also covers `--api-key=X` and `?token=X` in a URL);
 * - the value after such a flag: `--auth-token X` → `--auth-token ***`;
 * - `Bearer X` → `Bearer ***`, and the password of a URL (`https://user:***@host`).
 */

const SECRET_NAME = /key|token|secret|password/i;
/** One shell word: quoted parts and bare characters, up to a blank or a shell operator. */
const WORD = String.raw`(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s"';&|()<>])+`;

const ASSIGNMENT = new RegExp(String.raw`\b([A-Za-z_][A-Za-z0-9_]*)=(${WORD})`, 'g');
const FLAG_VALUE = new RegExp(String.raw`(^|\s)(--?[A-Za-z][\w-]*)(\s+)(?!-)(${WORD})`, 'g');
const BEARER = /\b(Bearer\s+)[^\s"']+/gi;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi;

export const REDACTED = '***';

export function redactSecrets(text: string): string {
  return text
    .replace(ASSIGNMENT, (whole, name: string) => (SECRET_NAME.test(name) ? `${name}=${REDACTED}` : whole))
    .replace(FLAG_VALUE, (whole, before: string, flag: string, gap: string) => (SECRET_NAME.test(flag) ? `${before}${flag}${gap}${REDACTED}` : whole))
    .replace(BEARER, `$1${REDACTED}`)
    .replace(URL_PASSWORD, `$1${REDACTED}@`);
}
