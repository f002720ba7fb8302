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
  const rule = `|${widths.map((w, c) => (right.includes(c) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
