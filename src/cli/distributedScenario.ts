// The scraping scenario on Redis (`ferris demo --redis URL`): the same pages as web_scraping_example, queued
// as jobs of a DistributedExecutor whose consumer runs in the demo process. `ferris/redis` (and so ioredis and
// bullmq, optional peers) is imported only here and only when the scenario runs: type imports vanish.
import { randomUUID } from 'node:crypto';
import { Semaphore } from '../index.js';
import type { DistributedExecutor, RedisRateLimiter } from '../redis/index.js';
import type { Scenario } from './DemoContext.js';
import { fetchTitle, pagesOf } from './webScenarios.js';

/** The BullMQ queue of the demo's jobs, and the key of its shared token bucket, in the user's Redis. */
export const DEMO_QUEUE = 'ferris-demo-scraping';
const RATE_KEY = 'ferris-demo:scraping:rate';

/** One job: a page to fetch, and the run that queued it (only its own jobs go on this demo's timeline). */
interface PageJob {
  url: string;
  run: string;
}

/** The module that holds the Redis classes, loaded on first use. */
export function loadRedis(): Promise<typeof import('../redis/index.js')> {
  return import('../redis/index.js');
}

/**
 * Rate-limited scraping through Redis: the demo process is both producer (`mapAsync`) and consumer (`handle`,
 * `max_concurrent` jobs at a time), every job takes a token of a `RedisRateLimiter` at `--rate` per second
 * before its handler runs. Fails with a `RedisUnavailableError` when Redis cannot be reached. Closes the
 * executor and the limiter, and with them every connection it opened, before it settles.
 */
export const webScrapingDistributed: Scenario = {
  key: 'web_scraping_distributed',
  operation: 'distributed_rate_limited_web_scraping',
  total: pagesOf,
  async run(ctx) {
    const url = ctx.redis;
    if (url === undefined) throw new Error('web_scraping_distributed needs a Redis URL (--redis).');
    const { DistributedExecutor, RedisRateLimiter } = await loadRedis();
    const scenario = 'web_scraping_distributed';
    const started = performance.now();
    const concurrency = ctx.config.async.maxConcurrent;
    const run = randomUUID();
    let limiter: RedisRateLimiter | undefined;
    let executor: DistributedExecutor | undefined;
    try {
      limiter = new RedisRateLimiter({
        connection: url,
        key: RATE_KEY,
        rate: ctx.rate,
        per: 1000,
        burst: Math.max(1, Math.min(ctx.rate, concurrency)),
      });
      executor = new DistributedExecutor({ connection: url, name: DEMO_QUEUE, concurrency, limiter });
      const parsing = new Semaphore(ctx.config.async.semaphoreLimit);
      const onRetry = ctx.recorder.onRetry();
      const page = (job: PageJob, signal: AbortSignal) => fetchTitle(ctx, job.url, parsing, onRetry, signal);
      const tracked = ctx.recorder.track('page', page, { scenario });
      // Another demo sharing this Redis may hand us one of its jobs: run it, but keep it off our timeline.
      executor.handle('scrapePage', (job: PageJob, signal) =>
        job.run === run ? tracked(job, signal) : page(job, signal),
      );
      const jobs = Array.from(
        { length: pagesOf(ctx.config) },
        (_, i): PageJob => ({
          url: `${ctx.url}/pages/${i + 1}?run=distributed`,
          run,
        }),
      );
      const titles = await executor.mapAsync<PageJob, string>('scrapePage', jobs, {
        maxConcurrent: concurrency,
      });
      const fetched = titles.filter((t) => t.startsWith('Page')).length;
      return {
        status: fetched === jobs.length ? 'completed' : 'failed',
        details: {
          pages: fetched,
          redis: redacted(url),
          queue: DEMO_QUEUE,
          rate_per_second: ctx.rate,
          seconds: (performance.now() - started) / 1000,
        },
      };
    } finally {
      await executor?.close();
      await limiter?.close();
    }
  },
};

/** The URL without its password, for the report. */
function redacted(url: string): string {
  const u = new URL(url);
  if (u.password !== '') u.password = '***';
  return u.toString();
}
