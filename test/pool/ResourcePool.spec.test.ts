/** What SPEC says of ResourcePool, sentence by sentence, tested through the public `ferris` entry (moved from test/acceptance/). */
import { PoolClosedError, ResourcePool, TimeoutError } from 'ferris';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';
import { flush } from '../support/work.js';

interface Conn {
  id: number;
}

function pool(extra: Partial<ConstructorParameters<typeof ResourcePool<Conn>>[0]> = {}) {
  let next = 0;
  const created: Conn[] = [];
  const destroyed: Conn[] = [];
  const p = new ResourcePool<Conn>({
    create: () => {
      const c = { id: ++next };
      created.push(c);
      return c;
    },
    destroy: (c) => {
      destroyed.push(c);
    },
    max: 2,
    ...extra,
  });
  return { pool: p, created, destroyed };
}

describe('ResourcePool, as SPEC states it', () => {
  it('creates nothing up front by default (min 0)', async () => {
    const { pool: p, created } = pool();
    await p.ready();
    expect(created).toHaveLength(0);
    expect(p.stats()).toMatchObject({ size: 0, created: 0 });
    await p.close();
  });

  it('waits without a time limit by default (no acquireTimeout)', async () => {
    const clock = fakeClock();
    const { pool: p } = pool({ max: 1, clock });
    const held = await p.acquire();
    let settled = false;
    const waiting = p.acquire().finally(() => {
      settled = true;
    });
    expect(clock.pending()).toHaveLength(0);
    await clock.advance(10_000_000);
    expect(settled).toBe(false);
    p.release(held);
    expect(await waiting).toBe(held);
    p.release(held);
    await p.close();
  });

  it('rejects with TimeoutError after acquireTimeout or the call timeout', async () => {
    const clock = fakeClock();
    const { pool: p } = pool({ max: 1, clock, acquireTimeout: 100 });
    const held = await p.acquire();
    const a = expect(p.acquire()).rejects.toBeInstanceOf(TimeoutError);
    const b = expect(p.acquire({ timeout: 50 })).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(50);
    await b;
    await clock.advance(50);
    await a;
    p.release(held);
    await p.close();
  });

  it('creates min resources at construction and validates them before their first lend, since they are idle', async () => {
    const checked: Conn[] = [];
    const { pool: p, created } = pool({
      min: 2,
      max: 3,
      validate: (c) => {
        checked.push(c);
        return true;
      },
    });
    await p.ready();
    expect(p.stats()).toMatchObject({ size: 2, available: 2, created: 2 });
    const c = await p.acquire();
    expect(created).toContain(c);
    expect(checked).toEqual([c]);
    p.release(c);
    await p.close();
  });

  it('throws synchronously from acquire() for a NaN timeout', async () => {
    const { pool: p } = pool();
    expect(() => p.acquire({ timeout: Number.NaN })).toThrow(RangeError);
    expect(() => p.acquire({ signal: 'x' as never })).toThrow(TypeError);
    await p.close();
  });

  it('resolves acquire() to the resource itself', async () => {
    const { pool: p, created } = pool();
    const c = await p.acquire();
    expect(c).toBe(created[0]);
    p.release(c);
    expect(await p.acquire()).toBe(c);
    p.release(c);
    await p.close();
  });

  it('validates an idle resource before every lend, also when handed to a waiter', async () => {
    const checked: Conn[] = [];
    const { pool: p } = pool({
      max: 1,
      validate: (c) => {
        checked.push(c);
        return true;
      },
    });
    const c = await p.acquire();
    expect(checked).toEqual([]); // fresh, not idle
    p.release(c);
    await p.acquire();
    expect(checked).toEqual([c]);
    const waiter = p.acquire();
    p.release(c);
    expect(await waiter).toBe(c);
    expect(checked).toEqual([c, c]);
    p.release(c);
    await p.close();
  });

  for (const [what, verdict] of [
    ['returns false', () => false],
    [
      'throws',
      () => {
        throw new Error('dead');
      },
    ],
    ['rejects', () => Promise.reject(new Error('dead'))],
  ] as const)
    it(`destroys and replaces a resource whose validate ${what}`, async () => {
      let bad: Conn | undefined;
      const { pool: p, destroyed } = pool({
        max: 1,
        validate: (c) => (c === bad ? (verdict() as boolean) : true),
      });
      const first = await p.acquire();
      p.release(first);
      bad = first;
      const second = await p.acquire();
      expect(second).not.toBe(first);
      expect(destroyed).toEqual([first]);
      p.release(second);
      await p.close();
    });

  it('rejects acquire() with PoolClosedError after drain(), and drain() waits for borrowed resources', async () => {
    const { pool: p } = pool({ max: 1 });
    const c = await p.acquire();
    const waiter = expect(p.acquire()).rejects.toBeInstanceOf(PoolClosedError);
    let drained = false;
    const d = p.drain().then(() => {
      drained = true;
    });
    await waiter;
    await expect(p.acquire()).rejects.toBeInstanceOf(PoolClosedError);
    await flush();
    expect(drained).toBe(false);
    p.release(c);
    await d;
    expect(drained).toBe(true);
    await p.close();
  });

  it('rejects the acquire whose create failed with that error and frees its slot', async () => {
    const error = new Error('connect refused');
    let calls = 0;
    const p = new ResourcePool<Conn>({
      create: () => {
        calls++;
        if (calls === 1) throw error;
        return { id: calls };
      },
      destroy: () => {},
      max: 1,
    });
    await expect(p.acquire()).rejects.toBe(error);
    expect(p.stats()).toMatchObject({ size: 0, pending: 0, created: 0 });
    const c = await p.acquire();
    expect(c).toEqual({ id: 2 });
    p.release(c);
    await p.close();
  });

  it('throws when releasing a resource it did not lend, or one released twice', async () => {
    const { pool: p } = pool();
    expect(() => p.release({ id: 99 })).toThrow(Error);
    const c = await p.acquire();
    p.release(c);
    expect(() => p.release(c)).toThrow(Error);
    await p.close();
  });

  it('close() drains, rejects waiters with PoolClosedError, then destroys everything it created', async () => {
    const { pool: p, created, destroyed } = pool({ max: 2 });
    const a = await p.acquire();
    const b = await p.acquire();
    p.release(b);
    const c = await p.acquire();
    const waiter = expect(p.acquire()).rejects.toBeInstanceOf(PoolClosedError);
    let closed = false;
    const done = p.close().then(() => {
      closed = true;
    });
    await waiter;
    await flush();
    expect(closed).toBe(false);
    p.release(a);
    p.release(c);
    await done;
    expect(new Set(destroyed)).toEqual(new Set(created));
    expect(destroyed).toHaveLength(created.length);
    expect(p.stats()).toMatchObject({ size: 0, created: 2, destroyed: 2 });
    await expect(p.acquire()).rejects.toBeInstanceOf(PoolClosedError);
  });

  it('stats() is a fresh object { size, available, borrowed, pending, created, destroyed } with size = available + borrowed', async () => {
    const { pool: p } = pool({ max: 2 });
    const a = await p.acquire();
    const b = await p.acquire();
    p.release(b);
    const s1 = p.stats();
    expect(s1).toMatchObject({ size: 2, available: 1, borrowed: 1, pending: 0, created: 2, destroyed: 0 });
    await p.acquire();
    const waiter = p.acquire();
    const s2 = p.stats();
    expect(s2).not.toBe(s1);
    expect(s2).toMatchObject({ size: 2, available: 0, borrowed: 2, pending: 1 });
    for (const s of [s1, s2]) expect(s.size).toBe(s.available + s.borrowed);
    p.release(a);
    p.release(await waiter);
    p.release(b);
    await p.close();
  });

  it('use(fn) lends the resource to fn and releases it even when fn throws', async () => {
    const { pool: p } = pool({ max: 1 });
    const error = new Error('query failed');
    await expect(
      p.use(() => {
        throw error;
      }),
    ).rejects.toBe(error);
    expect(p.stats().borrowed).toBe(0);
    await expect(p.use((c) => c.id)).resolves.toBe(1);
    await p.close();
  });

  it('throws for bad options, naming the option', () => {
    const base = { create: () => ({}), destroy: () => {} };
    expect(() => new ResourcePool({ ...base, max: 0 })).toThrow(/max/);
    expect(() => new ResourcePool({ ...base, max: 2, min: 3 })).toThrow(RangeError);
    expect(() => new ResourcePool({ destroy: () => {}, max: 1 } as never)).toThrow(TypeError);
  });
});

describe('ResourcePool with bad work, as SPEC states it', () => {
  it('use() throws a TypeError for a non-function before any wait, creating nothing', async () => {
    const { pool: p } = pool();
    expect(() => p.use(5 as never)).toThrow(TypeError);
    expect(p.stats().created).toBe(0);
    await p.close();
  });
});
