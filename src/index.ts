/// <reference lib="esnext.disposable" preserve="true" />
export { Batcher, type BatcherOptions, type BatcherStats, type BatchResults } from './batch/Batcher.js';
export { chunk } from './batch/chunk.js';
export type { Clock } from './core/Clock.js';
export { MAX_TIMER_DELAY, systemClock } from './core/Clock.js';
export * from './core/errors.js';
export type {
  ClockOptions,
  ItemWork,
  MapLimiter,
  MapProgress,
  Source,
  WaitOptions,
  Work,
} from './core/types.js';
export {
  AsyncExecutor,
  type AsyncExecutorEvents,
  type AsyncExecutorOptions,
  type ExecutorStats,
  type MapAsyncOptions,
  type ShutdownOptions,
  type SubmitOptions,
} from './executor/AsyncExecutor.js';
export type { Listener } from './observe/Emitter.js';
export { type AsyncParallelFilterOptions, asyncParallelFilter } from './parallel/asyncParallelFilter.js';
export { type AsyncParallelMapOptions, asyncParallelMap } from './parallel/asyncParallelMap.js';
export {
  type AsyncParallelMapStream,
  type AsyncParallelMapStreamOptions,
  asyncParallelMapStream,
} from './parallel/asyncParallelMapStream.js';
export {
  type DestroyReason,
  ResourcePool,
  type ResourcePoolEvents,
  type ResourcePoolOptions,
  type ResourcePoolStats,
} from './pool/ResourcePool.js';
export { LifoQueue, type LifoQueueOptions } from './queue/LifoQueue.js';
export { PriorityQueue, type PriorityQueueOptions } from './queue/PriorityQueue.js';
export {
  Queue,
  type QueueEvents,
  type QueueOptions,
  type QueueShutdownOptions,
  type QueueStats,
} from './queue/Queue.js';
export type { QueueStorage } from './queue/storage.js';
export {
  Bulkhead,
  type BulkheadEvents,
  type BulkheadOptions,
  type BulkheadRunOptions,
  type BulkheadStats,
} from './resilience/Bulkhead.js';
export {
  type BackoffDelayOptions,
  type BackoffOptions,
  backoffDelay,
  type Jitter,
} from './resilience/backoff.js';
export {
  CircuitBreaker,
  type CircuitBreakerEvents,
  type CircuitBreakerOptions,
  type CircuitBreakerRunOptions,
  type CircuitBreakerStats,
  type CircuitState,
} from './resilience/CircuitBreaker.js';
export {
  RateLimiter,
  type RateLimiterEvents,
  type RateLimiterOptions,
  type RateLimiterRunOptions,
  type RateLimiterStats,
} from './resilience/RateLimiter.js';
export { type RetryOptions, type RetryWork, retry } from './resilience/retry.js';
export { Barrier, type BarrierOptions } from './sync/Barrier.js';
export { Condition, type ConditionOptions } from './sync/Condition.js';
export { Event, type EventOptions } from './sync/Event.js';
export { Lock, type LockOptions, type LockStats } from './sync/Lock.js';
export { type Permit, Semaphore, type SemaphoreOptions, type SemaphoreStats } from './sync/Semaphore.js';
export { AsyncTask, type AsyncTaskOptions, type TaskStatus } from './task/AsyncTask.js';
export { type AsCompletedOptions, asCompleted } from './task/asCompleted.js';
export { type GatherOptions, type GatherResults, type GatherSettled, gather } from './task/gather.js';
export { ResourceScope, type ScopedResource } from './task/ResourceScope.js';
export { type CreateTaskOptions, TaskGroup, type TaskGroupOptions, taskGroup } from './task/TaskGroup.js';
export {
  type ReturnWhen,
  type TaskValue,
  type WaitTasksOptions,
  type WaitTasksResult,
  wait,
} from './task/wait.js';
export { type SleepOptions, sleep } from './time/sleep.js';
export { type WithTimeoutOptions, withTimeout } from './time/withTimeout.js';
