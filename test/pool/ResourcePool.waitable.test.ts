import { ResourcePool } from '../../src/pool/ResourcePool.js';
import { waitableConformance } from '../support/conformance/waitable.js';

waitableConformance({
  name: 'ResourcePool.acquire with its one resource lent',
  make: ({ clock }) => {
    const pool = new ResourcePool({ create: () => ({ id: 1 }), destroy: () => {}, max: 1, clock });
    // The test plays every borrower: the single resource cycles from one waiter to the next.
    const resource = pool.acquire();
    return {
      wait: (options) => pool.acquire(options),
      release: async () => pool.release(await resource),
      waiting: () => pool.stats().pending,
    };
  },
});

waitableConformance({
  name: 'ResourcePool.acquire while its one resource is still being created',
  make: ({ clock }) => {
    const resource = { id: 1 };
    let finish: ((r: typeof resource) => void) | undefined;
    const pool = new ResourcePool({
      create: () =>
        new Promise<typeof resource>((resolve) => {
          finish = resolve;
        }),
      destroy: () => {},
      max: 1,
      clock,
    });
    let created = false;
    return {
      wait: (options) => pool.acquire(options),
      // The first release lets the create finish; later ones return the resource from the previous waiter.
      release: () => {
        if (created) return pool.release(resource);
        created = true;
        finish!(resource);
      },
      waiting: () => pool.stats().pending,
    };
  },
});
