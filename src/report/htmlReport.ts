import type { RunReport, ScenarioReport } from './RunReport.js';
import type { TimelineTask } from './stats.js';

/* One self-contained HTML page: inline CSS and SVG drawn here, no script to run, nothing fetched. */

const WIDTH = 1000;
const LANE_HEIGHT = 14;
const LANE_GAP = 4;
const LEFT = 70;

function esc(text: unknown): string {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

const fmt = (x: number) =>
  Number.isInteger(x) ? String(x) : x.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');

function summaryRows(report: RunReport): [string, string, string | number][] {
  const p = report.performance;
  const s = report.execution_summary;
  const m = report.metrics;
  return [
    ['performance.total_execution_time', 'Total execution time (s)', p.total_execution_time],
    ['performance.async_operations_per_second', 'Async operations / s', p.async_operations_per_second],
    ['performance.concurrent_tasks_per_second', 'Concurrent tasks / s', p.concurrent_tasks_per_second],
    ['performance.error_rate', 'Error rate', p.error_rate],
    ['execution_summary.total_async_operations', 'Async operations', s.total_async_operations],
    ['execution_summary.concurrent_tasks_executed', 'Concurrent tasks executed', s.concurrent_tasks_executed],
    ['execution_summary.errors_encountered', 'Errors encountered', s.errors_encountered],
    ['execution_summary.success_rate', 'Success rate', s.success_rate],
    ['execution_summary.async_efficiency_gain', 'Efficiency gain', s.async_efficiency_gain],
    ['metrics.latency_ms.p50', 'Latency p50 (ms)', m.latency_ms.p50],
    ['metrics.latency_ms.p99', 'Latency p99 (ms)', m.latency_ms.p99],
    ['metrics.effective_concurrency', 'Effective concurrency', m.effective_concurrency],
    ['metrics.max_concurrency', 'Peak concurrency', m.max_concurrency],
    ['metrics.retries', 'Retries', m.retries],
    ['metrics.limiter.total_wait_ms', 'Rate-limit wait (ms)', m.limiter.total_wait_ms],
  ];
}

function scenarioRows(report: RunReport): string {
  const rows: string[] = [];
  for (const [key, entry] of Object.entries(report.core_functionality)) {
    if (!('total_tasks' in entry)) {
      const extra = 'phases_completed' in entry ? `${entry.phases_completed} phases` : 'single operation';
      rows.push(
        `<tr data-scenario="${esc(key)}"><td>${esc(key)}</td><td class="status-${esc(entry.status)}">${esc(entry.status)}</td><td colspan="5">${esc(extra)}</td></tr>`,
      );
      continue;
    }
    const s = entry as ScenarioReport;
    rows.push(
      `<tr data-scenario="${esc(key)}"><td>${esc(key)}</td><td class="status-${esc(s.status)}">${esc(s.status)}</td>` +
        `<td>${s.total_tasks}</td><td>${s.successful_tasks}</td><td>${s.failed_tasks}</td><td>${s.cancelled_tasks}</td>` +
        `<td>${fmt(s.execution_time)}</td></tr>`,
    );
  }
  return rows.join('\n');
}

function timeline(report: RunReport): string {
  const { tasks, duration_ms } = report.timeline;
  const lanes = report.timeline.lanes;
  const hasUnstarted = tasks.some((t) => t.lane < 0);
  const rows = lanes + (hasUnstarted ? 1 : 0);
  const height = rows * (LANE_HEIGHT + LANE_GAP) + 30;
  const span = Math.max(duration_ms, 1);
  const x = (ms: number) => LEFT + (ms / span) * (WIDTH - LEFT - 10);
  const y = (lane: number) => 20 + (lane < 0 ? lanes : lane) * (LANE_HEIGHT + LANE_GAP);
  const parts: string[] = [];
  for (let lane = 0; lane < rows; lane++) {
    const label = lane < lanes ? `slot ${lane + 1}` : 'not started';
    parts.push(`<text class="lane-label" x="4" y="${y(lane === lanes ? -1 : lane) + 11}">${label}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const ms = (span * i) / 4;
    parts.push(
      `<text class="axis" x="${x(ms).toFixed(1)}" y="12" text-anchor="middle">${fmt(Math.round(ms) / 1000)} s</text>`,
    );
  }
  for (const t of tasks) parts.push(taskBar(t, x, y(t.lane)));
  return `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Task timeline">${parts.join('')}</svg>`;
}

function taskBar(t: TimelineTask, x: (ms: number) => number, top: number): string {
  const start = t.started_at ?? t.queued_at;
  const end = t.finished_at ?? start;
  const bits: string[] = [];
  const waitFrom = t.wait_start ?? t.started_at ?? end;
  if (t.started_at !== null && waitFrom > t.queued_at)
    bits.push(
      `<line class="queue-wait" x1="${x(t.queued_at).toFixed(1)}" x2="${x(waitFrom).toFixed(1)}" y1="${top + LANE_HEIGHT / 2}" y2="${top + LANE_HEIGHT / 2}"/>`,
    );
  if (t.wait_start !== undefined && t.started_at !== null && t.started_at > t.wait_start)
    bits.push(
      `<rect class="limit-wait" x="${x(t.wait_start).toFixed(1)}" y="${top + 3}" width="${Math.max(0.5, x(t.started_at) - x(t.wait_start)).toFixed(1)}" height="${LANE_HEIGHT - 6}"><title>rate-limit wait ${fmt(t.started_at - t.wait_start)} ms</title></rect>`,
    );
  const title = `${t.name} #${t.id} (${t.scenario}): ${t.outcome}, ${fmt(end - start)} ms${t.retries.length ? `, ${t.retries.length} retries` : ''}${t.error ? `, ${t.error}` : ''}`;
  bits.push(
    `<rect class="task ${t.outcome}" data-id="${t.id}" data-scenario="${esc(t.scenario)}" x="${x(start).toFixed(1)}" y="${top}" width="${Math.max(1, x(end) - x(start)).toFixed(1)}" height="${LANE_HEIGHT}"><title>${esc(title)}</title></rect>`,
  );
  for (const at of t.retries)
    bits.push(
      `<line class="retry" x1="${x(at).toFixed(1)}" x2="${x(at).toFixed(1)}" y1="${top - 2}" y2="${top + LANE_HEIGHT + 2}"><title>retry at ${fmt(at)} ms</title></line>`,
    );
  return bits.join('');
}

function concurrencyChart(report: RunReport): string {
  const series = report.concurrency_over_time;
  const height = 120;
  const span = Math.max(report.timeline.duration_ms, 1);
  const peak = Math.max(1, report.metrics.max_concurrency);
  const x = (ms: number) => LEFT + (ms / span) * (WIDTH - LEFT - 10);
  const y = (n: number) => height - 10 - (n / peak) * (height - 20);
  let d = `M${x(0).toFixed(1)},${y(0).toFixed(1)}`;
  let level = 0;
  for (const [at, n] of series) {
    d += ` H${x(at).toFixed(1)} V${y(n).toFixed(1)}`;
    level = n;
  }
  d += ` H${x(span).toFixed(1)} V${y(level).toFixed(1)}`;
  return (
    `<svg id="concurrency" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Concurrency over time">` +
    `<text class="axis" x="4" y="${y(peak) + 4}">${peak} running</text><text class="axis" x="4" y="${y(0)}">0</text>` +
    `<line class="baseline" x1="${LEFT}" x2="${WIDTH - 10}" y1="${y(0)}" y2="${y(0)}"/>` +
    `<path class="concurrency-line" d="${d}"/></svg>`
  );
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;color:#fff;font-size:12px;vertical-align:middle}
.badge.completed{background:#2e7d32}.badge.failed{background:#c62828}
table{border-collapse:collapse}td,th{border:1px solid #d6dae3;padding:3px 8px;text-align:left}
th{background:#f2f4f8}td.value{text-align:right;font-variant-numeric:tabular-nums}
.status-completed,.status-success{color:#2e7d32}.status-failed{color:#c62828}
svg text{font-size:10px;fill:#555}
rect.task.fulfilled{fill:#43a047}rect.task.rejected{fill:#e53935}rect.task.cancelled{fill:#9e9e9e}
rect.task.running,rect.task.queued{fill:#1e88e5}
line.queue-wait{stroke:#b0bec5;stroke-width:2;stroke-dasharray:2 2}rect.limit-wait{fill:#ffb300}
line.retry{stroke:#6a1b9a;stroke-width:2}path.concurrency-line{fill:none;stroke:#1e88e5;stroke-width:1.5}
line.baseline{stroke:#ccc}.legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:middle}
`;

/**
 * Renders a run report as one self-contained HTML page (inline CSS and SVG; no script, no network): the
 * summary table, one row per scenario, a task timeline with one lane per concurrency slot and one bar per
 * task coloured by outcome (queue waits dashed, rate-limit waits amber, retries as purple ticks), and a
 * concurrency-over-time chart. The report's JSON is embedded as `<script type="application/json" id="report-data">`.
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { buildReport, renderHtml, Recorder } from 'ferris/report';
 * declare const recorder: Recorder;
 * declare const input: Parameters<typeof buildReport>[1];
 * writeFileSync('ferris-report.html', renderHtml(buildReport(recorder, input)));
 * ```
 */
export function renderHtml(report: RunReport): string {
  const summary = summaryRows(report)
    .map(
      ([key, label, value]) =>
        `<tr><th>${esc(label)}</th><td class="value" data-key="${key}">${esc(value)}</td></tr>`,
    )
    .join('\n');
  const json = JSON.stringify(report).replace(/</g, '\\u003c');
  const b = report.metrics.breaker_transitions;
  const breaker = b.length
    ? `<p id="breaker">Circuit breakers: ${b.map((t) => `${esc(t.name)} ${esc(t.from)} → ${esc(t.to)} at ${fmt(t.at)} ms`).join('; ')}</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ferris run report: ${esc(report.module)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body>
<h1>Ferris run report <span class="badge ${esc(report.status)}" id="status">${esc(report.status)}</span></h1>
<p>Module <b>${esc(report.module)}</b>, ${esc(report.execution_mode)} mode, generated ${esc(report.generated_at)}.</p>
<h2>Summary</h2>
<table id="summary">${summary}</table>
<h2>Scenarios</h2>
<table id="scenarios"><tr><th>Scenario</th><th>Status</th><th>Tasks</th><th>OK</th><th>Failed</th><th>Cancelled</th><th>Time (s)</th></tr>
${scenarioRows(report)}</table>
<h2>Task timeline</h2>
<p class="legend"><span><i style="background:#43a047"></i>fulfilled</span><span><i style="background:#e53935"></i>rejected</span><span><i style="background:#9e9e9e"></i>cancelled</span><span><i style="background:#ffb300"></i>rate-limit wait</span><span><i style="background:#b0bec5"></i>queued</span><span><i style="background:#6a1b9a"></i>retry</span></p>
${timeline(report)}
${breaker}
<h2>Concurrency over time</h2>
${concurrencyChart(report)}
<script type="application/json" id="report-data">${json}</script>
</body></html>
`;
}
