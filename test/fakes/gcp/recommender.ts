/**
 * Recommender API v1 for the GCP fake (server.ts routes to it): recommendations.list as its REST surface answers,
 * GET /v1/projects/{project}/locations/{location}/recommenders/{recommender}/recommendations.
 *
 * - Recommendations are held as the REST JSON the API returns (enum names, int64 as strings, Duration as "2592000s",
 *   names with the project NUMBER as the real API writes them); every state is held, and the request's `filter` is
 *   applied as the service applies it (AIP-160 subset: `field = VALUE`, `field:"VALUE"`, AND/OR with OR binding
 *   tighter, over stateInfo.state / state_info.state, priority, recommenderSubtype; anything else is 400).
 * - pageSize (capped by the fake's own small page so walks happen; non-positive means the server's choice) and an
 *   opaque pageToken bound to its parent and filter (another parent's token is 400, as "other parameters must be
 *   identical").
 * - `$alt=json;enum-encoding=int` (the REST client always asks it): enums answered as numbers (proto values).
 * - The cloud-platform scope is required (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT otherwise); an unknown project is
 *   403 PERMISSION_DENIED, as Google answers for projects the caller cannot see.
 * - Switches: the next N list calls answer 429 RESOURCE_EXHAUSTED (quota per minute), and refusals per
 *   project/recommender/location: 403 IAM_PERMISSION_DENIED (missing recommender.*.list) or SERVICE_DISABLED.
 */

/** A recommendation in its REST JSON form (subset the fake checks; the rest passes through). */
export interface RecommendationJson {
  name: string;
  description: string;
  recommenderSubtype: string;
  lastRefreshTime: string;
  primaryImpact: {
    category: string;
    costProjection?: {
      cost: { currencyCode: string; units?: string; nanos?: number };
      duration: string;
      costInLocalCurrency?: { currencyCode: string; units?: string; nanos?: number };
    };
  };
  priority: string;
  content: { operationGroups: Array<{ operations: Array<Record<string, unknown>> }>; overview?: object };
  stateInfo: { state: string; stateMetadata?: Record<string, string> };
  etag: string;
  associatedInsights?: Array<{ insight: string }>;
  xorGroupId?: string;
  targetResources?: string[];
}

export interface FakeRecommender {
  /** Known projects: id → number (names are written with the number). */
  projects: Record<string, string>;
  /** Recommendations per parent `projects/{id}/locations/{location}/recommenders/{recommender}`. */
  recommendations: Record<string, RecommendationJson[]>;
  /** Largest page the fake answers. */
  pageSize: number;
}

export interface Refusal {
  project?: string;
  recommender?: string;
  location?: string;
  reason: 'IAM_PERMISSION_DENIED' | 'SERVICE_DISABLED';
}

export interface RecommenderControl {
  /** The next `n` list calls answer 429 RESOURCE_EXHAUSTED. */
  throttle(n: number): void;
  refuse(r: Refusal): void;
  reset(): void;
  /** List calls answered, by status. */
  calls: Array<{ parent: string; status: number; filter: string | null; pageToken: string | null }>;
}

/** Enum values of google.cloud.recommender.v1 (recommendation.proto). */
const ENUMS = {
  priority: { PRIORITY_UNSPECIFIED: 0, P4: 1, P3: 2, P2: 3, P1: 4 },
  state: { STATE_UNSPECIFIED: 0, ACTIVE: 1, CLAIMED: 6, SUCCEEDED: 3, FAILED: 4, DISMISSED: 5 },
  category: {
    CATEGORY_UNSPECIFIED: 0,
    COST: 1,
    SECURITY: 2,
    PERFORMANCE: 3,
    MANAGEABILITY: 4,
    SUSTAINABILITY: 5,
    RELIABILITY: 6,
  },
} as const;

const PATH = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/recommenders\/([^/]+)\/recommendations$/;
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

type Answer = { status: number; body: object };

const rpcError = (code: number, status: string, message: string, details: object[] = []): Answer => ({
  status: code,
  body: { error: { code, message, status, ...(details.length ? { details } : {}) } },
});
const errorInfo = (reason: string, domain: string, metadata: Record<string, string>) => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain,
  metadata,
});

/** The filter's fields, read from a recommendation (both spellings the API documents). */
const FIELDS: Record<string, (r: RecommendationJson) => string> = {
  'stateInfo.state': (r) => r.stateInfo.state,
  'state_info.state': (r) => r.stateInfo.state,
  priority: (r) => r.priority,
  recommenderSubtype: (r) => r.recommenderSubtype,
};

/** AIP-160 subset → predicate, or an error message (the API's 400). */
export function parseFilter(filter: string): ((r: RecommendationJson) => boolean) | string {
  if (filter.length > 500) return 'The max allowed filter length is 500 characters.';
  const conjuncts = filter.split(/\s+AND\s+/);
  const parsed: Array<Array<{ field: string; value: string }>> = [];
  for (const c of conjuncts) {
    const terms: Array<{ field: string; value: string }> = [];
    for (const t of c.split(/\s+OR\s+/)) {
      const m = /^\s*([\w.]+)\s*(?:=|:)\s*"?([A-Z0-9_]+)"?\s*$/.exec(t);
      if (!m || !FIELDS[m[1]!]) return `Invalid filter: ${filter}`;
      terms.push({ field: m[1]!, value: m[2]! });
    }
    parsed.push(terms);
  }
  return (r) => parsed.every((terms) => terms.some((t) => FIELDS[t.field]!(r) === t.value));
}

