import { defineConfig } from 'vitest/config';

// test/global-websocket.test.mjs uses the global WebSocket, which Node 20 has behind a flag (Node 22
// has it unflagged). The agent's `ws` sockets and the SDKs' are unaffected: they do not look for it.
export default defineConfig({
  test: { execArgv: typeof globalThis.WebSocket === 'undefined' ? ['--experimental-websocket'] : [] },
});
