import type { MetricColumn } from './suites.js';

/** Lays out rows as a plain-text table (markdown-compatible), right-aligning the columns listed in `right`. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly number[],
): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const cell = (text: string, c: number): string =>
    right.includes(c) ? text.padStart(widths[c] as number) : text.padEnd(widths[c] as number);
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((t, c) => cell(t, c)).join(' | ')} |`.trimEnd();
  // The separator row as Biome's markdown formatter writes it, so a pasted or generated table stays as is.
  const rule = line(widths.map((w, c) => (right.includes(c) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))));
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Everything measured for one row, as printed and as written to `--json`. */
export interface RowReport {
  group: string;
  impl: string;
  label: string;
  floor: boolean;
  status: 'ok' | 'crashed' | 'not built yet';
  samples: number[];
  median?: number;
  ratioToFloor?: number;
  metrics: Record<string, number>;
  metricSamples: Record<string, number[]>;
  targets: { text: string; value: string; pass: boolean }[];
  error?: string;
}

/** What the table of one benchmark needs to know about it. */
export interface SuiteHeading {
  unit: string;
  /** The Ferris source file the Ferris rows import (named when they were skipped). */
  needs: string;
  metrics: readonly MetricColumn[];
}

/** A time per operation as printed: one decimal below 1 µs, whole nanoseconds with separators above. */
export function formatNs(ns: number): string {
  return ns >= 1000 ? Math.round(ns).toLocaleString('en-US') : ns.toFixed(1);
}

/**
 * The markdown of one benchmark: a `##` heading, the table (median, spread, runs, ratio to the group's floor,
 * extra metrics, PASS/MISS of each target) and notes on skipped or crashed rows. `npm run bench` prints it, and
 * `npm run bench:charts` writes it into docs/benchmarks.md from the `--json` output.
 */
export function renderSuite(suite: SuiteHeading, title: string, reports: readonly RowReport[]): string {
  const out: string[] = [`## ${title} (${suite.unit}, median of all timed runs)`, ''];
  const header = [
    'group',
    'row',
    suite.unit,
    'spread',
    'runs',
    'x floor',
    ...suite.metrics.map((m) => m.header),
    'target',
  ];
  const lines = reports.map((r, i) => {
    const groupCell = i > 0 && reports[i - 1]?.group === r.group ? '' : r.group;
    if (r.status !== 'ok' || r.median === undefined) {
      const note = r.status === 'crashed' ? 'CRASHED (see below)' : r.status;
      return [
        groupCell,
        r.label,
        note,
        '',
        '',
        '',
        ...suite.metrics.map(() => ''),
        r.impl === 'ferris' ? 'SKIP' : '',
      ];
    }
    const lo = Math.min(...r.samples);
    const hi = Math.max(...r.samples);
    const spread = `±${Math.round(((hi - lo) / 2 / r.median) * 100)}%`;
    const targets = r.targets.map((t) => `${t.pass ? 'PASS' : 'MISS'} ${t.text} (${t.value})`).join('; ');
    return [
      groupCell,
      r.label,
      formatNs(r.median),
      spread,
      String(r.samples.length),
      r.ratioToFloor === undefined ? '' : `${r.ratioToFloor.toFixed(2)}x`,
      ...suite.metrics.map((m) =>
        r.metrics[m.key] === undefined ? '' : (r.metrics[m.key] as number).toFixed(m.digits),
      ),
      targets,
    ];
  });
  out.push(formatTable(header, lines, [2, 4, 5, ...suite.metrics.map((_, i) => 6 + i)]));
  if (reports.some((r) => r.status === 'not built yet'))
    out.push('', `  note: the Ferris rows were skipped: ${suite.needs} is not built yet.`);
  for (const r of reports) if (r.status === 'crashed') out.push('', `  ${r.label} crashed: ${r.error}`);
  return out.join('\n');
}
