/**
 * Concurrent data processing (PyFerris "Advanced Usage" > Concurrent Data Processing): fetch and shape
 * records of different types at once, then group the results by type. The seed's 0.2 s call is 4 ms here.
 *
 * Run: npx tsx examples/pyferris/06-concurrent-data-processing.ts
 */
import { asyncParallelMap, sleep } from 'ferris';
import { isMain } from '../support/isMain.js';

interface DbRecord {
  id: number;
  url: string;
  type: 'user' | 'order' | 'product';
}

type Processed =
  | { id: number; type: 'user'; name: string }
  | { id: number; type: 'order'; total: number }
  | { id: number; type: 'product'; title: string };

async function fetchAndProcess(record: DbRecord, _index: number, signal: AbortSignal): Promise<Processed> {
  await sleep(4, { signal }); // the API call
  switch (record.type) {
    case 'user':
      return { id: record.id, name: `User ${record.id}`, type: 'user' };
    case 'order':
      return { id: record.id, total: 99.99, type: 'order' };
    default:
      return { id: record.id, title: `Product ${record.id}`, type: 'product' };
  }
}

export async function main(): Promise<Map<string, Processed[]>> {
  const records: DbRecord[] = [
    { id: 1, url: 'api.example.com/user/1', type: 'user' },
    { id: 2, url: 'api.example.com/order/2', type: 'order' },
    { id: 3, url: 'api.example.com/user/3', type: 'user' },
    { id: 4, url: 'api.example.com/product/4', type: 'product' },
  ];
  const results = await asyncParallelMap(fetchAndProcess, records);

  // Input order is kept, so groups list their items in record order.
  const grouped = new Map<string, Processed[]>();
  for (const result of results) {
    const group = grouped.get(result.type) ?? [];
    group.push(result);
    grouped.set(result.type, group);
  }
  console.log('Processed records by type:');
  for (const [type, items] of grouped) console.log(`  ${type}: ${items.length} items`);
  return grouped;
}

if (isMain(import.meta.url)) await main();
