import { closest } from '../suggest.js';

/**
 * Every configuration key oco knows, as data: its environment names, type,
 * default and whether it is a secret. Later modules add rows here; nothing
 * else decides how a key is parsed, shown or masked.
 */
export type ConfigType = 'string' | 'int' | 'bool' | 'enum' | 'url';

export interface ConfigKeyDef {
  key: string;
  env: readonly string[];
  type: ConfigType;
  default?: string | number | boolean;
  secret?: boolean;
  /** URL whose password part is a secret (database and Redis URLs). */
  urlWithCredentials?: boolean;
  choices?: readonly string[];
  min?: number;
  max?: number;
  description: string;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const SSL_MODES = ['disable', 'prefer', 'require', 'no-verify', 'verify-ca', 'verify-full'] as const;

export const CONFIG_KEYS: readonly ConfigKeyDef[] = [
  {
    key: 'proxy.port',
    env: ['OCO_PROXY_PORT'],
    type: 'int',
    default: 8080,
    min: 1,
    max: 65535,
    description: 'Port the LLM gateway listens on.',
  },
  {
    key: 'proxy.host',
    env: ['OCO_PROXY_HOST'],
    type: 'string',
    default: '127.0.0.1',
    description: 'Address the LLM gateway binds.',
  },
  {
    key: 'proxy.apiKey',
    env: ['OCO_PROXY_API_KEY'],
    type: 'string',
    secret: true,
    description: 'Shared key clients send as X-OCO-Key to use the proxy routes.',
  },
  {
    key: 'admin.apiKey',
    env: ['OCO_ADMIN_API_KEY'],
    type: 'string',
    secret: true,
    description:
      'Key for the admin API (X-API-Key), with write access; managed keys with a scope come from "oco admin-keys ' +
      'create". Without it or a managed key the admin API refuses every call.',
  },
  {
    key: 'budget.failOpen',
    env: ['OCO_BUDGET_FAIL_OPEN'],
    type: 'bool',
    default: true,
    description: 'Admit calls when the budget backend (Redis) is down.',
  },
  {
    key: 'budget.backend',
    env: ['OCO_BUDGET_BACKEND'],
    type: 'enum',
    choices: ['auto', 'memory', 'redis'],
    default: 'auto',
    description:
      'Where budget and rate-limit counters live: redis (shared by several daemons), memory (one daemon, ' +
      'persisted in the store), auto (redis when REDIS_URL/REDIS_HOST is set).',
  },
  {
    key: 'budget.timezone',
    env: ['OCO_BUDGET_TIMEZONE'],
    type: 'string',
    default: 'UTC',
    description: 'IANA timezone of daily/weekly/monthly budget periods when a budget names none.',
  },
  {
    key: 'budget.reservationTtlSeconds',
    env: ['OCO_BUDGET_RESERVATION_TTL'],
    type: 'int',
    default: 900,
    min: 10,
    max: 86400,
    description:
      'How long a reservation of a call that never settles (crashed daemon) holds budget before it is released.',
  },
  {
    key: 'budget.ledgerRetentionDays',
    env: ['OCO_BUDGET_LEDGER_RETENTION_DAYS'],
    type: 'int',
    default: 35,
    min: 32,
    max: 36500,
    description:
      'Days the spend ledger keeps one row per call; older rows are folded into one exact sum per attribution ' +
      'and day (every budget keeps its spend). Moved back automatically for rolling budgets with longer windows.',
  },
  {
    key: 'budget.defaultMaxOutputTokens',
    env: ['OCO_BUDGET_DEFAULT_MAX_OUTPUT_TOKENS'],
    type: 'int',
    default: 4096,
    min: 1,
    max: 10000000,
    description:
      'Output tokens reserved for a call that names no max_tokens when neither the model maximum nor its ' +
      'context window is known (not a bound: a call that outgrows it is counted as an overshoot).',
  },
  {
    key: 'budget.unpricedModels',
    env: ['OCO_BUDGET_UNPRICED_MODELS'],
    type: 'enum',
    choices: ['refuse', 'allow'],
    default: 'refuse',
    description:
      'Under a hard budget, a call to a model without a price is refused (403 unpriced_model) or admitted and ' +
      'counted as unpriced (allow).',
  },
  {
    key: 'webhook.secret',
    env: ['OCO_WEBHOOK_SECRET'],
    type: 'string',
    secret: true,
    description: 'Key of the HMAC-SHA256 signature (X-OCO-Signature) on budget alert webhooks.',
  },
  {
    key: 'velero.namespace',
    env: ['VELERO_NAMESPACE'],
    type: 'string',
    default: 'velero',
    description: 'Namespace where Velero runs and its backups, restores and schedules live (flag --namespace).',
  },
  {
    key: 'kube.context',
    env: ['OCO_KUBE_CONTEXT'],
    type: 'string',
    description: 'kubeconfig context for Velero commands (flag --context); the current context when unset.',
  },
  {
    key: 'kube.kubeconfig',
    env: ['KUBECONFIG'],
    type: 'string',
    description:
      'kubeconfig path list (flag --kubeconfig); ~/.kube/config, then the in-cluster service account, when unset.',
  },
  {
    key: 'dr.webhookUrl',
    env: ['OCO_DR_WEBHOOK_URL'],
    type: 'url',
    secret: true,
    description: 'Where DR policy breaches found by the daemon are POSTed (signed with webhook.secret).',
  },
  {
    key: 'policy.webhookUrl',
    env: ['OCO_POLICY_WEBHOOK_URL'],
    type: 'url',
    secret: true,
    description: 'Where policy violations the daemon opens are POSTed, once each (signed with webhook.secret).',
  },
  {
    key: 'policy.checkIntervalSeconds',
    env: ['OCO_POLICY_CHECK_INTERVAL'],
    type: 'int',
    default: 3600,
    min: 60,
    max: 86400,
    description: 'How often the daemon checks the enabled policies (also after each scheduled cost ingest).',
  },
  {
    key: 'anomalies.webhookUrl',
    env: ['OCO_ANOMALIES_WEBHOOK_URL'],
    type: 'url',
    secret: true,
    description: 'Where new cost anomalies found by the daemon are POSTed, once each (signed with webhook.secret).',
  },
  {
    key: 'anomalies.minImpact',
    env: ['OCO_ANOMALIES_MIN_IMPACT'],
    type: 'int',
    default: 50,
    min: 0,
    description: "Smallest daily excess over the expected cost (in the series' currency) reported as an anomaly.",
  },
  {
    key: 'anomalies.checkIntervalSeconds',
    env: ['OCO_ANOMALIES_CHECK_INTERVAL'],
    type: 'int',
    default: 3600,
    min: 60,
    max: 86400,
    description: 'How often the daemon checks for cost anomalies (also after each scheduled cost ingest).',
  },
  {
    key: 'optimize.windowDays',
    env: ['OCO_OPTIMIZE_WINDOW_DAYS'],
    type: 'int',
    default: 30,
    min: 1,
    max: 365,
    description:
      'Days of stored costs and calls each recommendation rule judges; savings are scaled from them to 30 days.',
  },
  {
    key: 'optimize.materialChangePercent',
    env: ['OCO_OPTIMIZE_MATERIAL_CHANGE'],
    type: 'int',
    default: 20,
    min: 1,
    max: 1000,
    description: "How far (percent) a dismissed recommendation's savings (or key figure) must move for it to reopen.",
  },
  {
    key: 'optimize.minMonthlySavings',
    env: ['OCO_OPTIMIZE_MIN_SAVINGS'],
    type: 'int',
    default: 1,
    min: 0,
    description: "Smallest monthly saving (in the cost's currency) a rule with a known saving reports.",
  },
  {
    key: 'optimize.runIntervalSeconds',
    env: ['OCO_OPTIMIZE_RUN_INTERVAL'],
    type: 'int',
    default: 21600,
    min: 300,
    max: 604800,
    description: 'How often the daemon runs the recommendation rules (also after each scheduled cost ingest).',
  },
  {
    key: 'optimize.importProviderRecommendations',
    env: ['OCO_OPTIMIZE_IMPORT_PROVIDER_RECOMMENDATIONS'],
    type: 'bool',
    default: true,
    description:
      "After each scheduled cost ingest, the daemon imports that provider's own recommendations (AWS Cost " +
      'Optimization Hub, Azure Advisor, GCP Recommender) when configured, before the recommendation run.',
  },
  {
    key: 'optimize.switchModelMaxInputTokens',
    env: ['OCO_OPTIMIZE_SWITCH_MAX_INPUT'],
    type: 'int',
    default: 2000,
    min: 1,
    description: 'switch-model: largest average prompt (tokens per call) still a short, simple call.',
  },
  {
    key: 'optimize.switchModelMaxOutputTokens',
    env: ['OCO_OPTIMIZE_SWITCH_MAX_OUTPUT'],
    type: 'int',
    default: 300,
    min: 1,
    description: 'switch-model: largest average output plus reasoning (tokens per call) still a short, simple call.',
  },
  {
    key: 'optimize.switchModelMinRequests',
    env: ['OCO_OPTIMIZE_SWITCH_MIN_REQUESTS'],
    type: 'int',
    default: 100,
    min: 1,
    description: 'switch-model: fewest calls in the window before an agent is judged.',
  },
  {
    key: 'optimize.failedCallsMinPercent',
    env: ['OCO_OPTIMIZE_FAILED_MIN_PERCENT'],
    type: 'int',
    default: 5,
    min: 0,
    max: 100,
    description: "failed-calls: smallest share (percent) of an agent's calls that failed after costing something.",
  },
  {
    key: 'optimize.untaggedMinPercent',
    env: ['OCO_OPTIMIZE_UNTAGGED_MIN_PERCENT'],
    type: 'int',
    default: 10,
    min: 0,
    max: 100,
    description: "untagged-spend: smallest share (percent) of an account's cost without tags.",
  },
  {
    key: 'optimize.commitmentDiscountPercent',
    env: ['OCO_OPTIMIZE_COMMITMENT_DISCOUNT'],
    type: 'int',
    min: 1,
    max: 90,
    description:
      'commitment-coverage: the discount (percent) your 1-year commitment rate gives on what it covers; ' +
      'unset, its saving is unknown.',
  },
  {
    key: 'optimize.idleDays',
    env: ['OCO_OPTIMIZE_IDLE_DAYS'],
    type: 'int',
    default: 14,
    min: 1,
    max: 365,
    description: 'idle-resource: days a resource must have billed, every day, with near-zero usage.',
  },
  {
    key: 'optimize.idleMaxActivityPercent',
    env: ['OCO_OPTIMIZE_IDLE_MAX_ACTIVITY'],
    type: 'int',
    default: 1,
    min: 0,
    max: 100,
    description:
      "idle-resource: largest share (percent) of a resource's cost that is usage (requests, traffic) still idle.",
  },
  {
    key: 'optimize.cacheMinRepeats',
    env: ['OCO_OPTIMIZE_CACHE_MIN_REPEATS'],
    type: 'int',
    default: 10,
    min: 1,
    description:
      'enable-cache: fewest repeated identical calls of an agent on a model the response cache would have answered.',
  },
  {
    key: 'optimize.rightsizeMinUnusedPercent',
    env: ['OCO_OPTIMIZE_RIGHTSIZE_MIN_UNUSED'],
    type: 'int',
    default: 20,
    min: 1,
    max: 100,
    description: "rightsize: smallest share (percent) of a capacity reservation's cost billed as unused.",
  },
  {
    key: 'optimize.spotMinDays',
    env: ['OCO_OPTIMIZE_SPOT_MIN_DAYS'],
    type: 'int',
    default: 14,
    min: 1,
    max: 365,
    description:
      'migrate-to-spot: days an autoscaling group or node pool must have run on demand, every day, to be judged.',
  },
  {
    key: 'optimize.spotDiscountPercent',
    env: ['OCO_OPTIMIZE_SPOT_DISCOUNT'],
    type: 'int',
    min: 1,
    max: 95,
    description:
      'migrate-to-spot: the discount (percent) spot capacity gives you on on-demand prices; ' +
      'unset, its saving is unknown.',
  },
  {
    key: 'insights.topSpenders',
    env: ['OCO_INSIGHTS_TOP_SPENDERS'],
    type: 'int',
    default: 3,
    min: 1,
    max: 100,
    description: 'oco insights: how many teams and how many agents are named as top LLM spenders.',
  },
  {
    key: 'insights.topMovers',
    env: ['OCO_INSIGHTS_TOP_MOVERS'],
    type: 'int',
    default: 5,
    min: 1,
    max: 100,
    description: 'oco insights: how many cloud services are named as top movers week over week.',
  },
  {
    key: 'insights.latencyOutlierRatio',
    env: ['OCO_INSIGHTS_LATENCY_RATIO'],
    type: 'int',
    default: 3,
    min: 2,
    max: 100,
    description: 'oco insights: a model is a latency outlier when its 95th percentile is this many times its median.',
  },
  {
    key: 'insights.latencyMinSamples',
    env: ['OCO_INSIGHTS_LATENCY_MIN_SAMPLES'],
    type: 'int',
    default: 20,
    min: 1,
    max: 500,
    description: 'oco insights: successful calls of a model in the window needed before its latency is judged.',
  },
  {
    key: 'insights.staleIngestHours',
    env: ['OCO_INSIGHTS_STALE_INGEST_HOURS'],
    type: 'int',
    default: 48,
    min: 1,
    max: 8760,
    description: "oco insights: a configured cloud provider's last successful ingest older than this is stale.",
  },
  {
    key: 'dr.checkIntervalSeconds',
    env: ['OCO_DR_CHECK_INTERVAL'],
    type: 'int',
    default: 300,
    min: 10,
    max: 86400,
    description: 'How often the daemon evaluates DR policies.',
  },
  {
    key: 'log.level',
    env: ['OCO_LOG_LEVEL'],
    type: 'enum',
    choices: LOG_LEVELS,
    default: 'info',
    description: 'Log level of the daemon and commands.',
  },
  {
    key: 'database.url',
    env: ['DATABASE_URL'],
    type: 'url',
    urlWithCredentials: true,
    description: 'PostgreSQL connection URL; when set (or postgres.host), PostgreSQL replaces the embedded SQLite.',
  },
  {
    key: 'postgres.host',
    env: ['POSTGRES_HOST'],
    type: 'string',
    description: 'PostgreSQL host (alternative to database.url).',
  },
  {
    key: 'postgres.port',
    env: ['POSTGRES_PORT'],
    type: 'int',
    default: 5432,
    min: 1,
    max: 65535,
    description: 'PostgreSQL port.',
  },
  {
    key: 'postgres.db',
    env: ['POSTGRES_DB'],
    type: 'string',
    default: 'oco',
    description: 'PostgreSQL database name.',
  },
  {
    key: 'postgres.user',
    env: ['POSTGRES_USER'],
    type: 'string',
    default: 'postgres',
    description: 'PostgreSQL user.',
  },
  {
    key: 'postgres.password',
    env: ['POSTGRES_PASSWORD'],
    type: 'string',
    secret: true,
    description: 'PostgreSQL password.',
  },
  {
    key: 'postgres.sslmode',
    env: ['POSTGRES_SSLMODE'],
    type: 'enum',
    choices: SSL_MODES,
    default: 'disable',
    description: 'PostgreSQL TLS mode.',
  },
  {
    key: 'redis.url',
    env: ['REDIS_URL'],
    type: 'url',
    urlWithCredentials: true,
    description: 'Redis URL for shared counters and caches.',
  },
  { key: 'redis.host', env: ['REDIS_HOST'], type: 'string', description: 'Redis host (alternative to redis.url).' },
  {
    key: 'redis.port',
    env: ['REDIS_PORT'],
    type: 'int',
    default: 6379,
    min: 1,
    max: 65535,
    description: 'Redis port.',
  },
  {
    key: 'openai.apiKey',
    env: ['OPENAI_API_KEY'],
    type: 'string',
    secret: true,
    description: 'OpenAI key the proxy adds when a client sends none.',
  },
  {
    key: 'anthropic.apiKey',
    env: ['ANTHROPIC_API_KEY'],
    type: 'string',
    secret: true,
    description: 'Anthropic key the proxy adds when a client sends none.',
  },
  {
    key: 'google.apiKey',
    env: ['GOOGLE_API_KEY', 'GEMINI_API_KEY'],
    type: 'string',
    secret: true,
    description: 'Gemini key the proxy adds when a client sends none.',
  },
  // Cloud cost ingest (oco costs). Cloud credentials themselves stay the SDKs' own variables (AWS_*, AZURE_*,
  // GOOGLE_APPLICATION_CREDENTIALS).
  {
    key: 'costs.azureScope',
    env: ['OCO_AZURE_SCOPE'],
    type: 'string',
    description:
      'Azure Cost Management scope, e.g. /subscriptions/ID or /subscriptions/ID/resourceGroups/RG (default ' +
      '/subscriptions/$AZURE_SUBSCRIPTION_ID).',
  },
  {
    key: 'costs.azureArmEndpoint',
    env: ['OCO_AZURE_ARM_ENDPOINT'],
    type: 'url',
    default: 'https://management.azure.com',
    description: 'Azure Resource Manager endpoint (sovereign clouds, tests).',
  },
  {
    key: 'costs.gcpBillingTable',
    env: ['OCO_GCP_BILLING_TABLE'],
    type: 'string',
    description: 'GCP Cloud Billing export table in BigQuery, project.dataset.table (standard or detailed export).',
  },
  {
    key: 'costs.gcpBigqueryEndpoint',
    env: ['OCO_GCP_BIGQUERY_ENDPOINT'],
    type: 'url',
    description: 'BigQuery API endpoint override (tests, private endpoints).',
  },
  {
    key: 'costs.gcpBillingEndpoint',
    env: ['OCO_GCP_BILLING_ENDPOINT'],
    type: 'url',
    description: 'Cloud Billing API endpoint override (tests, private endpoints).',
  },
  {
    key: 'costs.gcpProjects',
    env: ['OCO_GCP_PROJECTS'],
    type: 'string',
    description:
      'GCP project ids whose Recommender recommendations oco optimize imports, comma-separated (default: the ' +
      "projects of the billing export's billing account, else the service-account key's project).",
  },
  {
    key: 'costs.gcpRecommenderLocations',
    env: ['OCO_GCP_RECOMMENDER_LOCATIONS'],
    type: 'string',
    description:
      'Zones (and regions) to ask GCP Recommender about, comma-separated, e.g. us-central1-a,europe-west1-b: the ' +
      'API takes one location a call and has no wildcard; regions and global follow from the zones.',
  },
  {
    key: 'costs.gcpRecommenderEndpoint',
    env: ['OCO_GCP_RECOMMENDER_ENDPOINT'],
    type: 'url',
    description: 'Recommender API endpoint override (tests, private endpoints).',
  },
  {
    key: 'gcp.credentialsJson',
    env: ['GCP_CREDENTIALS_JSON'],
    type: 'string',
    secret: true,
    description:
      'GCP service-account key JSON (alternative to GOOGLE_APPLICATION_CREDENTIALS); its token_uri is used as is.',
  },
  {
    key: 'costs.awsResources',
    env: ['OCO_AWS_RESOURCES'],
    type: 'bool',
    default: false,
    description:
      'Also fetch AWS resource-level costs (GetCostAndUsageWithResources, last 14 days; needs opt-in in Cost ' +
      'Explorer).',
  },
  {
    key: 'proxy.openaiBaseUrl',
    env: ['OCO_OPENAI_BASE_URL'],
    type: 'url',
    default: 'https://api.openai.com',
    description: 'Upstream the gateway forwards /v1/proxy/openai/* to.',
  },
  {
    key: 'proxy.anthropicBaseUrl',
    env: ['OCO_ANTHROPIC_BASE_URL'],
    type: 'url',
    default: 'https://api.anthropic.com',
    description: 'Upstream the gateway forwards /v1/proxy/anthropic/* to.',
  },
  {
    key: 'proxy.geminiBaseUrl',
    env: ['OCO_GEMINI_BASE_URL'],
    type: 'url',
    default: 'https://generativelanguage.googleapis.com',
    description: 'Upstream the gateway forwards /v1/proxy/gemini/* to.',
  },
  {
    key: 'proxy.maxBodyBytes',
    env: ['OCO_PROXY_MAX_BODY_BYTES'],
    type: 'int',
    default: 33554432,
    min: 1024,
    description: 'Largest request body the gateway accepts (413 above it).',
  },
  {
    key: 'proxy.upstreamTimeoutMs',
    env: ['OCO_PROXY_UPSTREAM_TIMEOUT_MS'],
    type: 'int',
    default: 600000,
    min: 100,
    description:
      'Time the upstream has to send headers, and between body chunks, before the gateway answers 504 (or ends ' +
      'the stream).',
  },
  {
    key: 'proxy.drainTimeoutMs',
    env: ['OCO_PROXY_DRAIN_TIMEOUT_MS'],
    type: 'int',
    default: 30000,
    min: 0,
    description: 'On stop, how long in-flight requests and streams may take to finish.',
  },
  {
    key: 'proxy.flushIntervalMs',
    env: ['OCO_PROXY_FLUSH_INTERVAL_MS'],
    type: 'int',
    default: 500,
    min: 10,
    max: 1000,
    description:
      'How often usage records are written to the database; a crash loses none of them (the call journal in ' +
      'state/journal holds each until it is written).',
  },
  {
    key: 'proxy.queueSize',
    env: ['OCO_PROXY_QUEUE_SIZE'],
    type: 'int',
    default: 100000,
    min: 100,
    description: 'Usage records held in memory before they go to the spill file.',
  },
  {
    key: 'route.strategy',
    env: ['OCO_ROUTE_STRATEGY'],
    type: 'enum',
    choices: ['off', 'cost', 'quality', 'latency'],
    default: 'off',
    description: 'Smart routing on /v1/chat/completions if no header/key/team strategy applies.',
  },
  {
    key: 'route.tiers',
    env: ['OCO_ROUTE_TIERS'],
    type: 'string',
    description:
      'Routing tier models replacing the price-table defaults, e.g. ' +
      'economy.openai=gpt-4.1-mini,premium.gemini=gemini-2.5-pro.',
  },
  {
    key: 'route.retries',
    env: ['OCO_ROUTE_RETRIES'],
    type: 'int',
    default: 1,
    min: 0,
    max: 5,
    description:
      'Retries of the same model on the unified routes (after 429, 5xx, a timeout or a connection error) ' +
      'before its fallbacks are tried.',
  },
  {
    key: 'route.retryBaseMs',
    env: ['OCO_ROUTE_RETRY_BASE_MS'],
    type: 'int',
    default: 200,
    min: 0,
    max: 60000,
    description: 'Backoff before the first retry of a model; doubled for each further one, with jitter.',
  },
  {
    key: 'route.retryMaxWaitMs',
    env: ['OCO_ROUTE_RETRY_MAX_WAIT_MS'],
    type: 'int',
    default: 5000,
    min: 0,
    max: 600000,
    description: 'Longest wait before a retry; a Retry-After longer than this skips to the next fallback at once.',
  },
  {
    key: 'route.breakerFailures',
    env: ['OCO_ROUTE_BREAKER_FAILURES'],
    type: 'int',
    default: 5,
    min: 1,
    max: 100000,
    description: 'Consecutive failed attempts after which an upstream is skipped (its circuit opens).',
  },
  {
    key: 'route.breakerCooldownMs',
    env: ['OCO_ROUTE_BREAKER_COOLDOWN_MS'],
    type: 'int',
    default: 30000,
    min: 10,
    max: 3600000,
    description: 'How long an open circuit skips its upstream before one probe call may try it again.',
  },
  {
    key: 'cache.enabled',
    env: ['OCO_CACHE_ENABLED'],
    type: 'bool',
    default: false,
    description:
      'Response cache on /v1/chat/completions and /v1/embeddings: answers temperature-0 chat calls, embeddings and ' +
      'calls sent with X-OCO-Cache: on from stored answers (X-OCO-Cache: off bypasses).',
  },
  {
    key: 'cache.ttlSeconds',
    env: ['OCO_CACHE_TTL_SECONDS'],
    type: 'int',
    default: 3600,
    min: 1,
    description: 'How long a cached answer is served.',
  },
  {
    key: 'cache.maxEntries',
    env: ['OCO_CACHE_MAX_ENTRIES'],
    type: 'int',
    default: 10000,
    min: 1,
    description: 'Cached answers kept; the oldest go first past it.',
  },
  {
    key: 'cache.maxBytes',
    env: ['OCO_CACHE_MAX_BYTES'],
    type: 'int',
    default: 104857600,
    min: 1024,
    description: 'Total size of the cached answers kept; the oldest go first past it.',
  },
  {
    key: 'cache.backend',
    env: ['OCO_CACHE_BACKEND'],
    type: 'enum',
    choices: ['store', 'redis'],
    default: 'store',
    description:
      'Where cached answers live: store (the database) or redis (shared by several daemons; needs redis.url).',
  },
  {
    key: 'cache.semanticModel',
    env: ['OCO_CACHE_SEMANTIC_MODEL'],
    type: 'string',
    description:
      'Embedding model (e.g. text-embedding-3-small) for the semantic cache, which calls sent with ' +
      'X-OCO-Cache: semantic use; the embeddings are requested through the gateway itself and billed to the caller.',
  },
  {
    key: 'cache.semanticThreshold',
    env: ['OCO_CACHE_SEMANTIC_THRESHOLD'],
    type: 'string',
    default: '0.95',
    description: 'Cosine similarity (0 to 1) at or above which a semantic-cache neighbour answers a call.',
  },
  {
    key: 'metrics.enabled',
    env: ['OCO_METRICS_ENABLED'],
    type: 'bool',
    default: true,
    description:
      'Prometheus metrics: GET /metrics on the gateway (behind admin.apiKey when it is set) or on metrics.port.',
  },
  {
    key: 'metrics.port',
    env: ['OCO_METRICS_PORT'],
    type: 'int',
    min: 1,
    max: 65535,
    description:
      'Serve /metrics on this port instead of the gateway port, without a key (bind it with metrics.host to an ' +
      'address only the scraper reaches); the gateway port then answers 404 on /metrics.',
  },
  {
    key: 'metrics.host',
    env: ['OCO_METRICS_HOST'],
    type: 'string',
    description: "Address the metrics.port listener binds (default: the gateway's own address).",
  },
  {
    key: 'metrics.labelAllowList',
    env: ['OCO_METRICS_LABEL_ALLOW_LIST'],
    type: 'string',
    description:
      'Comma-separated team and agent ids that keep their own metric labels; every other id is "other", so ' +
      'clients cannot create series at will.',
  },
  {
    key: 'metrics.maxModels',
    env: ['OCO_METRICS_MAX_MODELS'],
    type: 'int',
    default: 200,
    min: 1,
    max: 10000,
    description: 'Distinct model names that keep their own metric labels; later ones are "other".',
  },
  {
    key: 'metrics.refreshSeconds',
    env: ['OCO_METRICS_REFRESH_SECONDS'],
    type: 'int',
    default: 60,
    min: 1,
    max: 86400,
    description:
      'How often the gauges read from stored data (ingests, cloud cost today, budgets, recommendations, policy ' +
      'violations, backups) are refreshed; a scrape never queries the store.',
  },
  {
    key: 'tracing.propagateUpstream',
    env: ['OCO_TRACING_PROPAGATE_UPSTREAM'],
    type: 'bool',
    default: false,
    description:
      "With tracing on (OTEL_EXPORTER_OTLP_ENDPOINT set), send the upstream span's traceparent to the provider; " +
      "off, oco adds no trace header of its own (a client's own traceparent passes through as sent).",
  },
  {
    key: 'log.maxBytes',
    env: ['OCO_LOG_MAX_BYTES'],
    type: 'int',
    default: 10485760,
    min: 4096,
    description: 'Size at which the daemon log rotates (three old files are kept).',
  },
];

const BY_KEY = new Map(CONFIG_KEYS.map((k) => [k.key, k]));

export function findKey(key: string): ConfigKeyDef | undefined {
  return BY_KEY.get(key);
}

export function knownKeys(): string[] {
  return CONFIG_KEYS.map((k) => k.key);
}

/** Closest known key, for "did you mean" hints. */
export function suggestKey(key: string): string | undefined {
  return closest(key, knownKeys());
}
