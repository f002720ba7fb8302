import { renderHtml } from 'ferris/report';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';
import { sampleRun } from './fixture.js';

describe('renderHtml', () => {
  it('draws one timeline bar per task, coloured by outcome, with retries marked', async () => {
    const { report } = await sampleRun(fakeClock());
    const html = renderHtml(report);
    const bars = [...html.matchAll(/<rect class="task (\w+)" data-id="(\d+)"/g)];
    expect(bars.map((m) => Number(m[2])).sort((a, b) => a - b)).toEqual(
      report.timeline.tasks.map((t) => t.id),
    );
    expect(bars.map((m) => m[1])).toEqual(report.timeline.tasks.map((t) => t.outcome));
    expect(html.match(/<line class="retry"/g)).toHaveLength(1);
    expect(html).toContain('<svg id="concurrency"');
  });

  it('shows the summary numbers of the report, each tagged with its JSON path', async () => {
    const { report } = await sampleRun(fakeClock());
    const html = renderHtml(report);
    expect(html).toContain(
      `data-key="execution_summary.async_efficiency_gain">${report.execution_summary.async_efficiency_gain}<`,
    );
    expect(html).toContain(`data-key="performance.error_rate">${report.performance.error_rate}<`);
    expect(html).toContain('<tr data-scenario="resilience_example">');
  });

  it('is self-contained: no external script, stylesheet, image or font', async () => {
    const { report } = await sampleRun(fakeClock());
    const html = renderHtml(report);
    expect(html).not.toMatch(/\s(src|href)=/);
    expect(html).not.toMatch(/@import|url\(/);
    expect(html.startsWith('<!doctype html>')).toBe(true);
  });

  it('escapes task names and errors, and embeds the JSON so that it cannot close its script tag', async () => {
    const { report } = await sampleRun(fakeClock());
    const html = renderHtml(report);
    expect(html).toContain('item &lt;30&gt; failed');
    const embedded = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(JSON.parse(embedded ?? '')).toEqual(report);
    expect(embedded).not.toContain('<');
  });
});
