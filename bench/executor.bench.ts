/**
 * Executor: `--n` tasks (`async () => 1`) submitted at once to a bound of `--concurrency`, every handle awaited
 * with `Promise.all`. Rows (`--impl`): ferris (`AsyncExecutor.submitAsync`), p-queue (`add`), limiter (floor:
 * the p-limit-style limiter of floors/limiter.ts). Reports ns per task and, as `bytesPerQueued`, the heap growth
 * per task while `--n` tasks wait behind `--concurrency` running ones that are blocked on a gate.
 */
import PQueue from 'p-queue';
import { createLimiter } from './floors/limiter.js';
import {
  emit,
  expectEqual,
  flag,
  heapAfterGc,
  intFlag,
  loadFerris,
  loadReport,
  main,
  parseFlags,
  settle,
  timeRuns,
  timingFlags,
} from './harness.js';

/** One executor instance: `submit` returns the awaitable handle, `close` shuts it down after the run. */
interface Runner {
  submit(fn: () => Promise<number>): PromiseLike<number>;
  close(): Promise<void>;
}

async function implementation(impl: string): Promise<(concurrency: number) => Runner> {
  switch (impl) {
    case 'ferris': {
      const { AsyncExecutor } = await loadFerris();
      return (concurrency) => {
        const executor = new AsyncExecutor({ maxWorkers: concurrency });
        return { submit: (fn) => executor.submitAsync(fn), close: () => executor.shutdown() };
      };
    }
    case 'ferris-recorder': {
      // The same executor with a Recorder of ferris/report attached: what observing every task costs.
      const { AsyncExecutor } = await loadFerris();
      const { Recorder } = await loadReport();
      return (concurrency) => {
        const executor = new AsyncExecutor({ maxWorkers: concurrency });
        const recorder = new Recorder();
        recorder.attach(executor);
        return {
          submit: (fn) => executor.submitAsync(fn),
          close: async () => {
            await executor.shutdown();
            recorder.close();
          },
        };
      };
    }
    case 'p-queue':
      return (concurrency) => {
        const queue = new PQueue({ concurrency });
        return { submit: (fn) => queue.add(fn), close: () => queue.onIdle() };
      };
    case 'limiter':
      return (concurrency) => {
        const limit = createLimiter(concurrency);
        return { submit: (fn) => limit(fn), close: () => Promise.resolve() };
      };
    default:
      throw new Error(`unknown --impl ${impl}`);
  }
}

const one = async (): Promise<number> => 1;

async function submitAll(
  runner: Runner,
  n: number,
  fn: () => Promise<number>,
): Promise<PromiseLike<number>[]> {
  const handles = new Array<PromiseLike<number>>(n);
  for (let i = 0; i < n; i++) handles[i] = runner.submit(fn);
  return handles;
}

/** Heap bytes per task waiting in the queue: submit `n` while the first `concurrency` tasks hold every slot. */
async function bytesPerQueued(make: (c: number) => Runner, n: number, concurrency: number): Promise<number> {
  let open!: (value: number) => void;
  const gate = new Promise<number>((resolve) => {
    open = resolve;
  });
  const blocked = (): Promise<number> => gate;
  await settle();
  const before = heapAfterGc();
  const runner = make(concurrency);
  const handles = await submitAll(runner, n, blocked);
  await settle();
  const after = heapAfterGc();
  open(1);
  const results = await Promise.all(handles);
  await runner.close();
  expectEqual(results.length, n, 'results.length');
  return (after - before) / (n - concurrency);
}

main(async () => {
  const flags = parseFlags();
  const n = intFlag(flags, 'n');
  const concurrency = intFlag(flags, 'concurrency');
  const make = await implementation(flag(flags, 'impl'));
  const nsPerOp = await timeRuns(
    async () => {
      const runner = make(concurrency);
      const results = await Promise.all(await submitAll(runner, n, one));
      await runner.close();
      return results;
    },
    {
      ops: n,
      ...timingFlags(flags),
      check: (results) => {
        expectEqual(results.length, n, 'results.length');
        expectEqual(results[n - 1], 1, 'the last result');
      },
    },
  );
  emit({ nsPerOp, metrics: { bytesPerQueued: await bytesPerQueued(make, n, concurrency) } });
});
