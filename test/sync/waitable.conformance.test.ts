import { Barrier } from '../../src/sync/Barrier.js';
import { Condition } from '../../src/sync/Condition.js';
import { Event } from '../../src/sync/Event.js';
import { Lock } from '../../src/sync/Lock.js';
import { Semaphore } from '../../src/sync/Semaphore.js';
import { waitableConformance } from '../support/conformance/waitable.js';

waitableConformance({
  name: 'Semaphore(0) opened by raising its capacity',
  make: ({ clock }) => {
    const sem = new Semaphore(0, { clock });
    return {
      wait: (options) => sem.acquire(options),
      release: () => {
        sem.capacity += 1;
      },
      waiting: () => sem.stats().waiting,
    };
  },
});

waitableConformance({
  name: 'Semaphore with permits held',
  make: ({ clock }) => {
    const sem = new Semaphore(2, { clock });
    sem.tryAcquire();
    sem.tryAcquire();
    return {
      wait: (options) => sem.acquire(options),
      release: () => sem.release(),
      waiting: () => sem.stats().waiting,
    };
  },
});

waitableConformance({
  name: 'Lock',
  make: ({ clock }) => {
    const lock = new Lock({ clock });
    lock.tryAcquire();
    return {
      wait: (options) => lock.acquire(options),
      // The lock passes straight to the next waiter; the test plays every holder.
      release: () => lock.release(),
      waiting: () => lock.stats().waiting,
    };
  },
});

waitableConformance({
  name: 'Event',
  wakes: 'all',
  make: ({ clock }) => {
    const event = new Event({ clock });
    return { wait: (options) => event.wait(options), release: () => event.set() };
  },
});

waitableConformance({
  name: 'Condition',
  settlesOnGrant: false,
  make: ({ clock }) => {
    const cond = new Condition(undefined, { clock });
    return {
      // Each waiter takes the free lock, parks (releasing it) and gives the lock back once its wait settles.
      wait: (options) => {
        if (!cond.tryAcquire()) throw new Error('test setup: the lock should be free');
        return cond.wait(options).finally(() => cond.release());
      },
      release: () => {
        if (!cond.tryAcquire()) throw new Error('test setup: the lock should be free');
        cond.notify();
        cond.release();
      },
    };
  },
});

waitableConformance({
  name: 'Barrier',
  wakes: 'all',
  make: ({ clock, parked }) => {
    // One party more than the test parks: release() brings the last party (or parties) of the round.
    const barrier = new Barrier(parked + 1, { clock });
    return {
      wait: (options) => barrier.wait(options),
      // Completes the round: as many arrivals as are still missing (one more after a waiter left).
      release: async () => {
        const missing = barrier.parties - barrier.nWaiting;
        await Promise.all(Array.from({ length: missing }, () => barrier.wait()));
      },
      waiting: () => barrier.nWaiting,
    };
  },
});
