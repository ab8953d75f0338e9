/**
 * Label values with a bounded number of series. A Prometheus series is one label set, so a label fed
 * free-form values (agent ids, user ids, request ids) grows without bound: every value a client invents
 * is a new series held in memory here and in every Prometheus that scrapes it. oco therefore labels
 * only with values it knows the set of (providers, routes, status codes, scopes), with values an
 * operator listed (metrics.labelAllowList), or with the first values seen up to a cap (models).
 * Everything else collapses to "other"; an absent value is "none".
 */
export const OTHER = 'other';
export const NONE = 'none';

/** Values an operator allowed as labels (teams, agents); any other value is "other". */
export class AllowList {
  private readonly allowed: ReadonlySet<string>;

  constructor(values: Iterable<string>) {
    this.allowed = new Set(values);
  }

  /** The comma-separated list of metrics.labelAllowList (blanks ignored). */
  static parse(list: string | undefined): AllowList {
    return new AllowList(
      (list ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    );
  }

  label(value: string | null | undefined): string {
    if (value === null || value === undefined || value === '') return NONE;
    return this.allowed.has(value) ? value : OTHER;
  }
}

/**
 * The first `max` distinct values keep their own label, later ones are "other". For values that are
 * many but not unbounded in practice (model names: what providers serve, yet a client may send any
 * string to a passthrough route).
 */
export class CappedLabels {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  label(value: string | null | undefined): string {
    if (value === null || value === undefined || value === '') return NONE;
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(value);
    return value;
  }
}
