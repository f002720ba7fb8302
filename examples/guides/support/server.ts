/**
 * A small HTTP server on 127.0.0.1 (port 0) standing in for the sites and APIs the guides call, so every
 * example runs offline. It keeps connections alive, so a client that reuses its sockets (a session, a pooled
 * connection) is seen doing so: it counts requests and the TCP connections they came on. `close()` ends every
 * connection, and no `Date` header is sent (Node caches that header behind a process-wide timer).
 *
 * Built-in routes, shaped like httpbin's: `/delay/N` waits N **milliseconds** and answers JSON; `/status/N`
 * answers status N; `/json` a small JSON document; `/html` an HTML page. `routes` answers first; return
 * `undefined` to fall through. Unknown paths get 404.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback, type Reply, sendReply } from '../../support/listen.js';

/** What a route answers. */
export type { Reply } from '../../support/listen.js';

/** Answers request number `n` (1 for the first) for `url`, or returns `undefined` to fall through. */
export type Route = (url: URL, n: number) => Reply | undefined;

/** A running server. */
export interface LoopbackServer extends AsyncDisposable {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Requests received so far. */
  readonly requests: number;
  /** TCP connections opened to it so far. */
  readonly connections: number;
  /** Ends every connection and stops listening. Safe to call twice. */
  close(): Promise<void>;
}

const EXAMPLE_HTML =
  '<!doctype html><html><head><title>Example Domain</title></head>' +
  '<body><h1>Example Domain</h1><p>This domain is for use in examples.</p></body></html>';

function builtIn(url: URL): Reply | undefined {
  const path = url.pathname;
  const delay = /^\/delay\/(\d+)$/.exec(path);
  if (delay) return { body: { path, delay: Number(delay[1]) }, delay: Number(delay[1]) };
  const status = /^\/status\/(\d{3})$/.exec(path);
  if (status) return { status: Number(status[1]), body: `status ${status[1]}` };
  if (path === '/json') return { body: { slideshow: { title: 'Sample Slide Show', slides: 2 } } };
  if (path === '/html') return { type: 'text/html', body: EXAMPLE_HTML };
  return undefined;
}

function send(res: ServerResponse, reply: Reply): void {
  sendReply(res, reply);
}

/** Starts the server; `routes` answers before the built-in routes. */
export async function startServer(routes?: Route): Promise<LoopbackServer> {
  let requests = 0;
  let connections = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const n = ++requests;
    let reply: Reply | undefined;
    try {
      reply = routes?.(url, n) ?? builtIn(url);
    } catch (error) {
      reply = { status: 500, body: { error: String(error) } };
    }
    const answer = reply ?? { status: 404, body: { error: `no route for ${url.pathname}` } };
    if (!answer.delay) return send(res, answer);
    // A client that gives up closes the connection: drop the timer with it.
    const timer = setTimeout(() => send(res, answer), answer.delay);
    res.on('close', () => clearTimeout(timer));
  });
  server.on('connection', () => {
    connections++;
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    get requests() {
      return requests;
    },
    get connections() {
      return connections;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
