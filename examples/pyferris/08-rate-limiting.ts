/**
 * Rate limiting and throttling (PyFerris "Advanced Usage" > Rate Limiting and Throttling): a semaphore lets
 * at most 3 operations run at once, however many the map starts. The seed's 0.5 s call is 10 ms here.
 *
 * `using permit = await semaphore.acquire({ signal })` is the seed's `async with semaphore:`: the permit is
 * released when the block exits, even on a throw. (`asyncParallelMap(fn, items, { maxConcurrent: 3 })` gives
 * the same bound without a semaphore; a semaphore is for a limit shared by several maps or callers.)
 *
 * Ferris addition, throttling by rate rather than by concurrency: a token bucket (`RateLimiter`) passed as
 * the map's `limiter` starts each item only once it has a token: 5 at once, then one every 10 ms.
 *
 * Run: npx tsx examples/pyferris/08-rate-limiting.ts
 */
import { asyncParallelMap, RateLimiter, Semaphore, sleep } from 'ferris';
import { isMain } from '../support/isMain.js';

export async function main() {
  const semaphore = new Semaphore(3); // max 3 concurrent operations
  let running = 0;
  let peak = 0;

  async function rateLimitedOperation(item: number, _index: number, signal: AbortSignal): Promise<string> {
    using _permit = await semaphore.acquire({ signal });
    running++;
    peak = Math.max(peak, running);
    try {
      await sleep(10, { signal }); // the API call
      return `Processed ${item}`;
    } finally {
      running--;
    }
  }

  const items = Array.from({ length: 10 }, (_, i) => i);
  const start = performance.now();
  const results = await asyncParallelMap(rateLimitedOperation, items);
  const elapsed = performance.now() - start;
  console.log(`Processed ${results.length} items in ${elapsed.toFixed(0)} ms`);
  console.log('Results:', results.slice(0, 3), '...');
  console.log(`At most ${peak} operations ran at once`);

  // Throttling: 5 calls per 50 ms, the bucket full at the start.
  const limiter = new RateLimiter({ rate: 5, per: 50 });
  const throttled = await asyncParallelMap(async (item: number) => `Called API for ${item}`, items, {
    limiter,
  });
  console.log(`Throttled ${throttled.length} calls through a token bucket of 5 per 50 ms`);
  return { results, peak, throttled };
}

if (isMain(import.meta.url)) await main();
