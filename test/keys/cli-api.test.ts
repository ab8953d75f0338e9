import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snakeCaseKeys } from '../../src/core/base/json-keys.js';
import { runOco } from '../helpers/cli.js';
import { startHarness, type Harness } from '../proxy/harness.js';

const ADMIN_KEY = 'admin-secret-keys-17';

/**
 * `oco keys …` and the admin API's key routes against the database a running gateway uses: the same
 * validation (bad input → exit 2 / 400 naming the field, nothing changed), the same documents (the
 * API spells the CLI's --json in snake_case, metadata keys as given), and the gateway honours both.
 */
describe('oco keys and /api/v1/keys', () => {
  let h: Harness;
  const oco = (args: string[]) => runOco(args, { home: h.home.path, timeoutMs: 60_000 });
  const api = async (method: string, path: string, body?: unknown, key = ADMIN_KEY) => {
    const r = await fetch(`${h.url}/api/v1${path}`, {
      method,
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as any };
  };
  const state = async () => ({
    // last_used_at is the daemon's to write (every 30 s), whatever the command does.
    keys: (await h.daemon.store.all('SELECT * FROM api_keys ORDER BY id')).map(({ last_used_at: _, ...k }) => k),
    budgets: await h.daemon.store.all('SELECT * FROM budgets ORDER BY id'),
    limits: await h.daemon.store.all('SELECT * FROM rate_limits ORDER BY id'),
    lists: await h.daemon.store.all('SELECT * FROM entity_allow_lists'),
  });
  /** A CLI document as the API spells it, without what the daemon may write meanwhile. */
  const asApi = (doc: Record<string, unknown>) => {
    const out = snakeCaseKeys<Record<string, unknown>>(doc);
    out.metadata = doc.metadata;
    delete out.last_used_at;
    return out;
  };
  const withoutLastUsed = (doc: Record<string, unknown>) => {
    const { last_used_at: _, ...rest } = doc;
    return rest;
  };

  beforeAll(async () => {
    h = await startHarness({ env: { OCO_ADMIN_API_KEY: ADMIN_KEY, OPENAI_API_KEY: 'sk-configured' } });
  });
  afterAll(async () => h?.stop());

  it('creates a key with allow-lists, metadata, budget and rpm in one step; the gateway enforces them', async () => {
    const created = await oco([
      'keys',
      'create',
      '--name',
      'cli-agent',
      '--models',
      'gpt-4o-mini,claude-haiku-*',
      '--providers',
      'openai,anthropic',
      '--metadata',
      'owner=ana',
      '--metadata',
      'costCenter=42',
      '--budget',
      '50',
      '--period',
      'monthly',
      '--rpm',
      '60',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const k = created.json();
    expect(k).toMatchObject({
      name: 'cli-agent',
      allowedModels: ['gpt-4o-mini', 'claude-haiku-*'],
      allowedProviders: ['openai', 'anthropic'],
      metadata: { owner: 'ana', costCenter: '42' },
      limits: { budget: { limitUsd: '50', period: 'monthly', hard: true }, rpm: { limit: 60 } },
      status: 'active',
    });
    const res = await fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-oco-key': k.key },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('key \\"cli-agent\\" may not call model gpt-4o');
    // The same document over the API (snake_case; the metadata keys as the owner wrote them).
    const got = await api('GET', '/keys/cli-agent');
    expect(got.status).toBe(200);
    const cli = await oco(['keys', 'get', 'cli-agent', '--json']);
    expect(withoutLastUsed(got.body)).toEqual(asApi(cli.json()));
    expect(got.body.metadata).toEqual({ owner: 'ana', costCenter: '42' });
    const list = await oco(['keys', 'list']);
    expect(list.stdout).toContain('owner=ana');
    expect(list.stdout).not.toContain(k.key);
  });

  it('warns (on stderr, without --json) about a pattern matching no priced model, and stores it', async () => {
    const r = await oco(['keys', 'create', '--name', 'custom', '--models', 'house-llm-*']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('"house-llm-*" matches no priced model');
    expect(r.stdout).toContain('Created virtual key');
    const got = await api('GET', '/keys/custom');
    expect(got.body.allowed_models).toEqual(['house-llm-*']);
  });

  it.each([
    [['--providers', 'opneai'], 'providers'],
    [['--models', 'gpt 4o'], 'models'],
    [['--budget', 'lots'], 'budget'],
    [['--budget', '5', '--period', 'fortnightly'], 'period'],
    [['--rpm', '0'], 'rpm'],
    [['--metadata', 'owner'], 'metadata'],
    [['--expires', 'tomorrow'], 'expires'],
  ])('create %j exits 2 naming --%s and changes nothing', async (args, flag) => {
    const before = await state();
    const r = await oco(['keys', 'create', '--name', 'bad', ...args, '--json']);
    expect(r.code).toBe(2);
    expect(r.json().error.message).toContain(`--${flag}`);
    expect(await state()).toEqual(before);
  });

  it('the API creates, validates and refuses as the CLI does', async () => {
    const before = await state();
    const bad = await api('POST', '/keys', { name: 'api-bad', providers: ['openai', 'nope'] });
    expect(bad).toMatchObject({ status: 400, body: { error: { type: 'invalid_request', field: 'providers' } } });
    expect((await api('POST', '/keys', { name: 'x', colour: 'red' })).body.error.field).toBe('colour');
    expect((await api('POST', '/keys', { name: 'api', rpm: 5 }, 'wrong')).status).toBe(401);
    expect((await api('GET', '/keys/no-such-key')).status).toBe(404);
    expect(await state()).toEqual(before);
    const made = await api('POST', '/keys', {
      name: 'api-agent',
      models: ['gpt-4o-mini'],
      metadata: { owner: 'bo' },
      budget: '12.5',
      rpm: 30,
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      name: 'api-agent',
      allowed_models: ['gpt-4o-mini'],
      metadata: { owner: 'bo' },
      limits: { budget: { limit_usd: '12.5', period: 'monthly' }, rpm: { limit: 30 } },
    });
    expect(made.body.key).toMatch(/^oco_/);
    const patched = await api('PATCH', '/keys/api-agent', { metadata: { owner: null, team_lead: 'cy' }, rpm: 31 });
    expect(patched.status).toBe(200);
    const cli = await oco(['keys', 'get', 'api-agent', '--json']);
    expect(withoutLastUsed(patched.body)).toEqual(asApi(cli.json()));
    expect(patched.body).toMatchObject({ metadata: { team_lead: 'cy' }, limits: { rpm: { limit: 31 } } });
  });

  it('update, rotate, block and unblock through the CLI and the API; bad input and unknown keys change nothing', async () => {
    const up = await oco(['keys', 'update', 'cli-agent', '--models', 'gpt-4o-mini', '--metadata', 'owner=', '--json']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.json()).toMatchObject({ allowedModels: ['gpt-4o-mini'], metadata: { costCenter: '42' } });
    const before = await state();
    for (const [args, code, exit] of [
      [['keys', 'update', 'cli-agent', '--providers', 'nope'], 'OCO_KEY_INVALID', 2],
      [['keys', 'update', 'cli-agent'], 'OCO_KEY_INVALID', 2],
      [['keys', 'update', 'ghost', '--name', 'x'], 'OCO_KEY_NOT_FOUND', 1],
      [['keys', 'rotate', 'cli-agent', '--grace', '90d'], 'OCO_KEY_INVALID', 2],
      [['keys', 'block', 'ghost'], 'OCO_KEY_NOT_FOUND', 1],
    ] as const) {
      const r = await oco([...args, '--json']);
      expect(r.code, args.join(' ')).toBe(exit);
      expect(r.json().error.code).toBe(code);
    }
    expect((await api('PATCH', '/keys/cli-agent', { rpm: 'many' })).body.error.field).toBe('rpm');
    expect((await api('POST', '/keys/cli-agent/rotate', { grace: 'forever' })).status).toBe(400);
    expect(await state()).toEqual(before);

    const rotated = await oco(['keys', 'rotate', 'cli-agent', '--grace', '1h', '--json']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.json().key).toMatch(/^oco_/);
    expect(Date.parse(rotated.json().previousValidUntil)).toBeGreaterThan(Date.now() + 3_500_000);
    const viaApi = await api('POST', '/keys/cli-agent/rotate', { grace: '0' });
    expect(viaApi.body.previous_valid_until).toBeNull();
    expect((await oco(['keys', 'block', 'cli-agent', '--json'])).json().status).toBe('blocked');
    expect((await api('POST', '/keys/cli-agent/unblock')).body.status).toBe('active');
    expect((await api('POST', '/keys/cli-agent/block')).body.status).toBe('blocked');
    await oco(['keys', 'revoke', 'cli-agent']);
    const revoked = await oco(['keys', 'unblock', 'cli-agent', '--json']);
    expect(revoked.code).toBe(2);
    expect(revoked.json().error.code).toBe('OCO_KEY_STATE');
    expect((await api('POST', '/keys/cli-agent/unblock')).status).toBe(409);
  });

  it('sets team and org allow-lists through the CLI and the API', async () => {
    const set = await oco(['keys', 'allow', '--team', 'payments', '--models', 'gpt-4o-mini,claude-haiku-*', '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.json().allowLists).toMatchObject([
      { scope: 'team', entityId: 'payments', models: ['gpt-4o-mini', 'claude-haiku-*'], providers: null },
    ]);
    const before = await state();
    const both = await oco(['keys', 'allow', '--team', 'a', '--org', 'b', '--models', 'x', '--json']);
    expect(both.code).toBe(2);
    const unknown = await oco(['keys', 'allow', '--org', 'acme', '--providers', 'opneai', '--json']);
    expect(unknown.code).toBe(2);
    expect(unknown.json().error.message).toContain('unknown provider "opneai"');
    expect((await api('PUT', '/allow-lists/org/acme', { models: ['gpt 4o'] })).status).toBe(400);
    expect(await state()).toEqual(before);
    const put = await api('PUT', '/allow-lists/org/acme', { providers: ['openai'] });
    expect(put).toMatchObject({
      status: 200,
      body: { scope: 'org', entity_id: 'acme', list: { providers: ['openai'] } },
    });
    const listed = await oco(['keys', 'allow', '--json']);
    expect((await api('GET', '/allow-lists')).body).toEqual(snakeCaseKeys(listed.json()));
  });
});
