import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * True when the module at `moduleUrl` (pass `import.meta.url`) is the script Node was started with, e.g.
 * `npx tsx examples/pyferris/01-quick-start.ts`; false when another module (run-all, a test) imported it.
 */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(resolve(script)).href === moduleUrl;
}
