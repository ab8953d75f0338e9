/**
 * The admin API of alert destinations, budget routes and the weekly digest: the objects `oco alerts … --json`
 * prints, keys in snake_case. A destination's secrets are references here too: `webhook_url_env`,
 * `smtp_password_env` and `signing_secret_env` name variables of the daemon's environment; a value given as
 * `webhook_url` or `smtp_password` goes to the daemon host's private secrets file, never the database.
 */
import type { OcoConfig } from '../../base/config/resolve.js';
import { isOcoError } from '../../base/errors.js';
import { snakeCaseKeys } from '../../base/json-keys.js';
import {
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
import { clearDigestSchedule, getDigestSchedule, parseDigestSchedule, setDigestSchedule } from './digest.js';
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
  return {
    status,
    body: { error: { type: err.code.toLowerCase(), message: err.message, ...(err.hint ? { hint: err.hint } : {}) } },
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
          return { status: 400, body: { error: { type: 'invalid_request', message: 'destination: required' } } };
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
