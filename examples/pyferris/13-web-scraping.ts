/**
 * Web scraping (PyFerris "Real-World Examples" > Web Scraping): fetch pages concurrently, then keep those
 * whose content passes an async check. The seed only pretends to fetch example.com; here a loopback server
 * serves real HTML pages (`/page1` ... `/page5`), and the scraper reads each page's title, text and links.
 * The seed's 0.3 s request is the server's answer time (6 ms); its 0.1 s validation is 2 ms.
 *
 * Run: npx tsx examples/pyferris/13-web-scraping.ts
 */
import { asyncParallelFilter, asyncParallelMap, sleep } from 'ferris';
import { fetchText } from '../support/http.js';
import { isMain } from '../support/isMain.js';
import { startLoopbackServer } from '../support/loopbackServer.js';

interface Scraped {
  url: string;
  title: string;
  content: string;
  links: string[];
  size: number;
  success: boolean;
}

/** A deliberately small HTML reader: enough for these pages, not a general parser. */
function parse(html: string) {
  const title = /<title>([^<]*)<\/title>/i.exec(html)?.[1] ?? '';
  const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1] ?? '');
  const body = /<body>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? '';
  const content = body
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return { title, links, content };
}

export async function main(): Promise<Scraped[]> {
  const server = await startLoopbackServer({ latency: 6 });
  try {
    // (url, expected size) pairs, as in the seed; like the seed, the scraper does not use the size.
    const urls: [string, number][] = [
      [`${server.url}/page1`, 100],
      [`${server.url}/page2`, 150],
      [`${server.url}/page3`, 200],
      [`${server.url}/page4`, 80],
      [`${server.url}/page5`, 300],
    ];

    async function scrapeUrl([url]: [string, number], _index: number, signal: AbortSignal): Promise<Scraped> {
      const res = await fetchText(url, signal);
      const { title, links, content } = parse(res.text);
      return { url, title, content, links, size: content.length, success: res.status === 200 };
    }

    async function validateContent(page: Scraped, _index: number, signal: AbortSignal): Promise<boolean> {
      await sleep(2, { signal });
      return page.success && page.size > 10;
    }

    const scrapedResults = await asyncParallelMap(scrapeUrl, urls);
    const validContent = await asyncParallelFilter(validateContent, scrapedResults);

    console.log(`Scraped ${scrapedResults.length} URLs`);
    console.log(`Valid content from ${validContent.length} URLs`);
    for (const page of validContent)
      console.log(
        `  ${new URL(page.url).pathname} "${page.title}": ${page.size} characters, links ${page.links.join(' ')}`,
      );
    return validContent;
  } finally {
    await server.close();
  }
}

if (isMain(import.meta.url)) await main();
