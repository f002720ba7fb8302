import { describe, expect, it } from 'vitest';
import { PoolClosedError } from '../../src/core/errors.js';
import { ResourcePool, type ResourcePoolOptions } from '../../src/pool/ResourcePool.js';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush } from '../support/work.js';
import { plainPool, type Res } from './fixture.js';

const fixture = (extra: Partial<ResourcePoolOptions<Res>> = {}) => plainPool(3, extra);

describe('ResourcePool min and ready()', () => {
  it('creates min resources at construction and ready() resolves once they exist', async () => {
    const { pool } = fixture({ min: 2, create: async () => ({ id: Math.random() }) });
    expect(pool.stats().creating).toBe(2);
    await pool.ready();
    expect(pool.stats()).toMatchObject({ available: 2, created: 2, creating: 0 });
    await pool.close();
    expect(pool.stats().destroyed).toBe(2);
  });

  it('rejects ready() with the first creation error, emits it, and never leaves an unhandled rejection', async () => {
    const boom = new Error('database down');
    const errors: unknown[] = [];
    let calls = 0;
    const pool = new ResourcePool<Res>({
      create: async () => {
        calls++;
        if (calls === 1) throw boom;
        return { id: calls };
      },
      destroy: () => {},
      min: 2,
      max: 2,
    });
    pool.on('error', ({ error }) => errors.push(error));
    await flush();
    expect(errors).toEqual([boom]);
    expect(pool.stats()).toMatchObject({ available: 1, created: 1 });
    await expect(pool.ready()).rejects.toBe(boom);
    // The pool still lends: the free slot is filled on demand.
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(new Set([a.id, b.id]).size).toBe(2);
    pool.release(a);
    pool.release(b);
    await pool.close();
  });

  it('replaces a resource that failed validation to stay at min', async () => {
    let healthy = true;
    const { pool, destroyed } = fixture({ min: 1, validate: () => healthy });
    await pool.ready();
    healthy = false;
    const p = pool.acquire();
    healthy = true;
    const r = await p;
    expect(r.id).toBe(2);
    expect(destroyed).toEqual([1]);
    pool.release(r);
    expect(pool.stats()).toMatchObject({ size: 1, created: 2, destroyed: 1 });
    await pool.close();
  });
});

describe('ResourcePool idleTimeout', () => {
  it('destroys idle resources above min after idleTimeout ms idle, and keeps min', async () => {
    const clock = fakeClock();
    const { pool, destroyed } = fixture({ min: 1, idleTimeout: 1000, clock });
    const held = [await pool.acquire(), await pool.acquire(), await pool.acquire()];
    for (const r of held) pool.release(r);
    expect(pool.stats().available).toBe(3);
    await clock.advance(999);
    expect(destroyed).toEqual([]);
    await clock.advance(1);
    expect(destroyed.sort()).toEqual([1, 2]);
    expect(pool.stats()).toMatchObject({ available: 1, size: 1, destroyed: 2 });
    await clock.advance(10_000);
    expect(pool.stats().available).toBe(1);
    await pool.close();
    expect(clock.pending()).toEqual([]);
  });

  it('restarts the idle clock of a resource each time it comes back', async () => {
    const clock = fakeClock();
    const { pool, destroyed } = fixture({ idleTimeout: 100, clock });
    const r = await pool.acquire();
    pool.release(r);
    await clock.advance(80);
    const again = await pool.acquire();
    expect(again).toBe(r);
    await clock.advance(80);
    pool.release(again);
    await clock.advance(99);
    expect(destroyed).toEqual([]);
    await clock.advance(1);
    expect(destroyed).toEqual([1]);
    expect(clock.pending()).toEqual([]);
    await pool.close();
    expect(pool.stats()).toMatchObject({ created: 1, destroyed: 1 });
  });

  it('lends the most recently released resource first, so rarely needed ones age out', async () => {
    const clock = fakeClock();
    const { pool, destroyed } = fixture({ idleTimeout: 100, clock });
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.release(a);
    pool.release(b);
    for (let i = 0; i < 3; i++) {
      await clock.advance(60);
      const r = await pool.acquire();
      expect(r).toBe(b);
      pool.release(r);
    }
    expect(destroyed).toEqual([1]);
    await pool.close();
  });
});

