/**
 * What `npm run bench` measures: one suite per benchmark file, its rows (implementation x parameters), which
 * row is each group's floor, and SPEC §4's targets for Ferris. `run.ts` turns these into child processes.
 */

import { hasRedisServer } from '../examples/support/redisServer.js';

/** One row: an implementation run with fixed flags, inside a group (the rows it is compared with). */
export interface RowSpec {
  impl: string;
  label: string;
  group: string;
  flags: Readonly<Record<string, string | number>>;
  /** The row every ratio of its group is taken against. */
  floor?: boolean;
  /** A Ferris row: skipped with a note while its source file does not exist. */
  ferris?: boolean;
}

/** The measured figures of one row, as `run.ts` hands them to a target. */
export interface RowFigures {
  median: number;
  metrics: Readonly<Record<string, number>>;
}

/** A target of SPEC §4, judged on the figures of one group (keyed by `impl`). */
export interface TargetSpec {
  group: string;
  /** Says what is checked, e.g. `<= 1.5x floor`. */
  text: string;
  /** Returns the measured value as text and whether the target was met; `undefined` if a row is missing. */
  judge(rows: ReadonlyMap<string, RowFigures>): { value: string; pass: boolean } | undefined;
}

/** Extra figure a child reports (besides ns/op), shown as its own column. */
export interface MetricColumn {
  key: string;
  header: string;
  digits: number;
}

export interface Suite {
  name: string;
  file: string;
  title(quick: boolean): string;
  unit: string;
  /** The Ferris source file the Ferris rows import. */
  needs: string;
  metrics: readonly MetricColumn[];
  rows(quick: boolean): RowSpec[];
  targets: readonly TargetSpec[];
}

const fmt = (x: number, digits = 2): string => x.toFixed(digits);

/** `ferris` at most `max` times the group's floor. */
function withinFloor(group: string, floorImpl: string, max: number): TargetSpec {
  return {
    group,
    text: `<= ${max}x ${floorImpl}`,
    judge(rows) {
      const ferris = rows.get('ferris');
      const floor = rows.get(floorImpl);
      if (ferris === undefined || floor === undefined) return undefined;
      const ratio = ferris.median / floor.median;
      return { value: `${fmt(ratio)}x`, pass: ratio <= max };
    },
  };
}

const mapSizes = (quick: boolean) => ({ n: quick ? 20_000 : 200_000 });
const mapGroups = ['1', '16', '1024', 'unbounded'] as const;

const map: Suite = {
  name: 'map',
  file: 'bench/map.bench.ts',
  title: (quick) => `map overhead: ${mapSizes(quick).n.toLocaleString('en-US')} items of async (x) => x`,
  unit: 'ns/item',
  needs: 'src/parallel/asyncParallelMap.ts',
  metrics: [],
  rows(quick) {
    const { n } = mapSizes(quick);
    return mapGroups.flatMap((concurrency) => {
      const group = concurrency === 'unbounded' ? 'unbounded' : `c=${concurrency}`;
      const flags = { n, concurrency };
      const floor: RowSpec =
        concurrency === 'unbounded'
          ? { impl: 'promise-all', label: 'Promise.all(items.map(fn)) (floor)', group, flags, floor: true }
          : { impl: 'worker-loop', label: 'hand-written worker loop (floor)', group, flags, floor: true };
      return [
        floor,
        { impl: 'ferris', label: 'ferris asyncParallelMap', group, flags, ferris: true },
        { impl: 'p-map', label: 'p-map', group, flags },
        { impl: 'p-limit', label: 'p-limit + Promise.all', group, flags },
        { impl: 'p-queue', label: 'p-queue addAll', group, flags },
      ];
    });
  },
  targets: [
    withinFloor('c=1', 'worker-loop', 1.5),
    withinFloor('c=16', 'worker-loop', 1.5),
    withinFloor('c=1024', 'worker-loop', 1.5),
    withinFloor('unbounded', 'promise-all', 1.3),
  ],
};

const executorSizes = (quick: boolean) => ({ n: quick ? 20_000 : 200_000, concurrency: 16 });

