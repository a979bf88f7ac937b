import type { MockContext } from '../context.ts';

/** What a mock WebSocket handler knows about its connection. */
export interface SocketArgs {
  ctx: MockContext;
  /** Journal id of this connection. */
  connection: string;
  /** Call id from the x-callbench-call header, when the agent sent one. */
  call: string | undefined;
  /** The upgrade request's query parameters. */
  params: URLSearchParams;
  /** The dg-request-id of this connection. */
  requestId: string;
}