describe('ResourcePool drain() and close()', () => {
  it('drain() rejects waiting and later acquires with PoolClosedError and waits for borrowed resources', async () => {
    const { pool, destroyed } = fixture({ max: 1 });
    const r = await pool.acquire();
    const waiting = pool.acquire();
    let drained = false;
    const d = pool.drain().then(() => (drained = true));
    await expect(waiting).rejects.toBeInstanceOf(PoolClosedError);
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolClosedError);
    await expect(pool.use(() => 1)).rejects.toBeInstanceOf(PoolClosedError);
    await flush();
    expect(drained).toBe(false);
    pool.release(r);
    await d;
    expect(drained).toBe(true);
    expect(destroyed).toEqual([]);
    expect(pool.stats()).toMatchObject({ available: 1, borrowed: 0 });
    await pool.close();
    expect(destroyed).toEqual([1]);
  });

  it('close() destroys each created resource exactly once, borrowed ones when they come back', async () => {
    const { pool, destroyed } = fixture();
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.release(a);
    const waiting = pool.acquire();
    const c = await waiting;
    expect(c).toBe(a);
    const extra = pool.acquire();
    const third = await extra;
    pool.release(third);
    let closed = false;
    const p = pool.close().then(() => (closed = true));
    expect(destroyed).toEqual([3]);
    pool.release(b);
    await flush();
    expect(closed).toBe(false);
    pool.release(c);
    await p;
    expect(destroyed.sort()).toEqual([1, 2, 3]);
    expect(pool.stats()).toMatchObject({ created: 3, destroyed: 3, size: 0 });
    expect(() => pool.release(c)).toThrow(Error);
  });

  it('close() rejects waiters with PoolClosedError and waits for async destroy calls', async () => {
    const gate = deferred();
    const pool = new ResourcePool<Res>({ create: () => ({ id: 1 }), destroy: () => gate.promise, max: 1 });
    const r = await pool.acquire();
    const waiting = pool.acquire();
    pool.release(r);
    const r2 = await waiting;
    const waiting2 = pool.acquire();
    const closing = pool.close();
    await expect(waiting2).rejects.toBeInstanceOf(PoolClosedError);
    await expect(waiting2).rejects.toThrow(/closed/);
    pool.release(r2);
    let closed = false;
    void closing.then(() => (closed = true));
    await flush();
    expect(closed).toBe(false);
    gate.resolve();
    await closing;
    expect(pool.stats()).toMatchObject({ created: 1, destroyed: 1 });
  });

  it('close() aborts the create signal and destroys a resource that arrives afterwards', async () => {
    const creates: { signal: AbortSignal; resolve: (r: Res) => void }[] = [];
    const { pool, destroyed } = fixture({
      create: (signal) => {
        const d = deferred<Res>();
        creates.push({ signal, resolve: d.resolve });
        return d.promise;
      },
    });
    const p = pool.acquire();
    const closing = pool.close();
    await expect(p).rejects.toBeInstanceOf(PoolClosedError);
    expect(creates[0]!.signal.aborted).toBe(true);
    expect(creates[0]!.signal.reason).toBeInstanceOf(PoolClosedError);
    creates[0]!.resolve({ id: 42 });
    await closing;
    expect(destroyed).toEqual([42]);
    expect(pool.stats()).toMatchObject({ created: 1, destroyed: 1 });
  });

  it('counts a destroy that throws as destroyed and reports it as an error event', async () => {
    const boom = new Error('already gone');
    const pool = new ResourcePool<Res>({
      create: () => ({ id: 1 }),
      destroy: () => {
        throw boom;
      },
      max: 1,
    });
    const errors: unknown[] = [];
    pool.on('error', (e) => errors.push(e));
    pool.release(await pool.acquire());
    await pool.close();
    expect(errors).toEqual([{ error: boom, phase: 'destroy' }]);
    expect(pool.stats()).toMatchObject({ created: 1, destroyed: 1 });
  });

  it('returns the same promise from repeated drain() and close() calls, and await using closes', async () => {
    const { pool, destroyed } = fixture();
    pool.release(await pool.acquire());
    expect(pool.drain()).toBe(pool.drain());
    expect(pool.close()).toBe(pool.close());
    await pool[Symbol.asyncDispose]();
    expect(destroyed).toEqual([1]);
  });

  it('stops idle timers on drain() and leaves no timer after close()', async () => {
    const clock = fakeClock();
    const { pool, destroyed } = fixture({ idleTimeout: 100, clock });
    pool.release(await pool.acquire());
    expect(clock.pending()).toHaveLength(1);
    await pool.drain();
    expect(clock.pending()).toEqual([]);
    await clock.advance(1000);
    expect(destroyed).toEqual([]);
    await pool.close();
    expect(destroyed).toEqual([1]);
    expect(clock.pending()).toEqual([]);
  });
});

describe('ResourcePool events', () => {
  it('emits create, acquire, release and destroy with the resource, and on() returns an unsubscribe', async () => {
    const { pool } = fixture({ max: 1 });
    const log: string[] = [];
    const off = pool.on('acquire', ({ resource }) => log.push(`acquire ${resource.id}`));
    pool.on('create', ({ resource }) => log.push(`create ${resource.id}`));
    pool.on('release', ({ resource }) => log.push(`release ${resource.id}`));
    pool.on('destroy', ({ resource, reason }) => log.push(`destroy ${resource.id} ${reason}`));
    const r = await pool.acquire();
    pool.release(r);
    off();
    pool.release(await pool.acquire());
    await pool.close();
    expect(log).toEqual(['create 1', 'acquire 1', 'release 1', 'release 1', 'destroy 1 close']);
  });
});
