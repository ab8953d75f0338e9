/**
 * The admin API of alert destinations, budget routes and the weekly digest: the objects `oco alerts … --json`
 * prints, keys in snake_case. A destination's secrets are references here too: `webhook_url_env`,
 * `smtp_password_env` and `signing_secret_env` name variables of the daemon's environment; a value given as
 * `webhook_url` or `smtp_password` goes to the daemon host's private secrets file, never the database.
 */
import type { OcoConfig } from '../../base/config/resolve.js';
import { isOcoError } from '../../base/errors.js';
import { snakeCaseKeys } from '../../base/json-keys.js';
import { arr, obj, op, pathParam, queryParam, type JsonSchema, type RouteDocs } from '../../base/openapi.js';
import {
  DESTINATION_KINDS,
  SMTP_SECURITY,
  clearRoute,
  destinationView,
  findDestination,
  insertDestination,
  listDestinations,
  listRoutes,
  parseDestination,
  removeDestination,
  setDefaultDestination,
  setRoute,
} from '../../base/notify/destinations.js';
import { removeFileSecrets, storeFileSecrets } from '../../base/notify/secrets.js';
import { sendNotice } from '../../base/notify/send.js';
import type { Store } from '../../base/store/types.js';
import type { AdminRoute, AdminRouteResponse } from '../proxy/admission.js';
import { findBudget } from '../spend/repo.js';
import { WEEKDAYS, clearDigestSchedule, getDigestSchedule, parseDigestSchedule, setDigestSchedule } from './digest.js';
import { runDigest, sendOptions, testNotice } from './service.js';

const STATUS_OF_CODE: Record<string, number> = {
  OCO_ALERT_REJECTED: 502,
  OCO_ALERT_UNREACHABLE: 504,
  OCO_ALERT_SECRET_MISSING: 409,
  OCO_ALERT_DESTINATION_EXISTS: 409,
};

function fromError(err: unknown): AdminRouteResponse {
  if (!isOcoError(err)) throw err;
  const status = STATUS_OF_CODE[err.code] ?? (err.exitCode === 2 ? 400 : err.code.endsWith('NOT_FOUND') ? 404 : 500);
  if (status === 500) throw err;
  // The field is named as the body spells it (the services name the CLI flag: --smtp-host → smtp_host).
  const field = typeof err.details?.field === 'string' ? err.details.field.replace(/^--/, '').replaceAll('-', '_') : '';
  return {
    status,
    body: {
      error: {
        type: err.code.toLowerCase(),
        code: err.code,
        message: err.message,
        ...(field ? { field } : {}),
        ...(err.hint ? { hint: err.hint } : {}),
      },
    },
  };
}

function guard(fn: AdminRoute['handle']): AdminRoute['handle'] {
  return async (req) => {
    try {
      return await fn(req);
    } catch (err) {
      return fromError(err);
    }
  };
}

/** The body's snake_case fields under the CLI's flag names, so one validation names the same field. */
function asInput(body: unknown): Record<string, unknown> {
  const b = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  return Object.fromEntries(Object.entries(b).map(([k, v]) => [k.replaceAll('_', '-'), v]));
}

