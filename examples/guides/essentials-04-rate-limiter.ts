/**
 * A token-bucket rate limiter (essential guide, "Async Concurrency Patterns" > Rate Limiting with
 * Semaphores). The guide's hand-written `AsyncRateLimiter(rate=5, per=1.0)` is Ferris's `RateLimiter`:
 * `new RateLimiter({ rate: 5, per: 50 })` allows 5 calls per 50 ms (the guide's second, scaled down). The
 * bucket starts full, so the first 5 calls go at once; after that one call is admitted every 10 ms, first come
 * first served, and no window of W ms ever admits more than `burst + rate * W / per` calls.
 *
 * `await rateLimiter.acquire()` is the guide's own call; `limiter.wrap(fn)` makes a rate-limited version of
 * a function; `tryAcquire()` answers at once without waiting (say, to send HTTP 429).
 *
 * Run: npx tsx examples/guides/essentials-04-rate-limiter.ts
 */
import { gather, RateLimiter } from 'ferris';
import { isMain } from './support/isMain.js';

export async function main() {
  const rateLimiter = new RateLimiter({ rate: 5, per: 50 }); // 5 requests per "second"
  const start = performance.now();
  const admittedAt: number[] = [];

  async function rateLimitedRequest(url: string, signal: AbortSignal): Promise<string> {
    await rateLimiter.acquire(1, { signal });
    admittedAt.push(performance.now() - start);
    // Make your request here
    return `Request to ${url}`;
  }

  const urls = Array.from({ length: 10 }, (_, i) => `https://api.example.com/items/${i + 1}`);
  const results = await gather(urls.map((url) => (signal: AbortSignal) => rateLimitedRequest(url, signal)));
  console.log(results.slice(0, 2), '...');
  console.log(`Admitted at (ms): ${admittedAt.map((t) => t.toFixed(0)).join(', ')}`);

  // The bucket is empty right after a burst: tryAcquire() says so without waiting.
  const limiter = new RateLimiter({ rate: 2, per: 50 });
  const search = limiter.wrap(async (query: string) => `results for ${query}`);
  const searches = await Promise.all([search('ferris'), search('tokio')]);
  const refused = !limiter.tryAcquire();
  console.log(`${searches.join(', ')}; a third call right now is ${refused ? 'refused' : 'admitted'}`);
  console.log('Limiter stats:', limiter.stats());
  return { results, searches, refused };
}

if (isMain(import.meta.url)) await main();
