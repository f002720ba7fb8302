import type { Agent } from 'node:http';
import { withTimeout } from '../index.js';
import type { FerrisConfig } from '../report/config.js';
import type { Recorder } from '../report/Recorder.js';

/** What every scenario gets. */
export interface DemoContext {
  /** The demo API's base URL. */
  url: string;
  /** The shared keep-alive agent for requests outside the pool scenario. */
  agent: Agent;
  recorder: Recorder;
  config: FerrisConfig;
  /** Requests per second of the scraping scenarios. */
  rate: number;
  /** The Redis of the distributed scraping scenario (`--redis`); without it that scenario does not run. */
  redis?: string | undefined;
  /** A directory of its own for the file scenario. */
  tmp: string;
  /** Facts the error scenarios found, for the report's `error_handling`. */
  errors: { timeout: boolean; recovery: boolean; concurrent: boolean };
}

/** How a scenario went. */
export interface ScenarioResult {
  status: 'completed' | 'failed';
  details?: Record<string, unknown>;
}

/** A demo scenario: its key in the report's `core_functionality`, the template's operation text and its size. */
export interface Scenario {
  key: string;
  operation: string;
  /** Tasks it records (for the progress bar). */
  total(config: FerrisConfig): number;
  run(ctx: DemoContext): Promise<ScenarioResult>;
}

/** One HTTP request under the configured per-operation timeout (unless timeout handling is off). */
export function timed<T>(
  ctx: DemoContext,
  work: (signal: AbortSignal) => Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  if (!ctx.config.errorHandling.timeoutHandling) return work(signal);
  return withTimeout(work, ctx.config.async.timeout, { signal });
}
