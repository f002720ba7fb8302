/**
 * The code that runs inside each worker thread of a `WorkerPool`. It receives tasks on its own port (see
 * protocol.ts), runs them one at a time in the order they came, and posts each result as soon as it has it.
 * Named tasks call an export of the task module (imported on first use); `exec` tasks call a function
 * compiled from the source the host sent, once per thread.
 * @internal
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import {
  type HostMessage,
  OK,
  type ResultMessage,
  SLOT_COUNT,
  type TaskMessage,
  THREW,
  type WorkerData,
} from './protocol.js';
import { toWire } from './wireErrors.js';

type AnyFunction = (...args: unknown[]) => unknown;

const { port, slots, moduleUrl } = workerData as WorkerData;

let tasks: TaskMessage[] = [];
let next = 0;
let pumping = false;
let loaded: Record<string, unknown> | undefined;
let loading: Promise<Record<string, unknown>> | undefined;
const compiled = new Map<number, AnyFunction>();

/** tsx and esbuild wrap named functions in `__name(fn, "name")`: inside a worker it only has to return fn. */
const keepName = <F>(fn: F): F => fn;

function receive(message: HostMessage): void {
  if (Array.isArray(message)) for (const t of message) tasks.push(t);
  else tasks.push(message);
}

function drainPort(): void {
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port))
    receive(m.message as HostMessage);
}

port.on('message', (message: HostMessage) => {
  receive(message);
  drainPort();
  if (!pumping) void pump();
});

/** A variable, not a literal, so that bundlers of an application do not try to resolve an optional tool. */
const TSX_API = 'tsx/esm/api';

/**
 * Imports the task module. A `.ts` module fails on Node 20 even when the parent runs under tsx, because tsx
 * registers its loader on the main thread only there: register it in this thread too and try again.
 */
async function importTaskModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[mc]?ts$/.test(new URL(url).pathname)) throw error;
    let api: { register(): void };
    try {
      api = (await import(TSX_API)) as { register(): void };
    } catch {
      throw new Error('a .ts task module needs the parent to run under tsx (or use a .js module)', {
        cause: error,
      });
    }
    api.register();
    return (await import(`${url}${url.includes('?') ? '&' : '?'}tsx`)) as Record<string, unknown>;
  }
}

async function loadModule(): Promise<Record<string, unknown>> {
  if (moduleUrl === null)
    throw new TypeError('This WorkerPool has no task module (no `filename`): use exec(fn, args) instead.');
  loading ??= importTaskModule(moduleUrl).then(
    (m: Record<string, unknown>) => m,
    (error: unknown) => {
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`WorkerPool could not load its task module ${moduleUrl}: ${why}`, { cause: error });
    },
  );
  loaded = await loading;
  return loaded;
}

function taskFunction(t: TaskMessage, mod: Record<string, unknown>): AnyFunction {
  const name = t.name as string;
  const fn = Object.hasOwn(mod, name) ? mod[name] : undefined;
  if (typeof fn === 'function') return fn as AnyFunction;
  const names = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
  throw new TypeError(
    `Task "${name}" is not a function exported by ${moduleUrl} (its function exports: ${names.join(', ') || 'none'}).`,
  );
}

function compile(source: string): AnyFunction {
  try {
    return new Function('__name', `'use strict'; return (${source});`)(keepName) as AnyFunction;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  // A method written in shorthand (`square(x) { ... }`) is not an expression on its own.
  return new Function('__name', `'use strict'; const o = {${source}}; return o[Object.keys(o)[0]];`)(
    keepName,
  ) as AnyFunction;
}

function execFunction(t: TaskMessage): AnyFunction {
  const id = t.fn as number;
  let fn = compiled.get(id);
  if (fn === undefined) {
    fn = compile(t.source as string);
    compiled.set(id, fn);
  }
  return fn;
}

/** A free variable of an exec function: say why it is missing and what to do instead. */
function explain(error: unknown): unknown {
  if (!(error instanceof ReferenceError)) return error;
  const match = /^(\S+) is not defined$/.exec(error.message);
  if (match === null) return error;
  const old = error.message;
  error.message =
    `${match[1]} is not defined: exec() runs its function in a worker thread, where only the function's ` +
    `own parameters and locals and the thread's globals exist. Pass ${match[1]} in exec's args instead.`;
  if (error.stack !== undefined) error.stack = error.stack.replace(old, error.message);
  return error;
}

function post(
  seq: number,
  kind: typeof OK | typeof THREW,
  value: unknown,
  runMs: number,
  name: string,
): void {
  const message: ResultMessage = [seq, kind, value, runMs];
  try {
    port.postMessage(message);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const what = kind === OK ? 'returned a value' : 'threw a value';
    const wrapped = new TypeError(
      `Task ${name} ${what} that cannot be sent back to the main thread (${why}).`,
      { cause: error },
    );
    port.postMessage([seq, THREW, toWire(wrapped), runMs] satisfies ResultMessage);
  }
}

async function runOne(t: TaskMessage): Promise<void> {
  // Every task sent before this one has run (or was skipped): the forgotten functions can go.
  if (t.forget !== undefined) for (const id of t.forget) compiled.delete(id);
  const slot = t.seq % SLOT_COUNT;
  // Claim the task; the host may have cancelled it since it was sent (see protocol.ts).
  if (Atomics.compareExchange(slots, slot, t.seq, -t.seq) !== t.seq) return;
  const label = t.name === undefined ? 'exec function' : `"${t.name}"`;
  const start = performance.now();
  let kind: typeof OK | typeof THREW = OK;
  let value: unknown;
  try {
    if (t.name !== undefined) {
      const fn = taskFunction(t, loaded ?? (await loadModule()));
      value = fn(t.arg);
    } else {
      value = execFunction(t)(...(t.arg as unknown[]));
    }
    if (value !== null && typeof (value as PromiseLike<unknown>)?.then === 'function') value = await value;
  } catch (error) {
    kind = THREW;
    value = toWire(t.name === undefined ? explain(error) : error);
  }
  const runMs = performance.now() - start;
  // Done: no longer running, so an abort that comes now need not terminate the thread.
  Atomics.store(slots, slot, 0);
  post(t.seq, kind, value, runMs, label);
}

async function pump(): Promise<void> {
  pumping = true;
  for (;;) {
    while (next < tasks.length) {
      const t = tasks[next++] as TaskMessage;
      await runOne(t);
    }
    tasks = [];
    next = 0;
    drainPort();
    if (tasks.length === 0) break;
  }
  pumping = false;
}
