// What `ferris demo` runs, in order: `basicExample` first, then `scenarios`, then (when the config asks for the
// efficiency gain) `sequentialScraping`, the baseline the concurrent scraping is measured against. Each
// scenario lives with its theme: the template's basic ones in basicScenarios.ts, the web jobs (scraping, API
// aggregation, pipeline) in webScenarios.ts, retries, breakers, pools, background jobs and errors in
// resilienceScenarios.ts, CPU work on a worker pool in cpuScenario.ts, the scraping on Redis (`--redis`) in
// distributedScenario.ts; DemoContext.ts says what a scenario is and gets.
import { asyncIntegration, concurrentAsync } from './basicScenarios.js';
import { cpuWork } from './cpuScenario.js';
import type { Scenario } from './DemoContext.js';
import { webScrapingDistributed } from './distributedScenario.js';
import { backgroundTasks, connectionPool, errorHandling, resilience } from './resilienceScenarios.js';
import { apiAggregation, dataPipeline, webScraping } from './webScenarios.js';

export { basicExample } from './basicScenarios.js';
export { sequentialScraping } from './webScenarios.js';

/** The scenarios of `ferris demo`, in running order (the sequential baseline is run separately). */
export const scenarios: Scenario[] = [
  concurrentAsync,
  asyncIntegration,
  webScraping,
  apiAggregation,
  dataPipeline,
  resilience,
  connectionPool,
  backgroundTasks,
  cpuWork,
  errorHandling,
];

/** The scenarios of a run: {@link scenarios}, with the scraping on Redis right after the local one when `redis` is set. */
export function scenariosOf(redis: boolean): Scenario[] {
  if (!redis) return scenarios;
  const at = scenarios.indexOf(webScraping) + 1;
  return [...scenarios.slice(0, at), webScrapingDistributed, ...scenarios.slice(at)];
}
