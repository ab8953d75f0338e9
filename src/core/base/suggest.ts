/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** The closest candidate, when it is close enough to be a plausible typo. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: { value: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(input.toLowerCase(), c.toLowerCase());
    if (!best || d < best.d) best = { value: c, d };
  }
  return best && best.d <= Math.max(2, Math.floor(input.length / 3)) ? best.value : undefined;
}

/**
 * The command or topic a mistyped id (words joined by ":") most likely meant. A single word
 * is compared with what can be typed first (topics such as "config", top-level commands such
 * as "doctor"): against full ids like "config:list" even a one-letter typo is too far.
 */
export function closestCommand(id: string, commandIds: readonly string[]): string | undefined {
  const words = id.split(':');
  const names = new Set<string>();
  for (const c of commandIds) {
    const parts = c.split(':');
    for (let n = 1; n <= parts.length; n++)
      if (n <= words.length || n === parts.length) names.add(parts.slice(0, n).join(':'));
  }
  const sameDepth = [...names].filter((n) => n.split(':').length === words.length);
  return closest(id, sameDepth) ?? (words.length > 1 ? closest(id, commandIds) : undefined);
}
