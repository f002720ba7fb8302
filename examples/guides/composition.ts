/**
 * Composition: one API call made rate-limited, retried, circuit-broken and pooled, fanned out over many
 * items. Each Ferris primitive does one job, and they nest:
 *
 *   asyncParallelMap(callApi, ids, { maxConcurrent: 4, limiter })   at most 4 items at once, each after a token
 *     retry(attempt, { attempts: 4, backoff, retryIf })              transient failures are tried again
 *       breaker.run(...)                                             an open circuit fails fast, without a call
 *         pool.use((conn) => conn.getJson(...))                      one of at most 4 keep-alive connections
 *
 * The server is a loopback JSON API. Phase 1 ("flaky"): the first request for every third item (ids 2, 5, 8,
 * 11) answers 503, so those items succeed on their second attempt; at most 4 failures in all, fewer than the
 * breaker's threshold of 5 in a row, so the circuit stays closed whatever order the requests land in. Phase 2
 * ("outage"): every request answers 503. Items are called one after another so the story is exact: the
 * first item uses up its 4 attempts (RetryError), the second item's first failure is the fifth in a row and
 * opens the circuit, so its retry is refused (CircuitOpenError is not retried), and the third item is refused
 * without reaching the server. Once the server is back and `resetTimeout` has passed, one trial call closes
 * the circuit again.
 *
 * The map's `limiter` spends one token per item; to rate-limit every attempt instead, wrap the attempt in
 * `limiter.run(...)`. The pool's connections are real keep-alive sockets: the server sees as many TCP
 * connections as the pool created.
 *
 * Run: npx tsx examples/guides/composition.ts
 */
import {
  asyncParallelMap,
  CircuitBreaker,
  CircuitOpenError,
  RateLimiter,
  ResourcePool,
  retry,
  sleep,
} from 'ferris';
import { HttpError, HttpSession } from './support/HttpSession.js';
import { isMain } from './support/isMain.js';
import { startServer } from './support/server.js';

/** Worth another attempt: a 5xx answer or a network error; not a 4xx, not an open circuit. */
const isTransient = (error: unknown) =>
  !(error instanceof CircuitOpenError) && (!(error instanceof HttpError) || error.status >= 500);

interface Item {
  id: number;
  value: number;
}

export async function main() {
  let down = false;
  const requestsPerItem = new Map<number, number>();
  const server = await startServer((url) => {
    const id = Number(/^\/items\/(\d+)$/.exec(url.pathname)?.[1]);
    if (!Number.isInteger(id)) return { status: 404, body: { error: 'no such route' } };
    const n = (requestsPerItem.get(id) ?? 0) + 1;
    requestsPerItem.set(id, n);
    if (down) return { status: 503, body: { error: 'outage' } };
    if (id % 3 === 2 && n === 1) return { status: 503, body: { error: 'busy, try again' } };
    return { body: { id, value: id * id }, delay: 3 };
  });

  // A pooled connection is a session limited to one keep-alive socket.
  const pool = new ResourcePool<HttpSession>({
    create: () => new HttpSession(server.url, { maxSockets: 1 }),
    destroy: (conn) => conn.close(),
    validate: (conn) => !conn.closed,
    max: 4,
  });
  const breaker = new CircuitBreaker({
    failureThreshold: 5,
    resetTimeout: 100,
    isFailure: isTransient, // a 404 says nothing about the service's health
  });
  const transitions: string[] = [];
  const off = breaker.on('stateChange', ({ from, to }) => {
    transitions.push(`${from} -> ${to}`);
    console.log(`  breaker: ${from} -> ${to}`);
  });
  const limiter = new RateLimiter({ rate: 4, per: 10 }); // bursts of 4, then one item every 2.5 ms

  let calls = 0;
  let retries = 0;
  const callApi = (id: number, signal?: AbortSignal) =>
    retry(
      (attemptSignal) => {
        calls++;
        return breaker.run(
          (s) => pool.use((conn) => conn.getJson<Item>(`/items/${id}`, { signal: s }), { signal: s }),
          { signal: attemptSignal },
        );
      },
      {
        attempts: 4,
        backoff: { initial: 2, max: 20 },
        retryIf: isTransient,
        onRetry: (error, attempt) => {
          retries++;
          console.log(
            `  [expected] item ${id}: attempt ${attempt} failed (${(error as Error).message}), retrying`,
          );
        },
        signal,
      },
    );

  try {
    console.log('Phase 1: a flaky API');
    const ids = Array.from({ length: 12 }, (_, i) => i);
    const results = await asyncParallelMap((id: number, _index, signal) => callApi(id, signal), ids, {
      maxConcurrent: 4,
      limiter,
    });
    const flaky = {
      results,
      calls,
      retries,
      serverRequests: server.requests,
      connections: server.connections,
      breakerState: breaker.state,
      pool: pool.stats(),
    };
    console.log(`Got ${results.length} items: ${results.map((r) => r.value).join(', ')}`);
    console.log(
      `${calls} calls (${ids.length} items + ${retries} retries); the server saw ${server.requests}`,
    );
    console.log(`${server.connections} TCP connections, pool created ${flaky.pool.created} (max 4)`);
    console.log(`Breaker after phase 1: ${flaky.breakerState}`);

    console.log('Phase 2: an outage, then recovery');
    down = true;
    const before = server.requests;
    const outage: string[] = [];
    for (const id of [100, 101, 102]) {
      try {
        await callApi(id);
        outage.push(`item ${id}: ok`);
      } catch (error) {
        outage.push(`item ${id}: ${(error as Error).name}`);
      }
      console.log(
        `  ${outage.at(-1)?.endsWith(': ok') ? '' : '[expected] '}${outage.at(-1)} (breaker ${breaker.state})`,
      );
    }
    const outageRequests = server.requests - before;
    console.log(`During the outage the server saw ${outageRequests} requests for 3 items`);

    down = false;
    await sleep(110); // longer than resetTimeout: the next call is a trial
    const recovered = await callApi(103);
    console.log(`After recovery: item 103 = ${recovered.value}, breaker ${breaker.state}`);
    console.log('Breaker stats:', breaker.stats());
    console.log('Limiter stats:', limiter.stats());
    return {
      flaky,
      outage,
      outageRequests,
      recovered,
      transitions,
      finalState: breaker.state,
      breaker: breaker.stats(),
    };
  } finally {
    off();
    await pool.close();
    await server.close();
    console.log('Pool after close:', pool.stats());
  }
}

if (isMain(import.meta.url)) await main();
