import type { OcoConfig } from '../../base/config/resolve.js';
import { NotFoundError } from '../../base/errors.js';
import { defaultDestination, findDestination, type Destination } from '../../base/notify/destinations.js';
import type { Notice } from '../../base/notify/notice.js';
import { sendNotice, type SendOptions, type SendResult } from '../../base/notify/send.js';
import type { Queryable } from '../../base/store/types.js';
import { buildDigest, digestNotice, type Digest } from './digest.js';

/** What every sender needs from the configuration: the environment and state directory secrets are read from. */
export function sendOptions(config: OcoConfig, extra: Partial<SendOptions> = {}): SendOptions {
  return {
    env: config.env,
    stateDir: config.paths.stateDir,
    defaultSigningSecret: config.string('webhook.secret'),
    ...extra,
  };
}

/** The named destination, or the default one; none at all is a configuration error naming the fix. */
export async function pickDestination(q: Queryable, name: string | null | undefined): Promise<Destination> {
  if (name) return findDestination(q, name);
  const d = await defaultDestination(q);
  if (d) return d;
  throw new NotFoundError('no alert destination: none is named and there is no default', {
    code: 'OCO_ALERT_DESTINATION_NOT_FOUND',
    hint: 'Add one with "oco alerts destinations add slack NAME --webhook-url-env VAR" or name one with --destination.',
  });
}

export function testNotice(d: Destination, now: Date): Notice {
  return {
    event: 'test',
    title: 'oco test alert',
    summary:
      `This is a test message from oco to the ${d.kind} destination ${d.name}. ` +
      'Budget alerts and digests will look like this.',
    facts: [
      { label: 'Destination', value: d.name },
      { label: 'Kind', value: d.kind },
      { label: 'Sent at', value: now.toISOString() },
    ],
    tables: [],
    payload: { type: 'test', destination: d.name, created_at: now.toISOString() },
  };
}

export interface DigestRun {
  digest: Digest;
  sent: SendResult | null;
}

/** Builds last week's digest and sends it (unless dryRun) to the named or default destination. */
export async function runDigest(
  q: Queryable,
  o: SendOptions,
  opts: { destination?: string | null; dryRun?: boolean; now?: Date },
): Promise<DigestRun> {
  const digest = await buildDigest(q, opts.now ?? new Date());
  if (opts.dryRun) return { digest, sent: null };
  const d = await pickDestination(q, opts.destination);
  return { digest, sent: await sendNotice(d, digestNotice(digest), o) };
}
