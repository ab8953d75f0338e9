/**
 * The two duration grammars oco accepts, each parser named for its grammar and unit:
 * - a span, "N" and one unit of s|m|h|d|w ("30m", "7d", "2w"): budget windows, rate-limit
 *   windows, --since/--until and the other flags of the gateway and the cost reports;
 * - a Go duration ("720h", "1h30m", "1.5h", "90s"): what Velero's --ttl and metav1.Duration
 *   take, so Velero and DR flags read as the velero CLI's do (no days: Go has none).
 */
const SPAN_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
const SPAN = /^(\d+)\s*(s|m|h|d|w)$/;

/** "30m", "7d", "2w" → seconds; undefined when malformed or zero. */
export function parseSpanSeconds(text: string): number | undefined {
  const m = SPAN.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * SPAN_SECONDS[m[2] as keyof typeof SPAN_SECONDS];
  return n > 0 ? n : undefined;
}

/** 7d, 6h, 90m: the shortest exact span form of a number of seconds. */
export function formatSpanSeconds(seconds: number): string {
  for (const [unit, size] of [
    ['w', 604_800],
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** Go time.Duration units. */
const GO_UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const GO_PART = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/;

/** "720h", "1h30m", "90s" → milliseconds; undefined when the text is not a Go duration. */
export function parseGoDurationMs(text: string): number | undefined {
  let s = text.trim();
  if (s === '') return undefined;
  if (s === '0') return 0;
  let total = 0;
  while (s.length > 0) {
    const m = GO_PART.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * GO_UNIT_MS[m[2]!]!;
    s = s.slice(m[0].length);
  }
  return total;
}

/** Milliseconds in metav1.Duration's JSON form, e.g. 720h0m0s. */
export function formatGoDurationMs(ms: number): string {
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  // Go's time.Duration.String(): leading zero units are left out (2m0s, 45s, 36h0m0s)
  if (h > 0) return `${h}h${m}m${s}s`;
  return m > 0 ? `${m}m${s}s` : `${s}s`;
}
