import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { join } from 'node:path';
import {
  AsyncExecutor,
  AsyncTask,
  asyncParallelFilter,
  asyncParallelMap,
  asyncParallelMapStream,
  CircuitBreaker,
  CircuitOpenError,
  gather,
  Queue,
  RateLimiter,
  ResourcePool,
  retry,
  Semaphore,
  sleep,
  TimeoutError,
  taskGroup,
  withTimeout,
} from '../index.js';
import type { FerrisConfig } from '../report/config.js';
import type { Recorder } from '../report/Recorder.js';
import { getJson, HttpError, httpGet } from './http.js';

/** What every scenario gets. */
export interface DemoContext {
  /** The demo API's base URL. */
  url: string;
  /** The shared keep-alive agent for requests outside the pool scenario. */
  agent: Agent;
  recorder: Recorder;
  config: FerrisConfig;
  /** Requests per second of the scraping scenarios. */
  rate: number;
  /** A directory of its own for the file scenario. */
  tmp: string;
  /** Facts the error scenarios found, for the report's `error_handling`. */
  errors: { timeout: boolean; recovery: boolean; concurrent: boolean };
}

/** How a scenario went. */
export interface ScenarioResult {
  status: 'completed' | 'failed';
  details?: Record<string, unknown>;
}

/** A demo scenario: its key in the report's `core_functionality`, the template's operation text and its size. */
export interface Scenario {
  key: string;
  operation: string;
  /** Tasks it records (for the progress bar). */
  total(config: FerrisConfig): number;
  run(ctx: DemoContext): Promise<ScenarioResult>;
}

const pagesOf = (config: FerrisConfig) => Math.max(16, config.async.concurrentTasks * 8);

