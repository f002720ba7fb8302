/**
 * Pipeline processing (PyFerris "Integration Examples" > With Pipeline Processing): fetch, process, then
 * filter, each stage a parallel map over the previous stage's results. The seed's 0.1 / 0.05 / 0.02 s
 * stages are 2 / 1 / 1 ms here.
 *
 * Ferris addition: the same pipeline streaming with `asyncParallelMapStream`, so an item moves to the next
 * stage as soon as it is ready, with at most 2 in flight per stage (backpressure) instead of whole-stage
 * barriers.
 *
 * Run: npx tsx examples/pyferris/09-pipeline.ts
 */
import { asyncParallelFilter, asyncParallelMap, asyncParallelMapStream, sleep } from 'ferris';
import { isMain } from '../support/isMain.js';

async function fetchSingle(url: string, _index: number, signal: AbortSignal): Promise<string> {
  await sleep(2, { signal });
  return `data_from_${url}`;
}

async function processSingle(item: string, _index: number, signal: AbortSignal): Promise<string> {
  await sleep(1, { signal });
  return `${item.toUpperCase()}_PROCESSED`;
}

async function isValid(item: string, _index: number, signal: AbortSignal): Promise<boolean> {
  await sleep(1, { signal });
  return item.length > 10;
}

const fetchStage = (urls: string[]) => asyncParallelMap(fetchSingle, urls);
const processStage = (items: string[]) => asyncParallelMap(processSingle, items);
const filterStage = (items: string[]) => asyncParallelFilter(isValid, items);

export async function main() {
  const urls = ['api1', 'api2', 'api3', 'api4'];

  const fetchedData = await fetchStage(urls);
  console.log(`Fetched ${fetchedData.length} items`);
  const processedData = await processStage(fetchedData);
  console.log(`Processed ${processedData.length} items`);
  const filteredData = await filterStage(processedData);
  console.log(`Filtered to ${filteredData.length} items`);
  console.log('Final result:', filteredData);

  // Streaming: the stages overlap; each stage pulls from the one before only when it has room.
  const fetched = asyncParallelMapStream(fetchSingle, urls, { maxConcurrent: 2 });
  const processed = asyncParallelMapStream(processSingle, fetched, { maxConcurrent: 2 });
  const kept = asyncParallelMapStream(
    async (item: string, index, signal) => ((await isValid(item, index, signal)) ? item : undefined),
    processed,
    { maxConcurrent: 2 },
  );
  const streamed: string[] = [];
  for await (const item of kept) if (item !== undefined) streamed.push(item);
  console.log('Streamed result:', streamed);
  return { filteredData, streamed };
}

if (isMain(import.meta.url)) await main();