export function alertAdminRoutes(config: OcoConfig, store: Store): AdminRoute[] {
  const ctx = { env: config.env, stateDir: config.paths.stateDir };
  return [
    {
      method: 'GET',
      pattern: /^\/api\/v1\/alerts\/destinations$/,
      handle: guard(async () => ({
        status: 200,
        body: snakeCaseKeys((await listDestinations(store)).map(destinationView)),
      })),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/alerts\/destinations$/,
      handle: guard(async ({ body }) => {
        const parsed = parseDestination(asInput(body));
        if (Object.keys(parsed.fileSecrets).length) storeFileSecrets(ctx, parsed.name, parsed.fileSecrets);
        return { status: 201, body: snakeCaseKeys(destinationView(await insertDestination(store, parsed))) };
      }),
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/v1\/alerts\/destinations\/(?<name>[^/]+)$/,
      handle: guard(async ({ params }) => {
        const d = await removeDestination(store, params.name!);
        removeFileSecrets(ctx, d.name);
        return { status: 200, body: snakeCaseKeys(destinationView(d)) };
      }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/alerts\/destinations\/(?<name>[^/]+)\/default$/,
      handle: guard(async ({ params }) => ({
        status: 200,
        body: snakeCaseKeys(destinationView(await setDefaultDestination(store, params.name!))),
      })),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/alerts\/destinations\/(?<name>[^/]+)\/test$/,
      handle: guard(async ({ params }) => {
        const d = await findDestination(store, params.name!);
        return {
          status: 200,
          body: snakeCaseKeys(await sendNotice(d, testNotice(d, new Date()), sendOptions(config))),
        };
      }),
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/alerts\/routes$/,
      handle: guard(async () => ({ status: 200, body: snakeCaseKeys(await listRoutes(store)) })),
    },
    {
      method: 'PUT',
      pattern: /^\/api\/v1\/alerts\/routes\/(?<budget>[^/]+)$/,
      handle: guard(async ({ params, body }) => {
        const budget = await findBudget(store, { id: params.budget! });
        const destination = asInput(body).destination;
        if (typeof destination !== 'string' || !destination)
          return {
            status: 400,
            body: {
              error: {
                type: 'invalid_request',
                code: 'OCO_ALERT_DESTINATION_INVALID',
                message: 'destination: required',
                field: 'destination',
              },
            },
          };
        await setRoute(store, budget.id, destination);
        return { status: 200, body: snakeCaseKeys(await listRoutes(store)) };
      }),
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/v1\/alerts\/routes\/(?<budget>[^/]+)$/,
      handle: guard(async ({ params }) => {
        await clearRoute(store, params.budget!);
        return { status: 200, body: snakeCaseKeys(await listRoutes(store)) };
      }),
    },
    {
      method: 'GET',
      pattern: /^\/api\/v1\/alerts\/digest$/,
      handle: guard(async () => ({ status: 200, body: snakeCaseKeys({ schedule: await getDigestSchedule(store) }) })),
    },
    {
      method: 'PUT',
      pattern: /^\/api\/v1\/alerts\/digest$/,
      handle: guard(async ({ body }) => {
        const input = asInput(body);
        const s = parseDigestSchedule({ every: input.every, at: input.at, timezone: input.timezone });
        const destination = typeof input.destination === 'string' && input.destination ? input.destination : null;
        if (destination) await findDestination(store, destination);
        return {
          status: 200,
          body: snakeCaseKeys({ schedule: await setDigestSchedule(store, { ...s, destination }) }),
        };
      }),
    },
    {
      method: 'DELETE',
      pattern: /^\/api\/v1\/alerts\/digest$/,
      handle: guard(async () => {
        await clearDigestSchedule(store);
        return { status: 200, body: { schedule: null } };
      }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/v1\/alerts\/digest\/send$/,
      handle: guard(async ({ query }) => {
        const r = await runDigest(store, sendOptions(config), {
          destination: query.get('destination'),
          dryRun: query.get('dry_run') === 'true',
        });
        return { status: 200, body: snakeCaseKeys({ ...r.digest, sent: r.sent }) };
      }),
    },
  ];
}

const DESTINATION: JsonSchema = obj(
  '`oco alerts destinations list --json` row in snake_case: where each secret is, never the secret',
  {
    name: { type: 'string' },
    kind: { type: 'string', enum: [...DESTINATION_KINDS] },
    default: { type: 'boolean', description: 'used by budgets without a route of their own' },
    settings: obj('email: host, port, security, user, from, to; other kinds: empty'),
    secrets: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'secret → where it is: "env:VAR" or "file:…" (url, password, signing_secret)',
    },
    created_at: { type: 'string' },
  },
);
const DESTINATION_NAME = pathParam('name', 'destination name (oco alerts destinations list)');
const ROUTES = arr('every budget route, by budget id', {
  type: 'object',
  properties: { budget_id: { type: 'string' }, destination: { type: 'string' }, created_at: { type: 'string' } },
});
const SCHEDULE = obj('the weekly digest schedule', {
  schedule: {
    type: ['object', 'null'],
    description: 'null: no digest is scheduled',
    properties: {
      every: { type: 'string', enum: [...WEEKDAYS] },
      at: { type: 'string', description: 'HH:MM, 24 hours' },
      timezone: { type: 'string' },
      destination: { type: ['string', 'null'], description: 'null: the default destination' },
      last_sent_for: { type: ['string', 'null'] },
      created_at: { type: 'string' },
    },
  },
});
const SENT = obj('the delivery: destination, kind, attempts and the masked target', {
  destination: { type: 'string' },
  kind: { type: 'string', enum: [...DESTINATION_KINDS] },
  attempts: { type: 'integer' },
  target: { type: 'string', description: 'origin only, or the SMTP host' },
});
const TAG = 'alerts';

export const alertRouteDocs: RouteDocs = {
  '/api/v1/alerts/destinations': {
    get: op('get', {
      id: 'listAlertDestinations',
      tag: TAG,
      summary: 'Alert destinations (oco alerts destinations list)',
      ok: arr('destinations', DESTINATION),
    }),
    post: op('post', {
      id: 'addAlertDestination',
      tag: TAG,
      summary: 'Add a Slack, Teams, email or webhook destination (oco alerts destinations add)',
      description:
        "Secrets are best given as names of variables of the daemon's environment (…_env); a value given " +
        "as webhook_url or smtp_password goes to the daemon host's private secrets file, never the database.",
      body: {
        ...obj('the CLI flag names in snake_case', {
          kind: { type: 'string', enum: [...DESTINATION_KINDS] },
          name: { type: 'string', description: '1-63 lower-case letters, digits, - or _' },
          webhook_url: { type: 'string', description: 'slack, teams, webhook: the https URL (or webhook_url_env)' },
          webhook_url_env: { type: 'string', description: 'the variable that holds the URL' },
          signing_secret_env: { type: 'string', description: 'webhook: the variable that holds the signing key' },
          smtp_host: { type: 'string', description: 'email: required' },
          smtp_port: { type: ['integer', 'string'], description: 'email: 465 with tls, else 587 unless given' },
          smtp_security: { type: 'string', enum: [...SMTP_SECURITY], default: 'starttls' },
          smtp_user: { type: 'string', description: 'email: required with a password' },
          smtp_password: { type: 'string', description: 'email: the password by value (or smtp_password_env)' },
          smtp_password_env: { type: 'string', description: 'email: the variable that holds the password' },
          from: { type: 'string', description: 'email: the sender address' },
          to: {
            type: ['array', 'string'],
            items: { type: 'string' },
            description: 'email: recipients, a list or comma-separated',
          },
        }),
        required: ['kind', 'name'],
      },
      ok: DESTINATION,
      okStatus: 201,
      conflict: true,
    }),
  },
  '/api/v1/alerts/destinations/{name}': {
    delete: op('delete', {
      id: 'removeAlertDestination',
      tag: TAG,
      summary: 'Remove a destination and its stored secrets (oco alerts destinations remove)',
      params: [DESTINATION_NAME],
      ok: DESTINATION,
      notFound: true,
    }),
  },
  '/api/v1/alerts/destinations/{name}/default': {
    post: op('post', {
      id: 'setDefaultAlertDestination',
      tag: TAG,
      summary: 'Make a destination the default (oco alerts destinations set-default)',
      params: [DESTINATION_NAME],
      ok: DESTINATION,
      notFound: true,
    }),
  },
  '/api/v1/alerts/destinations/{name}/test': {
    post: op('post', {
      id: 'testAlertDestination',
      tag: TAG,
      summary: 'Send a test message to a destination (oco alerts destinations test)',
      description: 'A secret that is not set answers 409; the destination refusing 502, not answering 504.',
      params: [DESTINATION_NAME],
      ok: SENT,
      notFound: true,
      conflict: true,
    }),
  },
  '/api/v1/alerts/routes': {
    get: op('get', {
      id: 'listAlertRoutes',
      tag: TAG,
      summary: "Which budget's alerts go to which destination (oco alerts route)",
      ok: ROUTES,
    }),
  },
  '/api/v1/alerts/routes/{budget}': {
    put: op('put', {
      id: 'setAlertRoute',
      tag: TAG,
      summary: "Send a budget's alerts to a destination (oco alerts route --budget --destination)",
      params: [pathParam('budget', 'budget id (oco budgets list)')],
      body: { ...obj('the destination', { destination: { type: 'string' } }), required: ['destination'] },
      ok: ROUTES,
      notFound: true,
    }),
    delete: op('delete', {
      id: 'clearAlertRoute',
      tag: TAG,
      summary: "Send a budget's alerts to the default destination again (oco alerts route --budget --clear)",
      params: [pathParam('budget', 'budget id')],
      ok: ROUTES,
    }),
  },
  '/api/v1/alerts/digest': {
    get: op('get', {
      id: 'getAlertDigest',
      tag: TAG,
      summary: 'The weekly spend digest schedule (oco alerts digest)',
      ok: SCHEDULE,
    }),
    put: op('put', {
      id: 'setAlertDigest',
      tag: TAG,
      summary: 'Schedule the weekly spend digest (oco alerts digest --every)',
      body: {
        ...obj('when and where', {
          every: { type: 'string', description: 'a weekday: monday … sunday, or its first three letters' },
          at: { type: 'string', description: 'HH:MM, 24 hours', default: '09:00' },
          timezone: { type: 'string', description: 'IANA time zone', default: 'UTC' },
          destination: { type: ['string', 'null'], description: 'a destination name; none: the default one' },
        }),
        required: ['every'],
      },
      ok: SCHEDULE,
      notFound: true,
    }),
    delete: op('delete', {
      id: 'clearAlertDigest',
      tag: TAG,
      summary: 'Stop the weekly spend digest (oco alerts digest --off)',
      ok: obj('no schedule', { schedule: { type: 'null' } }),
    }),
  },
  '/api/v1/alerts/digest/send': {
    post: op('post', {
      id: 'sendAlertDigest',
      tag: TAG,
      summary: "Build last week's spend digest and send it now (oco alerts digest --now)",
      description: 'With no destination named and no default one: 404.',
      params: [
        queryParam('destination', 'send here instead of the default destination'),
        queryParam('dry_run', 'true: build it and send nothing', { type: 'string', enum: ['true', 'false'] }),
      ],
      ok: obj('the digest in snake_case (`oco alerts digest --now --json`)', {
        from: { type: 'string' },
        to: { type: 'string' },
        previous_from: { type: 'string' },
        total_usd: { type: 'string', description: 'decimal USD' },
        previous_total_usd: { type: 'string', description: 'decimal USD' },
        unpriced_calls: { type: 'integer', description: 'calls without a price: their cost is in no total' },
        by_team: arr('spend per team, with the week before'),
        by_model: arr('spend per model, with the week before'),
        movers: arr('the largest changes'),
        budgets_near_limit: arr('budgets near their limit'),
        sent: { ...SENT, type: ['object', 'null'], description: 'null on a dry run' },
      }),
      notFound: true,
    }),
  },
};

/**
 * The daemon's digest job: each tick, the scheduled instant now due is claimed (once across daemons) and last
 * week's digest sent. A failed send is logged; the week is not retried (the next digest comes next week).
 */
export async function runScheduledDigest(
  config: OcoConfig,
  store: Store,
  log: (obj: object, msg: string) => void,
  now = new Date(),
): Promise<void> {
  const { claimDueDigest } = await import('./digest.js');
  const due = await claimDueDigest(store, now);
  if (!due) return;
  try {
    const r = await runDigest(store, sendOptions(config), { destination: due.destination, now });
    log({ event: 'digest.weekly', destination: r.sent?.destination, due: due.due.toISOString() }, 'spend digest sent');
  } catch (err) {
    const e = err as { code?: string; message?: string };
    log({ event: 'digest.weekly', code: e.code, error: e.message }, 'spend digest failed');
  }
}
