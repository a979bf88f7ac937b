/**
 * The mock OpenAI host on 127.0.0.1: POST /v1/chat/completions (and /chat/completions, for base
 * URLs without /v1). Its `url` is the SDK base URL, http://127.0.0.1:PORT/v1.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { MockContext, MockServer } from '../context.ts';
import { handleChatCompletion } from './chat.ts';
import { openAIErrors, sendError } from './errors.ts';

const CHAT_PATHS = new Set(['/v1/chat/completions', '/chat/completions']);

/** Listens on 127.0.0.1:`port` (0: any free port). */
export async function startOpenAIMock(ctx: MockContext, port = 0): Promise<MockServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method === 'POST' && CHAT_PATHS.has(path)) {
      handleChatCompletion(req, res, ctx).catch((error: unknown) => {
        // A bug in the mock, not a modeled failure: answer 500 if nothing was sent yet.
        if (!res.headersSent) {
          sendError(res, { status: 500, body: { error: { message: String(error), type: 'server_error', param: null, code: null } } }, `req_${randomBytes(16).toString('hex')}`);
        } else {
          res.destroy();
        }
      });
      return;
    }
    req.resume();
    sendError(res, openAIErrors.invalidUrl(req.method ?? 'GET', path), `req_${randomBytes(16).toString('hex')}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/v1`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