/** One HTTP request under the configured per-operation timeout (unless timeout handling is off). */
function timed<T>(
  ctx: DemoContext,
  work: (signal: AbortSignal) => Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  if (!ctx.config.errorHandling.timeoutHandling) return work(signal);
  return withTimeout(work, ctx.config.async.timeout, { signal });
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
    async (n: number, _index: number, signal: AbortSignal) => {
      for (let attempt = 1; ; attempt++) {
        const res = await timed(
          ctx,
          (s) => httpGet(`${ctx.url}/pages/${n}?run=${run}`, ctx.agent, s),
          signal,
        );
        if (res.status === 429) {
          const wait = Number(res.headers['retry-after'] ?? 1) * 1000;
          onRetry(new HttpError(429, `${ctx.url}/pages/${n}`, wait), attempt, wait);
          await sleep(wait, { signal });
          continue;
        }
        if (res.status !== 200) throw new HttpError(res.status, `${ctx.url}/pages/${n}`);
        return parsing.run(() => /<title>(.*?)<\/title>/.exec(res.body)?.[1] ?? '', { signal });
      }
    },
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

/** The scenarios of `ferris demo`, in running order (the sequential baseline is run separately). */
export const scenarios: Scenario[] = [
  {
    key: 'concurrent_async_example',
    operation: 'concurrent_async_operations',
    total: (c) => c.async.concurrentTasks,
    async run(ctx) {
      const fns = Array.from({ length: ctx.config.async.concurrentTasks }, (_, i) =>
        ctx.recorder.track(
          `operation-${i + 1}`,
          (signal: AbortSignal) =>
            timed(ctx, (s) => getJson(`${ctx.url}/api/posts/${i + 1}`, ctx.agent, s), signal),
          { scenario: 'concurrent_async_example' },
        ),
      );
      const results = await gather(fns, { returnExceptions: true });
      const failed = results.filter((r) => r instanceof Error).length;
      return { status: failed === 0 ? 'completed' : 'failed', details: { results: results.length } };
    },
  },
  {
    key: 'async_integration_example',
    operation: 'async_integration_scenario',
    total: (c) => c.async.concurrentTasks * 3,
    async run(ctx) {
      // Three phases, as the template's integration example: set up files, process them concurrently, clean up.
      const scenario = 'async_integration_example';
      const n = ctx.config.async.concurrentTasks;
      const dir = join(ctx.tmp, 'integration');
      await mkdir(dir, { recursive: true });
      const ids = Array.from({ length: n }, (_, i) => i);
      const write = ctx.recorder.track(
        'write-file',
        (i: number) => writeFile(join(dir, `doc-${i}.txt`), `document ${i}\n${'word '.repeat(50 + i * 10)}`),
        { scenario },
      );
      await asyncParallelMap(write, ids, { maxConcurrent: ctx.config.async.maxConcurrent });
      const count = ctx.recorder.track(
        'process-file',
        async (i: number, _index: number, signal: AbortSignal) => {
          const text = await readFile(join(dir, `doc-${i}.txt`), { encoding: 'utf8', signal });
          return text.split(/\s+/).filter(Boolean).length;
        },
        { scenario },
      );
      const words = await asyncParallelMap(count, ids, { maxConcurrent: ctx.config.async.maxConcurrent });
      const remove = ctx.recorder.track('remove-file', (i: number) => rm(join(dir, `doc-${i}.txt`)), {
        scenario,
      });
      await asyncParallelMap(remove, ids, { maxConcurrent: ctx.config.async.maxConcurrent });
      await rm(dir, { recursive: true });
      return {
        status: 'completed',
        details: { phases_completed: 3, words: words.reduce((a, b) => a + b, 0) },
      };
    },
  },
  {
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
  },
  {
    key: 'api_aggregation_example',
    operation: 'api_aggregation_with_gather',
    total: (c) => c.async.concurrentTasks * 3,
    async run(ctx) {
      const scenario = 'api_aggregation_example';
      const call = (kind: string) =>
        ctx.recorder.track(
          kind,
          (id: number, signal: AbortSignal) =>
            timed(
              ctx,
              (s) => getJson<{ count: number }>(`${ctx.url}/api/${kind}/${id}`, ctx.agent, s),
              signal,
            ),
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
  },
  {
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
  },
  {
    key: 'resilience_example',
    operation: 'retry_with_backoff_under_circuit_breaker',
    total: (c) => c.async.concurrentTasks * 2 + 7,
    async run(ctx) {
      const scenario = 'resilience_example';
      // Two breakers: a tolerant one in front of the flaky API (retries recover it), a strict one that a dead
      // endpoint trips.
      const api = new CircuitBreaker({ failureThreshold: 20, resetTimeout: 250 });
      const breaker = new CircuitBreaker({ failureThreshold: 3, resetTimeout: 250 });
      const track = ctx.config.performance.trackAsyncMetrics;
      const offs = track
        ? [ctx.recorder.attachBreaker(api, 'api'), ctx.recorder.attachBreaker(breaker, 'unstable')]
        : [];
      const off = () => {
        for (const f of offs) f();
      };
      try {
        const attempts = ctx.config.errorHandling.asyncErrorRecovery ? 4 : 1;
        const onRetry = ctx.recorder.onRetry();
        // Flaky endpoints fail 0-2 times before answering: retry with backoff recovers every one.
        const flaky = ctx.recorder.track(
          'flaky',
          (id: number, _i: number, signal: AbortSignal) =>
            retry(
              (s) => api.run((b) => getJson(`${ctx.url}/flaky/${id}?run=r`, ctx.agent, b), { signal: s }),
              {
                attempts,
                backoff: { initial: 20, max: 200, jitter: 'equal' },
                signal,
                onRetry,
              },
            ),
          { scenario },
        );
        const ids = Array.from({ length: ctx.config.async.concurrentTasks * 2 }, (_, i) => i);
        const recovered = await asyncParallelMap(flaky, ids, { maxConcurrent: 2, stopOnError: false }).then(
          (r) => r.length,
          () => 0,
        );
        ctx.errors.recovery = recovered === ids.length;
        // A dead endpoint opens the breaker; calls then fail fast, and after resetTimeout a trial closes it.
        const unstable = ctx.recorder.track(
          'unstable',
          (signal: AbortSignal) =>
            breaker.run((s) => getJson(`${ctx.url}/unstable`, ctx.agent, s), { signal }),
          { scenario },
        );
        let fastFailures = 0;
        for (let i = 0; i < 5; i++)
          await unstable(new AbortController().signal).catch((error: unknown) => {
            if (error instanceof CircuitOpenError) fastFailures++;
          });
        await sleep(300);
        const probe = ctx.recorder.track(
          'probe',
          (signal: AbortSignal) =>
            breaker.run((s) => getJson(`${ctx.url}/items/1`, ctx.agent, s), { signal }),
          { scenario },
        );
        await probe(new AbortController().signal);
        await probe(new AbortController().signal);
        return {
          status: ctx.errors.recovery && breaker.state === 'closed' ? 'completed' : 'failed',
          details: { recovered, fast_failures: fastFailures, breaker: breaker.state },
        };
      } finally {
        off();
      }
    },
  },
  {
    key: 'connection_pool_example',
    operation: 'keep_alive_connection_pool',
    total: (c) => c.async.concurrentTasks * 3,
    async run(ctx) {
      // Each pooled resource is an HTTP agent holding one keep-alive socket: queries reuse connections.
      const scenario = 'connection_pool_example';
      const pool = new ResourcePool<Agent>({
        create: () => new Agent({ keepAlive: true, maxSockets: 1 }),
        destroy: (agent) => agent.destroy(),
        max: 3,
      });
      const off = ctx.config.performance.trackAsyncMetrics
        ? ctx.recorder.attachPool(pool, 'connections')
        : () => {};
      try {
        const query = ctx.recorder.track(
          'query',
          (id: number, _i: number, signal: AbortSignal) =>
            pool.use((agent, s) => getJson(`${ctx.url}/api/users/${id}`, agent, s), { signal }),
          { scenario },
        );
        const ids = Array.from({ length: ctx.config.async.concurrentTasks * 3 }, (_, i) => i + 1);
        const rows = await asyncParallelMap(query, ids, { maxConcurrent: ctx.config.async.maxConcurrent });
        const stats = pool.stats();
        return { status: 'completed', details: { rows: rows.length, connections_created: stats.created } };
      } finally {
        await pool.close();
        off();
      }
    },
  },
  {
    key: 'background_tasks_example',
    operation: 'background_tasks_on_executor',
    total: (c) => c.async.concurrentTasks * 3,
    async run(ctx) {
      // A producer queues jobs; a dispatcher hands them to an executor, which runs them in the background.
      const scenario = 'background_tasks_example';
      const executor = new AsyncExecutor({
        maxWorkers: Math.max(1, Math.ceil(ctx.config.async.maxConcurrent / 2)),
        name: 'background',
      });
      const jobs = new Queue<number>({ maxsize: 4 });
      const offs = [ctx.recorder.attach(executor, { scenario })];
      if (ctx.config.performance.trackAsyncMetrics) offs.push(ctx.recorder.attachQueue(jobs, 'jobs'));
      const tasks: AsyncTask<unknown>[] = [];
      const total = ctx.config.async.concurrentTasks * 3;
      try {
        const producer = (async () => {
          for (let i = 0; i < total; i++) await jobs.put(i);
          jobs.shutdown();
        })();
        for await (const id of jobs)
          tasks.push(
            executor.submitAsync((signal) => getJson(`${ctx.url}/api/comments/${id}`, ctx.agent, signal), {
              name: `job-${id}`,
              priority: id % 3,
              timeout: ctx.config.errorHandling.timeoutHandling
                ? ctx.config.async.timeout
                : Number.POSITIVE_INFINITY,
            }),
          );
        await producer;
        const settled = await Promise.allSettled(tasks);
        const ok = settled.filter((s) => s.status === 'fulfilled').length;
        return { status: ok === total ? 'completed' : 'failed', details: { jobs: total, done: ok } };
      } finally {
        await executor.shutdown();
        for (const off of offs) off();
      }
    },
  },
  {
    key: 'error_handling_example',
    operation: 'timeout_and_concurrent_error_handling',
    total: (c) => 1 + Math.max(3, c.async.concurrentTasks) + 3,
    async run(ctx) {
      const scenario = 'error_handling_example';
      // 1. A timeout: the slow endpoint takes 2 s; the operation gives up after 150 ms.
      if (ctx.config.errorHandling.timeoutHandling) {
        const slow = ctx.recorder.track(
          'slow-call',
          (signal: AbortSignal) =>
            withTimeout((s) => getJson(`${ctx.url}/slow`, ctx.agent, s), 150, { signal }),
          { scenario },
        );
        ctx.errors.timeout = await slow(new AbortController().signal).then(
          () => false,
          (error: unknown) => error instanceof TimeoutError,
        );
      }
      // 2. Concurrent errors, gathered: the broken items fail, the others still answer.
      const item = (id: number) =>
        ctx.recorder.track(
          `item-${id}`,
          (signal: AbortSignal) => getJson(`${ctx.url}/items/${id}`, ctx.agent, signal),
          {
            scenario,
          },
        );
      const results = await gather(
        // At least items 1-3: item 3 is one the API refuses.
        Array.from({ length: Math.max(3, ctx.config.async.concurrentTasks) }, (_, i) => item(i + 1)),
        { returnExceptions: true },
      );
      const failures = results.filter((r) => r instanceof HttpError).length;
      // 3. A task group: one child fails, its siblings are cancelled, the group reports the failure.
      let groupFailed = false;
      await taskGroup(async (tg) => {
        tg.createTask(
          ctx.recorder.track('sibling', (s: AbortSignal) => sleep(5_000, { signal: s }), { scenario }),
        );
        tg.createTask(
          ctx.recorder.track('sibling', (s: AbortSignal) => sleep(5_000, { signal: s }), { scenario }),
        );
        tg.createTask(
          ctx.recorder.track('broken', (s: AbortSignal) => getJson(`${ctx.url}/items/3`, ctx.agent, s), {
            scenario,
          }),
        );
      }).catch((error: unknown) => {
        groupFailed = error instanceof HttpError;
      });
      ctx.errors.concurrent = failures > 0 && failures < results.length && groupFailed;
      const ok = ctx.errors.concurrent && (ctx.errors.timeout || !ctx.config.errorHandling.timeoutHandling);
      return {
        status: ok ? 'completed' : 'failed',
        details: { gathered_failures: failures, group_failed: groupFailed },
      };
    },
  },
];

/** The basic example: one task through a semaphore, as the template's `_run_basic_async_example`. */
export async function basicExample(ctx: DemoContext): Promise<unknown> {
  const semaphore = new Semaphore(ctx.config.async.semaphoreLimit);
  const fetchOne = ctx.recorder.track(
    'basic',
    (signal: AbortSignal) =>
      semaphore.run((s) => getJson(`${ctx.url}/api/users/1`, ctx.agent, s), { signal }),
    { scenario: 'basic_async_example' },
  );
  const task = new AsyncTask((signal) => fetchOne(signal), { name: 'basic' });
  return task.execute();
}

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
