import { WorkerError } from '../core/errors.js';
import type { Task } from './Task.js';

/**
 * The `WorkerError` of a task whose thread died: `running` if it was running then, otherwise the thread
 * never started. `cause` is what the thread reported (e.g. an error with code `ERR_WORKER_OUT_OF_MEMORY`).
 * @internal
 */
export function crashError(task: Task, exitCode: number, cause: unknown, running: boolean): WorkerError {
  const code = (cause as { code?: unknown } | undefined)?.code;
  const why = cause instanceof Error ? cause.message : undefined;
  let message: string;
  if (!running)
    message = `The worker thread for ${task.label} failed to start${why === undefined ? ` (exit code ${exitCode})` : `: ${why}`}.`;
  else if (code === 'ERR_WORKER_OUT_OF_MEMORY')
    message = `The worker thread running ${task.label} ran out of memory (see resourceLimits); it was replaced.`;
  else if (why !== undefined)
    message = `The worker thread running ${task.label} crashed (${why}); it was replaced.`;
  else message = `The worker thread running ${task.label} exited with code ${exitCode}; it was replaced.`;
  return new WorkerError(message, cause === undefined ? { exitCode } : { exitCode, cause });
}
