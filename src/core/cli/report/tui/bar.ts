/** A budget bar: the used share of the limit in `width` cells, spent then reserved. */
export function budgetBar(usedPct: number, width: number): string {
  const used = Math.max(0, Math.min(width, Math.round((usedPct / 100) * width)));
  return `${'█'.repeat(used)}${'░'.repeat(width - used)}`;
}
