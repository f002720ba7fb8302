/**
 * A rate-limited web scraper (essential guide, "Real-World Applications" > Async Web Scraper). The guide
 * combines its token bucket (`AsyncRateLimiter(requests_per_second)`) with `Semaphore(20)` and gathers
 * every URL; in Ferris that is one call, `asyncParallelMap(scrape, urls, { maxConcurrent: 20, limiter })`:
 * each URL waits for a token of the `RateLimiter` before it starts, and at most 20 run at once.
 *
 * The scraper owns an `HttpSession` and is disposable (the guide's `async with AsyncWebScraper(...)`).
 * The 20 sites are pages of a loopback server; two of them answer 404. 5 requests per second become 5 per
 * 20 ms.
 *
 * Run: npx tsx examples/guides/essentials-10-web-scraper.ts
 */
import { asyncParallelMap, RateLimiter } from 'ferris';
import { HttpSession } from './support/HttpSession.js';
import { isMain } from './support/isMain.js';
import { describeError } from './support/net.js';
import { startServer } from './support/server.js';

interface ScrapeResult {
  url: string;
  status?: number;
  title?: string;
  wordCount?: number;
  error?: string;
  success: boolean;
}

class AsyncWebScraper implements AsyncDisposable {
  readonly rateLimiter: RateLimiter;
  readonly #session = new HttpSession();

  constructor(requestsPerPeriod = 10, period = 20) {
    this.rateLimiter = new RateLimiter({ rate: requestsPerPeriod, per: period });
  }

  /** Scrapes one URL (the limiter has already admitted it). */
  async scrapeUrl(url: string, signal: AbortSignal): Promise<ScrapeResult> {
    try {
      const res = await this.#session.get(url, { signal });
      if (res.status !== 200) return { url, status: res.status, success: false };
      return {
        url,
        status: res.status,
        title: extractTitle(res.text),
        wordCount: res.text.split(/\s+/).filter(Boolean).length,
        success: true,
      };
    } catch (error) {
      return { url, error: describeError(error), success: false };
    }
  }

  /** Scrapes every URL: 20 at a time at most, each one after a token of the rate limiter. */
  scrapeMultipleUrls(urls: string[]): Promise<ScrapeResult[]> {
    return asyncParallelMap((url: string, _index, signal) => this.scrapeUrl(url, signal), urls, {
      maxConcurrent: 20,
      limiter: this.rateLimiter,
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#session.close();
  }
}

function extractTitle(html: string): string {
  return /<title>(.*?)<\/title>/i.exec(html)?.[1] ?? 'No title';
}

/** Article n has a title and 3n words of body text. */
function article(n: number): string {
  return `<html><head><title>Article ${n}</title></head><body><p>${'lorem ipsum dolor '.repeat(n)}</p></body></html>`;
}

export async function main() {
  await using server = await startServer((url) => {
    const m = /^\/articles\/(\d+)$/.exec(url.pathname);
    if (!m) return undefined;
    const n = Number(m[1]);
    if (n % 7 === 0) return { status: 404, body: 'not found' };
    return { type: 'text/html', body: article(n) };
  });
  const urls = Array.from({ length: 20 }, (_, i) => `${server.url}/articles/${i + 1}`);
  await using scraper = new AsyncWebScraper(5, 20); // 5 requests per 20 ms
  const start = performance.now();
  const results = await scraper.scrapeMultipleUrls(urls);
  const elapsed = performance.now() - start;

  const successful = results.filter((r) => r.success);
  const failed = results.filter((r) => !r.success);
  const summary = {
    successful: successful.length,
    failed: failed.length,
    totalWords: successful.reduce((sum, r) => sum + (r.wordCount ?? 0), 0),
  };
  console.log(
    `Titles: ${successful
      .map((r) => r.title)
      .slice(0, 3)
      .join(', ')}, ...`,
  );
  console.log(
    `[expected] Failed: ${failed.map((r) => `${new URL(r.url).pathname} (HTTP ${r.status})`).join(', ')}`,
  );
  console.log(`Summary:`, summary, `in ${elapsed.toFixed(0)} ms at 5 requests per 20 ms`);
  return { summary, results };
}

if (isMain(import.meta.url)) await main();
