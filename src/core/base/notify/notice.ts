/**
 * A message for people, written once and rendered per destination: Slack Block Kit, a Teams Adaptive Card, a plain
 * text email, or (for the signed generic webhook) the machine-readable `payload`. Every value is already text: money
 * as exact decimal strings, unknown spelled "unknown", so no renderer formats numbers.
 */
export interface Notice {
  /** Sent as X-OCO-Event on the generic webhook, e.g. budget.threshold, digest.weekly, test. */
  event: string;
  title: string;
  /** One line: Slack's notification text, the email's first line. */
  summary: string;
  facts: ReadonlyArray<{ label: string; value: string }>;
  tables: ReadonlyArray<NoticeTable>;
  /** The generic webhook's JSON body (snake_case, as every oco webhook speaks). */
  payload: Record<string, unknown>;
}

export interface NoticeTable {
  title: string;
  columns: readonly string[];
  rows: ReadonlyArray<readonly string[]>;
  /** Shown when there are no rows. */
  empty?: string;
}

/** A table as aligned monospace lines (email and Slack code blocks). */
export function tableText(t: NoticeTable): string {
  if (t.rows.length === 0) return t.empty ?? 'none';
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(t.columns), ...t.rows.map(line)].join('\n');
}
