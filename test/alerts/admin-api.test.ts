import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import type { Store } from '../../src/core/base/store/types.js';
import { alertAdminRoutes } from '../../src/core/gateway/alerts/admin-api.js';
import type { AdminRoute } from '../../src/core/gateway/proxy/admission.js';
import { tempHome, type TempHome } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';
import { startFakeSlack } from '../fakes/slack/server.js';

/** The alert admin routes on each store engine, through the route table the daemon mounts (no HTTP listener). */
for (const backend of BACKENDS) {
  describe.skipIf(!backend.available())(`alerts admin API on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let home: TempHome;
    let slack: Awaited<ReturnType<typeof startFakeSlack>>;
    let routes: AdminRoute[];
    const call = async (method: string, path: string, body?: unknown) => {
      for (const r of routes) {
        const m = r.pattern.exec(path);
        if (r.method === method && m) return r.handle({ params: { ...m.groups }, query: new URLSearchParams(), body });
      }
      throw new Error(`no route ${method} ${path}`);
    };
    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
      home = tempHome();
      slack = await startFakeSlack();
      routes = alertAdminRoutes(OcoConfig.load({ env: { OCO_HOME: home.path, OCO_TEST_SLACK: slack.url } }), store);
    });
    afterAll(async () => {
      await slack.close();
      await cleanup?.();
      home.cleanup();
    });

    it('adds, lists, tests and schedules in snake_case; bad input is a 400 naming the field, unknown names 404', async () => {
      const created = await call('POST', '/api/v1/alerts/destinations', {
        kind: 'slack',
        name: 'finops',
        webhook_url_env: 'OCO_TEST_SLACK',
      });
      expect(created).toMatchObject({
        status: 201,
        body: { name: 'finops', kind: 'slack', default: true, secrets: { url: 'env:OCO_TEST_SLACK' } },
      });
      expect(Object.keys(created.body as object)).toContain('created_at');
      const bad = await call('POST', '/api/v1/alerts/destinations', { kind: 'pager', name: 'x' });
      expect(bad.status).toBe(400);
      expect((bad.body as any).error.message).toContain('kind');
      const tested = await call('POST', '/api/v1/alerts/destinations/finops/test');
      expect(tested).toMatchObject({ status: 200, body: { destination: 'finops', attempts: 1 } });
      expect(slack.messages).toHaveLength(1);
      slack.script.push({ status: 410, body: 'channel_is_archived' });
      const archived = await call('POST', '/api/v1/alerts/destinations/finops/test');
      expect(archived).toMatchObject({ status: 502, body: { error: { type: 'oco_alert_rejected' } } });
      expect(JSON.stringify(archived.body)).not.toContain('secretpathtoken');
      expect((await call('DELETE', '/api/v1/alerts/destinations/nowhere')).status).toBe(404);

      const digest = await call('PUT', '/api/v1/alerts/digest', {
        every: 'friday',
        at: '16:30',
        destination: 'finops',
      });
      expect(digest).toMatchObject({
        status: 200,
        body: { schedule: { every: 'friday', at: '16:30', timezone: 'UTC', destination: 'finops' } },
      });
      expect(Object.keys((digest.body as any).schedule)).toContain('last_sent_for');
      expect((await call('PUT', '/api/v1/alerts/digest', { every: 'friday', at: '25:00' })).status).toBe(400);
      const listed = await call('GET', '/api/v1/alerts/destinations');
      expect(JSON.stringify(listed.body)).not.toContain(slack.url);
    });
  });
}
