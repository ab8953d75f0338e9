/** Plain aligned table for TTY output: no colours needed to read it, stable for tests. */
export function renderTable(
  rows: ReadonlyArray<Record<string, unknown>>,
  columns?: ReadonlyArray<{ key: string; header?: string }>,
): string {
  const cols: ReadonlyArray<{ key: string; header?: string }> =
    columns ?? Object.keys(rows[0] ?? {}).map((key) => ({ key }));
  if (cols.length === 0) return '';
  const cell = (v: unknown): string =>
    v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const headers = cols.map((c) => (c.header ?? c.key).toUpperCase());
  const body = rows.map((r) => cols.map((c) => cell(r[c.key])));
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...body.map(line)].join('\n');
}
