/** Secrets in an --agent-cmd string never reach the progress line, result.json or an error message. */
import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../harness/runner/redact.ts';

describe('redactSecrets', () => {
  it.each([
    ['OPENAI_API_KEY=sk-abc123 node agent.js', 'OPENAI_API_KEY=*** node agent.js'],
    ['DEEPGRAM_API_KEY=dg1 OPENAI_API_KEY=sk2 python agent.py', 'DEEPGRAM_API_KEY=*** OPENAI_API_KEY=*** python agent.py'],
    ['export TWILIO_AUTH_TOKEN=abc; node a.js', 'export TWILIO_AUTH_TOKEN=***; node a.js'],
    ['MY_SECRET="two words" DB_PASSWORD=\'p w\' node a.js', 'MY_SECRET=*** DB_PASSWORD=*** node a.js'],
    ['api_key=lower node a.js', 'api_key=*** node a.js'],
    ['ApiKey=x node a.js', 'ApiKey=*** node a.js'],
    ['node a.js --auth-token abc --port 3000', 'node a.js --auth-token *** --port 3000'],
    ['node a.js --auth-token=abc', 'node a.js --auth-token=***'],
    ['node a.js --api-key "k e y"', 'node a.js --api-key ***'],
    ['node a.js --password hunter2 && echo done', 'node a.js --password *** && echo done'],
    ["curl -H 'Authorization: Bearer sk-xyz' http://x", "curl -H 'Authorization: Bearer ***' http://x"],
    ['node a.js --url https://user:pa55@example.test/v1', 'node a.js --url https://user:***@example.test/v1'],
    ['node a.js --webhook http://127.0.0.1:3000/voice?token=t0k', 'node a.js --webhook http://127.0.0.1:3000/voice?token=***'],
  ])('%s', (command, redacted) => {
    expect(redactSecrets(command)).toBe(redacted);
  });

  it('leaves a command without secrets as it is', () => {
    for (const command of ['node dist/server.js', 'PORT=3000 HOST=0.0.0.0 npm start', 'AGENT_MODE=realtime npx callbench agent --tts ws', 'node a.js --config=/etc/agent.json']) {
      expect(redactSecrets(command)).toBe(command);
    }
  });

  it('keeps the flag after a secret-named flag whose value is missing', () => {
    expect(redactSecrets('node a.js --auth-token --port 3')).toBe('node a.js --auth-token --port 3');
  });
});
