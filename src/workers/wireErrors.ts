import type { WireError } from './protocol.js';

/**
 * Errors crossing the thread boundary. Structured clone turns a custom error class into a plain `Error`,
 * drops `cause` on Node 20 and loses own properties such as `code`, so the thread sends a plain record and
 * the host rebuilds the error: built-in classes (`TypeError`, `RangeError`...) as themselves, any other class
 * as an `Error` carrying the original `name`, with message, stack, cause and cloneable properties kept.
 * @internal
 */

const builtins: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

const MAX_DEPTH = 8;

function cloneable(value: unknown): boolean {
  const t = typeof value;
  return value === null || t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint';
}

/** Turns a thrown value into something `postMessage` can carry. Non-errors pass through as they are. */
export function toWire(value: unknown, depth = 0): unknown {
  if (!(value instanceof Error) || depth > MAX_DEPTH) return value;
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === 'cause' || key === 'errors') continue;
    const v = (value as unknown as Record<string, unknown>)[key];
    if (cloneable(v)) props[key] = v;
  }
  const hasCause = 'cause' in value;
  const wire: WireError = {
    ferrisWireError: true,
    name: value.name,
    message: value.message,
    stack: value.stack,
    hasCause,
    props,
  };
  if (hasCause) wire.cause = toWire(value.cause, depth + 1);
  if (value instanceof AggregateError) wire.errors = value.errors.map((e) => toWire(e, depth + 1));
  return wire;
}

function isWire(value: unknown): value is WireError {
  return (
    value !== null && typeof value === 'object' && (value as Partial<WireError>).ferrisWireError === true
  );
}

/** Rebuilds what {@link toWire} sent. */
export function fromWire(value: unknown): unknown {
  if (!isWire(value)) return value;
  const options = value.hasCause ? { cause: fromWire(value.cause) } : undefined;
  let error: Error;
  if (value.errors !== undefined)
    error = new AggregateError(value.errors.map(fromWire), value.message, options);
  else error = new (builtins[value.name] ?? Error)(value.message, options);
  if (error.name !== value.name)
    Object.defineProperty(error, 'name', { value: value.name, writable: true, configurable: true });
  Object.defineProperty(error, 'stack', { value: value.stack, writable: true, configurable: true });
  Object.assign(error, value.props);
  return error;
}
