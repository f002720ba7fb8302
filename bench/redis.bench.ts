/**
 * Scale-out over one redis-server (started by each row on a free port; the suite runs only when
 * /usr/bin/redis-server exists). Rows (`--impl`):
 * - map: `DistributedExecutor.mapAsync` of `--n` tiny jobs (`x => x * 2`) with 1, 2 or 4 worker processes
 *   (`ferris-w1`, `ferris-w2`, `ferris-w4`, each worker at concurrency 50), against plain BullMQ with one
 *   worker process (`bullmq-w1`: `queue.add` per job, one `QueueEvents` counting completions). ns per job.
 * - latency: `--n` sequential calls of `RedisRateLimiter.acquire` (a rate it never waits for), of
 *   `RedisSemaphore.acquire` + `release`, and of a bare PING (the floor: one round trip). ns per call, with
 *   p50/p99 in µs.
 * - limited: `--n` jobs through one worker process at `--rate` jobs/s, limited by BullMQ's own limiter
 *   (`{ max, duration }`) or by a `RedisRateLimiter`; reports the achieved jobs/s.
 * A row with `--role worker` is a worker process of the map and limited rows.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { startRedisServer } from '../examples/support/redisServer.js';
import { DistributedExecutor, RedisRateLimiter, RedisSemaphore } from '../src/redis/index.js';
import { emit, expectEqual, flag, intFlag, main, parseFlags, timeRuns, timingFlags } from './harness.js';

const WORKER_CONCURRENCY = 50;
const flags = parseFlags();

/** A worker process: consumes `double` jobs of queue `--name` until SIGTERM. */
async function workerRole(): Promise<void> {
  const connection = { host: '127.0.0.1', port: intFlag(flags, 'port') };
  const name = flag(flags, 'name');
  const kind = flag(flags, 'kind');
  let close: () => Promise<void>;
  if (kind === 'bullmq') {
    const worker = new Worker(name, async (job) => (job.data as number) * 2, {
      connection,
      concurrency: WORKER_CONCURRENCY,
    });
    worker.on('error', () => {});
    close = () => worker.close();
  } else {
    const rate = flags.rate === undefined ? undefined : Number(flags.rate);
    const limiter =
      rate === undefined
        ? undefined
        : kind === 'bullmq-limit'
          ? { max: rate, duration: 1000 }
          : new RedisRateLimiter({ connection, key: `${name}:rate`, rate });
    const executor = new DistributedExecutor({
      connection,
      name,
      concurrency: WORKER_CONCURRENCY,
      ...(limiter === undefined ? {} : { limiter }),
    });
    executor.handle('double', (x: number) => x * 2);
    close = async () => {
      await executor.close();
      if (limiter instanceof RedisRateLimiter) await limiter.close();
    };
  }
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await close();
}

function startWorkers(count: number, extra: Record<string, string | number>): Promise<ChildProcess[]> {
  const file = fileURLToPath(import.meta.url);
  return Promise.all(
    Array.from({ length: count }, () => {
      const args = ['--import', 'tsx', file, '--role', 'worker'];
      for (const [k, v] of Object.entries(extra)) args.push(`--${k}`, String(v));
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      return new Promise<ChildProcess>((resolve, reject) => {
        child.stdout?.once('data', () => resolve(child));
        child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
      });
    }),
  );
}

async function stopWorkers(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map((child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    }),
  );
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;