const executor: Suite = {
  name: 'executor',
  file: 'bench/executor.bench.ts',
  title: (quick) => {
    const { n, concurrency } = executorSizes(quick);
    return `executor: ${n.toLocaleString('en-US')} tasks submitted at concurrency ${concurrency}, every handle awaited`;
  },
  unit: 'ns/task',
  needs: 'src/executor/AsyncExecutor.ts',
  metrics: [{ key: 'bytesPerQueued', header: 'B/queued', digits: 0 }],
  rows(quick) {
    const flags = executorSizes(quick);
    const group = 'c=16';
    return [
      { impl: 'limiter', label: 'hand-written p-limit-style limiter (floor)', group, flags, floor: true },
      { impl: 'ferris', label: 'ferris AsyncExecutor.submitAsync', group, flags, ferris: true },
      { impl: 'ferris-recorder', label: 'ferris, with a Recorder attached', group, flags, ferris: true },
      { impl: 'p-queue', label: 'p-queue add', group, flags },
    ];
  },
  targets: [
    {
      group: 'c=16',
      text: '>= 3x faster than p-queue',
      judge(rows) {
        const ferris = rows.get('ferris');
        const peer = rows.get('p-queue');
        if (ferris === undefined || peer === undefined) return undefined;
        const speedup = peer.median / ferris.median;
        return { value: `${fmt(speedup)}x`, pass: speedup >= 3 };
      },
    },
    {
      group: 'c=16',
      text: 'a Recorder adds <= 300 ns per task',
      judge(rows) {
        const ferris = rows.get('ferris');
        const recorded = rows.get('ferris-recorder');
        if (ferris === undefined || recorded === undefined) return undefined;
        const extra = recorded.median - ferris.median;
        return { value: `${fmt(extra, 0)} ns`, pass: extra <= 300 };
      },
    },
    {
      group: 'c=16',
      text: '<= 400 B per queued task',
      judge(rows) {
        const bytes = rows.get('ferris')?.metrics.bytesPerQueued;
        if (bytes === undefined) return undefined;
        return { value: `${fmt(bytes, 0)} B`, pass: bytes <= 400 };
      },
    },
  ],
};

const semaphoreSizes = (quick: boolean) => ({ n: quick ? 100_000 : 1_000_000, contenders: 64, permits: 4 });

const semaphore: Suite = {
  name: 'semaphore',
  file: 'bench/semaphore.bench.ts',
  title: (quick) => {
    const { n, contenders, permits } = semaphoreSizes(quick);
    return `semaphore: ${n.toLocaleString('en-US')} acquire/release pairs, ${contenders} contenders, ${permits} permits`;
  },
  unit: 'ns/pair',
  needs: 'src/sync/Semaphore.ts',
  metrics: [],
  rows(quick) {
    const flags = semaphoreSizes(quick);
    const group = `${flags.contenders}/${flags.permits}`;
    return [
      { impl: 'floor', label: 'hand-written semaphore (floor)', group, flags, floor: true },
      { impl: 'ferris', label: 'ferris Semaphore', group, flags, ferris: true },
      { impl: 'async-sema', label: 'async-sema Sema', group, flags },
      { impl: 'async-mutex', label: 'async-mutex Semaphore', group, flags },
      { impl: 'p-limit', label: 'p-limit', group, flags },
    ];
  },
  targets: [withinFloor('64/4', 'floor', 1.3)],
};

const queueSizes = (quick: boolean) => ({ n: quick ? 100_000 : 1_000_000, maxsize: 64, consumers: 4 });

const queue: Suite = {
  name: 'queue',
  file: 'bench/queue.bench.ts',
  title: (quick) => {
    const { n, maxsize, consumers } = queueSizes(quick);
    return `queue: ${n.toLocaleString('en-US')} items, maxsize ${maxsize}, 1 producer, ${consumers} consumers`;
  },
  unit: 'ns/item',
  needs: 'src/queue/Queue.ts',
  metrics: [],
  rows(quick) {
    const flags = queueSizes(quick);
    const group = `1->${flags.consumers}`;
    return [
      { impl: 'floor', label: 'hand-written channel (floor)', group, flags, floor: true },
      { impl: 'ferris', label: 'ferris Queue put/get', group, flags, ferris: true },
      { impl: 'p-queue', label: 'p-queue as a channel', group, flags },
      { impl: 'async', label: 'async.queue as a channel', group, flags },
    ];
  },
  targets: [withinFloor('1->4', 'floor', 1.5)],
};

