import type { MockContext } from '../context.ts';

/** What a mock WebSocket handler knows about its connection. */
export interface SocketArgs {
  ctx: MockContext;
  /** Journal id of this connection. */
  connection: string;
  /** The upgrade request's query parameters. */
  params: URLSearchParams;
  /** The dg-request-id of this connection. */
  requestId: string;
}
