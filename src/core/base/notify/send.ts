import { OperationError, UnreachableError } from '../errors.js';
import { maskWebhook, postWebhook } from '../webhook.js';
import type { Destination, EmailSettings } from './destinations.js';
import type { Notice } from './notice.js';
import { emailText, slackBody, teamsBody } from './render.js';
import { readSecret, type SecretContext } from './secrets.js';

export interface SendOptions extends SecretContext {
  /** The generic webhook's signing key when the destination names none (webhook.secret). */
  defaultSigningSecret?: string;
  /** Delays before retrying a 5xx, a timeout or a network error; a 429 waits its Retry-After instead. */
  retryDelaysMs?: readonly number[];
  /** The longest Retry-After honoured; a longer one ends the delivery (the alert is not held for minutes). */
  maxRetryAfterMs?: number;
  timeoutMs?: number;
}

export interface SendResult {
  destination: string;
  kind: Destination['kind'];
  attempts: number;
  /** The masked target (origin only, or the SMTP host), safe to print and log. */
  target: string;
}

const DEFAULT_DELAYS = [1000, 5000];

/**
 * What Slack's incoming webhooks answer in the body of a 4xx, and what to do about it
 * (https://api.slack.com/messaging/webhooks#handling_errors).
 */
const SLACK_ERRORS: Record<string, string> = {
  invalid_payload: 'Slack could not read the message: this is a bug in oco, please report it with --json output.',
  no_text: 'Slack found no text in the message: this is a bug in oco.',
  no_service:
    'The webhook was removed or revoked in Slack: create a new incoming webhook and add the destination again.',
  no_service_id: 'The webhook URL is incomplete: copy it again from the Slack app settings.',
  no_team: 'The Slack workspace of this webhook is gone or the URL is wrong: copy it again.',
  team_disabled: 'The Slack workspace of this webhook is disabled.',
  channel_not_found: "The webhook's channel was deleted: create a webhook for another channel.",
  channel_is_archived: "The webhook's channel is archived: unarchive it or create a webhook for another channel.",
  action_prohibited: 'A Slack admin restricted posting to this channel.',
  posting_to_general_channel_denied: 'Only admins may post to this channel: pick another channel.',
  invalid_token: 'The webhook URL is not valid any more: create a new incoming webhook.',
  too_many_attachments: 'Slack refused the message size: this is a bug in oco.',
};

function rejected(d: Destination, target: string, status: number, reason: string, hint: string): OperationError {
  return new OperationError(
    'OCO_ALERT_REJECTED',
    `${d.kind} destination ${d.name} refused the message: HTTP ${status} ${reason}`,
    {
      hint,
      details: { destination: d.name, kind: d.kind, target, status, reason },
    },
  );
}

function unreachable(d: Destination, target: string, attempts: number, last: string): UnreachableError {
  return new UnreachableError(
    'OCO_ALERT_UNREACHABLE',
    `${d.kind} destination ${d.name} (${target}) failed after ${attempts} attempt(s): ${last}`,
    {
      hint:
        'Check that the host is reachable from here; oco retries 429 (after its Retry-After), 5xx and timeouts ' +
        'a few times.',
      details: { destination: d.name, kind: d.kind, target, attempts, last },
    },
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** One JSON POST to Slack or Teams, retried within bounds; a refusal names Slack's or Teams' reason. */
async function postJson(d: Destination, url: string, body: unknown, o: SendOptions): Promise<SendResult> {
  const target = maskWebhook(url) ?? '…';
  const delays = o.retryDelaysMs ?? DEFAULT_DELAYS;
  const text = JSON.stringify(body);
  let attempts = 0;
  for (let retry = 0; ; retry++) {
    attempts++;
    let last: string;
    let wait: number | null;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'oco-alerts' },
        body: text,
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
      const answer = (await res.text().catch(() => '')).trim();
      if (res.ok) return { destination: d.name, kind: d.kind, attempts, target };
      last = `HTTP ${res.status}`;
      if (res.status === 429) {
        wait = retryAfterMs(res.headers.get('retry-after')) ?? delays[retry] ?? null;
        if (wait !== null && wait > (o.maxRetryAfterMs ?? 30_000)) {
          last = `HTTP 429, Retry-After ${Math.ceil(wait / 1000)} s is longer than oco waits`;
          wait = null;
        }
      } else if (res.status >= 500 || res.status === 408) wait = delays[retry] ?? null;
      else {
        const reason = d.kind === 'slack' ? answer.slice(0, 100) : teamsReason(answer);
        const hint =
          (d.kind === 'slack' ? SLACK_ERRORS[reason] : undefined) ??
          (res.status === 404 || res.status === 410
            ? 'The webhook URL is gone: create a new one and add the destination again.'
            : res.status === 401 || res.status === 403
              ? 'The webhook URL is not accepted any more: create a new one and add the destination again.'
              : 'Check the destination with "oco alerts destinations test".');
        throw rejected(d, target, res.status, reason || '(no reason given)', hint);
      }
    } catch (err) {
      if (err instanceof OperationError) throw err;
      last =
        (err as Error).name === 'TimeoutError'
          ? 'timeout'
          : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message);
      wait = delays[retry] ?? null;
    }
    if (wait === null || retry >= Math.max(delays.length, 2)) throw unreachable(d, target, attempts, last);
    await sleep(wait);
  }
}

