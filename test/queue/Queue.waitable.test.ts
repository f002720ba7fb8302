import { LifoQueue } from '../../src/queue/LifoQueue.js';
import { PriorityQueue } from '../../src/queue/PriorityQueue.js';
import { Queue } from '../../src/queue/Queue.js';
import { waitableConformance } from '../support/conformance/waitable.js';

let next = 0;

waitableConformance({
  name: 'Queue.get on an empty queue',
  make: ({ clock }) => {
    const queue = new Queue<number>({ clock });
    return {
      wait: (options) => queue.get(options),
      release: () => queue.putNowait(next++),
      waiting: () => queue.stats().getters,
    };
  },
});

waitableConformance({
  name: 'Queue.put on a full queue',
  make: ({ clock }) => {
    const queue = new Queue<number>({ maxsize: 1, clock });
    queue.putNowait(next++);
    return {
      wait: (options) => queue.put(next++, options),
      release: () => {
        queue.getNowait();
      },
      waiting: () => queue.stats().putters,
    };
  },
});

waitableConformance({
  name: 'Queue.join with an unfinished item',
  wakes: 'all',
  make: ({ clock }) => {
    const queue = new Queue<number>({ clock });
    queue.putNowait(next++);
    return {
      wait: (options) => queue.join(options),
      release: () => {
        queue.getNowait();
        queue.taskDone();
      },
    };
  },
});

waitableConformance({
  name: 'PriorityQueue.get on an empty queue',
  make: ({ clock }) => {
    const queue = new PriorityQueue<number>({ clock });
    return {
      wait: (options) => queue.get(options),
      release: () => queue.putNowait(next++),
      waiting: () => queue.stats().getters,
    };
  },
});

waitableConformance({
  name: 'LifoQueue.put on a full queue',
  make: ({ clock }) => {
    const queue = new LifoQueue<number>({ maxsize: 2, clock });
    queue.putNowait(next++);
    queue.putNowait(next++);
    return {
      wait: (options) => queue.put(next++, options),
      release: () => {
        queue.getNowait();
      },
      waiting: () => queue.stats().putters,
    };
  },
});
