import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import { FerrisError } from '../core/errors.js';

/**
 * The demo's configuration (`ferris.config.yaml`, or the template's `config.yaml`), with the template's keys.
 * The file counts seconds; every duration here is **milliseconds**.
 */
export interface FerrisConfig {
  module: {
    /** `module.name`: the report's `module`. @default "ferris" */
    name: string;
    /** `module.async_operations`: marks the module as async. @default true */
    asyncOperations: boolean;
  };
  async: {
    /** `async.max_workers`: worker-pool threads for CPU work. @default 4 */
    maxWorkers: number;
    /** `async.max_concurrent`: map and executor concurrency. @default 10 */
    maxConcurrent: number;
    /** `async.concurrent_tasks`: tasks per demo scenario. @default 5 */
    concurrentTasks: number;
    /** `async.timeout` (seconds in the file): the per-operation timeout, in ms. @default 30000 */
    timeout: number;
    /** `async.semaphore_limit`: permits guarding a shared resource. @default 10 */
    semaphoreLimit: number;
  };
  performance: {
    /** `performance.track_async_metrics`: record events. @default true */
    trackAsyncMetrics: boolean;
    /** `performance.async_efficiency_gain`: measure the sequential baseline. @default true */
    asyncEfficiencyGain: boolean;
  };
  errorHandling: {
    /** `error_handling.async_error_recovery`: retries on. @default true */
    asyncErrorRecovery: boolean;
    /** `error_handling.timeout_handling`: timeouts on. @default true */
    timeoutHandling: boolean;
  };
}

/** The defaults of every key (SPEC §3; the template's values). */
export const DEFAULT_CONFIG: Readonly<FerrisConfig> = Object.freeze({
  module: { name: 'ferris', asyncOperations: true },
  async: { maxWorkers: 4, maxConcurrent: 10, concurrentTasks: 5, timeout: 30_000, semaphoreLimit: 10 },
  performance: { trackAsyncMetrics: true, asyncEfficiencyGain: true },
  errorHandling: { asyncErrorRecovery: true, timeoutHandling: true },
});

/** The file names `findConfig` looks for, in order. */
export const CONFIG_FILES = ['ferris.config.yaml', 'config.yaml'] as const;

/** A configuration file that cannot be used: its `file`, `line` (1-based), `key` and `value` are set when known. */
export class ConfigError extends FerrisError {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number | undefined,
    readonly key: string | undefined,
    readonly value: unknown,
  ) {
    super(message);
  }
}

type Kind = 'string' | 'boolean' | 'integer' | 'seconds';
/** A key of the file: its type, and where it lands in {@link FerrisConfig} (seconds become ms). */
interface KeySpec {
  kind: Kind;
  field: string;
}

const SCHEMA: Record<string, Record<string, KeySpec>> = {
  module: {
    name: { kind: 'string', field: 'name' },
    async_operations: { kind: 'boolean', field: 'asyncOperations' },
  },
  async: {
    max_workers: { kind: 'integer', field: 'maxWorkers' },
    max_concurrent: { kind: 'integer', field: 'maxConcurrent' },
    concurrent_tasks: { kind: 'integer', field: 'concurrentTasks' },
    timeout: { kind: 'seconds', field: 'timeout' },
    semaphore_limit: { kind: 'integer', field: 'semaphoreLimit' },
  },
  performance: {
    track_async_metrics: { kind: 'boolean', field: 'trackAsyncMetrics' },
    async_efficiency_gain: { kind: 'boolean', field: 'asyncEfficiencyGain' },
  },
  error_handling: {
    async_error_recovery: { kind: 'boolean', field: 'asyncErrorRecovery' },
    timeout_handling: { kind: 'boolean', field: 'timeoutHandling' },
  },
};

const SECTION_FIELD: Record<string, keyof FerrisConfig> = {
  module: 'module',
  async: 'async',
  performance: 'performance',
  error_handling: 'errorHandling',
};

/** A fresh, mutable copy of the defaults. */
export function defaultConfig(): FerrisConfig {
  return structuredClone(DEFAULT_CONFIG) as FerrisConfig;
}

