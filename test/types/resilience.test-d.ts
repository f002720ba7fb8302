/**
 * Type-level tests of the bulkhead, the breaker's manual control and the pool's `maxWaiting`: `npm run
 * typecheck` checks every `expectTypeOf` below.
 */
import { Bulkhead, type BulkheadStats, CircuitBreaker, ResourcePool } from 'ferris';
import { expectTypeOf } from 'vitest';

const bulkhead = new Bulkhead({ maxConcurrent: 2, maxQueue: 10 });
expectTypeOf(bulkhead.run((signal) => signal.aborted)).toEqualTypeOf<Promise<boolean>>();
expectTypeOf(bulkhead.run(async () => 'x', { timeout: 100 })).toEqualTypeOf<Promise<string>>();
expectTypeOf(bulkhead.stats()).toEqualTypeOf<BulkheadStats>();
expectTypeOf(bulkhead.on('rejected', ({ running, queued }) => running + queued)).toEqualTypeOf<() => void>();
// @ts-expect-error maxConcurrent is required
new Bulkhead({ maxQueue: 1 });

const breaker = new CircuitBreaker();
expectTypeOf(breaker.isolate()).toEqualTypeOf<void>();
expectTypeOf(breaker.reset()).toEqualTypeOf<void>();
expectTypeOf(breaker.isolated).toEqualTypeOf<boolean>();

new ResourcePool({ create: () => ({}), destroy: () => {}, max: 2, maxWaiting: 5 });
