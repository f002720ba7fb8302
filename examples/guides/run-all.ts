/**
 * Runs every guide example in order, printing a header before each. Each example is imported on its turn,
 * so one that fails to load or throws is reported and the rest still run; the exit code is 1 if any failed.
 *
 * Run: npx tsx examples/guides/run-all.ts
 */
import { isMain } from './support/isMain.js';

/** A guide example: its file (under examples/guides/), what it shows, and how to load it. */
export interface GuideExample {
  file: string;
  title: string;
  load: () => Promise<{ main: () => Promise<unknown> }>;
}

export const guideExamples: GuideExample[] = [
  {
    file: 'essentials-01-basics.ts',
    title: 'Basic async/await',
    load: () => import('./essentials-01-basics.js'),
  },
  {
    file: 'essentials-02-http-client.ts',
    title: 'Async HTTP client',
    load: () => import('./essentials-02-http-client.js'),
  },
  {
    file: 'essentials-03-producer-consumer.ts',
    title: 'Producer/consumer with a Queue',
    load: () => import('./essentials-03-producer-consumer.js'),
  },
  {
    file: 'essentials-04-rate-limiter.ts',
    title: 'Token-bucket rate limiter',
    load: () => import('./essentials-04-rate-limiter.js'),
  },
  {
    file: 'essentials-05-task-group.ts',
    title: 'Task groups',
    load: () => import('./essentials-05-task-group.js'),
  },
  {
    file: 'essentials-06-context-managers.ts',
    title: 'Async context managers',
    load: () => import('./essentials-06-context-managers.js'),
  },
  {
    file: 'essentials-07-file-operations.ts',
    title: 'Async file operations',
    load: () => import('./essentials-07-file-operations.js'),
  },
  {
    file: 'essentials-08-api-aggregator.ts',
    title: 'API data aggregator',
    load: () => import('./essentials-08-api-aggregator.js'),
  },
  {
    file: 'essentials-09-background-tasks.ts',
    title: 'Background task processor',
    load: () => import('./essentials-09-background-tasks.js'),
  },
  {
    file: 'essentials-10-web-scraper.ts',
    title: 'Rate-limited web scraper',
    load: () => import('./essentials-10-web-scraper.js'),
  },
  {
    file: 'essentials-11-async-vs-sync.ts',
    title: 'Async vs sync I/O',
    load: () => import('./essentials-11-async-vs-sync.js'),
  },
  {
    file: 'asyncio-01-wait-first-completed.ts',
    title: 'wait(FIRST_COMPLETED) and cancel',
    load: () => import('./asyncio-01-wait-first-completed.js'),
  },
  {
    file: 'asyncio-02-async-iterators.ts',
    title: 'Async iterators and generators',
    load: () => import('./asyncio-02-async-iterators.js'),
  },
  {
    file: 'patterns-01-timeouts.ts',
    title: 'Timeouts with defaults',
    load: () => import('./patterns-01-timeouts.js'),
  },
  {
    file: 'patterns-02-gather-safe-strict.ts',
    title: 'Gather: safe and strict',
    load: () => import('./patterns-02-gather-safe-strict.js'),
  },
  {
    file: 'patterns-03-semaphore-client.ts',
    title: 'Semaphore-limited client',
    load: () => import('./patterns-03-semaphore-client.js'),
  },
  {
    file: 'patterns-04-error-base-class.ts',
    title: 'One base class for errors',
    load: () => import('./patterns-04-error-base-class.js'),
  },
  {
    file: 'patterns-05-retry-backoff.ts',
    title: 'Retry with exponential backoff',
    load: () => import('./patterns-05-retry-backoff.js'),
  },
  {
    file: 'patterns-06-connection-pool.ts',
    title: 'Connection pool',
    load: () => import('./patterns-06-connection-pool.js'),
  },
  {
    file: 'patterns-07-batching.ts',
    title: 'Batching requests',
    load: () => import('./patterns-07-batching.js'),
  },
  {
    file: 'patterns-08-run-in-executor.ts',
    title: 'CPU-bound work on threads (run_in_executor)',
    load: () => import('./patterns-08-run-in-executor.js'),
  },
  {
    file: 'patterns-09-io-cpu-pipeline.ts',
    title: 'I/O and CPU stages in one pipeline',
    load: () => import('./patterns-09-io-cpu-pipeline.js'),
  },
  {
    file: 'composition.ts',
    title: 'Rate-limited, retried, circuit-broken, pooled API calls',
    load: () => import('./composition.js'),
  },
];

/** Runs every guide example in order; resolves to the files of those that failed. */
export async function runAll(): Promise<string[]> {
  const failed: string[] = [];
  for (const [i, example] of guideExamples.entries()) {
    console.log(
      `\n=== ${i + 1}/${guideExamples.length} ${example.title} (examples/guides/${example.file}) ===`,
    );
    try {
      const { main } = await example.load();
      await main();
    } catch (error) {
      failed.push(example.file);
      console.error(`!!! examples/guides/${example.file} failed:`, error);
    }
  }
  console.log(
    failed.length === 0
      ? `\nAll ${guideExamples.length} guide examples ran.`
      : `\n${failed.length} of ${guideExamples.length} guide examples failed: ${failed.join(', ')}`,
  );
  return failed;
}

if (isMain(import.meta.url)) {
  const failed = await runAll();
  if (failed.length > 0) process.exitCode = 1;
}
