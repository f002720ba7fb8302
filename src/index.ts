export type { Clock } from './core/Clock.js';
export { MAX_TIMER_DELAY, systemClock } from './core/Clock.js';
export * from './core/errors.js';
export type { ClockOptions, ItemWork, Source, WaitOptions, Work } from './core/types.js';
export { AsyncTask, type AsyncTaskOptions, type TaskStatus } from './task/AsyncTask.js';
export { type SleepOptions, sleep } from './time/sleep.js';
export { type WithTimeoutOptions, withTimeout } from './time/withTimeout.js';
