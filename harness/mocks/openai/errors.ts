/** OpenAI error responses: status, the documented `{ error: { message, type, param, code } }` body, headers. */
import type { MockResponse } from '../transport/http.ts';
import type { OpenAIErrorBody } from '../../protocol/openai.ts';

export interface OpenAIError {
  status: number;
  body: OpenAIErrorBody;
}

function error(status: number, message: string, type: string, param: string | null = null, code: string | null = null): OpenAIError {
  return { status, body: { error: { message, type, param, code } } };
}

/** Redacts a key the way the API echoes it: first 3 characters, the last 4. */
function redact(key: string): string {
  return key.length <= 8 ? '*'.repeat(key.length) : `${key.slice(0, 3)}*${'*'.repeat(Math.min(key.length - 7, 10))}${key.slice(-4)}`;
}

export const openAIErrors = {
  missingKey: (): OpenAIError =>
    error(
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
      'invalid_request_error',
    ),
  invalidKey: (key: string): OpenAIError =>
    error(
      401,
      `Incorrect API key provided: ${redact(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      'invalid_request_error',
      null,
      'invalid_api_key',
    ),
  invalidUrl: (method: string, path: string): OpenAIError => error(404, `Invalid URL (${method} ${path})`, 'invalid_request_error'),
  invalidJson: (): OpenAIError =>
    error(
      400,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
      'invalid_request_error',
    ),
  invalidParam: (param: string | null, message: string, code: string | null): OpenAIError =>
    error(400, message, 'invalid_request_error', param, code),
  tooLarge: (): OpenAIError => error(413, 'Request body too large.', 'invalid_request_error'),
  rateLimited: (model: string): OpenAIError =>
    error(
      429,
      `Rate limit reached for ${model} in organization org-callbench on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit https://platform.openai.com/account/rate-limits to learn more.`,
      'requests',
      null,
      'rate_limit_exceeded',
    ),
  serverError: (): OpenAIError => error(500, 'The server had an error while processing your request. Sorry about that!', 'server_error'),
  overloaded: (): OpenAIError => error(503, 'The server is overloaded or not ready yet.', 'server_error'),
};

/**
 * Writes `err` with the headers the API sends on errors. Unless `retryable`, `x-should-retry: false`
 * keeps the SDK from retrying; a retryable error (an injected 429/5xx) leaves the SDK to its retry
 * policy, as the live service does.
 */
export function sendError(res: MockResponse, err: OpenAIError, requestId: string, retryable = false): void {
  const body = JSON.stringify(err.body);
  res.writeHead(err.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
    'openai-version': '2020-10-01',
    ...(retryable ? {} : { 'x-should-retry': 'false' }),
  });
  res.end(body);
}