const streamSizes = (quick: boolean) => ({ n: quick ? 1_000_000 : 10_000_000, concurrency: 64 });

const stream: Suite = {
  name: 'stream',
  file: 'bench/stream.bench.ts',
  title: (quick) => {
    const { n, concurrency } = streamSizes(quick);
    return `stream: ${n.toLocaleString('en-US')} items of an async generator at concurrency ${concurrency}, read in order`;
  },
  unit: 'ns/item',
  needs: 'src/parallel/asyncParallelMapStream.ts',
  metrics: [{ key: 'heapGrowthMB', header: 'heap growth MB', digits: 1 }],
  rows(quick) {
    const flags = streamSizes(quick);
    const group = 'c=64';
    return [
      { impl: 'pipeline', label: 'hand-written bounded pipeline (floor)', group, flags, floor: true },
      { impl: 'ferris', label: 'ferris asyncParallelMapStream', group, flags, ferris: true },
    ];
  },
  targets: [
    withinFloor('c=64', 'pipeline', 1.5),
    {
      group: 'c=64',
      text: '< 10 MB heap growth from item n/10 to n',
      judge(rows) {
        const growth = rows.get('ferris')?.metrics.heapGrowthMB;
        if (growth === undefined) return undefined;
        return { value: `${fmt(growth, 1)} MB`, pass: growth < 10 };
      },
    },
  ],
};

const workerSizes = (quick: boolean) => ({
  tiny: quick ? 20_000 : 100_000,
  cpu: quick ? 400 : 2_000,
  threads: 2,
});
const workerPeers = ['piscina', 'tinypool', 'workerpool'] as const;

/** The fastest peer of a group: its name and median. */
function bestPeer(rows: ReadonlyMap<string, RowFigures>): { impl: string; median: number } | undefined {
  let best: { impl: string; median: number } | undefined;
  for (const impl of workerPeers) {
    const row = rows.get(impl);
    if (row !== undefined && (best === undefined || row.median < best.median))
      best = { impl, median: row.median };
  }
  return best;
}

const workers: Suite = {
  name: 'workers',
  file: 'bench/workers.bench.ts',
  title: (quick) => {
    const { tiny, cpu, threads } = workerSizes(quick);
    return `worker pools on ${threads} threads: ${tiny.toLocaleString('en-US')} tiny tasks (x + 1) and ${cpu.toLocaleString('en-US')} CPU tasks (~2 ms)`;
  },
  unit: 'ns/task',
  needs: 'src/workers/WorkerPool.ts',
  metrics: [
    { key: 'tasksPerSec', header: 'tasks/s', digits: 0 },
    { key: 'peakRssMb', header: 'peak RSS MB', digits: 0 },
    { key: 'cores', header: 'cores', digits: 2 },
    { key: 'elsewhere', header: 'busy elsewhere', digits: 2 },
  ],
  rows(quick) {
    const { tiny, cpu, threads } = workerSizes(quick);
    return (['tiny', 'cpu'] as const).flatMap((workload) => {
      const group = workload;
      const flags = { workload, n: workload === 'tiny' ? tiny : cpu, threads };
      return [
        { impl: 'single', label: 'single-thread loop (floor)', group, flags, floor: true },
        { impl: 'ferris', label: 'ferris WorkerPool.run', group, flags, ferris: true },
        { impl: 'piscina', label: 'piscina run', group, flags },
        { impl: 'tinypool', label: 'tinypool run', group, flags },
        { impl: 'workerpool', label: 'workerpool exec (threads)', group, flags },
      ];
    });
  },
  targets: [
    {
      group: 'tiny',
      text: 'tasks/s >= piscina (aim 1.5x)',
      judge(rows) {
        const ferris = rows.get('ferris');
        const piscina = rows.get('piscina');
        if (ferris === undefined || piscina === undefined) return undefined;
        const ratio = piscina.median / ferris.median;
        return { value: `${fmt(ratio)}x piscina`, pass: ratio >= 1 };
      },
    },
    {
      group: 'tiny',
      text: 'peak RSS <= piscina',
      judge(rows) {
        const ferris = rows.get('ferris')?.metrics.peakRssMb;
        const piscina = rows.get('piscina')?.metrics.peakRssMb;
        if (ferris === undefined || piscina === undefined) return undefined;
        return { value: `${fmt(ferris, 0)} vs ${fmt(piscina, 0)} MB`, pass: ferris <= piscina };
      },
    },
    {
      group: 'cpu',
      text: 'speedup = best peer (within 5%)',
      judge(rows) {
        const ferris = rows.get('ferris');
        const single = rows.get('single');
        const best = bestPeer(rows);
        if (ferris === undefined || single === undefined || best === undefined) return undefined;
        let value = `${fmt(single.median / ferris.median)}x vs ${best.impl} ${fmt(single.median / best.median)}x`;
        // A speedup needs both cores: say so when other processes held one during either row's runs.
        const busy = Math.max(ferris.metrics.elsewhere ?? 0, rows.get(best.impl)?.metrics.elsewhere ?? 0);
        if (busy >= 0.5) value += `; machine busy elsewhere (${fmt(busy)} cores): not meaningful`;
        return { value, pass: ferris.median <= best.median * 1.05 };
      },
    },
  ],
};

