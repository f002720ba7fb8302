/**
 * The leak check every test runs under (installed by test/setup.ts):
 * - no new active handles or timers (process.getActiveResourcesInfo(), against a baseline taken before the test);
 * - no abort listener left on a signal that has not aborted (every addEventListener('abort') on an AbortSignal
 *   is counted while the test runs, on the library's signals and the test's own alike);
 * - every FakeClock made with `fakeClock()` has no timer left;
 * - no unhandled rejection (vitest fails the run on those by itself; this also fails the test that caused it);
 * - no task failure that nobody read (the `FerrisWarning` with code FERRIS_UNOBSERVED_TASK_ERROR), unless the test
 *   takes it with {@link takeUnreadFailures}: a test that means to leave a failure unread says so.
 */
import { createHook } from 'node:async_hooks';
import { FakeClock, type FakeClockOptions } from '../../src/testing/FakeClock.js';

interface ListenerRecord {
  signal: AbortSignal;
  count: number;
  stack: string | undefined;
}

const live = new Map<AbortSignal, ListenerRecord>();
const listenerKeys = new WeakMap<AbortSignal, Set<unknown>>();
let tracking = false;
const clocks: FakeClock[] = [];
const unhandled: unknown[] = [];

function keyOf(listener: unknown, options: unknown): unknown[] {
  const capture =
    typeof options === 'boolean' ? options : Boolean((options as { capture?: boolean } | undefined)?.capture);
  return [listener, capture];
}

const proto = EventTarget.prototype;
const origAdd = proto.addEventListener;
const origRemove = proto.removeEventListener;

function install(): void {
  proto.addEventListener = function (this: EventTarget, type: string, listener: unknown, options?: unknown) {
    if (tracking && type === 'abort' && this instanceof AbortSignal && listener != null && !fromRunner()) {
      const [fn, capture] = keyOf(listener, options);
      let keys = listenerKeys.get(this);
      if (keys === undefined) {
        keys = new Set();
        listenerKeys.set(this, keys);
      }
      // A once-listener that fires leaves with its signal aborted, which the check skips.
      const k = `${capture}`;
      const id = { fn, k };
      // Duplicate registrations are ignored by EventTarget; mirror that.
      let dup = false;
      for (const e of keys as Set<{ fn: unknown; k: string }>) if (e.fn === fn && e.k === k) dup = true;
      if (!dup) {
        keys.add(id);
        const rec = live.get(this) ?? { signal: this, count: 0, stack: undefined };
        rec.count++;
        rec.stack = new Error('abort listener added here').stack;
        live.set(this, rec);
      }
    }
    return origAdd.call(this, type, listener as never, options as never);
  } as typeof proto.addEventListener;
  proto.removeEventListener = function (
    this: EventTarget,
    type: string,
    listener: unknown,
    options?: unknown,
  ) {
    if (type === 'abort' && this instanceof AbortSignal && listener != null) {
      const [fn, capture] = keyOf(listener, options);
      forget(this, fn, `${capture}`);
    }
    return origRemove.call(this, type, listener as never, options as never);
  } as typeof proto.removeEventListener;
}

/** Listeners that the test runner itself adds (vitest's own cancellation) are not the code under test. */
function fromRunner(): boolean {
  const caller = new Error().stack?.split('\n')[3] ?? '';
  return caller.includes('/node_modules/');
}

/**
 * Real timers are tracked one by one with an async hook (Timeout init/destroy), which also sees unref'd timers
 * that getActiveResourcesInfo() misses. Timers that the test runner starts from node_modules (vitest's own
 * throttled reporting) are not the code under test and are left out, and so are Node's own unref'd caches.
 */
