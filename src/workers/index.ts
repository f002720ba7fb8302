export {
  FerrisError,
  PoolClosedError,
  QueueFullError,
  TimeoutError,
  WorkerError,
} from '../core/errors.js';
export { WORKER_POOL_DEFAULTS, type WorkerPoolOptions } from './options.js';
export {
  createSharedArray,
  type SharedArray,
  type SharedArrayHelpers,
  type SharedArrayType,
  sharedArray,
  type TypedArray,
} from './SharedArray.js';
export type { Percentiles, WorkerPoolStats } from './stats.js';
export { type RunOptions, WorkerPool, type WorkerPoolMapOptions } from './WorkerPool.js';
