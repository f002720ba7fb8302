/**
 * Model-based tests of Semaphore: random actors (acquire with or without a later abort, tryAcquire, capacity
 * changes) run in an order chosen by fast-check's scheduler, and after every step the semaphore must agree with
 * a ten-line model that grants strictly first come, first served.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Permit, Semaphore } from '../../src/sync/Semaphore.js';

/** The reference: a counter and a FIFO queue of ids. */
class Model {
  held = 0;
  readonly queue: number[] = [];
  readonly state = new Map<number, 'queued' | 'granted' | 'aborted'>();
  readonly grants: number[] = [];
  constructor(public capacity: number) {}

  acquire(id: number, aborted: boolean): void {
    if (aborted) this.state.set(id, 'aborted');
    else if (this.held < this.capacity && this.queue.length === 0) this.#grant(id);
    else {
      this.queue.push(id);
      this.state.set(id, 'queued');
    }
  }
  tryAcquire(): boolean {
    if (this.held >= this.capacity || this.queue.length > 0) return false;
    this.held++;
    return true;
  }
  abort(id: number): void {
    const at = this.queue.indexOf(id);
    if (at < 0) return;
    this.queue.splice(at, 1);
    this.state.set(id, 'aborted');
  }
  release(): void {
    this.held--;
    this.#wake();
  }
  setCapacity(capacity: number): void {
    this.capacity = capacity;
    this.#wake();
  }
  #wake(): void {
    while (this.held < this.capacity && this.queue.length > 0) this.#grant(this.queue.shift()!);
  }
  #grant(id: number): void {
    this.held++;
    this.state.set(id, 'granted');
    this.grants.push(id);
  }
}

type Actor =
  | { kind: 'acquire'; abort: boolean; release: 'permit' | 'dispose' | 'anonymous' }
  | { kind: 'try' }
  | { kind: 'capacity'; value: number };

const acquireActor = fc.record({
  kind: fc.constant('acquire' as const),
  abort: fc.boolean(),
  release: fc.constantFrom('permit' as const, 'dispose' as const, 'anonymous' as const),
});
const tryActor = fc.constant({ kind: 'try' as const });
const capacityActor = fc.record({
  kind: fc.constant('capacity' as const),
  value: fc.integer({ min: 0, max: 4 }),
});

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

async function runSchedule(s: fc.Scheduler, capacity: number, actors: Actor[]): Promise<void> {
  const fixed = actors.every((a) => a.kind !== 'capacity');
  const sem = new Semaphore(capacity);
  const model = new Model(capacity);
  const settledCount = new Map<number, number>();
  const resolvedOrder: number[] = [];
  const controllers = new Map<number, AbortController>();
  let inFlight = 0;

  const check = () => {
    const stats = sem.stats();
    expect(stats.held).toBe(model.held);
    expect(stats.waiting).toBe(model.queue.length);
    expect(sem.capacity).toBe(model.capacity);
    expect(sem.available).toBe(Math.max(0, model.capacity - model.held));
    expect(sem.locked).toBe(model.held >= model.capacity || model.queue.length > 0);
    if (fixed) expect(sem.available + model.held).toBe(capacity);
  };
  const enter = () => {
    inFlight++;
    expect(inFlight).toBeLessThanOrEqual(model.held);
    if (fixed) expect(inFlight).toBeLessThanOrEqual(capacity);
  };
  const settle = (id: number) => settledCount.set(id, (settledCount.get(id) ?? 0) + 1);
  // A failed expectation inside a scheduled callback would only be an unhandled rejection: collect it instead.
  const failures: unknown[] = [];
  const guard = (fn: () => void | Promise<void>) => async (): Promise<void> => {
    try {
      await fn();
    } catch (error) {
      failures.push(error);
    }
  };

  actors.forEach((actor, id) => {
    if (actor.kind === 'capacity') {
      void s.schedule(Promise.resolve(), `capacity ${actor.value}`).then(
        guard(() => {
          sem.capacity = actor.value;
          model.setCapacity(actor.value);
          check();
        }),
      );
      return;
    }
    if (actor.kind === 'try') {
      void s.schedule(Promise.resolve(), `try ${id}`).then(
        guard(async () => {
          const ok = sem.tryAcquire();
          expect(ok).toBe(model.tryAcquire());
          check();
          if (!ok) return;
          enter();
          await s.schedule(Promise.resolve(), `hold ${id}`);
          inFlight--;
          sem.release();
          model.release();
          check();
        }),
      );
      return;
    }
    const controller = new AbortController();
    controllers.set(id, controller);
    const reason = new Error(`abort ${id}`);
    if (actor.abort)
      void s.schedule(Promise.resolve(), `abort ${id}`).then(
        guard(() => {
          controller.abort(reason);
          model.abort(id);
          check();
        }),
      );
    void s.schedule(Promise.resolve(), `acquire ${id}`).then(
      guard(async () => {
        const pending = sem.acquire({ signal: controller.signal });
        model.acquire(id, controller.signal.aborted);
        check();
        let permit: Permit;
        try {
          permit = await pending;
        } catch (error) {
          settle(id);
          expect(error).toBe(controller.signal.reason);
          expect(model.state.get(id)).toBe('aborted');
          return;
        }
        settle(id);
        resolvedOrder.push(id);
        expect(model.state.get(id)).toBe('granted');
        enter();
        await s.schedule(Promise.resolve(), `hold ${id}`);
        inFlight--;
        if (actor.release === 'permit') permit.release();
        else if (actor.release === 'dispose') {
          permit[Symbol.dispose]();
          permit[Symbol.dispose](); // a second dispose must not release again
        } else sem.release();
        model.release();
        check();
      }),
    );
  });

  await s.waitIdle();
  await macrotask();
  // Waiters the schedule left parked (capacity 0, or lowered for good) are aborted now; nobody may be lost.
  for (const id of [...model.queue]) {
    controllers.get(id)!.abort(new Error(`drained ${id}`));
    model.abort(id);
  }
  await macrotask();
  await s.waitIdle();
  if (failures.length > 0) throw failures[0];
  check();

  expect(resolvedOrder).toEqual(model.grants);
  for (const id of controllers.keys()) expect(settledCount.get(id)).toBe(1);
  expect(inFlight).toBe(0);
  expect(model.held).toBe(0);
  expect(sem.stats().waiting).toBe(0);
}

describe('Semaphore against a FIFO model', () => {
  it('keeps available + held equal to the capacity, grants FIFO, stays within the bound and loses no waiter', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.oneof({ arbitrary: acquireActor, weight: 4 }, { arbitrary: tryActor, weight: 1 }), {
          maxLength: 10,
        }),
        runSchedule,
      ),
      { numRuns: 1000 },
    );
  });

  it('agrees with the model when the capacity changes at runtime: available = max(0, capacity - held)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 0, max: 3 }),
        fc.array(
          fc.oneof(
            { arbitrary: acquireActor, weight: 4 },
            { arbitrary: tryActor, weight: 1 },
            { arbitrary: capacityActor, weight: 2 },
          ),
          { maxLength: 10 },
        ),
        runSchedule,
      ),
      { numRuns: 500 },
    );
  });
});
