import type { WaitOptions } from '../core/types.js';
import { optionsBag, signalOption, timeoutOption } from '../core/validate.js';

/**
 * Checks the `{ signal?, timeout? }` of one wait, synchronously, so that bad input throws from the call itself
 * even though the call returns a promise. `where` names the method in messages, e.g. `Semaphore.acquire`.
 * @internal
 */
export function waitOptions(where: string, options: WaitOptions | undefined): WaitOptions | undefined {
  if (options === undefined) return undefined;
  const o = optionsBag(`${where} options`, options);
  const signal = signalOption(`${where} options.signal`, o.signal);
  const timeout = timeoutOption(`${where} options.timeout`, o.timeout);
  return { signal, timeout };
}
