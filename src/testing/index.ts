export type { Clock } from '../core/Clock.js';
export { systemClock } from '../core/Clock.js';
export { FakeClock, type FakeClockOptions } from './FakeClock.js';