/** The REST JSON with enums as numbers (enum-encoding=int). */
function intEnums(r: RecommendationJson): object {
  const num = (table: Record<string, number>, v: string) => table[v] ?? 0;
  return {
    ...r,
    priority: num(ENUMS.priority, r.priority),
    stateInfo: { ...r.stateInfo, state: num(ENUMS.state, r.stateInfo.state) },
    primaryImpact: { ...r.primaryImpact, category: num(ENUMS.category, r.primaryImpact.category) },
  };
}

export function recommenderRoute(data: FakeRecommender | undefined) {
  const d: FakeRecommender = data ?? { projects: {}, recommendations: {}, pageSize: 50 };
  let throttled = 0;
  let refusals: Refusal[] = [];
  const calls: RecommenderControl['calls'] = [];

  function list(url: URL, scope: string): Answer {
    const [, project, location, recommender] = PATH.exec(url.pathname)! as unknown as [string, string, string, string];
    const parent = `projects/${project}/locations/${location}/recommenders/${recommender}`;
    const q = url.searchParams;
    const filter = q.get('filter');
    const pageToken = q.get('pageToken');
    const answer = (a: Answer) => {
      calls.push({ parent, status: a.status, filter, pageToken });
      return a;
    };
    if (!scope.split(/\s+/).includes(CLOUD_PLATFORM))
      return answer(
        rpcError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.', [
          errorInfo('ACCESS_TOKEN_SCOPE_INSUFFICIENT', 'googleapis.com', {
            service: 'recommender.googleapis.com',
            method: 'google.cloud.recommender.v1.Recommender.ListRecommendations',
          }),
        ]),
      );
    if (throttled > 0) {
      throttled--;
      return answer(
        rpcError(
          429,
          'RESOURCE_EXHAUSTED',
          "Quota exceeded for quota metric 'Recommendation list requests' and limit 'Recommendation list requests " +
            "per minute' of service 'recommender.googleapis.com' for consumer 'project_number:123456789012'.",
          [
            errorInfo('RATE_LIMIT_EXCEEDED', 'googleapis.com', {
              service: 'recommender.googleapis.com',
              quota_metric: 'recommender.googleapis.com/recommendation_list_requests',
            }),
          ],
        ),
      );
    }
    const number = d.projects[project];
    if (!number)
      return answer(
        rpcError(403, 'PERMISSION_DENIED', `Permission denied on resource project ${project}.`, [
          errorInfo('CONSUMER_INVALID', 'googleapis.com', { service: 'recommender.googleapis.com' }),
        ]),
      );
    const refusal = refusals.find(
      (r) =>
        (!r.project || r.project === project) &&
        (!r.recommender || r.recommender === recommender) &&
        (!r.location || r.location === location),
    );
    if (refusal?.reason === 'SERVICE_DISABLED')
      return answer(
        rpcError(
          403,
          'PERMISSION_DENIED',
          `Recommender API has not been used in project ${number} before or it is disabled. Enable it by visiting ` +
            `https://console.developers.google.com/apis/api/recommender.googleapis.com/overview?project=${number} ` +
            'then retry.',
          [
            errorInfo('SERVICE_DISABLED', 'googleapis.com', {
              service: 'recommender.googleapis.com',
              consumer: `projects/${number}`,
            }),
          ],
        ),
      );
    if (refusal) {
      const permission = `recommender.${recommender.split('.').slice(1, 3).join('')}Recommendations.list`;
      return answer(
        rpcError(403, 'PERMISSION_DENIED', `Permission '${permission}' denied on resource '${parent}'.`, [
          errorInfo('IAM_PERMISSION_DENIED', 'recommender.googleapis.com', { permission }),
        ]),
      );
    }
    const predicate = filter ? parseFilter(filter) : () => true;
    if (typeof predicate === 'string') return answer(rpcError(400, 'INVALID_ARGUMENT', predicate));
    const size = q.get('pageSize') === null ? 0 : Number(q.get('pageSize'));
    if (!Number.isInteger(size)) return answer(rpcError(400, 'INVALID_ARGUMENT', 'Invalid value for page_size.'));
    const perPage = size > 0 ? Math.min(size, d.pageSize) : d.pageSize;
    const bound = `${parent}|${filter ?? ''}`;
    let start = 0;
    if (pageToken) {
      const [forList, offset] = Buffer.from(pageToken, 'base64url').toString('utf8').split('\u0000');
      if (forList !== bound || !/^\d+$/.test(offset ?? ''))
        return answer(rpcError(400, 'INVALID_ARGUMENT', 'Invalid page token.'));
      start = Number(offset);
    }
    const all = (d.recommendations[parent] ?? []).filter(predicate);
    const page = all.slice(start, start + perPage);
    const ints = (q.get('$alt') ?? '').includes('enum-encoding=int');
    const next =
      start + perPage < all.length
        ? { nextPageToken: Buffer.from(`${bound}\u0000${start + perPage}`).toString('base64url') }
        : {};
    // An empty list is an empty object in proto3 JSON: no `recommendations` field at all.
    return answer({
      status: 200,
      body: { ...(page.length ? { recommendations: page.map((r) => (ints ? intEnums(r) : r)) } : {}), ...next },
    });
  }

  return {
    matches: (url: URL) => PATH.test(url.pathname),
    handle(method: string, url: URL, scope: string): Answer {
      if (method !== 'GET') return rpcError(404, 'NOT_FOUND', `${method} ${url.pathname} not found`);
      return list(url, scope);
    },
    control: {
      throttle: (n: number) => {
        throttled = n;
      },
      refuse: (r: Refusal) => {
        refusals.push(r);
      },
      reset: () => {
        throttled = 0;
        refusals = [];
      },
      calls,
    } satisfies RecommenderControl,
  };
}
