import {
  BrokenBarrierError,
  CancelledError,
  CircuitOpenError,
  ExecutorShutdownError,
  FerrisError,
  PoolClosedError,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  RedisUnavailableError,
  TimeoutError,
  WorkerError,
} from '../core/errors.js';
import { describe } from '../core/validate.js';

/**
 * What crosses Redis between a producer and a worker of `DistributedExecutor`: job data and results as JSON,
 * and errors as a small JSON record (name, message, code, stack) that the producer turns back into an error.
 * @internal
 */

/** The marker of an encoded error in a job's `failedReason`. */
const TAG = 'ferris.error';

interface WireError {
  [TAG]: 1;
  name: string;
  message: string;
  code?: string | number;
  stack?: string;
}

/**
 * Checks that `value` survives JSON unchanged: no functions, symbols, bigints, `undefined` inside arrays,
 * non-finite numbers, cycles, or class instances other than those with `toJSON` (such as `Date`).
 * @throws TypeError naming `where` and the path of the first value that would not survive.
 */
export function assertSerializable(where: string, value: unknown): void {
  const seen = new Set<object>();
  const visit = (v: unknown, path: string): void => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(v))
          throw new TypeError(`${where} is not serializable: ${path} is ${v}, which JSON turns into null.`);
        return;
      case 'undefined':
        if (path.endsWith(']'))
          throw new TypeError(
            `${where} is not serializable: ${path} is undefined, which JSON turns into null.`,
          );
        return;
      case 'object': {
        if (v === null) return;
        if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return;
        if (seen.has(v)) throw new TypeError(`${where} is not serializable: ${path} refers back to itself.`);
        const proto = Object.getPrototypeOf(v);
        if (!Array.isArray(v) && proto !== Object.prototype && proto !== null)
          throw new TypeError(
            `${where} is not serializable: ${path} is ${describe(v)}; send plain objects, arrays and primitives.`,
          );
        seen.add(v);
        if (Array.isArray(v)) for (let i = 0; i < v.length; i++) visit(v[i], `${path}[${i}]`);
        else for (const [k, item] of Object.entries(v)) visit(item, `${path}.${k}`);
        seen.delete(v);
        return;
      }
      default:
        throw new TypeError(`${where} is not serializable: ${path} is ${describe(v)}.`);
    }
  };
  visit(value, 'the value');
}

/** Encodes a thrown value as an Error whose message BullMQ stores as the job's `failedReason`. */
export function encodeError(error: unknown): Error {
  const e = error instanceof Error ? error : new Error(typeof error === 'string' ? error : describe(error));
  const record: WireError = { [TAG]: 1, name: e.name, message: e.message };
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') record.code = code;
  if (e.stack !== undefined) record.stack = e.stack;
  const wire = new Error(JSON.stringify(record));
  if (e.stack !== undefined) wire.stack = e.stack;
  return wire;
}

type ErrorClass = new (message?: string) => Error;

/** Classes revived as themselves: the built-in errors, and Ferris's own (which take a message first). */
const KNOWN: Record<string, ErrorClass> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  FerrisError: FerrisError as unknown as ErrorClass,
  CancelledError,
  TimeoutError,
  QueueFullError,
  QueueEmptyError,
  QueueShutDownError,
  CircuitOpenError,
  PoolClosedError,
  WorkerError: WorkerError as unknown as ErrorClass,
  ExecutorShutdownError,
  BrokenBarrierError,
  RedisUnavailableError,
};

/**
 * Turns a job's `failedReason` back into an error: one encoded by {@link encodeError} comes back with its
 * name, message, code and the worker's stack (a built-in or Ferris class as itself, any other class as an
 * `Error` carrying its `name`); a reason BullMQ wrote itself (a job stalled more times than allowed) becomes
 * a `WorkerError`.
 */
export function decodeError(reason: string, executor: string, jobId: string): Error {
  let record: Partial<WireError> | undefined;
  try {
    const parsed = JSON.parse(reason) as unknown;
    if (parsed !== null && typeof parsed === 'object' && (parsed as WireError)[TAG] === 1)
      record = parsed as WireError;
  } catch {
    record = undefined;
  }
  if (record === undefined)
    return new WorkerError(
      `Job ${jobId} of DistributedExecutor "${executor}" failed in the queue: ${reason}. Its worker died or stalled more times than allowed (maxStalledCount 1).`,
      { cause: new Error(reason) },
    );
  const name = typeof record.name === 'string' ? record.name : 'Error';
  const Known = Object.hasOwn(KNOWN, name) ? KNOWN[name] : undefined;
  const error = Known === undefined ? new Error(record.message) : new Known(record.message);
  if (Known === undefined) error.name = name;
  if (record.code !== undefined) (error as { code?: unknown }).code = record.code;
  if (record.stack !== undefined) error.stack = record.stack;
  return error;
}
