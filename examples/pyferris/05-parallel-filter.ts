/**
 * asyncParallelFilter (PyFerris "Parallel Async Operations" > async_parallel_filter): keep the items whose
 * async predicate says yes, checked concurrently, in input order. The seed's 0.1 s validation is 2 ms here.
 *
 * Run: npx tsx examples/pyferris/05-parallel-filter.ts
 */
import { asyncParallelFilter, sleep } from 'ferris';
import { isMain } from '../support/isMain.js';

/** Stands in for an async email check (an MX lookup, a validation API). */
async function isValidEmail(email: string, _index: number, signal: AbortSignal): Promise<boolean> {
  await sleep(2, { signal });
  return email.includes('@') && email.includes('.');
}

export async function main(): Promise<string[]> {
  const emails = ['user@example.com', 'invalid-email', 'admin@company.org', 'test@test', 'contact@site.net'];
  const validEmails = await asyncParallelFilter(isValidEmail, emails);
  console.log('Valid emails:', validEmails);
  return validEmails;
}

if (isMain(import.meta.url)) await main();