const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

function check(kind: Kind, value: unknown): string | undefined {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (value.trim() === '') return 'must not be empty';
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'integer':
      if (typeof value !== 'number') return 'must be an integer';
      if (!Number.isInteger(value) || value < 1) return 'must be an integer >= 1';
      return undefined;
    case 'seconds':
      if (typeof value !== 'number') return 'must be a number of seconds';
      if (!(value > 0) || !Number.isFinite(value)) return 'must be a finite number of seconds > 0';
      return undefined;
  }
}

/**
 * Parses a configuration text (YAML) with the template's keys; absent keys keep their defaults.
 * @param file The name used in error messages.
 * @throws {ConfigError} for invalid YAML, an unknown key, a wrong type or a bad value; the message names the
 * file and line, the key and the value, e.g. `config.yaml:4: async.max_concurrent must be an integer >= 1, got 0.`
 * @example
 * ```ts
 * const config = parseConfig('async:\n  timeout: 2.5\n', 'inline.yaml');
 * console.log(config.async.timeout); // 2500
 * ```
 */
export function parseConfig(text: string, file = '<config>'): FerrisConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined) =>
    node?.range ? lines.linePos(node.range[0]).line : undefined;
  const fail = (node: Node | null | undefined, message: string, key?: string, value?: unknown): never => {
    const line = lineOf(node);
    throw new ConfigError(
      `${file}${line === undefined ? '' : `:${line}`}: ${message}`,
      file,
      line,
      key,
      value,
    );
  };
  const firstError = doc.errors[0];
  if (firstError !== undefined) {
    const line = lines.linePos(firstError.pos[0]).line;
    throw new ConfigError(
      `${file}${line === undefined ? '' : `:${line}`}: invalid YAML: ${firstError.message.split('\n')[0]}`,
      file,
      line,
      undefined,
      undefined,
    );
  }
  const config = defaultConfig();
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return config;
  if (!isMap(root))
    return fail(root, 'the configuration must be a mapping of sections (module, async, ...).');

  for (const pair of root.items) {
    const keyNode = pair.key as Node;
    const section = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const keys = SCHEMA[section];
    if (keys === undefined)
      fail(
        keyNode,
        `unknown section "${section}"; known sections: ${Object.keys(SCHEMA).join(', ')}.`,
        section,
      );
    const body = pair.value as Node | null;
    if (body === null || (isScalar(body) && body.value === null)) continue;
    if (!isMap(body)) {
      const value = isScalar(body) ? body.value : body.toJSON();
      fail(body, `${section} must be a mapping of keys, got ${show(value)}.`, section, value);
    }
    for (const item of (body as unknown as { items: { key: Node; value: Node | null }[] }).items) {
      const name = isScalar(item.key) ? String(item.key.value) : String(item.key);
      const key = `${section}.${name}`;
      const spec = (keys as Record<string, KeySpec>)[name];
      const valueNode = item.value;
      const value = valueNode === null ? null : isScalar(valueNode) ? valueNode.value : valueNode.toJSON();
      if (spec === undefined)
        fail(
          item.key,
          `unknown key ${key} (value ${show(value)}); known keys of ${section}: ${Object.keys(keys as object).join(', ')}.`,
          key,
          value,
        );
      const problem = check((spec as KeySpec).kind, value);
      if (problem !== undefined)
        fail(valueNode ?? item.key, `${key} ${problem}, got ${show(value)}.`, key, value);
      const { kind, field } = spec as KeySpec;
      const target = config[SECTION_FIELD[section] as keyof FerrisConfig] as Record<string, unknown>;
      target[field] = kind === 'seconds' ? (value as number) * 1000 : value;
    }
  }
  return config;
}

/**
 * Reads and parses a configuration file (see {@link parseConfig}).
 * @throws {ConfigError} if the file cannot be read or is invalid, naming the file (and line, key and value).
 */
export function loadConfig(path: string): FerrisConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(
      `${path}: cannot read the configuration file (${reason}).`,
      path,
      undefined,
      undefined,
      undefined,
    );
  }
  return parseConfig(text, path);
}
