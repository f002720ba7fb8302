/**
 * Semaphore: `--contenders` async loops share a semaphore of `--permits`; each loop repeats acquire -> await an
 * already resolved promise -> release until `--n` pairs are done in all. Rows (`--impl`): ferris (`Semaphore`),
 * floor (floors/semaphore.ts), async-sema (`Sema`), async-mutex (`Semaphore`, releasing through the returned
 * releaser), p-limit (`limit(() => resolved)`, the acquire/release pair being p-limit's own bookkeeping).
 * Reports ns per acquire/release pair.
 */
import { Semaphore as MutexSemaphore } from 'async-mutex';
import { Sema } from 'async-sema';
import pLimit from 'p-limit';
import { FloorSemaphore } from './floors/semaphore.js';
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

/** Makes one contender loop that performs `pairs` acquire/release pairs on a fresh semaphore of `permits`. */
type Contenders = (permits: number) => (pairs: number) => Promise<number>;

const resolved = Promise.resolve();

/** The loop of the rows whose semaphore has `acquire()` and a plain `release()`. Each process runs one row, so
 * this shared loop stays monomorphic: it costs every row the same. */
function pairsOn(sem: { acquire(): Promise<unknown>; release(): void }): (pairs: number) => Promise<number> {
  return async (pairs) => {
    for (let i = 0; i < pairs; i++) {
      await sem.acquire();
      await resolved;
      sem.release();
    }
    return pairs;
  };
}

async function implementation(impl: string): Promise<Contenders> {
  switch (impl) {
    case 'ferris': {
      const { Semaphore } = await loadFerris();
      return (permits) => pairsOn(new Semaphore(permits));
    }
    case 'floor':
      return (permits) => pairsOn(new FloorSemaphore(permits));
    case 'async-sema':
      return (permits) => pairsOn(new Sema(permits));
    case 'async-mutex':
      return (permits) => {
        const sem = new MutexSemaphore(permits);
        return async (pairs) => {
          for (let i = 0; i < pairs; i++) {
            const [, release] = await sem.acquire();
            await resolved;
            release();
          }
          return pairs;
        };
      };
    case 'p-limit':
      return (permits) => {
        const limit = pLimit(permits);
        const body = (): Promise<void> => resolved;
        return async (pairs) => {
          for (let i = 0; i < pairs; i++) await limit(body);
          return pairs;
        };
      };
    default:
      throw new Error(`unknown --impl ${impl}`);
  }
}

main(async () => {
  const flags = parseFlags();
  const contenders = intFlag(flags, 'contenders');
  const permits = intFlag(flags, 'permits');
  const pairsEach = Math.ceil(intFlag(flags, 'n') / contenders);
  const total = pairsEach * contenders;
  const make = await implementation(flag(flags, 'impl'));
  const nsPerOp = await timeRuns(
    async () => {
      const loop = make(permits);
      const done = await Promise.all(Array.from({ length: contenders }, () => loop(pairsEach)));
      return done.reduce((a, b) => a + b, 0);
    },
    { ops: total, ...timingFlags(flags), check: (pairs) => expectEqual(pairs, total, 'pairs done') },
  );
  emit({ nsPerOp, metrics: {} });
});
