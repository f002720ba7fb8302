import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/core/errors.js';
import { ResourcePool, type ResourcePoolOptions } from '../../src/pool/ResourcePool.js';
import { fakeClock } from '../support/leakCheck.js';
import { type Deferred, deferred, flush } from '../support/work.js';
import { plainPool, type Res } from './fixture.js';

const fixture = (extra: Partial<ResourcePoolOptions<Res>> = {}) => plainPool(2, extra);

/** A create whose results the test hands out one by one. */
function manualCreate() {
  const calls: { signal: AbortSignal; d: Deferred<Res> }[] = [];
  let next = 0;
  return {
    calls,
    create: (signal: AbortSignal) => {
      const d = deferred<Res>();
      calls.push({ signal, d });
      return d.promise;
    },
    resolve: (i: number) => calls[i]!.d.resolve({ id: ++next }),
  };
}

const noop = () => {};

describe('ResourcePool options', () => {
  it('throws a TypeError naming create or destroy when either is missing or not a function', () => {
    expect(() => new ResourcePool({ destroy: noop, max: 1 } as never)).toThrow(/options\.create/);
    expect(() => new ResourcePool({ create: () => ({}), destroy: 5, max: 1 } as never)).toThrow(TypeError);
    expect(() => new ResourcePool({ create: () => ({}), destroy: 5, max: 1 } as never)).toThrow(
      /options\.destroy/,
    );
    expect(() => new ResourcePool(undefined as never)).toThrow(TypeError);
  });

  it('requires max to be an integer >= 1 or Infinity, naming max and the value', () => {
    const base = { create: () => ({}), destroy: noop };
    expect(() => new ResourcePool({ ...base } as never)).toThrow(/options\.max/);
    expect(() => new ResourcePool({ ...base, max: 0 })).toThrow(RangeError);
    expect(() => new ResourcePool({ ...base, max: 1.5 })).toThrow(/options\.max.*1\.5/);
    expect(() => new ResourcePool({ ...base, max: Number.NaN })).toThrow(RangeError);
    expect(() => new ResourcePool({ ...base, max: '2' as never })).toThrow(TypeError);
    const unbounded = new ResourcePool({ ...base, max: Number.POSITIVE_INFINITY });
    expect(unbounded.stats().max).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects a min that is negative, fractional or above max, and bad durations, validate and clock', () => {
    const base = { create: () => ({}), destroy: noop, max: 2 };
    expect(() => new ResourcePool({ ...base, min: 3 })).toThrow(/options\.min.*max \(2\)/);
    expect(() => new ResourcePool({ ...base, min: -1 })).toThrow(RangeError);
    expect(() => new ResourcePool({ ...base, min: 0.5 })).toThrow(/options\.min/);
    expect(() => new ResourcePool({ ...base, idleTimeout: -1 })).toThrow(/options\.idleTimeout/);
    expect(() => new ResourcePool({ ...base, idleTimeout: Number.NaN })).toThrow(RangeError);
    expect(() => new ResourcePool({ ...base, acquireTimeout: Number.NaN })).toThrow(
      /options\.acquireTimeout/,
    );
    expect(() => new ResourcePool({ ...base, acquireTimeout: '1' as never })).toThrow(TypeError);
    expect(() => new ResourcePool({ ...base, validate: true as never })).toThrow(/options\.validate/);
    expect(() => new ResourcePool({ ...base, clock: {} as never })).toThrow(/options\.clock/);
  });

  it('throws synchronously from acquire() and use() for bad options, before any wait', async () => {
    const { pool } = fixture();
    expect(() => pool.acquire({ timeout: Number.NaN })).toThrow(/acquire options\.timeout/);
    expect(() => pool.acquire({ signal: 'stop' as never })).toThrow(/acquire options\.signal/);
    expect(() => pool.acquire(42 as never)).toThrow(TypeError);
    expect(() => pool.use('fn' as never)).toThrow(/use fn/);
    expect(() => pool.use(noop, { timeout: Number.NaN })).toThrow(RangeError);
    expect(pool.stats().created).toBe(0);
    await pool.close();
  });
});

