import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIG_FILES, ConfigError, defaultConfig, type FerrisConfig, loadConfig } from '../report/config.js';
import { runDemo } from './demo.js';
import { loadRedis } from './distributedScenario.js';

/** The `ferris --help` text. */
export const HELP = `Usage: ferris demo [options]

Runs the Ferris demo: a loopback HTTP API and temp files, the async template's scenarios (basic, concurrent,
integration), web scraping under a rate limiter, API aggregation, a fetch/process/filter pipeline, retries
under a circuit breaker, a keep-alive connection pool, background tasks, timeouts and errors, and the
sequential baseline. Writes ferris-report.json and ferris-report.html.

Options:
  --config PATH      configuration file (default: ./ferris.config.yaml, else ./config.yaml, else defaults)
  --out DIR          where to write the reports (default: the current directory)
  --concurrency N    map and executor concurrency (overrides async.max_concurrent)
  --rate N           requests per second of the scraping scenarios (default: 50)
  --redis URL        also run the scraping on a DistributedExecutor in that Redis (redis://host:port),
                     reported as web_scraping_distributed (needs the ioredis and bullmq packages)
  --no-progress      plain lines instead of progress bars
  --json             print the JSON report on stdout (the rest goes to stderr)
  -h, --help         show this help

Exit codes: 0 success, 1 a scenario failed, 2 usage or configuration error.
`;

/** Where the CLI writes. */
export interface CliIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  cwd: string;
}

class UsageError extends Error {}

function positiveNumber(flag: string, text: string, integer: boolean): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value)))
    throw new UsageError(`${flag} must be ${integer ? 'an integer >= 1' : 'a number > 0'}, got "${text}".`);
  return value;
}

/** A `redis://[user:password@]host[:port][/db]` (or `rediss://`) URL, checked before anything starts. */
function redisUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // Reported below.
  }
  if (
    url === undefined ||
    (url.protocol !== 'redis:' && url.protocol !== 'rediss:') ||
    url.hostname === '' ||
    !/^\/?\d*$/.test(url.pathname) ||
    url.search !== '' ||
    url.hash !== ''
  )
    throw new UsageError(
      `--redis must be a URL such as redis://127.0.0.1:6379 (redis://[user:password@]host[:port][/db], or rediss:// for TLS), got "${text}".`,
    );
  return text;
}

/** Loads `ferris/redis` for `--redis`; its peers may be missing, since a plain `ferris demo` never needs them. */
async function loadRedisEntry(): Promise<void> {
  try {
    await loadRedis();
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new UsageError(
      `--redis needs the packages ioredis and bullmq (optional peer dependencies of ferris): npm install ioredis bullmq. ${(error as Error).message}`,
    );
  }
}

function findConfig(cwd: string, explicit: string | undefined): FerrisConfig {
  if (explicit !== undefined) return loadConfig(explicit);
  for (const name of CONFIG_FILES) {
    const path = join(cwd, name);
    if (existsSync(path)) return loadConfig(path);
  }
  return defaultConfig();
}

/**
 * Runs the `ferris` command line with `argv` (without node and the script) and resolves to the exit code:
 * 0 success, 1 a scenario failed, 2 a usage or configuration error (the message says which).
 */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  const parse = (args: string[]) =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        out: { type: 'string' },
        concurrency: { type: 'string' },
        rate: { type: 'string' },
        redis: { type: 'string' },
        'no-progress': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  try {
    parsed = parse(argv);
  } catch (error) {
    io.stderr.write(`ferris: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (command !== 'demo' || rest.length > 0) {
    const what = command === undefined ? 'no command given' : `unknown command "${positionals.join(' ')}"`;
    io.stderr.write(`ferris: ${what}; the command is "demo".\n\n${HELP}`);
    return 2;
  }
  let config: FerrisConfig;
  let rate = 50;
  let out = io.cwd;
  let redis: string | undefined;
  try {
    config = findConfig(io.cwd, values.config);
    if (values.concurrency !== undefined)
      config.async.maxConcurrent = positiveNumber('--concurrency', values.concurrency, true);
    if (values.rate !== undefined) rate = positiveNumber('--rate', values.rate, false);
    if (values.out !== undefined) {
      out = values.out;
      if (!existsSync(out) || !statSync(out).isDirectory())
        throw new UsageError(`--out must be an existing directory, got "${out}".`);
    }
    if (values.redis !== undefined) {
      redis = redisUrl(values.redis);
      await loadRedisEntry();
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      io.stderr.write(`ferris: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const outcome = await runDemo({
    config,
    out,
    rate,
    redis,
    progress: values['no-progress'] !== true,
    json: values.json === true,
    stdout: io.stdout,
    stderr: io.stderr,
  });
  return outcome.exitCode;
}
