export {
  CancelledError,
  ExecutorShutdownError,
  FerrisError,
  RedisUnavailableError,
  TimeoutError,
  WorkerError,
} from '../core/errors.js';
export type { RedisConnection } from './connection.js';
export {
  DistributedExecutor,
  type DistributedExecutorOptions,
  type DistributedMapOptions,
  type DistributedSubmitOptions,
  type JobHandler,
  type QueueRateLimit,
} from './DistributedExecutor.js';
export {
  RedisRateLimiter,
  type RedisRateLimiterOptions,
  type RedisRateLimiterStats,
} from './RedisRateLimiter.js';
export { type RedisPermit, RedisSemaphore, type RedisSemaphoreOptions } from './RedisSemaphore.js';
