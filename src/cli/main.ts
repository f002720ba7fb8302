#!/usr/bin/env node
/**
 * The `ferris` bin: `ferris demo [--config PATH] [--out DIR] [--concurrency N] [--rate N] [--redis URL] [--no-progress] [--json]`.
 * It sets the exit code and lets the process end by itself once the demo closed everything it opened.
 */
import { runCli } from './runCli.js';

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `ferris: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
