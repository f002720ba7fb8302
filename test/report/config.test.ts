import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_CONFIG, loadConfig, parseConfig } from 'ferris/report';
import { describe, expect, it } from 'vitest';

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, 'ferris.config.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('parseConfig accepted the text');
}

describe('parseConfig', () => {
  it("has the template's defaults, with the timeout in milliseconds", () => {
    expect(parseConfig('')).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG).toEqual({
      module: { name: 'ferris', asyncOperations: true },
      async: { maxWorkers: 4, maxConcurrent: 10, concurrentTasks: 5, timeout: 30_000, semaphoreLimit: 10 },
      performance: { trackAsyncMetrics: true, asyncEfficiencyGain: true },
      errorHandling: { asyncErrorRecovery: true, timeoutHandling: true },
    });
  });

  it("reads the template's config.yaml: seconds in the file, milliseconds inside", () => {
    const config = parseConfig(
      [
        'async:',
        '  max_workers: 8                  # Increase for CPU-bound work',
        '  max_concurrent: 20              # Increase for I/O-bound work',
        '  concurrent_tasks: 10',
        '  timeout: 2.5',
        'module:',
        '  name: "your_async_module"',
        '  async_operations: true',
        'performance:',
        '  async_efficiency_gain: false',
        'error_handling:',
        '  timeout_handling: false',
      ].join('\n'),
    );
    expect(config.async).toEqual({
      maxWorkers: 8,
      maxConcurrent: 20,
      concurrentTasks: 10,
      timeout: 2500,
      semaphoreLimit: 10,
    });
    expect(config.module.name).toBe('your_async_module');
    expect(config.performance).toEqual({ trackAsyncMetrics: true, asyncEfficiencyGain: false });
    expect(config.errorHandling).toEqual({ asyncErrorRecovery: true, timeoutHandling: false });
  });

  it('rejects an unknown key, naming the key, its value, the file and the line', () => {
    const error = errorOf('async:\n  max_workers: 2\n  max_concurent: 12\n');
    expect(error.message).toBe(
      'ferris.config.yaml:3: unknown key async.max_concurent (value 12); known keys of async: max_workers, max_concurrent, concurrent_tasks, timeout, semaphore_limit.',
    );
    expect(error).toMatchObject({
      file: 'ferris.config.yaml',
      line: 3,
      key: 'async.max_concurent',
      value: 12,
    });
  });

  it('rejects an unknown section', () => {
    expect(errorOf('module:\n  name: x\nasynk:\n  timeout: 3\n').message).toBe(
      'ferris.config.yaml:3: unknown section "asynk"; known sections: module, async, performance, error_handling.',
    );
  });

  it('rejects a wrong type, naming the key and the value', () => {
    expect(errorOf('async:\n  max_concurrent: "ten"\n').message).toBe(
      'ferris.config.yaml:2: async.max_concurrent must be an integer, got "ten".',
    );
    expect(errorOf('performance:\n  track_async_metrics: yes please\n').message).toBe(
      'ferris.config.yaml:2: performance.track_async_metrics must be true or false, got "yes please".',
    );
    expect(errorOf('module:\n  name: 42\n').message).toBe(
      'ferris.config.yaml:2: module.name must be a string, got 42.',
    );
    expect(errorOf('async:\n  timeout: soon\n').message).toBe(
      'ferris.config.yaml:2: async.timeout must be a number of seconds, got "soon".',
    );
    expect(errorOf('async: 5\n').message).toBe(
      'ferris.config.yaml:1: async must be a mapping of keys, got 5.',
    );
  });

  it('rejects a bad value, naming the key and the value', () => {
    expect(errorOf('async:\n  max_concurrent: 0\n').message).toBe(
      'ferris.config.yaml:2: async.max_concurrent must be an integer >= 1, got 0.',
    );
    expect(errorOf('async:\n  semaphore_limit: 2.5\n').message).toBe(
      'ferris.config.yaml:2: async.semaphore_limit must be an integer >= 1, got 2.5.',
    );
    expect(errorOf('async:\n\n  timeout: -1\n').message).toBe(
      'ferris.config.yaml:3: async.timeout must be a finite number of seconds > 0, got -1.',
    );
    expect(errorOf('async:\n  timeout:\n').message).toBe(
      'ferris.config.yaml:2: async.timeout must be a number of seconds, got null.',
    );
    expect(errorOf('module:\n  name: "  "\n').message).toBe(
      'ferris.config.yaml:2: module.name must not be empty, got "  ".',
    );
  });

  it('rejects YAML that does not parse, and a document that is not a mapping', () => {
    expect(errorOf('async:\n  timeout: [1, 2\n').message).toMatch(
      /^ferris\.config\.yaml:\d+: invalid YAML: /,
    );
    expect(errorOf('- a\n- b\n').message).toBe(
      'ferris.config.yaml:1: the configuration must be a mapping of sections (module, async, ...).',
    );
    expect(errorOf('async:\n  timeout: 1\n  timeout: 2\n').message).toMatch(
      /^ferris\.config\.yaml:3: invalid YAML: /,
    );
  });
});

describe('loadConfig', () => {
  it('reads a file, and names the file when it cannot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferris-config-'));
    try {
      const path = join(dir, 'config.yaml');
      writeFileSync(path, 'async:\n  timeout: 1\n');
      expect(loadConfig(path).async.timeout).toBe(1000);
      writeFileSync(path, 'async:\n  timeout: nope\n');
      expect(() => loadConfig(path)).toThrow(
        `${path}:2: async.timeout must be a number of seconds, got "nope".`,
      );
      const missing = join(dir, 'missing.yaml');
      expect(() => loadConfig(missing)).toThrow(`${missing}: cannot read the configuration file (ENOENT).`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
