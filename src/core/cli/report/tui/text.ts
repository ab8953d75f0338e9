/** Fitting text into a terminal: truncation with an ellipsis, padding, and columns that share the width. */

/** At most `width` characters; a cut string ends with "…". */
export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...s];
  return chars.length <= width ? s : `${chars.slice(0, width - 1).join('')}…`;
}

export function pad(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const t = truncate(s, width);
  const fill = ' '.repeat(Math.max(0, width - [...t].length));
  return align === 'right' ? fill + t : t + fill;
}

export interface Column {
  header: string;
  /** Width wanted; the flexible column takes what is left (at least this). */
  width: number;
  align?: 'left' | 'right';
  flex?: boolean;
  /** Dropped first when the terminal is narrow (higher drops earlier); never dropped when unset. */
  drop?: number;
}

/** Columns that fit `width` (one space between them): optional ones dropped first, the flexible one sized. */
export function fitColumns(columns: readonly Column[], width: number): Array<Column & { index: number }> {
  let kept = columns.map((c, index) => ({ ...c, index }));
  const need = (cs: typeof kept) => cs.reduce((s, c) => s + c.width, 0) + Math.max(0, cs.length - 1);
  while (need(kept) > width) {
    const droppable = kept.filter((c) => c.drop !== undefined);
    if (!droppable.length) break;
    const worst = droppable.reduce((a, b) => (b.drop! > a.drop! ? b : a));
    kept = kept.filter((c) => c !== worst);
  }
  const spare = width - need(kept);
  const flex = kept.find((c) => c.flex);
  if (flex && spare > 0) flex.width += spare;
  if (spare < 0) {
    // still too wide: shrink the flexible column, then the widest, never below 3
    let over = -spare;
    for (const c of [...kept].sort((a, b) => Number(!!b.flex) - Number(!!a.flex) || b.width - a.width)) {
      const cut = Math.min(over, Math.max(0, c.width - 3));
      c.width -= cut;
      over -= cut;
      if (!over) break;
    }
  }
  return kept;
}

/** One table line from cells, each padded to its column. */
export function tableLine(cells: readonly string[], cols: ReadonlyArray<Column & { index: number }>): string {
  return cols.map((c) => pad(cells[c.index] ?? '', c.width, c.align)).join(' ');
}

/** The first row of the page that keeps `selected` visible. */
export function pageStart(selected: number, pageSize: number): number {
  if (pageSize <= 0) return 0;
  return Math.floor(Math.max(0, selected) / pageSize) * pageSize;
}
