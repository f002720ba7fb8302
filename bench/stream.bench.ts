/**
 * Streaming: `--n` items of an async generator mapped at `--concurrency` through `async (x) => x`, results read
 * in order as they come. Rows (`--impl`): ferris (`asyncParallelMapStream`), pipeline (floor: the hand-written
 * bounded pipeline of floors/pipeline.ts). Reports ns per item and, as `heapGrowthMB`, how much the heap grew
 * (after a full GC) between item n/10 and item n of one extra run: flat memory means about 0.
 */
import { boundedPipeline } from './floors/pipeline.js';
import {
  emit,
  expectEqual,
  flag,
  heapAfterGc,
  intFlag,
  loadFerris,
  main,
  parseFlags,
  timeRuns,
  timingFlags,
} from './harness.js';

type StreamOnce = (n: number, concurrency: number, onItem: (count: number) => void) => Promise<number>;

const identity = async (x: number): Promise<number> => x;

async function* numbers(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

async function implementation(impl: string): Promise<StreamOnce> {
  switch (impl) {
    case 'ferris': {
      const { asyncParallelMapStream } = await loadFerris();
      return async (n, concurrency, onItem) => {
        let count = 0;
        for await (const value of asyncParallelMapStream(identity, numbers(n), {
          maxConcurrent: concurrency,
        })) {
          if (value !== count) throw new Error(`out of order: ${value} at ${count}`);
          onItem(++count);
        }
        return count;
      };
    }
    case 'pipeline':
      return async (n, concurrency, onItem) => {
        let count = 0;
        await boundedPipeline(numbers(n), identity, concurrency, (value) => {
          if (value !== count) throw new Error(`out of order: ${value} at ${count}`);
          onItem(++count);
        });
        return count;
      };
    default:
      throw new Error(`unknown --impl ${impl}`);
  }
}

main(async () => {
  const flags = parseFlags();
  const n = intFlag(flags, 'n');
  const concurrency = intFlag(flags, 'concurrency');
  const once = await implementation(flag(flags, 'impl'));
  const nsPerOp = await timeRuns(() => once(n, concurrency, () => {}), {
    ops: n,
    ...timingFlags(flags),
    check: (count) => expectEqual(count, n, 'items read'),
  });
  // One more run, not timed: the heap after a full GC at item n/10 and at the last item.
  const tenth = Math.floor(n / 10);
  let atTenth = 0;
  let atEnd = 0;
  const count = await once(n, concurrency, (i) => {
    if (i === tenth) atTenth = heapAfterGc();
    else if (i === n) atEnd = heapAfterGc();
  });
  expectEqual(count, n, 'items read');
  emit({ nsPerOp, metrics: { heapGrowthMB: (atEnd - atTenth) / 2 ** 20 } });
});
