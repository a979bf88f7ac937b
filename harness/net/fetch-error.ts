/**
 * What went wrong with a `fetch`, in one line. Node's fetch (undici) rejects every network failure
 * with the same `TypeError: fetch failed` and keeps the reason in `error.cause`: a refused
 * connection (ECONNREFUSED), a reset (ECONNRESET), a socket the other side closed mid-answer
 * (UND_ERR_SOCKET). Without the cause, "fetch failed" tells the user nothing to act on.
 */
export function fetchErrorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (!(cause instanceof Error)) return error.message;
  const code = (cause as NodeJS.ErrnoException).code;
  const reason = code !== undefined && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  return `${error.message} (${reason})`;
}
