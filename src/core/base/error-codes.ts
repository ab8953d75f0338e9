/**
 * The one table of error codes. A code is documented here, never renamed, and has one exit code;
 * the error constructors only accept codes of this table whose exit code is theirs, so a new code
 * (or one thrown by the wrong class) does not compile. README's exit-code table, docs/errors.md and
 * the man page's EXIT STATUS are generated from it (`node --import tsx scripts/gen-errors.ts`).
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  unreachable: 3,
  policy: 4,
  /** The shell's "command not found". */
  unknownCommand: 127,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What each exit code means: README, man page and docs/errors.md print this. */
export const EXIT_MEANINGS: Record<ExitCode, string> = {
  0: 'success',
  1: 'failure (including an unexpected error, which is a bug)',
  2: 'usage error: unknown flag, bad flag or argument value, bad configuration value',
  3: 'a dependency is unreachable: database, Redis, cloud API, Kubernetes',
  4: 'a policy, budget or compliance check failed (CI gates)',
  127: 'unknown command (with a "did you mean" suggestion)',
};

/** The error classes of errors.ts and the exit code each always carries. */
export const CLASS_EXIT = {
  UsageError: ExitCode.usage,
  ConfigError: ExitCode.usage,
  UnreachableError: ExitCode.unreachable,
  PolicyFailedError: ExitCode.policy,
  NotFoundError: ExitCode.failure,
  OperationError: ExitCode.failure,
} as const;
/** `OcoError`: thrown directly where the exit code is not a class's (unknown command, bugs, a relayed daemon error). */
export type ErrorClass = keyof typeof CLASS_EXIT | 'OcoError';

export interface ErrorCodeInfo {
  readonly class: ErrorClass;
  readonly exit: ExitCode;
  readonly meaning: string;
}

const U = { class: 'UsageError', exit: 2 } as const;
const C = { class: 'ConfigError', exit: 2 } as const;
const R = { class: 'UnreachableError', exit: 3 } as const;
const P = { class: 'PolicyFailedError', exit: 4 } as const;
const N = { class: 'NotFoundError', exit: 1 } as const;
const O = { class: 'OperationError', exit: 1 } as const;

