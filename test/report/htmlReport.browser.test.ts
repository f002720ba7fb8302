/**
 * The HTML report in a real browser: Debian's chromium (`.ci/run` installs it), driven by playwright-core.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from 'ferris/report';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';
import { sampleRun } from './fixture.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function valueAt(report: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], report);
}

describe('HTML report in Chromium', () => {
  it('loads without a console error, draws one bar per task and shows the JSON numbers', {
    timeout: 90_000,
  }, async () => {
    const { report } = await sampleRun(fakeClock());
    const dir = mkdtempSync(join(tmpdir(), 'ferris-html-'));
    const file = join(dir, 'ferris-report.html');
    writeFileSync(file, renderHtml(report));
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
    });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('request', (request) => {
        if (!request.url().startsWith('file:')) problems.push(`network request to ${request.url()}`);
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

      expect(await page.title()).toBe('Ferris run report: sample');
      expect(await page.locator('#timeline rect.task').count()).toBe(report.timeline.tasks.length);
      for (const outcome of ['fulfilled', 'rejected'] as const)
        expect(await page.locator(`#timeline rect.task.${outcome}`).count()).toBe(
          report.timeline.tasks.filter((t) => t.outcome === outcome).length,
        );
      // Bars are visible and lie inside the chart.
      const box = await page.locator('#timeline rect.task').first().boundingBox();
      expect(box?.width).toBeGreaterThan(0);

      const cells = await page
        .locator('#summary td[data-key]')
        .evaluateAll((tds) => tds.map((td) => [td.getAttribute('data-key') ?? '', td.textContent ?? '']));
      expect(cells.length).toBeGreaterThanOrEqual(9);
      for (const [key, text] of cells) expect(text, key).toBe(String(valueAt(report, key)));

      const embedded = await page.locator('#report-data').textContent();
      expect(JSON.parse(embedded ?? '')).toEqual(report);

      const shot = join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
