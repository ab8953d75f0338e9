import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../src/core/gateway/keys/lifecycle.js';
import { listKeys, revokeKey } from '../../src/core/gateway/keys/service.js';
import { startHarness, waitFor, type Harness } from './harness.js';

const PROXY_KEY = 'proxy-shared-secret-123';
const ADMIN_KEY = 'admin-secret-456';

describe('proxy key, virtual keys and the admin API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { OCO_PROXY_API_KEY: PROXY_KEY, OCO_ADMIN_API_KEY: ADMIN_KEY, OPENAI_API_KEY: 'sk-configured-upstream' },
    });
  });
  afterAll(async () => h?.stop());

  const chat = (headers: Record<string, string>) =>
    fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
  const admin = (path: string, key = ADMIN_KEY) =>
    fetch(`${h.url}${path}`, { headers: key ? { 'x-api-key': key } : {} });

  it('guards the proxy routes with OCO_PROXY_API_KEY and never forwards X-OCO-Key', async () => {
    expect((await chat({})).status).toBe(401);
    const wrong = await chat({ 'x-oco-key': 'nope' });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as any).error.type).toBe('proxy_auth_error');
    const ok = await chat({ 'x-oco-key': PROXY_KEY });
    expect(ok.status).toBe(200);
    expect(h.fake.last()!.headers['x-oco-key']).toBeUndefined();
    expect(h.fake.last()!.headers.authorization).toBe('Bearer sk-configured-upstream');
  });

  it('accepts a virtual key, bills its attribution and lets no header override it', async () => {
    const { key, record } = await createKey(h.daemon.store, { name: 'ci', teamId: 'payments', agentId: 'release-bot' });
    const res = await chat({ 'x-oco-key': key, 'x-team-id': 'someone-else', 'x-org-id': 'acme' });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id')!;
    const r = await waitFor(async () => {
      await h.flush();
      return h.daemon.store.get<Record<string, any>>('SELECT * FROM api_requests WHERE id = $1', [id]);
    });
    expect(r).toMatchObject({ team_id: 'payments', agent_id: 'release-bot', org_id: 'acme', key_id: record.id });
    const stored = await h.daemon.store.all<Record<string, unknown>>('SELECT * FROM api_keys');
    expect(JSON.stringify(stored)).not.toContain(key);
    expect((await listKeys(h.daemon.store)).find((k) => k.id === record.id)?.prefix).toBe(key.slice(0, 12));
  });

  it('takes a virtual key in the SDK key slot and sends the configured provider key upstream', async () => {
    const { key } = await createKey(h.daemon.store, { name: 'sdk', agentId: 'sdk-agent' });
    const client = new OpenAI({ apiKey: key, baseURL: `${h.url}/v1/proxy/openai/v1`, maxRetries: 0 });
    const out = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(out.choices[0]!.message.content).toBe('Hello from the fake model.');
    expect(h.fake.last()!.headers.authorization).toBe('Bearer sk-configured-upstream');
  });

  it('refuses a revoked key within the cache window, and an expired key', async () => {
    const { key, record } = await createKey(h.daemon.store, { name: 'temp' });
    expect((await chat({ 'x-oco-key': key })).status).toBe(200);
    await revokeKey(h.daemon.store, record.id);
    await waitFor(async () => (await chat({ 'x-oco-key': key })).status === 401, 5000, 'revocation to take effect');
    const soon = await createKey(h.daemon.store, { name: 'short', expiresAt: new Date(Date.now() + 300) });
    await new Promise((r) => setTimeout(r, 400));
    expect((await chat({ 'x-oco-key': soon.key })).status).toBe(401);
    expect((await chat({ 'x-oco-key': 'oco_doesnotexistatall1234' })).status).toBe(401);
  });

  it('protects the admin API with X-API-Key', async () => {
    expect((await admin('/api/v1/pricing', '')).status).toBe(401);
    expect((await admin('/api/v1/pricing', 'wrong')).status).toBe(401);
    const p = (await (await admin('/api/v1/pricing')).json()) as any;
    expect(p.models.find((m: { model: string }) => m.model === 'gpt-4o')).toMatchObject({
      provider: 'openai',
      prices: { input: '2.5', cached_input: '1.25', output: '10' },
    });
  });

  it('summarises costs by team and day, and pages through requests', async () => {
    for (let i = 0; i < 3; i++) await (await chat({ 'x-oco-key': PROXY_KEY, 'x-team-id': 'search' })).text();
    await h.flush();
    const byTeam = (await (await admin('/api/v1/costs/summary?group_by=team')).json()) as any;
    const search = byTeam.rows.find((r: { key: string }) => r.key === 'search');
    // gpt-4o-mini: 800 × 0.15 + 200 × 0.075 + 300 × 0.6 = 0.000315 per call
    expect(search).toMatchObject({
      requests: 3,
      cost_usd: '0.000945',
      input_tokens: 2400,
      cached_input_tokens: 600,
      output_tokens: 900,
    });
    const byDay = (await (await admin('/api/v1/costs/summary?group_by=day')).json()) as any;
    expect(byDay.rows[0].key).toBe(new Date().toISOString().slice(0, 10));
    const page1 = (await (await admin('/api/v1/costs/requests?limit=2')).json()) as any;
    expect(page1.requests).toHaveLength(2);
    const page2 = (await (await admin(`/api/v1/costs/requests?limit=2&cursor=${page1.next_cursor}`)).json()) as any;
    expect(page2.requests[0].id).not.toBe(page1.requests[1].id);
    expect(page2.requests[0].ts <= page1.requests[1].ts).toBe(true);
    expect((await admin('/api/v1/costs/summary?group_by=color')).status).toBe(400);
    expect((await admin('/api/v1/costs/requests?limit=0')).status).toBe(400);
    expect((await admin('/api/v1/costs/summary?from=yesterday')).status).toBe(400);
  });
});

describe('admin API without OCO_ADMIN_API_KEY', () => {
  it('refuses everything (fail-secure)', async () => {
    const h = await startHarness();
    try {
      for (const key of [undefined, '', 'anything']) {
        const res = await fetch(`${h.url}/api/v1/costs/summary`, {
          headers: key === undefined ? {} : { 'x-api-key': key },
        });
        expect(res.status).toBe(403);
        expect(((await res.json()) as any).error.type).toBe('admin_disabled');
      }
    } finally {
      await h.stop();
    }
  });
});