const liveTimers = new Map<number, string>();
const timerHook = createHook({
  init(asyncId, type) {
    if (!tracking || type !== 'Timeout') return;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 30;
    const frames = (new Error().stack ?? '').split('\n').slice(1);
    Error.stackTraceLimit = limit;
    const caller = frames.find((f) => !/[( ]node:/.test(f) && !f.includes('leakCheck.ts')) ?? '';
    if (caller.includes('/node_modules/')) return;
    // Node's own process-wide caches, started on first use and unref'd: undici's timer wheel (global fetch)
    // and the HTTP Date-header cache. They belong to Node, not to the operation under test.
    if (frames.some((f) => f.includes('node:internal/deps/undici') || f.includes('utcDate'))) return;
    liveTimers.set(asyncId, frames.slice(0, 8).join('\n'));
  },
  destroy(asyncId) {
    liveTimers.delete(asyncId);
  },
});
timerHook.enable();

function forget(signal: AbortSignal, fn: unknown, k: string): void {
  const keys = listenerKeys.get(signal) as Set<{ fn: unknown; k: string }> | undefined;
  if (keys === undefined) return;
  for (const e of keys) {
    if (e.fn === fn && e.k === k) {
      keys.delete(e);
      const rec = live.get(signal);
      if (rec !== undefined && --rec.count === 0) live.delete(signal);
      return;
    }
  }
}

install();

/** A FakeClock that the leak check inspects after the test: it must have no timer left. */
export function fakeClock(options?: FakeClockOptions): FakeClock {
  const clock = new FakeClock(options);
  clocks.push(clock);
  return clock;
}

let baseline = new Map<string, number>();

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});

// Node prints every process warning through its own 'warning' listener. A task failure nobody read belongs to
// the test that caused it instead (which fails, or takes it): the other warnings are still printed.
const unread: Error[] = [];
const printers = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if ((warning as { code?: unknown }).code === 'FERRIS_UNOBSERVED_TASK_ERROR') unread.push(warning);
  else for (const print of printers) print.call(process, warning);
});

/** The reports of task failures nobody read since the test started (or since the last call), taken. */
export async function takeUnreadFailures(): Promise<Error[]> {
  await drain(); // a report is made at the next macrotask, and emitted on the tick after
  return unread.splice(0);
}

export function beforeTest(): void {
  live.clear();
  liveTimers.clear();
  clocks.length = 0;
  unhandled.length = 0;
  unread.length = 0;
  tracking = true;
  baseline = resourceCounts();
}

/** Lets settled work finish its bookkeeping before looking: a few macrotasks, no timers. */
async function drain(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export async function afterTest(): Promise<void> {
  await drain();
  tracking = false;
  const problems: string[] = [];
  let counts = resourceCounts();
  // Closing sockets and servers take a few turns of the loop; give real handles a bounded grace period. A
  // connection to another process (a redis-server) can need longer on a loaded machine than 50 turns last, so
  // the grace goes on in 10 ms steps up to 1 s; a handle that is really left open is still there after it.
  for (let i = 0; i < 50 && leaked(counts).length > 0; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    counts = resourceCounts();
  }
  for (let waited = 0; waited < 1000 && leaked(counts).length > 0; waited += 10) {
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
    counts = resourceCounts();
  }
  for (const [type, n] of leaked(counts)) problems.push(`${n} new active ${type} handle(s)`);
  for (const stack of liveTimers.values()) problems.push(`a timer is still scheduled\n${stack}`);
  for (const rec of live.values()) {
    if (rec.signal.aborted) continue;
    problems.push(`${rec.count} abort listener(s) left on a live AbortSignal\n${rec.stack ?? ''}`);
  }
  for (const [i, clock] of clocks.entries()) {
    const pending = clock.pending();
    if (pending.length > 0)
      problems.push(`FakeClock #${i} still has ${pending.length} timer(s): ${JSON.stringify(pending)}`);
  }
  for (const reason of unhandled) problems.push(`unhandled rejection: ${String(reason)}`);
  for (const warning of unread.splice(0)) problems.push(`a task failure nobody read: ${warning.message}`);
  live.clear();
  liveTimers.clear();
  clocks.length = 0;
  unhandled.length = 0;
  if (problems.length > 0) throw new Error(`Leak check failed:\n- ${problems.join('\n- ')}`);
}

function leaked(counts: Map<string, number>): [string, number][] {
  const out: [string, number][] = [];
  for (const [type, n] of counts) {
    if (type === 'Timeout') continue; // timers are tracked one by one by the async hook above
    const before = baseline.get(type) ?? 0;
    if (n > before) out.push([type, n - before]);
  }
  return out;
}
