/**
 * Producer/consumer with an async queue (essential guide, "Async Concurrency Patterns" > Producer-Consumer
 * with Async Queue; patterns guide, "Concurrency Patterns" > Producer-Consumer Pattern). Ferris's `Queue` has
 * asyncio.Queue's semantics: a bounded `put()` waits while the queue is full, `get()` waits while it is
 * empty, `taskDone()` and `join()` track what has been processed.
 *
 * 1. The essential guide's version: one producer, two consumers that stop once `get({ timeout })` has waited
 *    2 s (40 ms here) for an item (asyncio.wait_for(queue.get(), 2.0)). Produce every 0.1 s (2 ms), process
 *    in 0.2 s (4 ms).
 * 2. The patterns guide's `run_pipeline`: five workers, `join()` until every item is done, then stop the
 *    workers. Instead of putting one `None` sentinel per worker, `queue.shutdown()` ends every `for await`
 *    loop once the queue is empty; the workers run in a `taskGroup`, so none outlives the pipeline.
 *
 * Run: npx tsx examples/guides/essentials-03-producer-consumer.ts
 */
import { gather, Queue, sleep, TimeoutError, taskGroup } from 'ferris';
import { isMain } from './support/isMain.js';

async function producer(name: string, queue: Queue<string>, numItems: number, signal: AbortSignal) {
  for (let i = 0; i < numItems; i++) {
    const item = `${name}-Item-${i + 1}`;
    await queue.put(item, { signal }); // waits while 5 items are queued
    console.log(`Produced: ${item}`);
    await sleep(2, { signal });
  }
}

async function consumer(name: string, queue: Queue<string>, done: string[], signal: AbortSignal) {
  for (;;) {
    let item: string;
    try {
      item = await queue.get({ timeout: 40, signal });
    } catch (error) {
      if (error instanceof TimeoutError) break; // nothing came for 40 ms: the producer is done
      throw error;
    }
    console.log(`${name} processing: ${item}`);
    await sleep(4, { signal });
    done.push(item);
    queue.taskDone();
  }
}

async function producerConsumerExample(): Promise<string[]> {
  const queue = new Queue<string>({ maxsize: 5 });
  const done: string[] = [];
  await gather([
    (signal) => producer('Producer-1', queue, 10, signal),
    (signal) => consumer('Consumer-1', queue, done, signal),
    (signal) => consumer('Consumer-2', queue, done, signal),
  ]);
  return done;
}

/** The patterns guide's `run_pipeline(items, num_workers)`. */
async function runPipeline(items: string[], numWorkers = 5): Promise<Map<number, string[]>> {
  const queue = new Queue<string>({ maxsize: 100 });
  const byWorker = new Map<number, string[]>();
  await taskGroup(async (tg) => {
    for (let id = 0; id < numWorkers; id++) {
      byWorker.set(id, []);
      tg.createTask(async (signal) => {
        for await (const item of queue) {
          await sleep(1, { signal }); // process_item(item)
          byWorker.get(id)?.push(item.toUpperCase());
          queue.taskDone();
        }
      });
    }
    try {
      const producing = tg.createTask(async (signal) => {
        for (const item of items) await queue.put(item, { signal });
      });
      await producing;
      await queue.join({ signal: tg.signal }); // every item processed
    } finally {
      queue.shutdown(); // the workers' loops end (on a failure too): no sentinels needed
    }
  });
  return byWorker;
}

export async function main() {
  const consumed = await producerConsumerExample();
  console.log(`Consumers processed ${consumed.length} items, then timed out waiting for more`);

  const items = Array.from({ length: 20 }, (_, i) => `item-${i + 1}`);
  const byWorker = await runPipeline(items);
  const processed = [...byWorker.values()].flat();
  const shares = [...byWorker.entries()].map(([id, list]) => `worker ${id}: ${list.length}`);
  console.log(
    `Pipeline processed ${processed.length} items with ${byWorker.size} workers (${shares.join(', ')})`,
  );
  return { consumed, processed };
}

if (isMain(import.meta.url)) await main();
