/**
 * Scale-out (`ferris/redis`): one producer and two worker processes share one Redis. The producer maps 30
 * page fetches onto a `DistributedExecutor`; the workers run them, each job first taking a token of one
 * `RedisRateLimiter` (10 requests/s, bursts of 5) that both workers share, so the API sees at most
 * 5 + 10/s in total however many workers there are. The API is a loopback HTTP server (examples/support),
 * which records when each request arrived.
 *
 * Run: npx tsx examples/scale-out/distributed-scrape.ts
 *      (starts a throwaway redis-server from /usr/bin/redis-server; or use yours: REDIS_URL=redis://127.0.0.1:6379)
 * The same file is the worker: `npx tsx examples/scale-out/distributed-scrape.ts worker <redis-url> <api-url>`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DistributedExecutor, RedisRateLimiter } from 'ferris/redis';
import { isMain } from '../support/isMain.js';
import { startLoopbackServer } from '../support/loopbackServer.js';
import { startRedisServer } from '../support/redisServer.js';

const QUEUE = 'scrape';
const RATE = { rate: 10, per: 1000, burst: 5 };

/** What a worker answers for one page. */
export interface Page {
  page: number;
  title: string;
  worker: number;
}

/** The worker process: handles 'fetchPage' jobs until it receives SIGTERM. */
async function worker(redisUrl: string, apiUrl: string): Promise<void> {
  const { hostname, port } = new URL(redisUrl);
  const connection = { host: hostname, port: Number(port) };
  const limiter = new RedisRateLimiter({ connection, key: `${QUEUE}:api-rate`, ...RATE });
  // Every job takes one token of the shared limiter before its handler runs.
  const executor = new DistributedExecutor({ connection, name: QUEUE, concurrency: 4, limiter });
  executor.handle('fetchPage', async (page: number, signal): Promise<Page> => {
    const html = await (await fetch(`${apiUrl}/page${page}`, { signal })).text();
    const title = /<title>(.*?)<\/title>/.exec(html)?.[1] ?? '';
    return { page, title, worker: process.pid };
  });
  process.stdout.write('ready\n');
  process.once('SIGTERM', async () => {
    await executor.close();
    await limiter.close();
    process.exit(0);
  });
}

function startWorker(redisUrl: string, apiUrl: string): Promise<ChildProcess> {
  const file = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', file, 'worker', redisUrl, apiUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
  });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  });
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** The most requests that arrived within any window of `ms`. */
function busiestWindow(times: readonly number[], ms: number): number {
  let most = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while ((times[j] as number) - (times[i] as number) >= ms) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

export async function main(redisUrl = process.env.REDIS_URL) {
  const redis = redisUrl === undefined ? await startRedisServer() : undefined;
  const url = redisUrl ?? (redis?.url as string);
  const arrivals: number[] = [];
  const api = await startLoopbackServer({
    routes: () => {
      arrivals.push(performance.now());
      return undefined;
    },
  });
  const workers = await Promise.all([startWorker(url, api.url), startWorker(url, api.url)]);
  const { hostname, port } = new URL(url);
  const producer = new DistributedExecutor({
    connection: { host: hostname, port: Number(port) },
    name: QUEUE,
  });
  try {
    const pages = Array.from({ length: 30 }, (_, i) => i + 1);
    const start = performance.now();
    const results = await producer.mapAsync<number, Page>('fetchPage', pages, { timeout: 30_000 });
    const elapsed = performance.now() - start;
    const byWorker = new Map<number, number>();
    for (const r of results) byWorker.set(r.worker, (byWorker.get(r.worker) ?? 0) + 1);
    const busiest = busiestWindow(arrivals, 1000);
    console.log(`Fetched ${results.length} pages in ${elapsed.toFixed(0)} ms; first: "${results[0]?.title}"`);
    console.log(`Jobs per worker process: ${[...byWorker.values()].join(' + ')}`);
    console.log(
      `At most ${busiest} requests reached the API in any 1 s window (shared limit: ${RATE.burst} + ${RATE.rate}/s)`,
    );
    return { results, workers: byWorker.size, busiest };
  } finally {
    await producer.close();
    await Promise.all(workers.map(stopWorker));
    await api.close();
    await redis?.stop();
  }
}

if (process.argv[2] === 'worker') await worker(process.argv[3] as string, process.argv[4] as string);
else if (isMain(import.meta.url)) await main();
