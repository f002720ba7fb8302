import type { TransferListItem } from 'node:worker_threads';
import { assertFunction, describe, optionsBag, signalOption, timeoutOption } from '../core/validate.js';
import type { RunOptions } from './WorkerPool.js';

/** Argument checks of the pool's calls, each synchronous and naming the method. @internal */

export function taskName(where: string, name: unknown): void {
  if (typeof name !== 'string' || name === '')
    throw new TypeError(
      `${where} name must be the name of an export of the task module, got ${describe(name)}.`,
    );
}

/** The checked options of one run/exec call. @internal */
export interface CallConfig {
  signal: AbortSignal | undefined;
  timeout: number | undefined;
  transferList: readonly TransferListItem[] | undefined;
}

export function readCallOptions(where: string, options: RunOptions | undefined): CallConfig {
  if (options === undefined) return { signal: undefined, timeout: undefined, transferList: undefined };
  const o = optionsBag(`${where} options`, options);
  const transferList = o.transferList;
  if (transferList !== undefined && !Array.isArray(transferList))
    throw new TypeError(`${where} options.transferList must be an array, got ${describe(transferList)}.`);
  return {
    signal: signalOption(`${where} options.signal`, o.signal),
    timeout: o.timeout === undefined ? undefined : timeoutOption(`${where} options.timeout`, o.timeout),
    transferList,
  };
}

/** The source of an exec function, checked to be something a thread can compile. @internal */
export function functionSource(where: string, fn: unknown): string {
  assertFunction(`${where} fn`, fn);
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source))
    throw new TypeError(
      `${where} fn must be a function written in JavaScript whose source can be sent to a thread; ${describe(fn)} is native or bound.`,
    );
  return source;
}
