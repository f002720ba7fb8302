import type { ServerResponse } from 'node:http';

/**
 * Listening on 127.0.0.1 with a free port, and a `close()` that also ends kept-alive connections: the same
 * helper the `ferris demo` API uses (scaffolding shared with the CLI, not part of Ferris's public API).
 */
export { type Listening, listenOnLoopback } from '../../src/cli/listen.js';

/** One answer of a loopback example server. */
export interface Reply {
  /** HTTP status. @default 200 */
  status?: number;
  /** Content type. @default 'application/json' for non-string bodies, 'text/plain' for strings */
  type?: string;
  /** Body: a string is sent as is, anything else as JSON. */
  body: unknown;
  /** Milliseconds to wait before answering. @default 0 */
  delay?: number;
}

/** Writes `reply` with its length; `headers` adds to (or overrides) the defaults. */
export function sendReply(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const type = reply.type ?? (typeof reply.body === 'string' ? 'text/plain' : 'application/json');
  // No Date header: Node caches it behind a 1 s timer, which would outlive a short example.
  res.sendDate = false;
  res.writeHead(reply.status ?? 200, {
    'content-type': `${type}; charset=utf-8`,
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