describe('ResourcePool lending', () => {
  it('resolves acquire() to the resource itself and lends it again once released', async () => {
    const { pool } = fixture();
    const a = await pool.acquire();
    expect(a).toEqual({ id: 1 });
    pool.release(a);
    const again = await pool.acquire();
    expect(again).toBe(a);
    expect(pool.stats().created).toBe(1);
    pool.release(again);
    await pool.close();
  });

  it('creates on demand up to max and never more, counting resources still being created', async () => {
    const m = manualCreate();
    const { pool } = fixture({ create: m.create, max: 2 });
    const got: Res[] = [];
    for (let i = 0; i < 3; i++) void pool.acquire().then((r) => got.push(r));
    expect(m.calls).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ creating: 2, pending: 3, size: 0 });
    m.resolve(1);
    m.resolve(0);
    await flush();
    expect(got.map((r) => r.id)).toEqual([1, 2]);
    expect(m.calls).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ creating: 0, pending: 1, borrowed: 2, size: 2 });
    pool.release(got[0]!);
    await flush();
    expect(got[2]).toBe(got[0]);
    pool.release(got[1]!);
    pool.release(got[2]!);
    await pool.close();
  });

  it('serves waiters first come, first served when every resource is lent', async () => {
    const { pool } = fixture({ max: 1 });
    const held = await pool.acquire();
    const order: string[] = [];
    const names = ['a', 'b', 'c'];
    const waits = names.map((n) =>
      pool.acquire().then((r) => {
        order.push(n);
        return r;
      }),
    );
    let current = held;
    for (let k = 0; k < names.length; k++) {
      pool.release(current);
      current = await waits[k]!;
      expect(order).toEqual(names.slice(0, k + 1));
    }
    pool.release(current);
    await pool.close();
  });

  it('throws an Error when releasing a resource the pool did not lend, or releasing one twice', async () => {
    const { pool } = fixture();
    expect(() => pool.release({ id: 99 })).toThrow(/did not lend/);
    const r = await pool.acquire();
    pool.release(r);
    expect(() => pool.release(r)).toThrow(Error);
    expect(pool.stats()).toMatchObject({ available: 1, borrowed: 0 });
    await pool.close();
  });

  it('reports size = available + borrowed in a fresh stats() object', async () => {
    const { pool } = fixture({ max: 3 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.release(a);
    const s = pool.stats();
    expect(s).toEqual({
      size: 2,
      available: 1,
      borrowed: 1,
      pending: 0,
      creating: 0,
      created: 2,
      destroyed: 0,
      min: 0,
      max: 3,
    });
    s.size = 100;
    expect(pool.stats().size).toBe(2);
    pool.release(b);
    await pool.close();
  });

  it('use() passes the resource and signal to fn and releases it whether fn returns or throws', async () => {
    const { pool } = fixture({ max: 1 });
    const controller = new AbortController();
    const seen: unknown[] = [];
    const value = await pool.use(
      (r, signal) => {
        seen.push(r.id, signal);
        return 'ok';
      },
      { signal: controller.signal },
    );
    expect(value).toBe('ok');
    expect(seen).toEqual([1, controller.signal]);
    const boom = new Error('query failed');
    await expect(
      pool.use(async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(pool.stats()).toMatchObject({ borrowed: 0, available: 1, created: 1 });
    await pool.use((r, signal) => {
      expect(signal.aborted).toBe(false);
      expect(r.id).toBe(1);
    });
    await pool.close();
  });

  it('use() rejects like acquire() when no resource comes in time, without calling fn', async () => {
    const clock = fakeClock();
    const { pool } = fixture({ max: 1, clock });
    const held = await pool.acquire();
    let called = false;
    const p = pool.use(
      () => {
        called = true;
      },
      { timeout: 50 },
    );
    const timedOut = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(50);
    await timedOut;
    expect(called).toBe(false);
    pool.release(held);
    await pool.close();
  });
});

describe('ResourcePool timeouts and aborts', () => {
  it('rejects a waiting acquire() with TimeoutError after acquireTimeout ms, not a tick earlier', async () => {
    const clock = fakeClock();
    const { pool } = fixture({ max: 1, acquireTimeout: 100, clock });
    const held = await pool.acquire();
    const p = pool.acquire();
    let settled = false;
    p.then(noop, () => (settled = true));
    await clock.advance(99);
    expect(settled).toBe(false);
    const timedOut = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(1);
    await timedOut;
    expect(pool.stats().pending).toBe(0);
    pool.release(held);
    await pool.close();
    expect(clock.pending()).toEqual([]);
  });

  it('lets a per-call timeout override acquireTimeout', async () => {
    const clock = fakeClock();
    const { pool } = fixture({ max: 1, acquireTimeout: 100, clock });
    const held = await pool.acquire();
    const long = pool.acquire({ timeout: Number.POSITIVE_INFINITY });
    const short = pool.acquire({ timeout: 10 });
    const timedOut = expect(short).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(10);
    await timedOut;
    await clock.advance(1000);
    pool.release(held);
    expect(await long).toBe(held);
    pool.release(held);
    await pool.close();
  });

  it('rejects an aborted acquire() with signal.reason unchanged and serves the next waiter', async () => {
    const { pool } = fixture({ max: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const reason = { why: 'gave up' };
    const a = pool.acquire({ signal: controller.signal });
    const b = pool.acquire();
    controller.abort(reason);
    await expect(a).rejects.toBe(reason);
    expect(pool.stats().pending).toBe(1);
    pool.release(held);
    expect(await b).toBe(held);
    pool.release(held);
    await pool.close();
  });

  it('does not lose a resource whose acquire() was aborted while it was being created', async () => {
    const m = manualCreate();
    const { pool, destroyed } = fixture({ create: m.create, max: 1 });
    const controller = new AbortController();
    const a = pool.acquire({ signal: controller.signal });
    const b = pool.acquire();
    controller.abort(new Error('left'));
    await expect(a).rejects.toThrow('left');
    m.resolve(0);
    const r = await b;
    expect(r.id).toBe(1);
    // Nobody waits when the next one arrives: it becomes idle.
    const c = new AbortController();
    pool.release(r);
    const r2 = await pool.acquire({ signal: c.signal });
    expect(r2).toBe(r);
    pool.release(r2);
    expect(pool.stats()).toMatchObject({ created: 1, available: 1 });
    await pool.close();
    expect(destroyed).toEqual([1]);
  });

  it('makes the resource idle when every caller it was created for has left', async () => {
    const m = manualCreate();
    const { pool } = fixture({ create: m.create, max: 1 });
    const controller = new AbortController();
    const a = pool.acquire({ signal: controller.signal });
    controller.abort('stop');
    await expect(a).rejects.toBe('stop');
    m.resolve(0);
    await flush();
    expect(pool.stats()).toMatchObject({ available: 1, borrowed: 0, pending: 0, created: 1 });
    await pool.close();
    expect(pool.stats().destroyed).toBe(1);
  });
});

describe('ResourcePool validate', () => {
  it('validates an idle resource before lending it again, but not a fresh one', async () => {
    const checked: number[] = [];
    const { pool } = fixture({
      validate: (r) => {
        checked.push(r.id);
        return true;
      },
    });
    const a = await pool.acquire();
    expect(checked).toEqual([]);
    pool.release(a);
    expect(await pool.acquire()).toBe(a);
    expect(checked).toEqual([1]);
    pool.release(a);
    await pool.close();
  });

  const validates: [string, () => boolean | Promise<boolean>, string[][]][] = [
    ['returns false', () => false, []],
    ['resolves to false', () => Promise.resolve(false), []],
    [
      'throws',
      () => {
        throw new Error('ping failed');
      },
      [['validate', 'ping failed']],
    ],
    ['rejects', () => Promise.reject(new Error('ping failed')), [['validate', 'ping failed']]],
  ];
  it.each(validates)('destroys and replaces a resource whose validate %s', async (_, validate, expected) => {
    const { pool, destroyed } = fixture({ validate, max: 1 });
    const errors: unknown[] = [];
    pool.on('error', ({ error, phase }) => errors.push([phase, (error as Error).message]));
    const a = await pool.acquire();
    pool.release(a);
    const b = await pool.acquire();
    expect(b.id).toBe(2);
    expect(destroyed).toEqual([1]);
    expect(pool.stats()).toMatchObject({ created: 2, destroyed: 1, borrowed: 1 });
    expect(errors).toEqual(expected);
    pool.release(b);
    await pool.close();
  });

  it('hands a validated resource to the longest waiter, not to a caller that came later', async () => {
    const gates: Deferred<boolean>[] = [];
    const { pool } = fixture({
      max: 1,
      validate: () => {
        const d = deferred<boolean>();
        gates.push(d);
        return d.promise;
      },
    });
    const r = await pool.acquire();
    const first = pool.acquire();
    pool.release(r);
    const late = pool.acquire();
    expect(gates).toHaveLength(1);
    gates[0]!.resolve(true);
    expect(await first).toBe(r);
    pool.release(r);
    gates[1]!.resolve(true);
    expect(await late).toBe(r);
    pool.release(r);
    await pool.close();
  });
});

describe('ResourcePool create failures', () => {
  it('rejects the acquire with the create error and frees the slot for the next waiter', async () => {
    const m = manualCreate();
    const { pool } = fixture({ create: m.create, max: 1 });
    const errors: unknown[] = [];
    pool.on('error', ({ error, phase }) => errors.push([phase, error]));
    const a = pool.acquire();
    const b = pool.acquire();
    expect(m.calls).toHaveLength(1);
    const boom = new Error('connection refused');
    m.calls[0]!.d.reject(boom);
    await expect(a).rejects.toBe(boom);
    expect(errors).toEqual([['create', boom]]);
    expect(m.calls).toHaveLength(2);
    m.resolve(1);
    expect((await b).id).toBe(1);
    expect(pool.stats()).toMatchObject({ created: 1, borrowed: 1, creating: 0 });
    pool.release(await b);
    await pool.close();
  });

  it('turns a create that throws synchronously into a rejected acquire', async () => {
    const boom = new Error('bad config');
    const { pool } = fixture({
      create: () => {
        throw boom;
      },
    });
    const p = pool.acquire();
    await expect(p).rejects.toBe(boom);
    expect(pool.stats()).toMatchObject({ creating: 0, created: 0, pending: 0 });
    await pool.close();
  });

  it('rejects nobody when the caller a failed create was for has already left', async () => {
    const m = manualCreate();
    const { pool } = fixture({ create: m.create, max: 2 });
    const controller = new AbortController();
    const a = pool.acquire({ signal: controller.signal });
    const b = pool.acquire();
    controller.abort('left');
    await expect(a).rejects.toBe('left');
    m.calls[0]!.d.reject(new Error('refused'));
    await flush();
    expect(pool.stats().pending).toBe(1);
    m.resolve(1);
    expect((await b).id).toBe(1);
    pool.release(await b);
    await pool.close();
  });

  it('refuses a create that returns a resource the pool already holds', async () => {
    const same = { id: 7 };
    const { pool } = fixture({ create: () => same, max: 2 });
    const a = await pool.acquire();
    await expect(pool.acquire()).rejects.toThrow(TypeError);
    expect(pool.stats()).toMatchObject({ created: 1, borrowed: 1 });
    pool.release(a);
    await pool.close();
  });
});
