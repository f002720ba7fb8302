import { ResourcePool, type ResourcePoolOptions } from '../../src/pool/ResourcePool.js';

export interface Res {
  id: number;
}

/** A pool of plain `{ id }` objects (ids from 1) that records the ids it destroyed, in order. */
export function plainPool(max: number, extra: Partial<ResourcePoolOptions<Res>> = {}) {
  let next = 0;
  const destroyed: number[] = [];
  const pool = new ResourcePool<Res>({
    create: () => ({ id: ++next }),
    destroy: (r) => {
      destroyed.push(r.id);
    },
    max,
    ...extra,
  });
  return { pool, destroyed };
}
