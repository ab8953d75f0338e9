import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPolicyCheck } from '../../src/core/base/policy/monitor.js';
import { applyPolicies } from '../../src/core/base/policy/repo.js';
import type { Store } from '../../src/core/base/store/types.js';
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../src/core/base/webhook.js';
import { POLICY_RULES } from '../../src/core/cli/policy.js';
import { BACKENDS } from '../helpers/stores.js';

/** The daemon's policy check: each violation it opens is logged and sent once, signed. */
describe.each(BACKENDS)('policy monitor on $name', (b) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let server: Server;
  let url: string;
  const got: Array<{ body: string; headers: Record<string, unknown> }> = [];

  beforeAll(async () => {
    if (!b.available()) return;
    ({ store, cleanup } = await b.open());
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        got.push({ body, headers: req.headers });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/policy`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await cleanup?.();
  });

  it.skipIf(!b.available())(
    'sends a violation when it opens, not while it stays open, again after it reopens',
    async () => {
      await applyPolicies(
        store,
        [{ name: 'regions', kind: 'allowed-regions', severity: 'critical', regions: ['eu-west-1'] }],
        {},
      );
      const day = new Date().toISOString().slice(0, 10);
      await store.run(
        `INSERT INTO cloud_costs_daily (usage_date, source, provider, service_name, sub_account_id, region_id,
         billing_currency, tags, billed_cost, effective_cost, row_count)
       VALUES ($1, 'test', 'aws', 'Amazon EC2', '111', 'us-east-1', 'USD', NULL, '42.5', '42.5', 1)`,
        [day],
      );
      const logged: string[] = [];
      const o = {
        webhookUrl: url,
        secret: 'whsec_policy',
        onOpened: (v: { subject: string }) => logged.push(v.subject),
      };
      const opened = await runPolicyCheck(store, POLICY_RULES, o, new Date(Date.now() - 2000));
      expect(opened.map((v) => [v.policy, v.severity])).toEqual([['regions', 'critical']]);
      expect(got).toHaveLength(1);
      const body = JSON.parse(got[0]!.body);
      expect(body).toMatchObject({ type: 'policy.violation', violation: { policy: 'regions', status: 'open' } });
      expect(got[0]!.headers['x-oco-event']).toBe('policy.violation');
      const ts = String(got[0]!.headers[TIMESTAMP_HEADER]);
      expect(got[0]!.headers[SIGNATURE_HEADER]).toBe(signWebhook('whsec_policy', ts, got[0]!.body));
      expect(logged).toHaveLength(1);

      // Still open on the next run: nothing sent.
      expect(await runPolicyCheck(store, POLICY_RULES, o, new Date(Date.now() - 1000))).toEqual([]);
      expect(got).toHaveLength(1);

      // Resolved (the region now allowed), then violated again: a new violation, sent again.
      await applyPolicies(
        store,
        [{ name: 'regions', kind: 'allowed-regions', severity: 'critical', regions: ['*'] }],
        {},
      );
      expect(await runPolicyCheck(store, POLICY_RULES, o, new Date(Date.now() - 500))).toEqual([]);
      await applyPolicies(
        store,
        [{ name: 'regions', kind: 'allowed-regions', severity: 'critical', regions: ['eu-west-1'] }],
        {},
      );
      expect(await runPolicyCheck(store, POLICY_RULES, o)).toHaveLength(1);
      expect(got).toHaveLength(2);
    },
  );
});
