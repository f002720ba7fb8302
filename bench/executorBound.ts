/**
 * How fast can any executor with SPEC's guarantees be, against p-queue? Not a row of `npm run bench`: an
 * experiment that bounds the executor target (SPEC §4: `submitAsync` at least 3x faster than p-queue's `add`).
 *
 * It times, in one process with `gc()` before each run and rows alternating, 200,000 tasks (`async () => 1`)
 * at concurrency 16, every handle awaited with `Promise.all`, through:
 * - `floor`: the hand-written p-limit-style limiter of the executor benchmark;
 * - `bound`: the least an executor can do whose handle is its own task object and a native promise (a
 *   `Promise` subclass, as `AsyncTask`): no names, no status API, no cancellation, no stats, no options;
 *   plus, per the features given, what SPEC requires on every task: `ctx` carries the submitter's
 *   AsyncLocalStorage context to queued work (SPEC §2.9; an `AsyncResource` per queued task, the cheapest way
 *   on Node 20), `clock` reads the clock at start and at finish (`startedAt`, `finishedAt`);
 * - `p-queue`: p-queue's `add`.
 *
 * Run: `node --expose-gc --import tsx bench/executorBound.ts ctx,clock` (or `none`, `ctx`, `clock`). It prints
 * CPU time per task (user + system, less sensitive than wall time to other processes on a shared machine)
 * and the ratios. Whatever Ferris adds on top of `bound` is its cost; p-queue/bound is the best ratio to
 * p-queue any executor with those features can post on this machine and Node version.
 */
import { AsyncResource } from 'node:async_hooks';
import PQueue from 'p-queue';
import { createLimiter } from './floors/limiter.js';

const features = new Set((process.argv[2] ?? 'ctx,clock').split(','));
const carryContext = features.has('ctx');
const readClock = features.has('clock');

let captured: ((value: unknown) => void) | undefined;
const capture = (resolve: (value: never) => void): void => {
  captured = resolve as (value: unknown) => void;
};

/** The least task: a native promise that runs `fn` once its executor gives it a slot. */
class BoundTask<T> extends Promise<T> {
  #resolve: (value: unknown) => void;
  #fn: (() => PromiseLike<T>) | undefined;
  #owner: BoundExecutor;
  #context: AsyncResource | undefined;
  startedAt = 0;
  finishedAt = 0;

  constructor(fn: () => PromiseLike<T>, owner: BoundExecutor) {
    super(capture);
    this.#resolve = captured as (value: unknown) => void;
    this.#fn = fn;
    this.#owner = owner;
  }

  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  park(): void {
    if (carryContext) this.#context = new AsyncResource('bound');
  }

  resume(): void {
    const context = this.#context;
    this.#context = undefined;
    if (context === undefined) this.start();
    else context.runInAsyncScope(this.start, this);
  }

  start(): void {
    if (readClock) this.startedAt = performance.now();
    const fn = this.#fn as () => PromiseLike<T>;
    this.#fn = undefined;
    Promise.resolve(fn()).then(
      (value) => this.#settle(value),
      (error: unknown) => this.#settle(Promise.reject(error)),
    );
  }

  #settle(outcome: unknown): void {
    if (readClock) this.finishedAt = performance.now();
    this.#owner.freed();
    this.#resolve(outcome);
  }
}
// As AsyncTask: `await` and `Promise.all` adopt the task natively.
Object.defineProperty(BoundTask.prototype, 'constructor', { get: () => Promise });

class BoundExecutor {
  #active = 0;
  readonly #queue: (BoundTask<unknown> | undefined)[] = [];
  #head = 0;
  constructor(readonly concurrency: number) {}

  submit<T>(fn: () => PromiseLike<T>): BoundTask<T> {
    const task = new BoundTask(fn, this);
    if (this.#active < this.concurrency) {
      this.#active++;
      task.start();
    } else {
      task.park();
      this.#queue.push(task as BoundTask<unknown>);
    }
    return task;
  }

  freed(): void {
    this.#active--;
    if (this.#head === this.#queue.length) return;
    const next = this.#queue[this.#head] as BoundTask<unknown>;
    this.#queue[this.#head++] = undefined;
    this.#active++;
    next.resume();
  }
}

const n = 200_000;
const concurrency = 16;
const one = async (): Promise<number> => 1;
const rows: Record<string, () => (fn: () => Promise<number>) => PromiseLike<number>> = {
  floor: () => createLimiter(concurrency),
  bound: () => {
    const executor = new BoundExecutor(concurrency);
    return (fn) => executor.submit(fn);
  },
  'p-queue': () => {
    const queue = new PQueue({ concurrency });
    return (fn) => queue.add(fn);
  },
};

const cpu: Record<string, number[]> = { floor: [], bound: [], 'p-queue': [] };
for (let round = 0; round < 11; round++) {
  for (const [name, make] of Object.entries(rows)) {
    globalThis.gc?.();
    await new Promise((resolve) => setImmediate(resolve));
    const submit = make();
    const before = process.cpuUsage();
    const handles = new Array<PromiseLike<number>>(n);
    for (let i = 0; i < n; i++) handles[i] = submit(one);
    const results = await Promise.all(handles);
    const used = process.cpuUsage(before);
    if (results.length !== n || results[n - 1] !== 1) throw new Error(`${name} returned wrong results`);
    cpu[name]?.push(((used.user + used.system) * 1000) / n);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
const floor = median(cpu.floor as number[]);
const bound = median(cpu.bound as number[]);
const pQueue = median(cpu['p-queue'] as number[]);
console.log(
  `${process.version}, features [${[...features].join(', ')}], CPU ns per task (median of 11): ` +
    `floor ${floor.toFixed(0)}, bound ${bound.toFixed(0)} (${(bound / floor).toFixed(2)}x floor), ` +
    `p-queue ${pQueue.toFixed(0)} (${(pQueue / floor).toFixed(2)}x floor); p-queue / bound = ${(pQueue / bound).toFixed(2)}`,
);
