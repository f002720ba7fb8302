/**
 * Queue: one producer sends `--n` numbers through a channel of `--maxsize` to `--consumers` consumers, which sum
 * them. Rows (`--impl`): ferris (`Queue` put/get), floor (floors/channel.ts), p-queue and async (their own
 * workers as the consumers, with the producer held back while `--maxsize` items wait; see bench/README.md).
 * The channel rows end with one sentinel (-1) per consumer. Reports ns per item.
 */
import async from 'async';
import PQueue from 'p-queue';
import { FloorChannel } from './floors/channel.js';
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

/** Sends 0..n-1 through a fresh channel and resolves to the consumers' total. */
type Pipe = (n: number, maxsize: number, consumers: number) => Promise<number>;

interface Channel {
  put(item: number): Promise<void>;
  get(): Promise<number>;
}

async function throughChannel(channel: Channel, n: number, consumers: number): Promise<number> {
  let sum = 0;
  const consume = async (): Promise<void> => {
    for (;;) {
      const item = await channel.get();
      if (item < 0) return;
      sum += item;
    }
  };
  const running: Promise<void>[] = [];
  for (let k = 0; k < consumers; k++) running.push(consume());
  for (let i = 0; i < n; i++) await channel.put(i);
  for (let k = 0; k < consumers; k++) await channel.put(-1);
  await Promise.all(running);
  return sum;
}

async function implementation(impl: string): Promise<Pipe> {
  switch (impl) {
    case 'ferris': {
      const { Queue } = await loadFerris();
      return (n, maxsize, consumers) => throughChannel(new Queue<number>({ maxsize }), n, consumers);
    }
    case 'floor':
      return (n, maxsize, consumers) => throughChannel(new FloorChannel<number>(maxsize), n, consumers);
    case 'p-queue':
      // p-queue runs the consumers itself: each item is a task, `concurrency` tasks run at once, and the
      // producer waits with p-queue's documented `onSizeLessThan` while `maxsize` tasks are waiting.
      return async (n, maxsize, consumers) => {
        let sum = 0;
        const queue = new PQueue({ concurrency: consumers });
        for (let i = 0; i < n; i++) {
          if (queue.size >= maxsize) await queue.onSizeLessThan(maxsize);
          void queue.add(() => {
            sum += i;
          });
        }
        await queue.onIdle();
        return sum;
      };
    case 'async':
      // async.queue with a callback worker and `concurrency` workers; the producer waits for the queue's
      // 'unsaturated' event (a worker finished) while `maxsize` items are waiting.
      return async (n, maxsize, consumers) => {
        let sum = 0;
        const queue = async.queue<number>((item, callback) => {
          sum += item;
          callback();
        }, consumers);
        const done = (): void => {};
        for (let i = 0; i < n; i++) {
          while (queue.length() >= maxsize) await queue.unsaturated();
          queue.push(i, done);
        }
        if (!queue.idle()) await queue.drain();
        return sum;
      };
    default:
      throw new Error(`unknown --impl ${impl}`);
  }
}

main(async () => {
  const flags = parseFlags();
  const n = intFlag(flags, 'n');
  const maxsize = intFlag(flags, 'maxsize');
  const consumers = intFlag(flags, 'consumers');
  const pipe = await implementation(flag(flags, 'impl'));
  const nsPerOp = await timeRuns(() => pipe(n, maxsize, consumers), {
    ops: n,
    ...timingFlags(flags),
    check: (sum) => expectEqual(sum, (n * (n - 1)) / 2, 'the sum'),
  });
  emit({ nsPerOp, metrics: {} });
});
