import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listen.js';

/**
 * The demo's stand-in for the internet: an HTTP API on 127.0.0.1 (random port) with the behaviours the
 * scenarios need. Latencies are pseudo-random but fixed per path, so a sequential and a concurrent run of
 * the same work see the same server.
 *
 * - `GET /items/N`          JSON `{ id, value }` after 5-40 ms; every 7th item (N % 7 === 3) answers 500.
 * - `GET /pages/N?run=R`    an HTML page after 40-80 ms; page 5 answers 429 with `Retry-After: 1` on the first
 *                           request of each run R.
 * - `GET /api/{users,posts,comments}/N`  JSON after 10-30 ms.
 * - `GET /flaky/N?run=R`    500 for the first N % 3 requests of each run R, then JSON.
 * - `GET /unstable`         always 500 after 2 ms.
 * - `GET /slow`             JSON after 2 s (the timeout scenario gives up long before).
 * Keep-alive is on, so pooled agents reuse their sockets; `close()` ends every connection.
 */
export interface DemoServer {
  readonly url: string;
  /** Requests answered so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/** Deterministic 0..1 from a string (FNV-1a), so latencies are stable per path. */
function unit(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) / 4294967296;
}

interface Answer {
  status: number;
  body: unknown;
  delay: number;
  headers?: Record<string, string>;
}

/** Starts the demo API on loopback. */
export async function startDemoServer(): Promise<DemoServer> {
  const hits = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  const count = (key: string) => {
    const n = (hits.get(key) ?? 0) + 1;
    hits.set(key, n);
    return n;
  };

  const route = (url: URL): Answer => {
    const path = url.pathname;
    const run = url.searchParams.get('run') ?? '';
    const jitter = (lo: number, hi: number) => Math.round(lo + unit(path) * (hi - lo));
    let m = /^\/items\/(\d+)$/.exec(path);
    if (m) {
      const id = Number(m[1]);
      if (id % 7 === 3) return { status: 500, body: { error: `item ${id} is broken` }, delay: jitter(5, 40) };
      return { status: 200, body: { id, value: Math.round(unit(`v${id}`) * 1000) }, delay: jitter(5, 40) };
    }
    m = /^\/pages\/(\d+)$/.exec(path);
    if (m) {
      const n = Number(m[1]);
      if (n === 5 && count(`${path}?${run}`) === 1)
        return { status: 429, body: { error: 'slow down' }, delay: 2, headers: { 'retry-after': '1' } };
      const words = 20 + Math.round(unit(`w${n}`) * 200);
      const html = `<!doctype html><html><head><title>Page ${n}</title></head><body><h1>Page ${n}</h1><p>${'lorem '.repeat(words)}</p><a href="/pages/${n + 1}">next</a></body></html>`;
      return { status: 200, body: html, delay: jitter(40, 80) };
    }
    m = /^\/api\/(users|posts|comments)\/(\d+)$/.exec(path);
    if (m)
      return {
        status: 200,
        body: { kind: m[1], id: Number(m[2]), count: jitter(1, 9) },
        delay: jitter(10, 30),
      };
    m = /^\/flaky\/(\d+)$/.exec(path);
    if (m) {
      const failures = Number(m[1]) % 3;
      if (count(`${path}?${run}`) <= failures) return { status: 500, body: { error: 'flaky' }, delay: 3 };
      return { status: 200, body: { id: Number(m[1]), recovered: failures > 0 }, delay: jitter(5, 15) };
    }
    if (path === '/unstable') return { status: 500, body: { error: 'unstable' }, delay: 2 };
    if (path === '/slow') return { status: 200, body: { slow: true }, delay: 2000 };
    return { status: 404, body: { error: `no route for ${path}` }, delay: 0 };
  };

  const send = (res: ServerResponse, a: Answer) => {
    const text = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
    res.sendDate = false;
    res.writeHead(a.status, {
      'content-type': typeof a.body === 'string' ? 'text/html; charset=utf-8' : 'application/json',
      'content-length': Buffer.byteLength(text),
      ...a.headers,
    });
    res.end(text);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests++;
    const answer = route(new URL(req.url ?? '/', 'http://127.0.0.1'));
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) send(res, answer);
    }, answer.delay);
    timers.add(timer);
    // A client that gave up (timeout, cancellation) closes its socket: drop the pending answer with it.
    res.on('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  });
  server.keepAliveTimeout = 5_000;
  const listening = await listenOnLoopback(server);
  return {
    url: listening.url,
    get requests() {
      return requests;
    },
    close() {
      // The timers of answers still pending would outlive the server: clear them first.
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return listening.close();
    },
  };
}
