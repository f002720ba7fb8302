import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  MessageChannel,
  type MessagePort,
  type ResourceLimits,
  type TransferListItem,
  Worker,
} from 'node:worker_threads';
import type { FunctionCache } from './FunctionCache.js';
import { type HostMessage, MAX_SEQ, SLOT_COUNT, type TaskMessage, type WorkerData } from './protocol.js';
import type { Task } from './Task.js';

/**
 * Where the thread's code lives: `workerMain.js` next to this file in the built package. Run from the sources
 * (Ferris's own tests and examples), it is `workerMain.ts`, which a thread cannot load by itself: vitest's
 * transform is not inherited by threads, and on Node 20 tsx does not register itself in worker threads. The
 * thread then starts from a small script that registers tsx's loader first, when the plain import fails.
 */
const fromSources = import.meta.url.endsWith('.ts');
const entry = new URL(fromSources ? './workerMain.ts' : './workerMain.js', import.meta.url);
let bootstrap: string | undefined;
function sourceBootstrap(): string {
  if (bootstrap === undefined) {
    const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    const api = pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href;
    bootstrap = `import(${JSON.stringify(entry.href)}).catch(async (error) => {
  if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION' && error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  (await import(${JSON.stringify(api)})).register();
  return import(${JSON.stringify(`${entry.href}?tsx`)});
}).catch((error) => process.nextTick(() => { throw error; }));`;
  }
  return bootstrap;
}

/** Why a thread is going away; `undefined` while it lives. @internal */
export type Retirement = 'idle' | 'abort' | 'close' | undefined;

/**
 * One worker thread of a pool and the tasks it holds, in the order it will run them.
 * Invariants: `inFlight` holds at most SLOT_COUNT tasks, in increasing `seq`; the thread is ref'd (keeps the
 * process alive) exactly while `inFlight` is not empty.
 * @internal
 */
export class PoolThread {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly slots = new Int32Array(new SharedArrayBuffer(SLOT_COUNT * Int32Array.BYTES_PER_ELEMENT));
  /** Tasks sent to the thread and not yet settled by it. */
  inFlight: Task[] = [];
  /** Ids of the exec functions this thread has compiled and the pool still remembers. */
  readonly knownFns = new Set<number>();
  /** The error the thread reported before it exited (uncaught exception, out of memory). */
  error: unknown = undefined;
  retiring: Retirement = undefined;
  /** Whether the thread has answered a task: one that dies before that could not start at all. */
  ran = false;
  idleTimer: unknown = undefined;
  /** Resolves once the thread has exited. */
  readonly exited: Promise<void>;
  #seq = 0;
  #ref = true;
  /** Ids of exec functions the thread has compiled but should drop, told with the next message. */
  #forget: number[] = [];

  constructor(
    moduleUrl: string | null,
    resourceLimits: ResourceLimits | undefined,
    onResults: (thread: PoolThread, first: unknown) => void,
    onExit: (thread: PoolThread, code: number) => void,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: WorkerData = { port: port2, slots: this.slots, moduleUrl };
    this.worker = new Worker(fromSources ? sourceBootstrap() : entry, {
      eval: fromSources,
      workerData: data,
      transferList: [port2],
      ...(resourceLimits === undefined ? {} : { resourceLimits }),
    });
    port1.on('message', (message: unknown) => onResults(this, message));
    this.worker.on('error', (error) => {
      this.error ??= error;
    });
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        onExit(this, code);
        port1.close();
        resolve();
      });
    });
    this.setRef(false);
  }

  /** Whether the thread keeps the process alive: only while it holds tasks. */
  setRef(ref: boolean): void {
    if (this.#ref === ref) return;
    this.#ref = ref;
    if (ref) {
      this.worker.ref();
      this.port.ref();
    } else {
      this.worker.unref();
      this.port.unref();
    }
  }

  /**
   * Sends `tasks` (already taken off the pool's queue) in one message, with the source of each exec function
   * the thread has not compiled yet; throws what `postMessage` throws (nothing sent).
   */
  send(tasks: Task[], functions: FunctionCache): void {
    const messages: TaskMessage[] = new Array(tasks.length);
    let transfer: TransferListItem[] | undefined;
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i] as Task;
      const seq = this.#nextSeq();
      task.seq = seq;
      task.thread = this;
      Atomics.store(this.slots, seq % SLOT_COUNT, seq);
      const fn = task.fn;
      const m: TaskMessage = { seq, name: task.name, fn: fn?.id, source: undefined, arg: task.arg };
      if (fn !== undefined && !this.knownFns.has(fn.id)) m.source = fn.source;
      messages[i] = m;
      if (task.transferList !== undefined) {
        transfer ??= [];
        transfer.push(...task.transferList);
      }
    }
    if (this.#forget.length > 0) (messages[0] as TaskMessage).forget = this.#forget;
    const message: HostMessage = messages.length === 1 ? (messages[0] as TaskMessage) : messages;
    try {
      this.port.postMessage(message, transfer);
    } catch (error) {
      for (const m of messages) Atomics.store(this.slots, m.seq % SLOT_COUNT, 0);
      throw error;
    }
    if (this.#forget.length > 0) this.#forget = [];
    for (let i = 0; i < tasks.length; i++) {
      const fn = (tasks[i] as Task).fn;
      if (fn === undefined || (messages[i] as TaskMessage).source === undefined) continue;
      // A queued task may carry a function the pool forgot since: the thread compiles it for this task only.
      if (functions.has(fn)) this.knownFns.add(fn.id);
      else this.#forget.push(fn.id);
    }
    for (const task of tasks) this.inFlight.push(task);
    this.setRef(true);
  }

  /** The pool forgot exec function `id`: the thread drops its copy with the next message, if it has one. */
  forget(id: number): void {
    if (this.knownFns.delete(id)) this.#forget.push(id);
  }

  #nextSeq(): number {
    this.#seq = this.#seq >= MAX_SEQ ? 1 : this.#seq + 1;
    return this.#seq;
  }

  /** Cancels a task sent to this thread that has not started: true if it never will. */
  tryCancel(task: Task): boolean {
    return Atomics.compareExchange(this.slots, task.seq % SLOT_COUNT, task.seq, 0) === task.seq;
  }

  /** Whether `task` is running now (claimed by the thread and not finished). */
  isRunning(task: Task): boolean {
    return Atomics.load(this.slots, task.seq % SLOT_COUNT) === -task.seq;
  }

  /** Stops the thread; `exited` resolves once it is gone. */
  retire(why: Exclude<Retirement, undefined>): void {
    if (this.retiring !== undefined) return;
    this.retiring = why;
    void this.worker.terminate();
  }
}
