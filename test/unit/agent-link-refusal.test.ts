/** Which failed WebSocket upgrades no retry can fix, read from the failure reason. */
import { describe, expect, it } from 'vitest';
import { permanentRefusal } from '../../agent/upstream/link-lifecycle.ts';

describe('permanentRefusal', () => {
  it('reads the status of a refused upgrade, as ws and the Realtime link word it', () => {
    expect(permanentRefusal('Unexpected server response: 401')).toBe(401);
    expect(permanentRefusal('Unexpected server response: 403')).toBe(403);
    expect(permanentRefusal('HTTP 401: Incorrect API key provided: sk-***1234.')).toBe(401);
    expect(permanentRefusal('HTTP 400: Invalid query parameter')).toBe(400);
    expect(permanentRefusal('HTTP 404: Not Found')).toBe(404);
  });

  it('leaves what a retry may fix: rate limits, server errors, resets and timeouts', () => {
    for (const reason of ['Unexpected server response: 429', 'HTTP 503: overloaded', 'HTTP 500', 'read ECONNRESET', 'no connection within 5000 ms', 'closed by the service']) {
      expect(permanentRefusal(reason), reason).toBeUndefined();
    }
  });
});