/** Teams answers errors as JSON ({"error":{"code","message"}}) or text; only a short reason is kept. */
function teamsReason(answer: string): string {
  try {
    const j = JSON.parse(answer) as { error?: { code?: string; message?: string }; message?: string };
    return (j.error?.code ?? j.error?.message ?? j.message ?? '').slice(0, 100);
  } catch {
    return answer.slice(0, 100);
  }
}

async function sendEmail(d: Destination, n: Notice, o: SendOptions): Promise<SendResult> {
  const s = d.settings as EmailSettings;
  const target = `smtp://${s.host}:${s.port}`;
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: s.host,
    port: s.port,
    secure: s.security === 'tls',
    requireTLS: s.security === 'starttls',
    ignoreTLS: s.security === 'none',
    auth: s.user ? { user: s.user, pass: readSecret(o, d.name, 'password', d.secrets.password!) } : undefined,
    connectionTimeout: o.timeoutMs ?? 10_000,
    greetingTimeout: o.timeoutMs ?? 10_000,
    socketTimeout: o.timeoutMs ?? 10_000,
  });
  try {
    await transport.sendMail({ from: s.from, to: s.to, subject: n.title, text: emailText(n) });
    return { destination: d.name, kind: d.kind, attempts: 1, target };
  } catch (err) {
    const e = err as Error & { responseCode?: number; response?: string; code?: string };
    if (e.responseCode && e.responseCode >= 500)
      throw rejected(d, target, e.responseCode, (e.response ?? e.message).slice(0, 200), smtpHint(e.code));
    throw unreachable(
      d,
      target,
      1,
      e.responseCode ? `${e.responseCode} ${e.response ?? ''}`.trim() : (e.code ?? e.message),
    );
  } finally {
    transport.close();
  }
}

function smtpHint(code: string | undefined): string {
  if (code === 'EAUTH') return 'The SMTP server refused the user or password: check --smtp-user and the password.';
  if (code === 'EENVELOPE') return 'The SMTP server refused the sender or a recipient: check --from and --to.';
  return 'Check the SMTP settings with "oco alerts destinations list" and try "oco alerts destinations test".';
}

/**
 * Sends one notice to one destination; throws OCO_ALERT_REJECTED, OCO_ALERT_UNREACHABLE or OCO_ALERT_SECRET_MISSING.
 */
export async function sendNotice(d: Destination, n: Notice, o: SendOptions): Promise<SendResult> {
  if (d.kind === 'email') return sendEmail(d, n, o);
  const url = readSecret(o, d.name, 'url', d.secrets.url!);
  if (d.kind === 'slack') return postJson(d, url, slackBody(n), o);
  if (d.kind === 'teams') return postJson(d, url, teamsBody(n), o);
  const secret = d.secrets.signingSecret
    ? readSecret(o, d.name, 'signingSecret', d.secrets.signingSecret)
    : o.defaultSigningSecret;
  const r = await postWebhook(url, n.event, JSON.stringify(n.payload), {
    secret,
    retryDelaysMs: o.retryDelaysMs ?? DEFAULT_DELAYS,
    timeoutMs: o.timeoutMs,
    userAgent: 'oco-alerts',
  });
  const target = r.target ?? '…';
  if (r.delivered) return { destination: d.name, kind: d.kind, attempts: r.attempts, target };
  const status = Number(/^HTTP (\d+)/.exec(r.error ?? '')?.[1] ?? 0);
  if (status >= 400 && status < 500 && status !== 408 && status !== 429)
    throw rejected(d, target, status, '', 'Check the receiver: it refused the signed POST.');
  throw unreachable(d, target, r.attempts, r.error ?? 'failed');
}
