import { describe, expect, it } from 'vitest';
import { ResourceScope } from '../../src/task/ResourceScope.js';
import { deferred, flush } from '../support/work.js';

describe('ResourceScope', () => {
  it('closes resources and deferred functions in reverse order of registration', async () => {
    const log: string[] = [];
    const scope = new ResourceScope();
    scope.use({ close: () => log.push('close a') });
    scope.defer(() => log.push('defer b'));
    scope.use({ [Symbol.dispose]: () => log.push('dispose c') });
    scope.use({ [Symbol.asyncDispose]: async () => void log.push('asyncDispose d') });
    await scope.close();
    expect(log).toEqual(['asyncDispose d', 'dispose c', 'defer b', 'close a']);
  });

  it('returns the resource from use()', () => {
    const scope = new ResourceScope();
    const resource = { close: () => undefined, id: 42 };
    expect(scope.use(resource)).toBe(resource);
    expect(scope.use(null)).toBeNull();
    expect(scope.use(undefined)).toBeUndefined();
  });

  it('prefers [Symbol.asyncDispose] over [Symbol.dispose] over close(), and calls it on the resource', async () => {
    const calls: string[] = [];
    const resource = {
      name: 'r',
      async [Symbol.asyncDispose]() {
        calls.push(`async ${this.name}`);
      },
      [Symbol.dispose]() {
        calls.push('sync');
      },
      close() {
        calls.push('close');
      },
    };
    const syncOnly = {
      [Symbol.dispose]() {
        calls.push('sync only');
      },
      close() {
        calls.push('close of syncOnly');
      },
    };
    const scope = new ResourceScope();
    scope.use(resource);
    scope.use(syncOnly);
    await scope.close();
    expect(calls).toEqual(['sync only', 'async r']);
  });

  it('awaits each cleanup before starting the previous one', async () => {
    const log: string[] = [];
    const gate = deferred();
    const scope = new ResourceScope();
    scope.defer(() => log.push('first registered'));
    scope.defer(async () => {
      log.push('slow start');
      await gate.promise;
      log.push('slow end');
    });
    const closing = scope.close();
    await flush();
    expect(log).toEqual(['slow start']);
    gate.resolve();
    await closing;
    expect(log).toEqual(['slow start', 'slow end', 'first registered']);
  });

  it('runs every cleanup even when one throws, and rejects with that error', async () => {
    const log: string[] = [];
    const boom = new Error('boom');
    const scope = new ResourceScope();
    scope.defer(() => log.push('a'));
    scope.defer(() => {
      throw boom;
    });
    scope.defer(() => log.push('c'));
    await expect(scope.close()).rejects.toBe(boom);
    expect(log).toEqual(['c', 'a']);
  });

  it('rejects with an AggregateError of every failure in the order they happened', async () => {
    const first = new Error('closed last-registered first');
    const second = new Error('async failure');
    const third = new Error('sync failure');
    const scope = new ResourceScope();
    scope.defer(() => {
      throw third;
    });
    scope.use({
      [Symbol.asyncDispose]: () => Promise.reject(second),
    });
    scope.use({
      close: () => {
        throw first;
      },
    });
    const error = await scope.close().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors).toEqual([first, second, third]);
  });

  it('throws when used, deferred on, after it was closed, and closing again returns the same promise', async () => {
    const scope = new ResourceScope();
    expect(scope.closed).toBe(false);
    const closing = scope.close();
    expect(scope.closed).toBe(true);
    expect(scope.close()).toBe(closing);
    expect(() => scope.use({ close: () => undefined })).toThrow(Error);
    expect(() => scope.defer(() => undefined)).toThrow(/closed/);
    await closing;
  });

  it('closes with [Symbol.asyncDispose] the same as close()', async () => {
    const log: string[] = [];
    const scope = new ResourceScope();
    scope.defer(() => log.push('done'));
    await scope[Symbol.asyncDispose]();
    expect(log).toEqual(['done']);
    expect(scope.closed).toBe(true);
  });

  it('is closed at the end of an `await using` block', async () => {
    const log: string[] = [];
    {
      await using scope = new ResourceScope();
      scope.defer(() => log.push('closed'));
      log.push('body');
    }
    expect(log).toEqual(['body', 'closed']);
  });

  it('rejects input it cannot close with TypeError', () => {
    const scope = new ResourceScope();
    expect(() => scope.use({} as never)).toThrow(TypeError);
    expect(() => scope.use(5 as never)).toThrow(TypeError);
    expect(() => scope.use({ close: 'no' } as never)).toThrow(TypeError);
    expect(() => scope.defer('nope' as never)).toThrow(TypeError);
  });
});

describe('ResourceScope, as SPEC states it', () => {
  it('use(resource) returns the resource; close() awaits cleanups one by one in reverse order', async () => {
    const log: string[] = [];
    const gate = deferred();
    const scope = new ResourceScope();
    const a = { close: () => log.push('a') };
    const b = {
      [Symbol.asyncDispose]: async () => {
        await gate.promise;
        log.push('b');
      },
    };
    expect(scope.use(a)).toBe(a);
    expect(scope.use(b)).toBe(b);
    scope.defer(() => {
      log.push('deferred');
    });
    const closing = scope.close();
    await flush();
    expect(log).toEqual(['deferred']);
    gate.resolve();
    await closing;
    expect(log).toEqual(['deferred', 'b', 'a']);
  });

  it('runs every cleanup even when some throw: one failure rejects with that error', async () => {
    const boom = new Error('boom');
    const ran: string[] = [];
    const scope = new ResourceScope();
    scope.defer(() => ran.push('first'));
    scope.defer(() => {
      throw boom;
    });
    await expect(scope.close()).rejects.toBe(boom);
    expect(ran).toEqual(['first']);
  });

  it('several failures reject with an AggregateError of all in the order they happened', async () => {
    const e1 = new Error('registered first');
    const e2 = new Error('registered second');
    const scope = new ResourceScope();
    scope.defer(() => {
      throw e1;
    });
    scope.defer(async () => {
      throw e2;
    });
    const error = (await scope.close().catch((e: unknown) => e)) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors).toEqual([e2, e1]);
  });

  it('using a closed scope throws', async () => {
    const scope = new ResourceScope();
    await scope.close();
    expect(() => scope.use({ close() {} })).toThrow();
    expect(() => scope.defer(() => {})).toThrow();
  });

  it('await using closes the scope at the end of the block', async () => {
    const log: string[] = [];
    {
      await using scope = new ResourceScope();
      scope.use({ close: () => log.push('closed') });
      log.push('body');
    }
    expect(log).toEqual(['body', 'closed']);
  });
});
