/**
 * Map overhead: `--n` immediately resolving items (`async (x) => x`) at `--concurrency` (an integer or
 * 'unbounded'). Rows (`--impl`): ferris, worker-loop (floor when bounded), promise-all (floor when unbounded),
 * p-map, p-limit, p-queue. Reports ns per item.
 */
import pLimit from 'p-limit';
import pMap from 'p-map';
import PQueue from 'p-queue';
import { promiseAllMap, workerLoopMap } from './floors/workerLoop.js';
import {
  emit,
  expectEqual,
  flag,
  intFlag,
  loadFerris,
  main,
  parseFlags,
  timeRuns,
  timingFlags,
} from './harness.js';

type MapOnce = (items: readonly number[], concurrency: number) => Promise<number[]>;

const identity = async (x: number): Promise<number> => x;

async function implementation(impl: string): Promise<MapOnce> {
  switch (impl) {
    case 'ferris': {
      const { asyncParallelMap } = await loadFerris();
      return (items, concurrency) =>
        concurrency === Number.POSITIVE_INFINITY
          ? asyncParallelMap(identity, items)
          : asyncParallelMap(identity, items, { maxConcurrent: concurrency });
    }
    case 'worker-loop':
      return (items, concurrency) => workerLoopMap(identity, items, concurrency);
    case 'promise-all':
      return (items) => promiseAllMap(identity, items);
    case 'p-map':
      return (items, concurrency) => pMap(items, identity, { concurrency });
    case 'p-limit':
      return (items, concurrency) => {
        const limit = pLimit(concurrency);
        return Promise.all(items.map((x) => limit(identity, x)));
      };
    case 'p-queue':
      return (items, concurrency) => {
        const queue = new PQueue({ concurrency });
        return queue.addAll(items.map((x) => () => identity(x)));
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
  const items = Array.from({ length: n }, (_, i) => i);
  const nsPerOp = await timeRuns(() => once(items, concurrency), {
    ops: n,
    ...timingFlags(flags),
    check: (results) => {
      expectEqual(results.length, n, 'results.length');
      expectEqual(results[n - 1], n - 1, 'the last result');
    },
  });
  emit({ nsPerOp, metrics: {} });
});
