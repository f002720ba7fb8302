/**
 * Model-based test of ResourcePool: random callers acquire (some abort, some use `use()`), hold and release,
 * while `create`, `destroy` and `validate` succeed or fail and settle in an order chosen by fast-check's
 * scheduler; the pool may be closed midway. After every step the pool must agree with what the callers hold,
 * and at the end: every acquire settled exactly once, grants went first come first served, no more than `max`
 * resources ever existed, and every created resource was destroyed exactly once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PoolClosedError } from '../../src/core/errors.js';
import { ResourcePool } from '../../src/pool/ResourcePool.js';

interface Res {
  readonly id: number;
}

type Actor = { kind: 'acquire'; abort: boolean; via: 'acquire' | 'use' } | { kind: 'close' };

const acquireActor = fc.record({
  kind: fc.constant('acquire' as const),
  abort: fc.boolean(),
  via: fc.constantFrom('acquire' as const, 'use' as const),
});
const closeActor = fc.constant({ kind: 'close' as const });

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Plan {
  max: number;
  min: number;
  actors: Actor[];
  createFails: boolean[];
  validity: boolean[];
}

async function runSchedule(s: fc.Scheduler, plan: Plan): Promise<void> {
  const { max, actors, createFails, validity } = plan;
  const min = Math.min(plan.min, max);
  const failures: unknown[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(new Error(what));
  };

  let creates = 0;
  let createsDone = 0;
  let createsFailed = 0;
  let destroysStarted = 0;
  let destroysDone = 0;
  let validations = 0;
  const createdIds = new Set<number>();
  const destroyedIds: number[] = [];
  const holders = new Map<Res, number>();

  const pool = new ResourcePool<Res>({
    max,
    min,
    create: () => {
      const k = creates++;
      // Resources in existence (being created, live, being destroyed) never exceed max.
      check(creates - createsFailed - destroysDone <= max, `create #${k} would exceed max ${max}`);
      const fail = createFails[k % createFails.length] ?? false;
      return s.schedule(Promise.resolve(k), `create ${k}${fail ? ' (fails)' : ''}`).then((id) => {
        if (fail) {
          createsFailed++;
          throw new Error(`create ${id} failed`);
        }
        createsDone++;
        createdIds.add(id);
        return { id };
      });
    },
    destroy: (r) => {
      destroysStarted++;
      check(!holders.has(r), `resource ${r.id} destroyed while lent`);
      return s.schedule(Promise.resolve(), `destroy ${r.id}`).then(() => {
        destroysDone++;
        destroyedIds.push(r.id);
      });
    },
    validate: (r) => {
      check(!holders.has(r), `resource ${r.id} validated while lent`);
      const ok = validity[validations++ % validity.length] ?? true;
      return s.schedule(Promise.resolve(ok), `validate ${r.id} -> ${ok}`);
    },
  });

  const invariants = () => {
    const st = pool.stats();
    check(st.size === st.available + st.borrowed, 'size !== available + borrowed');
    check(st.borrowed === holders.size, `borrowed ${st.borrowed} but callers hold ${holders.size}`);
    check(st.borrowed <= max, 'borrowed above max');
    check(st.size + st.creating <= max, 'size + creating above max');
  };

  const settled = new Map<number, number>();
  const called: number[] = [];
  const granted: number[] = [];
  let closing: Promise<void> | undefined;

  const grant = (id: number, r: Res) => {
    settled.set(id, (settled.get(id) ?? 0) + 1);
    check(!holders.has(r), `resource ${r.id} lent twice at once`);
    holders.set(r, id);
    granted.push(id);
    invariants();
  };
  const refuse = (id: number, error: unknown, signal: AbortSignal) => {
    settled.set(id, (settled.get(id) ?? 0) + 1);
    const expected =
      (signal.aborted && error === signal.reason) ||
      error instanceof PoolClosedError ||
      (error instanceof Error && /create \d+ failed/.test(error.message));
    check(expected, `acquire ${id} rejected with ${String(error)}`);
    invariants();
  };
  const giveBack = (r: Res) => {
    holders.delete(r);
  };

  actors.forEach((actor, id) => {
    if (actor.kind === 'close') {
      void s.schedule(Promise.resolve(), `close`).then(() => {
        closing ??= pool.close();
        invariants();
      });
      return;
    }
    const controller = new AbortController();
    if (actor.abort)
      void s
        .schedule(Promise.resolve(), `abort ${id}`)
        .then(() => controller.abort(new Error(`abort ${id}`)));
    void s.schedule(Promise.resolve(), `${actor.via} ${id}`).then(async () => {
      called.push(id);
      const signal = controller.signal;
      if (actor.via === 'use') {
        try {
          await pool.use(
            async (r) => {
              grant(id, r);
              await s.schedule(Promise.resolve(), `hold ${id}`);
              giveBack(r);
            },
            { signal },
          );
        } catch (error) {
          refuse(id, error, signal);
        }
        return;
      }
      let r: Res;
      try {
        r = await pool.acquire({ signal });
      } catch (error) {
        refuse(id, error, signal);
        return;
      }
      grant(id, r);
      await s.schedule(Promise.resolve(), `hold ${id}`);
      giveBack(r);
      pool.release(r);
      invariants();
    });
  });

  await s.waitIdle();
  closing ??= pool.close();
  await macrotask();
  await s.waitIdle();
  await closing;
  if (failures.length > 0) throw failures[0];

  for (const [i, actor] of actors.entries())
    if (actor.kind === 'acquire') expect(settled.get(i), `acquire ${i} settled`).toBe(1);
  // First come, first served: grants follow the order of the calls that got one.
  expect(granted).toEqual(called.filter((id) => granted.includes(id)));
  const st = pool.stats();
  expect(st.destroyed).toBe(st.created);
  expect(st.created).toBe(createsDone);
  expect(destroysStarted).toBe(createsDone);
  expect([...destroyedIds].sort((a, b) => a - b)).toEqual([...createdIds].sort((a, b) => a - b));
  expect(st).toMatchObject({ size: 0, borrowed: 0, pending: 0, creating: 0 });
}

describe('ResourcePool against its model', () => {
  it('keeps borrowed <= max and size = available + borrowed, grants FIFO, settles every acquire once and destroys what it created', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.record({
          max: fc.integer({ min: 1, max: 3 }),
          min: fc.integer({ min: 0, max: 2 }),
          actors: fc.array(
            fc.oneof({ arbitrary: acquireActor, weight: 8 }, { arbitrary: closeActor, weight: 1 }),
            { maxLength: 8 },
          ),
          createFails: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
          validity: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
        }),
        runSchedule,
      ),
      { numRuns: 1000 },
    );
  });
});