export const ERROR_CODES = {
  // any command
  OCO_USAGE: { ...U, meaning: 'a flag, argument or combination of them that the command does not accept' },
  OCO_ERROR: {
    class: 'OcoError',
    exit: 1,
    meaning: 'the command line could not be run (reported by the command parser, not a usage error)',
  },
  OCO_INTERNAL: {
    class: 'OcoError',
    exit: 1,
    meaning: 'an unexpected error: a bug in oco (DEBUG=oco* prints the stack)',
  },
  OCO_UNKNOWN_COMMAND: { class: 'OcoError', exit: 127, meaning: 'no such command; the hint names the closest one' },
  OCO_NOT_FOUND: { ...N, meaning: 'the named object does not exist' },
  OCO_POLICY_FAILED: { ...P, meaning: 'a policy check failed' },
  OCO_CONFIRM_REQUIRED: { ...U, meaning: 'a destructive action without --confirm when not on a terminal' },
  OCO_CANCELLED: { ...U, meaning: 'the confirmation question was answered no' },
  // configuration
  OCO_CONFIG_INVALID: { ...C, meaning: 'a configuration file or variable holds a value oco cannot use' },
  OCO_CONFIG_UNKNOWN_KEY: { ...U, meaning: 'oco config names a key that does not exist' },
  OCO_CONFIG_BAD_VALUE: { ...U, meaning: 'oco config set was given a value the key does not accept' },
  // store, Redis
  OCO_DB_UNREACHABLE: { ...R, meaning: 'the database cannot be reached' },
  OCO_DB_OPEN_FAILED: { ...O, meaning: 'the database file or connection could not be opened' },
  OCO_DB_ERROR: { ...O, meaning: 'the database refused a statement' },
  OCO_MIGRATION_FAILED: { ...O, meaning: 'a schema migration failed and was rolled back' },
  OCO_DB_NEWER_SCHEMA: {
    ...C,
    meaning: 'the database was migrated by a newer oco than this one; it is refused and left unmodified',
  },
  OCO_REDIS_UNREACHABLE: { ...R, meaning: 'Redis cannot be reached' },
  // gateway daemon
  OCO_PROXY_PORT_IN_USE: { ...O, meaning: 'the gateway port is taken by another process' },
  OCO_PROXY_LISTEN_FAILED: { ...O, meaning: 'the gateway could not listen on its address' },
  OCO_PROXY_START_FAILED: {
    class: 'OcoError',
    exit: 1,
    meaning: 'the detached gateway did not start (exit 2, 3 or 4 when the daemon failed with that code)',
  },
  OCO_SERVICE_NEEDS_ROOT: { ...U, meaning: 'writing or removing a system unit needs root (or use --user)' },
  OCO_PROXY_STOP_TIMEOUT: { ...O, meaning: 'the gateway did not stop in time' },
  OCO_PROXY_NOT_RUNNING: { ...R, meaning: 'no gateway is running' },
  OCO_PROXY_UNRESPONSIVE: { ...R, meaning: 'the gateway process exists but does not answer' },
  OCO_NO_LOGS_YET: { ...O, meaning: 'the object has not started: no logs yet' },
  // keys, prices, spend controls
  OCO_KEY_NOT_FOUND: { ...N, meaning: 'no virtual key with that id' },
  OCO_KEY_INVALID: {
    ...U,
    meaning: 'a virtual key or allow-list value that is not valid (pattern, provider, metadata, grace, expiry)',
  },
  OCO_KEY_STATE: { ...U, meaning: 'the key cannot do that in its state (a revoked key is never changed again)' },
  OCO_PRICE_NOT_FOUND: { ...N, meaning: 'no price for that provider and model' },
  OCO_BUDGET_NOT_FOUND: { ...N, meaning: 'no budget matches' },
  OCO_BUDGET_EXISTS: { ...U, meaning: 'a budget for that scope, entity and period exists already' },
  OCO_BUDGET_AMBIGUOUS: { ...U, meaning: 'several budgets match: name one with --id or --period' },
  OCO_BUDGET_EXCEEDED: { ...P, meaning: 'budgets check: a budget is over its limit' },
  OCO_RATE_LIMIT_NOT_FOUND: { ...N, meaning: 'no rate limit matches' },
  OCO_SPEND_INVALID: { ...U, meaning: 'a budget or rate limit value that is not valid' },
  OCO_SPEND_ENTITY_UNKNOWN: {
    ...U,
    meaning:
      'a budget or rate limit names a team or org that is not managed, or a key that does not exist' +
      ' (--create-entity creates the team or org)',
  },
  OCO_BUDGET_RAISE_INVALID: { ...U, meaning: 'a budget raise that is not valid: --by not above 0, --until not ahead' },
  // teams and orgs
  OCO_ENTITY_NOT_FOUND: { ...N, meaning: 'no managed team or org of that name' },
  OCO_ENTITY_EXISTS: { ...U, meaning: 'a team or org of that name exists already' },
  OCO_ENTITY_INVALID: { ...U, meaning: 'a team or org value that is not valid (name, org, metadata, defaults)' },
  OCO_ENTITY_IN_USE: {
    ...U,
    meaning: 'the team or org is still referenced by keys, teams, budgets or rate limits (--force deletes anyway)',
  },
  OCO_SPEND_FILTER_INVALID: {
    ...U,
    meaning: 'spend requests or spend summary: a filter, grouping or cursor value that is not valid (names it)',
  },
  // admin API
  OCO_ADMIN_KEY_NOT_FOUND: { ...N, meaning: 'no admin key with that id, prefix or name' },
  OCO_ADMIN_KEY_INVALID: { ...U, meaning: 'an admin key scope or name that is not valid' },
  OCO_ADMIN_DISABLED: {
    ...O,
    meaning: 'admin API: no admin key is configured or created, so every call is refused (HTTP 403)',
  },
  OCO_ADMIN_UNAUTHORIZED: { ...O, meaning: 'admin API: the X-API-Key is missing, wrong or revoked (HTTP 401)' },
  OCO_ADMIN_SCOPE: {
    ...O,
    meaning: "admin API: the key's scope does not allow the call: a read key may only GET (HTTP 403, nothing changed)",
  },
  OCO_ADMIN_NO_ROUTE: { ...N, meaning: 'admin API: no route for that method and path (HTTP 404)' },
  OCO_ADMIN_BAD_REQUEST: {
    ...U,
    meaning: 'admin API: a body that is not a JSON object, or a value the route does not accept (HTTP 400)',
  },
  OCO_ALERT_DESTINATION_INVALID: { ...U, meaning: 'an alert destination or digest setting that is not valid' },
  OCO_ALERT_DESTINATION_NOT_FOUND: { ...N, meaning: 'no alert destination by that name' },
  OCO_ALERT_DESTINATION_EXISTS: { ...U, meaning: 'an alert destination by that name exists already' },
  OCO_ALERT_SECRET_MISSING: {
    ...C,
    meaning: "an alert destination's secret (environment variable or private secrets file entry) is not there",
  },
  OCO_ALERT_REJECTED: {
    ...O,
    meaning: 'Slack, Teams, the SMTP server or the webhook refused the message (the reason is named)',
  },
  OCO_ALERT_UNREACHABLE: { ...R, meaning: 'an alert destination did not answer, or kept answering 429/5xx' },
  OCO_TRANSLATE_UNSUPPORTED: {
    ...U,
    meaning: 'an OpenAI-format request field the chosen provider cannot honour (HTTP 400 naming the field)',
  },
  OCO_TRANSLATE_INVALID: {
    ...U,
    meaning: 'an OpenAI-format request that is not valid as written (HTTP 400 naming the field)',
  },
  OCO_TRANSLATE_UNKNOWN_MODEL: {
    ...U,
    meaning: 'a model name that picks no provider: use a known prefix or provider/model',
  },
  OCO_UPSTREAM_EXISTS: { ...U, meaning: 'oco route providers add: an upstream with that name exists already' },
  OCO_UPSTREAM_NOT_FOUND: { ...N, meaning: 'no upstream with that name (oco route providers list)' },
  OCO_ROUTE_INVALID_REQUEST: {
    ...U,
    meaning: 'oco route explain: the file is not an OpenAI chat request in JSON (file:line:column for bad JSON)',
  },
  OCO_ROUTE_FALLBACK_INVALID: {
    ...U,
    meaning:
      'oco route fallbacks set: a model no provider claims, a repeated model, or the model among its own fallbacks',
  },
  OCO_ROUTE_FALLBACK_NOT_FOUND: { ...N, meaning: 'oco route fallbacks unset: the model has no fallback list' },
  // cloud costs
  OCO_COSTS_NO_PROVIDER: { ...C, meaning: 'no cloud provider is configured for costs ingest' },
  OCO_AWS_NOT_CONFIGURED: { ...C, meaning: 'AWS was named but is not configured' },
  OCO_AWS_NO_CREDENTIALS: { ...C, meaning: 'the AWS credential chain found no credentials' },
  OCO_AWS_WINDOW_UNAVAILABLE: { ...U, meaning: 'no day of the window is served by AWS Cost Explorer' },
  OCO_AWS_API_ERROR: { ...O, meaning: 'AWS Cost Explorer or Cost Optimization Hub refused a request' },
  OCO_AWS_THROTTLED: { ...R, meaning: 'AWS Cost Explorer or Cost Optimization Hub kept throttling after retries' },
  OCO_AWS_UNREACHABLE: { ...R, meaning: 'AWS Cost Explorer or Cost Optimization Hub cannot be reached' },
  OCO_AZURE_NOT_CONFIGURED: { ...C, meaning: 'Azure was named but has no scope or subscription' },
  OCO_AZURE_NO_CREDENTIALS: { ...C, meaning: 'no Azure credentials found' },
  OCO_AZURE_AUTH_FAILED: { ...O, meaning: 'Entra ID refused the Azure credentials' },
  OCO_AZURE_API_ERROR: { ...O, meaning: 'Azure Cost Management refused a request' },
  OCO_AZURE_BAD_RESPONSE: { ...O, meaning: 'Azure Cost Management answered something that is not JSON' },
  OCO_AZURE_API_UNAVAILABLE: { ...R, meaning: 'Azure Cost Management kept failing or throttling after retries' },
  OCO_AZURE_UNREACHABLE: { ...R, meaning: 'Azure cannot be reached' },
  OCO_GCP_NOT_CONFIGURED: { ...C, meaning: 'GCP was named but has no billing export table' },
  OCO_GCP_NO_CREDENTIALS: { ...C, meaning: 'no GCP service-account key found' },
  OCO_GCP_BAD_CREDENTIALS: { ...C, meaning: 'the GCP service-account key cannot be used' },
  OCO_GCP_AUTH_FAILED: { ...O, meaning: 'the GCP token endpoint refused the key' },
  OCO_GCP_API_ERROR: { ...O, meaning: 'BigQuery refused a request' },
  OCO_GCP_API_UNAVAILABLE: { ...R, meaning: 'BigQuery kept failing or throttling after retries' },
  OCO_GCP_UNREACHABLE: { ...R, meaning: 'GCP cannot be reached' },
  OCO_INGEST_FAILED: { ...O, meaning: 'a provider failed during ingest for a reason without its own code' },
  OCO_INGEST_OUT_OF_WINDOW: {
    ...O,
    meaning: 'a source returned a row outside the requested window; nothing was written',
  },
  OCO_FOCUS_INVALID_ROW: { ...U, meaning: 'a FOCUS file row that is not valid (file:line:column)' },
  OCO_FOCUS_INVALID_HEADER: { ...U, meaning: 'a FOCUS file without the columns oco needs' },
  OCO_FOCUS_PROVIDER_MISMATCH: { ...U, meaning: "a row's provider contradicts --provider" },
  OCO_FILE_NOT_FOUND: { ...U, meaning: 'the named file does not exist' },
  OCO_FILE_UNREADABLE: { ...U, meaning: 'the named file cannot be read' },
  // recommendations
  OCO_RECOMMENDATION_NOT_FOUND: { ...N, meaning: 'no recommendation with that id' },
  OCO_RECOMMENDATION_IMPORT_NO_SOURCE: {
    ...C,
    meaning: 'no provider recommendation service is configured, or the one named has no import',
  },
  OCO_RECOMMENDATION_STATUS: {
    ...U,
    meaning: 'the recommendation is in a status that cannot move to the one asked for',
  },
  // Kubernetes
  OCO_K8S_NO_KUBECONFIG: {
    ...R,
    meaning: 'no Kubernetes configuration found (the kubeconfig named does not exist, or none at all)',
  },
  OCO_K8S_BAD_KUBECONFIG: { ...C, meaning: 'the kubeconfig cannot be used' },
  OCO_K8S_NO_CONTEXT: { ...U, meaning: 'the kube context does not exist' },
  OCO_K8S_UNREACHABLE: { ...R, meaning: 'the Kubernetes API server cannot be reached' },
  OCO_K8S_SERVER_ERROR: { ...R, meaning: 'the Kubernetes API server failed (5xx)' },
  OCO_K8S_UNAUTHENTICATED: { ...O, meaning: 'the API server rejected the credentials (401)' },
  OCO_K8S_FORBIDDEN: { ...O, meaning: 'RBAC does not allow the call (403); the hint names verb and resource' },
  OCO_K8S_NOT_FOUND: { ...N, meaning: 'the Kubernetes object does not exist' },
  OCO_K8S_NO_RESOURCE: { ...N, meaning: 'the cluster does not serve the resource (Velero CRDs not installed?)' },
  OCO_K8S_INVALID: { ...U, meaning: 'the API server rejected the object (422); details name the fields' },
  OCO_K8S_CONFLICT: { ...O, meaning: 'the object exists already or was changed meanwhile (409)' },
  OCO_K8S_GONE: { ...O, meaning: 'the object was deleted while oco was waiting for it' },
  OCO_K8S_ERROR: { ...O, meaning: 'another error from the Kubernetes API server' },
  OCO_K8S_LIST_TOO_LONG: { ...O, meaning: 'a list did not end after the maximum number of pages' },
  OCO_K8S_WATCH_ERROR: { ...O, meaning: 'a watch reported an error' },
  OCO_K8S_WATCH_UNSTABLE: { ...O, meaning: 'a watch kept closing' },
  OCO_WAIT_TIMEOUT: { ...O, meaning: '--wait gave up after --timeout; the object may still finish' },
  // Velero and DR
  OCO_BAD_NAME: { ...U, meaning: 'not a valid Kubernetes name' },
  OCO_BAD_DURATION: { ...U, meaning: 'not a duration' },
  OCO_BAD_CRON: { ...U, meaning: 'not a cron expression' },
  OCO_BAD_SELECTOR: { ...U, meaning: 'not a label selector' },
  OCO_BAD_MAPPING: { ...U, meaning: 'not a source:target mapping' },
  OCO_BAD_FLAG_VALUE: { ...U, meaning: 'a velero-style --flag=value that is not true or false' },
  OCO_LOCATION_DEFAULT_EXISTS: { ...U, meaning: 'another BackupStorageLocation is the default already' },
  OCO_BAD_KEY_VALUES: {
    ...U,
    meaning: 'not a key=value list (--config, --credential, --labels, --annotations, --ordered-resources)',
  },
  OCO_LOCATION_CHANGE_EMPTY: { ...U, meaning: 'backup-location/snapshot-location set was given nothing to change' },
  OCO_CACERT_UNREADABLE: { ...U, meaning: 'the --cacert file cannot be read' },
  OCO_BACKUP_RUNNING: { ...U, meaning: 'the backup is still running' },
  OCO_RESTORE_RUNNING: { ...U, meaning: 'the restore is still running' },
  OCO_BACKUP_NO_CONTENTS: { ...U, meaning: 'the backup never ran (FailedValidation): it has no contents to download' },
  OCO_OUTPUT_EXISTS: { ...U, meaning: 'the output file exists already (see --force)' },
  OCO_OUTPUT_UNWRITABLE: {
    ...U,
    meaning: 'the output file cannot be written there (no such directory, no permission)',
  },
  OCO_BACKUP_NOT_RESTORABLE: { ...U, meaning: 'the backup did not complete: nothing to restore' },
  OCO_DELETE_FAILED: { ...O, meaning: 'Velero did not delete the backup' },
  OCO_DOWNLOAD_FAILED: { ...O, meaning: 'a Velero download request failed' },
  OCO_DOWNLOAD_TIMEOUT: { ...O, meaning: 'a Velero download request was not served in time' },
  OCO_DOWNLOAD_CORRUPT: { ...O, meaning: 'a downloaded file is not valid gzip' },
  OCO_DOWNLOAD_INCOMPLETE: {
    ...O,
    meaning: 'the download stopped before its end; nothing was written at the output path',
  },
  OCO_DOWNLOAD_UNREACHABLE: { ...R, meaning: 'the object storage cannot be reached' },
  OCO_DOWNLOAD_UNTRUSTED: { ...R, meaning: 'the object storage certificate is not trusted (see --cacert)' },
  OCO_PLAN_NOT_FOUND: { ...U, meaning: 'no recovery plan with that id' },
  OCO_PLAN_EXECUTED: { ...O, meaning: 'the recovery plan was already executed' },
  OCO_PLAN_STALE: { ...O, meaning: 'the backup of the recovery plan was replaced since it was made' },
  OCO_DR_POLICY_INVALID: { ...C, meaning: 'a DR policy file that is not valid (file:line:column)' },
  OCO_DR_POLICY_UNREADABLE: { ...C, meaning: 'the DR policy file cannot be read' },
  OCO_DR_POLICY_NOT_FOUND: { ...U, meaning: 'no DR policy with that name' },
  OCO_DR_CONCURRENT_CHANGE: { ...O, meaning: 'a schedule was changed by someone else while a policy was applied' },
  OCO_DRILL_NAMESPACE_EXISTS: { ...U, meaning: 'the drill namespace exists already (see --allow-existing)' },
  OCO_DRILL_SOURCE: { ...U, meaning: 'the drill cannot tell which namespace of the backup to restore' },
  // governance policies
  OCO_POLICY_INVALID: {
    ...C,
    meaning: 'a policy file that is not valid: bad YAML/JSON, unknown kind or field, wrong type (file:line:column)',
  },
  OCO_POLICY_UNREADABLE: { ...C, meaning: 'the policy file cannot be read' },
  OCO_POLICY_NOT_FOUND: { ...U, meaning: 'no governance policy with that name' },
  OCO_POLICY_KIND_UNKNOWN: { ...O, meaning: 'a stored policy has a rule kind this version of oco does not know' },
} as const satisfies Record<`OCO_${string}`, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;
/** The codes whose exit code is E: what a constructor of that exit code accepts. */
export type ErrorCodeFor<E extends ExitCode> = {
  [K in ErrorCode]: (typeof ERROR_CODES)[K]['exit'] extends E ? K : never;
}[ErrorCode];

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
