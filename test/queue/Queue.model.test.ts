import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QueueShutDownError } from '../../src/core/errors.js';
import { Queue } from '../../src/queue/Queue.js';

/**
 * Random producers and consumers, interleaved by fast-check's scheduler, with random aborts and an optional
 * shutdown, checked against the model of a FIFO queue: what comes out (taken, then dropped by an immediate
 * shutdown, then left over) is exactly what was accepted, in the same order, each item once.
 *
 * Order is observed without touching internals: a `.then` attached in the same synchronous step as the call
 * runs in the order the queue settled the calls (one microtask queue), so the `accepted` and `taken` logs hold
 * the queue's own order of acceptances and takes.
 */

interface PutOp {
  nowait: boolean;
  abort: boolean;
}
interface GetOp {
  nowait: boolean;
  abort: boolean;
  done: boolean;
}

/** true with probability `percent` / 100. */
const sometimes = (percent: number) =>
  fc.oneof(
    { arbitrary: fc.constant(true), weight: percent },
    { arbitrary: fc.constant(false), weight: 100 - percent },
  );

const putOp = fc.record({ nowait: sometimes(20), abort: sometimes(30) });
const getOp = fc.record({ nowait: sometimes(20), abort: sometimes(30), done: fc.boolean() });

const scenario = fc.record({
  maxsize: fc.integer({ min: 0, max: 3 }),
  producers: fc.array(fc.array(putOp, { maxLength: 6 }), { minLength: 1, maxLength: 3 }),
  consumers: fc.array(fc.array(getOp, { maxLength: 6 }), { minLength: 1, maxLength: 3 }),
  shutdown: fc.constantFrom('none', 'graceful', 'immediate'),
});

const ignore = () => {};

describe('Queue model', () => {
  it('loses, duplicates or reorders no item and keeps size and unfinished right under any schedule', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), scenario, async (s, sc) => {
        const queue = new Queue<number>({ maxsize: sc.maxsize });
        const capacity = sc.maxsize === 0 ? Number.POSITIVE_INFINITY : sc.maxsize;
        const accepted: number[] = [];
        const taken: number[] = [];
        let done = 0;
        let dropped = 0;
        const problems: string[] = [];

        const check = (where: string) => {
          const st = queue.stats();
          if (st.size > capacity) problems.push(`${where}: size ${st.size} above maxsize ${sc.maxsize}`);
          if (st.getters > 0 && st.size > 0) problems.push(`${where}: getters wait on a non-empty queue`);
          if (st.putters > 0 && st.size < capacity)
            problems.push(`${where}: putters wait on a queue with room`);
        };

        /** Aborts `controller` at a point the scheduler picks. */
        const abortLater = (controller: AbortController) => {
          s.schedule(Promise.resolve(), 'abort').then(() => controller.abort(new Error('aborted')), ignore);
        };

        const producer = async (pid: number, ops: PutOp[]) => {
          for (const [k, op] of ops.entries()) {
            await s.schedule(Promise.resolve(), `p${pid}`);
            const item = pid * 100 + k;
            if (op.nowait) {
              try {
                queue.putNowait(item);
                Promise.resolve().then(() => accepted.push(item), ignore);
              } catch (error) {
                if (error instanceof QueueShutDownError) return;
              }
              check('putNowait');
              continue;
            }
            const controller = op.abort ? new AbortController() : undefined;
            if (controller) abortLater(controller);
            const p = queue.put(item, controller && { signal: controller.signal });
            p.then(() => accepted.push(item), ignore);
            check('put');
            try {
              await p;
            } catch (error) {
              if (error instanceof QueueShutDownError) return;
              if (controller?.signal.reason !== error) throw error;
            }
          }
        };

        const consumer = async (cid: number, ops: GetOp[]) => {
          for (const op of ops) {
            await s.schedule(Promise.resolve(), `c${cid}`);
            let got = false;
            if (op.nowait) {
              if (queue.size > 0) {
                const item = queue.getNowait();
                Promise.resolve().then(() => taken.push(item), ignore);
                got = true;
              }
            } else {
              const controller = op.abort ? new AbortController() : undefined;
              if (controller) abortLater(controller);
              const p = queue.get(controller && { signal: controller.signal });
              p.then((item) => taken.push(item), ignore);
              check('get');
              try {
                await p;
                got = true;
              } catch (error) {
                if (error instanceof QueueShutDownError) return;
                if (controller?.signal.reason !== error) throw error;
              }
            }
            check('after get');
            if (got && op.done) {
              queue.taskDone();
              done++;
            }
          }
        };

        const actors = [
          ...sc.producers.map((ops, i) => producer(i, ops)),
          ...sc.consumers.map((ops, i) => consumer(i, ops)),
        ];
        if (sc.shutdown !== 'none') {
          s.schedule(Promise.resolve(), 'shutdown').then(() => {
            if (sc.shutdown === 'immediate') dropped = queue.size;
            queue.shutdown({ immediate: sc.shutdown === 'immediate' });
            check('shutdown');
          }, ignore);
        }
        await s.waitIdle();
        // Whoever still waits is blocked for good: release them the way an application would.
        queue.shutdown();
        await s.waitFor(Promise.all(actors));
        await Promise.resolve();

        const remaining: number[] = [];
        while (queue.size > 0) remaining.push(queue.getNowait());
        expect(problems).toEqual([]);
        expect(new Set(accepted).size).toBe(accepted.length);
        expect([...taken, ...accepted.slice(taken.length, taken.length + dropped), ...remaining]).toEqual(
          accepted,
        );
        expect(queue.stats()).toEqual({
          size: 0,
          maxsize: sc.maxsize,
          unfinished: accepted.length - done - dropped,
          getters: 0,
          putters: 0,
        });
      }),
      { numRuns: 1000 },
    );
  });
});