const redisSizes = (quick: boolean) => ({
  jobs: quick ? 1_000 : 10_000,
  calls: quick ? 1_000 : 5_000,
  limited: quick ? 300 : 600,
  rate: quick ? 100 : 200,
});

const redis: Suite = {
  name: 'redis',
  file: 'bench/redis.bench.ts',
  title: (quick) => {
    const { jobs, calls, limited, rate } = redisSizes(quick);
    return `redis (one local redis-server): mapAsync of ${jobs.toLocaleString('en-US')} tiny jobs; ${calls.toLocaleString('en-US')} sequential acquire calls; ${limited} jobs limited to ${rate}/s`;
  },
  unit: 'ns/op',
  needs: 'src/redis/DistributedExecutor.ts',
  metrics: [
    { key: 'p50', header: 'p50 µs', digits: 0 },
    { key: 'p99', header: 'p99 µs', digits: 0 },
    { key: 'jobsPerSecond', header: 'jobs/s', digits: 0 },
  ],
  rows(quick) {
    const { jobs, calls, limited, rate } = redisSizes(quick);
    const map = { n: jobs };
    const latency = { n: calls };
    const limit = { n: limited, rate };
    return [
      {
        impl: 'bullmq-w1',
        label: 'plain BullMQ, 1 worker process (floor)',
        group: 'map',
        flags: map,
        floor: true,
      },
      {
        impl: 'ferris-w1',
        label: 'ferris DistributedExecutor, 1 worker process',
        group: 'map',
        flags: map,
        ferris: true,
      },
      {
        impl: 'ferris-w2',
        label: 'ferris DistributedExecutor, 2 worker processes',
        group: 'map',
        flags: map,
        ferris: true,
      },
      {
        impl: 'ferris-w4',
        label: 'ferris DistributedExecutor, 4 worker processes',
        group: 'map',
        flags: map,
        ferris: true,
      },
      {
        impl: 'ping',
        label: 'ioredis PING round trip (floor)',
        group: 'latency',
        flags: latency,
        floor: true,
      },
      {
        impl: 'ferris-limiter',
        label: 'ferris RedisRateLimiter.acquire',
        group: 'latency',
        flags: latency,
        ferris: true,
      },
      {
        impl: 'ferris-semaphore',
        label: 'ferris RedisSemaphore.acquire + release',
        group: 'latency',
        flags: latency,
        ferris: true,
      },
      {
        impl: 'bullmq-limit',
        label: "DistributedExecutor, BullMQ's limiter { max, duration }",
        group: 'limited',
        flags: limit,
        floor: true,
      },
      {
        impl: 'ferris-limit',
        label: 'DistributedExecutor, RedisRateLimiter',
        group: 'limited',
        flags: limit,
        ferris: true,
      },
    ];
  },
  targets: [],
};

/** Every suite, in the order they run; `redis` only where a redis-server binary is installed. */
export const suites: readonly Suite[] = [
  map,
  executor,
  semaphore,
  queue,
  stream,
  workers,
  ...(hasRedisServer() ? [redis] : []),
];
