import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { pgAvailable } from '../helpers/services.js';
import { runOco, tempHome } from '../helpers/cli.js';
import { startHarness, type Harness } from '../proxy/harness.js';
import { parseExposition } from './exposition.js';

/** Who may scrape: the admin key on the gateway port, or nobody there and anybody on metrics.port. */
describe('/metrics access and readiness', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('asks for the admin key when one is set: 401 without or with a wrong one, 200 with it', async () => {
    h = await startHarness({ env: { OCO_ADMIN_API_KEY: 'the-admin-key' } });
    const none = await fetch(`${h.url}/metrics`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error.message).toMatch(/admin key/);
    const wrong = await fetch(`${h.url}/metrics`, { headers: { 'x-api-key': 'the-admin-kez' } });
    expect(wrong.status).toBe(401);
    await wrong.arrayBuffer();
    const header = await fetch(`${h.url}/metrics`, { headers: { 'x-api-key': 'the-admin-key' } });
    expect(header.status).toBe(200);
    expect(parseExposition(await header.text()).types.get('oco_llm_requests_total')).toBe('counter');
    const bearer = await fetch(`${h.url}/metrics`, { headers: { authorization: 'Bearer the-admin-key' } });
    expect(bearer.status).toBe(200);
    await bearer.arrayBuffer();
  });

  it('serves /metrics on metrics.port without a key, and no longer on the gateway port', async () => {
    const port = await freePort();
    h = await startHarness({ env: { OCO_ADMIN_API_KEY: 'the-admin-key', OCO_METRICS_PORT: String(port) } });
    expect(h.daemon.observability.metricsPort).toBe(port);
    const separate = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(separate.status).toBe(200);
    expect(await separate.text()).toContain('# TYPE oco_llm_cost_usd_total counter');
    const other = await fetch(`http://127.0.0.1:${port}/health`);
    expect(other.status).toBe(404);
    await other.arrayBuffer();
    const main = await fetch(`${h.url}/metrics`, { headers: { 'x-api-key': 'the-admin-key' } });
    expect(main.status).toBe(404);
    await main.arrayBuffer();
  });

  it('has no /metrics with metrics.enabled=false, and the gateway still serves', async () => {
    h = await startHarness({ env: { OCO_METRICS_ENABLED: 'false' } });
    const res = await fetch(`${h.url}/metrics`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
    expect(h.daemon.observability.metrics).toBeUndefined();
    const health = await fetch(`${h.url}/health/ready`);
    expect(health.status).toBe(200);
    await health.arrayBuffer();
  });

  it('is ready with a store that answers, and 503 once the store is closed', async () => {
    h = await startHarness();
    const ok = await fetch(`${h.url}/health/ready`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'ready', checks: { store: { ok: true }, recorder: { ok: true } } });
    await h.daemon.store.close();
    const down = await fetch(`${h.url}/health/ready`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as any;
    expect(body.status).toBe('degraded');
    expect(body.checks.store.ok).toBe(false);
    expect(body.checks.redis).toBeUndefined();
    // Liveness does not depend on the store.
    const live = await fetch(`${h.url}/health`);
    expect(live.status).toBe(200);
    await live.arrayBuffer();
  });

  // PostgreSQL: the recorder writes through the store itself, so a closed store fails its writes (on SQLite a
  // writer thread holds its own connection).
  it.skipIf(!pgAvailable())('is not ready while the recorder spills (database down)', async () => {
    h = await startHarness({ engine: 'postgres' });
    await h.daemon.store.close();
    const res = await fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await h.flush();
    const ready = await fetch(`${h.url}/health/ready`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as any;
    expect(body.checks.recorder).toMatchObject({ ok: false, databaseDown: true });
    expect(body.checks.recorder.spillFiles).toBeGreaterThan(0);
    const m = parseExposition(await (await fetch(`${h.url}/metrics`)).text());
    const errors = m.samples.filter(
      (s) => s.name === 'oco_storage_errors_total' && s.labels.operation === 'usage_write',
    );
    expect(errors.map((s) => s.value)).toEqual([1]);
    expect(m.samples.find((s) => s.name === 'oco_recorder_spill_files')!.value).toBeGreaterThan(0);
    expect(m.samples.find((s) => s.name === 'oco_recorder_spill_bytes')!.value).toBeGreaterThan(0);
    expect(m.samples.find((s) => s.name === 'oco_recorder_database_down')!.value).toBe(1);
  });

  it('checks Redis when one is configured: 503 while it does not answer', async () => {
    const closed = await freePort();
    h = await startHarness({ env: { REDIS_URL: `redis://127.0.0.1:${closed}`, OCO_BUDGET_FAIL_OPEN: 'true' } });
    const res = await fetch(`${h.url}/health/ready`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as any;
    expect(body.checks.redis).toMatchObject({ ok: false, target: `redis://127.0.0.1:${closed}` });
    expect(body.checks.store.ok).toBe(true);
  });
});

describe('oco proxy start --metrics-port', () => {
  it('passes the port to the detached daemon, which serves /metrics there without a key', async () => {
    const home = tempHome();
    const [port, metricsPort] = [await freePort(), await freePort()];
    const env = { OCO_PROXY_PORT: String(port), OCO_ADMIN_API_KEY: 'the-admin-key' };
    try {
      const start = await runOco(['proxy', 'start', '--metrics-port', String(metricsPort), '--json'], {
        home: home.path,
        env,
      });
      expect(start.code, start.stderr).toBe(0);
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('# TYPE oco_process_cpu_seconds_total counter');
      const main = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { 'x-api-key': 'the-admin-key' } });
      expect(main.status).toBe(404);
      await main.arrayBuffer();
      const bad = await runOco(['proxy', 'start', '--metrics-port', '0'], { home: home.path, env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/metrics-port/);
    } finally {
      await runOco(['proxy', 'stop'], { home: home.path, env });
      home.cleanup();
    }
  }, 60_000);
});
