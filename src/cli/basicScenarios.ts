import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AsyncTask, asyncParallelMap, gather, Semaphore } from '../index.js';
import { type DemoContext, type Scenario, timed } from './DemoContext.js';
import { getJson } from './http.js';

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

/** The template's concurrent example: one request per task, gathered. */
export const concurrentAsync: Scenario = {
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
};

/** The template's integration example: write files, process them concurrently, remove them. */
export const asyncIntegration: Scenario = {
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
};
