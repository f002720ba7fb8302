/**
 * A tiny HTTP server on 127.0.0.1 (random port) that stands in for the hosts the PyFerris examples call
 * (httpbin.org, example.com, api.example.com), so every example runs offline.
 *
 * Built-in routes, shaped like httpbin's:
 * - `GET /delay/N`   waits N **milliseconds** (httpbin counts seconds), then answers JSON `{ url, delay }`;
 * - `GET /status/N`  answers with status N and a short text body;
 * - `GET /json`      answers a small JSON document;
 * - `GET /html`      answers an HTML page;
 * - `GET /pageN`     answers an HTML page titled "Page N" with links to its neighbours (example.com pages).
 * `routes` answers before the built-ins; return `undefined` to fall through. Unknown paths get 404.
 *
 * Every response says `connection: close`, and `close()` ends open connections, so no socket outlives it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback, type Reply, sendReply } from './listen.js';

/** What a route answers. */
export type { Reply } from './listen.js';

/** A custom route: answers a request, or returns `undefined` to let the built-in routes try. */
export type Route = (url: URL) => Reply | undefined;

/** A running loopback server. */
export interface LoopbackServer extends AsyncDisposable {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Requests answered or still open so far. */
  readonly requests: number;
  /** Ends every connection and stops listening; resolves once the server is closed. Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link startLoopbackServer}. */
export interface LoopbackServerOptions {
  /** Routes tried before the built-in ones. */
  routes?: Route;
  /** Milliseconds every answer waits, on top of its own `delay` (network latency). @default 0 */
  latency?: number;
}

/** An HTML page like the ones example.com serves: a `<title>`, a heading, a paragraph and links. */
export function htmlPage(title: string, paragraph: string, links: string[] = []): string {
  const anchors = links.map((href) => `<li><a href="${href}">${href}</a></li>`).join('');
  return `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>${paragraph}</p><ul>${anchors}</ul></body></html>`;
}

function builtIn(url: URL): Reply | undefined {
  const path = url.pathname;
  const delay = /^\/delay\/(\d+)$/.exec(path);
  if (delay) return { body: { url: url.href, delay: Number(delay[1]) }, delay: Number(delay[1]) };
  const status = /^\/status\/(\d{3})$/.exec(path);
  if (status) return { status: Number(status[1]), body: `status ${status[1]}` };
  if (path === '/json')
    return { body: { slideshow: { title: 'Sample Slide Show', slides: [{ title: 'Wake up' }] } } };
  if (path === '/html')
    return { type: 'text/html', body: htmlPage('Example Domain', 'This domain is for use in examples.') };
  const page = /^\/page(\d+)$/.exec(path);
  if (page) {
    const n = Number(page[1]);
    const links = [n > 1 ? `/page${n - 1}` : undefined, `/page${n + 1}`].filter((l): l is string => !!l);
    return { type: 'text/html', body: htmlPage(`Page ${n}`, `Content of page ${n}. `.repeat(n), links) };
  }
  return undefined;
}

function send(res: ServerResponse, reply: Reply): void {
  sendReply(res, reply, { connection: 'close' });
}

/**
 * Starts a loopback server on 127.0.0.1 with an OS-chosen port.
 * @example
 * ```ts
 * await using server = await startLoopbackServer();
 * const res = await fetch(`${server.url}/delay/5`);
 * ```
 */
export async function startLoopbackServer(options: LoopbackServerOptions = {}): Promise<LoopbackServer> {
  let requests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests++;
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    let reply: Reply | undefined;
    try {
      reply = options.routes?.(url) ?? builtIn(url);
    } catch (error) {
      reply = { status: 500, body: { error: String(error) } };
    }
    const answer = reply ?? { status: 404, body: { error: `no route for ${url.pathname}` } };
    const wait = (answer.delay ?? 0) + (options.latency ?? 0);
    if (wait <= 0) {
      send(res, answer);
      return;
    }
    // A client that gives up (its fetch was aborted) closes the socket: drop the timer with it.
    const timer = setTimeout(() => send(res, answer), wait);
    res.on('close', () => clearTimeout(timer));
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    get requests() {
      return requests;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
