import { describe, expect, it } from 'vitest';
import { QueueFullError } from '../../src/core/errors.js';
import { ResourcePool } from '../../src/pool/ResourcePool.js';
import { waitableConformance } from '../support/conformance/waitable.js';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush } from '../support/work.js';
import { plainPool } from './fixture.js';

describe('ResourcePool maxWaiting', () => {
  it('refuses an acquire at once with QueueFullError once maxWaiting callers wait for a release', async () => {
    const { pool } = plainPool(1, { maxWaiting: 2 });
    const held = await pool.acquire();
    const a = pool.acquire();
    const b = pool.acquire();
    await expect(pool.acquire()).rejects.toBeInstanceOf(QueueFullError);
    await expect(pool.acquire()).rejects.toThrow(/maxWaiting/);
    expect(pool.stats().pending).toBe(2);
    pool.release(held);
    const first = await a;
    pool.release(first);
    pool.release(await b);
    await pool.close();
  });

  it('with maxWaiting 0 lends what it can and refuses every caller that would wait', async () => {
    const { pool } = plainPool(2, { maxWaiting: 0 });
    const one = await pool.acquire();
    const two = await pool.acquire();
    await expect(pool.acquire()).rejects.toBeInstanceOf(QueueFullError);
    pool.release(one);
    // An idle resource is free again: the next acquire takes it.
    const again = await pool.acquire();
    expect(again).toBe(one);
    pool.release(again);
    pool.release(two);
    await pool.close();
  });

  it('does not count callers served by a resource being created for them', async () => {
    const creates: ReturnType<typeof deferred<{ id: number }>>[] = [];
    const pool = new ResourcePool({
      create: () => {
        const d = deferred<{ id: number }>();
        creates.push(d);
        return d.promise;
      },
      destroy: () => {},
      max: 2,
      maxWaiting: 0,
    });
    const a = pool.acquire();
    const b = pool.acquire();
    expect(creates).toHaveLength(2);
    expect(pool.stats().pending).toBe(2);
    // Both slots are taken by creates for a and b: a third caller would wait for a release.
    await expect(pool.acquire()).rejects.toBeInstanceOf(QueueFullError);
    creates[0]!.resolve({ id: 1 });
    creates[1]!.resolve({ id: 2 });
    const [ra, rb] = await Promise.all([a, b]);
    pool.release(ra);
    pool.release(rb);
    await pool.close();
  });

  it('makes room again when a waiter leaves by abort', async () => {
    const { pool } = plainPool(1, { maxWaiting: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const leaving = pool.acquire({ signal: controller.signal });
    await expect(pool.acquire()).rejects.toBeInstanceOf(QueueFullError);
    controller.abort('gone');
    await expect(leaving).rejects.toBe('gone');
    const next = pool.acquire();
    await flush();
    pool.release(held);
    pool.release(await next);
    await pool.close();
  });

  it('counts a refused acquire in no statistic and lends nothing for it', async () => {
    const { pool } = plainPool(1, { maxWaiting: 0 });
    const held = await pool.acquire();
    await expect(pool.acquire()).rejects.toBeInstanceOf(QueueFullError);
    expect(pool.stats()).toMatchObject({ borrowed: 1, pending: 0, created: 1 });
    pool.release(held);
    await pool.close();
  });

  it('rejects a bad maxWaiting synchronously, naming the option and the value', () => {
    const base = { create: () => ({}), destroy: () => {}, max: 1 };
    expect(() => new ResourcePool({ ...base, maxWaiting: -1 })).toThrow(/maxWaiting.*-1/);
    expect(() => new ResourcePool({ ...base, maxWaiting: 1.5 })).toThrow(RangeError);
    // @ts-expect-error maxWaiting is a number
    expect(() => new ResourcePool({ ...base, maxWaiting: '3' })).toThrow(TypeError);
  });
});

waitableConformance({
  name: 'ResourcePool.acquire with maxWaiting set and its one resource lent',
  make: ({ clock, parked }) => {
    const pool = new ResourcePool({
      create: () => ({ id: 1 }),
      destroy: () => {},
      max: 1,
      maxWaiting: parked,
      clock,
    });
    const resource = pool.acquire();
    return {
      wait: (options) => pool.acquire(options),
      release: async () => pool.release(await resource),
      waiting: () => pool.stats().pending,
    };
  },
});

it('keeps a fake clock honest: maxWaiting sets no timer', async () => {
  const clock = fakeClock();
  const { pool } = plainPool(1, { maxWaiting: 0, clock });
  const held = await pool.acquire();
  await expect(pool.acquire({ timeout: 100 })).rejects.toBeInstanceOf(QueueFullError);
  expect(clock.pending()).toEqual([]);
  pool.release(held);
  await pool.close();
});
