import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/core/base/money.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, maskWebhook, signWebhook } from '../../src/core/base/webhook.js';
import { textCounter } from '../../src/core/gateway/spend/estimate/index.js';
import { parseBudgetInput } from '../../src/core/gateway/spend/model.js';
import { insertBudget, listAlerts, resetBudget } from '../../src/core/gateway/spend/repo.js';
import type { Store } from '../../src/core/base/store/types.js';
import { BACKENDS } from '../helpers/stores.js';
import { admissionWith, request, sleep } from './helpers.js';

const SECRET = 'whsec_test_0123456789abcdef';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/** A local webhook receiver: answers each request with the next status of `script` (then 200), after `delayMs`. */
async function receiver(
  script: number[] = [],
  delayMs = 0,
): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  let i = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body, at: Date.now() });
      const status = script[i++] ?? 200;
      setTimeout(() => res.writeHead(status).end(), delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/budget?token=secret-path-token`,
    got,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('budget alerts', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await BACKENDS[0]!.open());
    // A hard budget's first call loads the tokenizer (~200 ms, seconds on a loaded machine): load it
    // here, so the timings below measure admission, not a one-off import.
    await textCounter('openai', 'gpt-4o');
  });
  afterAll(async () => cleanup?.());
  // Each test starts from no budgets and no spend, even when the one before it failed half-way.
  afterEach(async () => {
    await store.run('DELETE FROM budgets');
    await store.run('DELETE FROM budget_alerts');
    await store.run('DELETE FROM spend_events');
  });

  it('each threshold fires once per period: log line, record, signed webhook; a reset re-arms them', async () => {
    const hook = await receiver();
    const b = await insertBudget(
      store,
      parseBudgetInput(
        {
          scope: 'team',
          entity: 'payments',
          limit: '10',
          period: 'monthly',
          'alert-at': '50,80,100',
          webhook: hook.url,
          // Soft: alerts only. A hard budget at 100 % would refuse the second daemon's call below,
          // and a refused call never settles, so it could not show that thresholds stay fired.
          soft: true,
        },
        'UTC',
      ),
    );
    const { adm, log } = await admissionWith(store, {
      env: { OCO_WEBHOOK_SECRET: SECRET },
      worstCase: '0.5',
      webhookRetryDelaysMs: [10, 20],
    });
    // 12 calls of 0.5 then 1 USD: 50 % after call 10 (5 USD); 80 % and 100 % are crossed together later.
    const costs = ['0.5', '0.5', '0.5', '0.5', '0.5', '0.5', '0.5', '0.5', '0.5', '0.5', '5'];
    for (const c of costs) {
      const d = await adm.admit(request());
      expect(d.admitted).toBe(true);
      await adm.settle((d as { ticket: unknown }).ticket, {
        costUsd: money(c),
        inputTokens: 1,
        outputTokens: 1,
        totalTokens: 2,
        failed: false,
      });
    }
    await until(() => hook.got.length >= 3);
    await sleep(100); // nothing more arrives
    expect(hook.got.length).toBe(3);
    const events = hook.got.map((g) => JSON.parse(g.body));
    expect(events.map((e) => e.threshold_pct).sort((x: number, y: number) => x - y)).toEqual([50, 80, 100]);
    expect(events[0]).toMatchObject({
      type: 'budget.threshold',
      budget: { id: b.id, scope: 'team', entity_id: 'payments', limit_usd: '10' },
    });
    for (const g of hook.got) {
      // The receiver recomputes the signature over "<timestamp>.<body>" with the shared secret.
      expect(g.headers[SIGNATURE_HEADER]).toBe(signWebhook(SECRET, String(g.headers[TIMESTAMP_HEADER]), g.body));
      expect(g.headers['content-type']).toBe('application/json');
    }
    const records = await listAlerts(store, { budgetId: b.id });
    expect(records.map((r) => r.thresholdPct).sort((x, y) => x! - y!)).toEqual([50, 80, 100]);
    expect(records.find((r) => r.thresholdPct === 50)!.spentUsd).toBe('5');
    expect(log.lines.filter((l) => l.obj.event === 'budget.threshold').length).toBe(3);

    // A second daemon (or a restart) does not fire the same thresholds again in the same period: it
    // loads the period's 10 USD from the ledger (written behind by the first one: wait for all 11 rows)
    // and its own call's settlement finds 50, 80 and 100 % reached again.
    await until(async () => (await store.all('SELECT request_id FROM spend_events')).length === 11, 15_000);
    const other = await admissionWith(store, { env: { OCO_WEBHOOK_SECRET: SECRET }, worstCase: '0' });
    const d = await other.adm.admit(request());
    await other.adm.settle((d as { ticket: unknown }).ticket, {
      costUsd: money('0'),
      inputTokens: 0,
      outputTokens: 0,
      totalTokens: 0,
      failed: false,
    });
    expect((d as { admitted: boolean }).admitted).toBe(true);
    await other.adm.close();
    await sleep(50);
    expect((await listAlerts(store, { budgetId: b.id })).map((r) => r.kind)).toEqual([
      'threshold',
      'threshold',
      'threshold',
    ]);
    expect(other.log.lines.filter((l) => l.obj.event === 'budget.threshold')).toEqual([]);

    // After a reset the period starts over: 50 % fires again.
    await resetBudget(store, b.id);
    await adm.reload();
    const e = await adm.admit(request());
    await adm.settle((e as { ticket: unknown }).ticket, {
      costUsd: money('5'),
      inputTokens: 1,
      outputTokens: 1,
      totalTokens: 2,
      failed: false,
    });
    await until(() => hook.got.length >= 4);
    expect(JSON.parse(hook.got[3]!.body).threshold_pct).toBe(50);
    await adm.close();
    // Neither the secret nor the webhook's path token reach the logs.
    const logged = JSON.stringify(log.lines);
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain('secret-path-token');
    await hook.close();
  });

  it('retries a failing webhook with backoff, never blocking the request path; refusals alert once a minute', async () => {
    const hook = await receiver([500, 503], 300); // two failures, then success; each answer takes 300 ms
    const b = await insertBudget(
      store,
      parseBudgetInput(
        { scope: 'org', entity: 'acme', limit: '1', period: 'daily', 'alert-at': '100', webhook: hook.url },
        'UTC',
      ),
    );
    const { adm, log } = await admissionWith(store, {
      env: { OCO_WEBHOOK_SECRET: SECRET },
      webhookRetryDelaysMs: [50, 100, 200],
    });
    const started = performance.now();
    const d = await adm.admit(request());
    await adm.settle((d as { ticket: unknown }).ticket, {
      costUsd: money('1'),
      inputTokens: 1,
      outputTokens: 1,
      totalTokens: 2,
      failed: false,
    });
    // Admission and settlement returned long before the first webhook answer (300 ms).
    expect(performance.now() - started).toBeLessThan(250);
    await until(() => hook.got.filter((g) => JSON.parse(g.body).type === 'budget.threshold').length >= 3, 8000);
    for (let i = 0; i < 5; i++) expect((await adm.admit(request())).admitted).toBe(false);
    const tries = hook.got.filter((g) => JSON.parse(g.body).type === 'budget.threshold');
    expect(tries.length).toBe(3);
    // Backoff: each retry waits longer than the answer time plus its delay.
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(340);
    expect(tries[2]!.at - tries[1]!.at).toBeGreaterThanOrEqual(390);
    // The refused calls produced one "refused" record (deduplicated per minute), not five.
    await until(async () => (await listAlerts(store, { budgetId: b.id })).some((r) => r.kind === 'refused'));
    const records = await listAlerts(store, { budgetId: b.id });
    expect(records.filter((r) => r.kind === 'refused').length).toBe(1);
    await adm.close();
    expect(log.lines.some((l) => l.msg.includes('webhook failed'))).toBe(false);
    await hook.close();
  });

  it('webhook URLs are shown by origin only', () => {
    expect(maskWebhook('https://hooks.slack.com/services/T000/B000/XXXX')).toBe('https://hooks.slack.com/…');
    expect(maskWebhook('http://127.0.0.1:9000/')).toBe('http://127.0.0.1:9000');
  });
});
