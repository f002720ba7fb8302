import {
  asyncParallelFilter,
  asyncParallelMap,
  asyncParallelMapStream,
  gather,
  RateLimiter,
  Semaphore,
  sleep,
} from '../index.js';
import type { FerrisConfig } from '../report/config.js';
import { type DemoContext, type Scenario, timed } from './DemoContext.js';
import { getJson, HttpError, httpGet } from './http.js';

/** Pages of the scraping scenarios. */
export const pagesOf = (config: FerrisConfig) => Math.max(16, config.async.concurrentTasks * 8);

/**
 * Fetches one demo page and parses its title under `parsing`, honouring a 429's `Retry-After` (the wait shows
 * as a retry on the timeline through `onRetry`).
 */
export async function fetchTitle(
  ctx: DemoContext,
  url: string,
  parsing: Semaphore,
  onRetry: (error: unknown, attempt: number, delay: number) => void,
  signal: AbortSignal,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const res = await timed(ctx, (s) => httpGet(url, ctx.agent, s), signal);
    if (res.status === 429) {
      const wait = Number(res.headers['retry-after'] ?? 1) * 1000;
      onRetry(new HttpError(429, url, wait), attempt, wait);
      await sleep(wait, { signal });
      continue;
    }
    if (res.status !== 200) throw new HttpError(res.status, url);
    return parsing.run(() => /<title>(.*?)<\/title>/.exec(res.body)?.[1] ?? '', { signal });
  }
}

/**
 * Scrapes `pages` pages with `concurrency` at most, `ctx.rate` per second, a Semaphore of `semaphore_limit`
 * around the parsing, and honours 429 `Retry-After` (the wait shows as a retry on the timeline).
 */
async function scrape(ctx: DemoContext, scenario: string, concurrency: number, run: string): Promise<number> {
  const limiter = new RateLimiter({
    rate: ctx.rate,
    per: 1000,
    burst: Math.max(1, Math.min(ctx.rate, concurrency)),
  });
  const off = ctx.config.performance.trackAsyncMetrics ? ctx.recorder.attachLimiter(limiter) : () => {};
  const parsing = new Semaphore(ctx.config.async.semaphoreLimit);
  const onRetry = ctx.recorder.onRetry();
  const page = ctx.recorder.track(
    'page',
    (n: number, _index: number, signal: AbortSignal) =>
      fetchTitle(ctx, `${ctx.url}/pages/${n}?run=${run}`, parsing, onRetry, signal),
    { scenario, limiter },
  );
  try {
    const pages = Array.from({ length: pagesOf(ctx.config) }, (_, i) => i + 1);
    const titles = await asyncParallelMap(page, pages, { maxConcurrent: concurrency });
    return titles.filter((t) => t.startsWith('Page')).length;
  } finally {
    off();
  }
}

/** Rate-limited scraping of the demo pages, `max_concurrent` at a time. */
export const webScraping: Scenario = {
  key: 'web_scraping_example',
  operation: 'rate_limited_web_scraping',
  total: pagesOf,
  async run(ctx) {
    const started = performance.now();
    const titles = await scrape(ctx, 'web_scraping_example', ctx.config.async.maxConcurrent, 'concurrent');
    return {
      status: titles === pagesOf(ctx.config) ? 'completed' : 'failed',
      details: { pages: titles, rate_per_second: ctx.rate, seconds: (performance.now() - started) / 1000 },
    };
  },
};

/** The web scraping scenario again, one page at a time: the sequential baseline of the efficiency gain. */
export const sequentialScraping: Scenario = {
  key: 'sequential_scraping_example',
  operation: 'sequential_baseline_web_scraping',
  total: pagesOf,
  async run(ctx) {
    const titles = await scrape(ctx, 'sequential_scraping_example', 1, 'sequential');
    return { status: titles === pagesOf(ctx.config) ? 'completed' : 'failed', details: { pages: titles } };
  },
};

/** Each user's profile from three APIs at once (gather), users fetched concurrently. */
export const apiAggregation: Scenario = {
  key: 'api_aggregation_example',
  operation: 'api_aggregation_with_gather',
  total: (c) => c.async.concurrentTasks * 3,
  async run(ctx) {
    const scenario = 'api_aggregation_example';
    const call = (kind: string) =>
      ctx.recorder.track(
        kind,
        (id: number, signal: AbortSignal) =>
          timed(ctx, (s) => getJson<{ count: number }>(`${ctx.url}/api/${kind}/${id}`, ctx.agent, s), signal),
        { scenario },
      );
    const [users, posts, comments] = [call('users'), call('posts'), call('comments')];
    const ids = Array.from({ length: ctx.config.async.concurrentTasks }, (_, i) => i + 1);
    const profiles = await asyncParallelMap(
      (id: number, _i: number, signal: AbortSignal) =>
        gather([(s) => users(id, s), (s) => posts(id, s), (s) => comments(id, s)], { signal }),
      ids,
      { maxConcurrent: ctx.config.async.maxConcurrent },
    );
    return {
      status: profiles.length === ids.length ? 'completed' : 'failed',
      details: { profiles: profiles.length },
    };
  },
};

/** Fetch, process and filter items as a stream with backpressure, dropping the ones the API refuses. */
export const dataPipeline: Scenario = {
  key: 'data_pipeline_example',
  operation: 'fetch_process_filter_pipeline',
  total: (c) => c.async.concurrentTasks * 4 * 2,
  async run(ctx) {
    // fetch -> process (a stream with backpressure) -> filter; items the API refuses (500) are dropped and counted.
    const scenario = 'data_pipeline_example';
    const ids = Array.from({ length: ctx.config.async.concurrentTasks * 4 }, (_, i) => i + 1);
    const fetchItem = ctx.recorder.track(
      'fetch',
      (id: number, _i: number, signal: AbortSignal) =>
        timed(
          ctx,
          (s) => getJson<{ id: number; value: number }>(`${ctx.url}/items/${id}`, ctx.agent, s),
          signal,
        ),
      { scenario },
    );
    const process = ctx.recorder.track(
      'process',
      async (item: { id: number; value: number } | null) => {
        await sleep(2);
        return item === null ? null : { ...item, score: Math.round(Math.sqrt(item.value) * 10) / 10 };
      },
      { scenario },
    );
    let dropped = 0;
    const processed: { id: number; value: number; score: number }[] = [];
    const fetched = asyncParallelMapStream(
      (id: number, i: number, signal: AbortSignal) =>
        fetchItem(id, i, signal).catch((error: unknown) => {
          if (!(error instanceof HttpError)) throw error;
          dropped++;
          return null;
        }),
      ids,
      { maxConcurrent: ctx.config.async.maxConcurrent },
    );
    for await (const item of asyncParallelMapStream(process, fetched, { maxConcurrent: 4 }))
      if (item !== null) processed.push(item);
    const kept = await asyncParallelFilter(async (item) => item.score >= 10, processed, {
      maxConcurrent: ctx.config.async.maxConcurrent,
    });
    return { status: 'completed', details: { fetched: processed.length, dropped, kept: kept.length } };
  },
};
