import { Agent } from 'node:http';
import {
  AsyncExecutor,
  type AsyncTask,
  asyncParallelMap,
  CircuitBreaker,
  CircuitOpenError,
  gather,
  Queue,
  ResourcePool,
  retry,
  sleep,
  TimeoutError,
  taskGroup,
  withTimeout,
} from '../index.js';
import type { Scenario } from './DemoContext.js';
import { getJson, HttpError } from './http.js';

/** Retries with backoff behind a tolerant breaker, and a strict breaker that a dead endpoint trips. */
export const resilience: Scenario = {
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
          retry((s) => api.run((b) => getJson(`${ctx.url}/flaky/${id}?run=r`, ctx.agent, b), { signal: s }), {
            attempts,
            backoff: { initial: 20, max: 200, jitter: 'equal' },
            signal,
            onRetry,
          }),
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
        (signal: AbortSignal) => breaker.run((s) => getJson(`${ctx.url}/unstable`, ctx.agent, s), { signal }),
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
        (signal: AbortSignal) => breaker.run((s) => getJson(`${ctx.url}/items/1`, ctx.agent, s), { signal }),
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
};

/** Queries over a pool of keep-alive connections. */
export const connectionPool: Scenario = {
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
};

/** Jobs from a bounded queue, run in the background on an executor. */
export const backgroundTasks: Scenario = {
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
};

/** A timeout, concurrent failures gathered, and a task group cancelling the siblings of a failed child. */
export const errorHandling: Scenario = {
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
};