main(async () => {
  if (flags.role === 'worker') return workerRole();
  const impl = flag(flags, 'impl');
  const n = intFlag(flags, 'n');
  const timing = timingFlags(flags);
  const server = await startRedisServer();
  const connection = { host: server.host, port: server.port };
  const metrics: Record<string, number> = {};
  let round = 0;
  try {
    if (impl.startsWith('ferris-w') || impl === 'bullmq-w1') {
      const workers = Number(impl.slice(impl.indexOf('-w') + 2));
      const name = `bench-map-${impl}`;
      const kind = impl === 'bullmq-w1' ? 'bullmq' : 'ferris';
      const children = await startWorkers(workers, { port: server.port, name, kind });
      const items = Array.from({ length: n }, (_, i) => i);
      const expected = items.reduce((a, b) => a + b * 2, 0);
      let once: (count: number) => Promise<number>;
      let close: () => Promise<void>;
      if (kind === 'bullmq') {
        const queue = new Queue(name, { connection, streams: { events: { maxLen: 100_000 } } });
        // Start reading the events stream at its last id, read before any job is added: from '$' the reader
        // would miss the jobs that finish during its first round trip.
        const reader = new Redis(connection);
        const last = (await reader.xrevrange(`bull:${name}:events`, '+', '-', 'COUNT', 1)) as [
          string,
          string[],
        ][];
        await reader.quit();
        const events = new QueueEvents(name, { connection, lastEventId: last[0]?.[0] ?? '0-0' });
        await events.waitUntilReady();
        once = (count) =>
          new Promise<number>((resolve) => {
            let done = 0;
            let sum = 0;
            const onCompleted = ({ returnvalue }: { returnvalue: unknown }): void => {
              sum += Number(returnvalue);
              if (++done === count) {
                events.off('completed', onCompleted);
                resolve(sum);
              }
            };
            events.on('completed', onCompleted);
            for (let i = 0; i < count; i++)
              void queue.add('double', i, { removeOnComplete: true, removeOnFail: true });
          });
        close = async () => {
          await events.close();
          await queue.close();
        };
      } else {
        const producer = new DistributedExecutor({ connection, name });
        once = async (count) =>
          (await producer.mapAsync<number, number>('double', items.slice(0, count))).reduce(
            (a, b) => a + b,
            0,
          );
        close = () => producer.close();
      }
      await once(Math.min(n, 500)); // warm up: connections, scripts, JIT
      const nsPerOp = await timeRuns(() => once(n), {
        ops: n,
        reps: timing.reps,
        warmup: 0,
        budgetMs: timing.budgetMs,
        check: (sum) => expectEqual(sum, expected, 'the sum of the results'),
      });
      await close();
      await stopWorkers(children);
      emit({ nsPerOp, metrics: { jobsPerSecond: 1e9 / Math.min(...nsPerOp) } });
      return;
    }
    if (impl === 'ping' || impl === 'ferris-limiter' || impl === 'ferris-semaphore') {
      const client = new Redis(connection);
      const limiter = new RedisRateLimiter({
        connection: client,
        key: 'bench:limiter',
        rate: 1e9,
        burst: 1e9,
      });
      const sem = new RedisSemaphore({ connection: client, key: 'bench:sem', permits: 1 });
      const call: () => Promise<unknown> =
        impl === 'ping'
          ? () => client.ping()
          : impl === 'ferris-limiter'
            ? () => limiter.acquire()
            : async () => {
                const permit = await sem.acquire();
                await permit.release();
              };
      const latencies: number[] = [];
      const nsPerOp = await timeRuns(
        async () => {
          round++;
          for (let i = 0; i < n; i++) {
            const t0 = process.hrtime.bigint();
            await call();
            if (round > timing.warmup) latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
          }
          return n;
        },
        { ops: n, ...timing, check: (count) => expectEqual(count, n, 'calls made') },
      );
      latencies.sort((a, b) => a - b);
      metrics.p50 = percentile(latencies, 0.5);
      metrics.p99 = percentile(latencies, 0.99);
      await sem.close();
      await limiter.close();
      await client.quit();
      emit({ nsPerOp, metrics });
      return;
    }
    if (impl === 'bullmq-limit' || impl === 'ferris-limit') {
      const rate = intFlag(flags, 'rate');
      const name = `bench-limit-${impl}`;
      const children = await startWorkers(1, { port: server.port, name, kind: impl, rate });
      const producer = new DistributedExecutor({ connection, name });
      const items = Array.from({ length: n }, (_, i) => i);
      await producer.mapAsync('double', [1]);
      // Let the bucket (or BullMQ's window) fill up again, so every run starts alike.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const nsPerOp = await timeRuns(
        async () => (await producer.mapAsync<number, number>('double', items)).length,
        { ops: n, reps: 1, warmup: 0, budgetMs: 0, check: (count) => expectEqual(count, n, 'results') },
      );
      metrics.jobsPerSecond = 1e9 / (nsPerOp[0] as number);
      await producer.close();
      await stopWorkers(children);
      emit({ nsPerOp, metrics });
      return;
    }
    throw new Error(`unknown --impl ${impl}`);
  } finally {
    await server.stop();
  }
});
