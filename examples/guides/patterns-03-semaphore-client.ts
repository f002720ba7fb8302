/**
 * Limiting concurrency with a semaphore (patterns guide, "Concurrency Patterns" > Semaphore for Rate
 * Limiting; essential guide, Best Practices 4 "Limit Concurrent Operations"; asyncio guide, "Advanced
 * Patterns" > Semaphores). The patterns guide's `RateLimitedClient` wraps every request in `async with
 * self._semaphore:`; in TypeScript that is `using _permit = await semaphore.acquire({ signal })` (released
 * when the block exits, even on a throw) or `semaphore.run(fn)`.
 *
 * The client fetches 10 loopback URLs (5 ms each) with at most 3 in flight, and counts the peak. The other
 * guides' generic `limited_concurrent_operations(operations, max_concurrent)` follows; when the limit
 * belongs to one batch of work rather than to a shared client, `asyncParallelMap(..., { maxConcurrent })`
 * gives the same bound without a semaphore.
 *
 * Run: npx tsx examples/guides/patterns-03-semaphore-client.ts
 */
import { asyncParallelMap, gather, Semaphore, sleep } from 'ferris';
import { type HttpResponse, HttpSession } from './support/HttpSession.js';
import { isMain } from './support/isMain.js';
import { startServer } from './support/server.js';

class RateLimitedClient implements AsyncDisposable {
  readonly #semaphore: Semaphore;
  readonly #client: HttpSession;
  #inFlight = 0;
  peak = 0;

  constructor(baseUrl: string, maxConcurrent = 10) {
    this.#semaphore = new Semaphore(maxConcurrent);
    this.#client = new HttpSession(baseUrl);
  }

  async fetch(url: string, signal?: AbortSignal): Promise<HttpResponse> {
    using _permit = await this.#semaphore.acquire({ signal });
    this.peak = Math.max(this.peak, ++this.#inFlight);
    try {
      return await this.#client.get(url, { signal });
    } finally {
      this.#inFlight--;
    }
  }

  fetchMany(urls: string[]): Promise<HttpResponse[]> {
    return gather(urls.map((url) => (signal: AbortSignal) => this.fetch(url, signal)));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#client.close();
  }
}

/** The essential guide's `limited_concurrent_operations(operations, max_concurrent)`. */
function limitedConcurrentOperations<T>(
  operations: ((signal: AbortSignal) => Promise<T>)[],
  maxConcurrent = 10,
) {
  const semaphore = new Semaphore(maxConcurrent);
  return gather(operations.map((op) => (signal: AbortSignal) => semaphore.run(op, { signal })));
}

export async function main() {
  await using server = await startServer();
  await using client = new RateLimitedClient(server.url, 3);
  const urls = Array.from({ length: 10 }, () => '/delay/5');
  const responses = await client.fetchMany(urls);
  console.log(`Fetched ${responses.length} URLs, statuses ${[...new Set(responses.map((r) => r.status))]}`);
  console.log(`At most ${client.peak} requests were in flight at once`);

  let running = 0;
  let peak = 0;
  const operation = (n: number) => async (signal: AbortSignal) => {
    peak = Math.max(peak, ++running);
    try {
      await sleep(2, { signal });
      return n * n;
    } finally {
      running--;
    }
  };
  const squares = await limitedConcurrentOperations(
    Array.from({ length: 10 }, (_, n) => operation(n)),
    3,
  );
  console.log(`limited_concurrent_operations: ${squares.join(', ')} with at most ${peak} at once`);

  const viaOption = await asyncParallelMap(async (n: number) => n + 1, [1, 2, 3], { maxConcurrent: 3 });
  return { statuses: responses.map((r) => r.status), clientPeak: client.peak, squares, peak, viaOption };
}

if (isMain(import.meta.url)) await main();
