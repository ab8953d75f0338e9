import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import type { UsageRecord } from '../../src/core/gateway/usage/record.js';
import { writeRecords } from '../../src/core/gateway/usage/write.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { usageRecord } from '../helpers/usage-record.js';

const record = (id: string, over: Partial<UsageRecord>) =>
  usageRecord({ id, ts: new Date(Date.now() - 120_000).toISOString(), keyId: 'key_a', ...over });

describe('oco admin-keys and the spend requests filters', () => {
  let home: TempHome;
  const oco = (...args: string[]) => runOco(args, { home: home.path });
  beforeAll(async () => {
    home = tempHome();
    // The CLI creates and migrates the database; the calls are then written as the recorder writes them.
    expect((await oco('db', 'migrate', '--json')).code).toBe(0);
    const store = new SqliteStore({ file: join(home.path, 'data', 'oco.db') });
    await store.transaction((tx) =>
      writeRecords(tx, [
        record('c1', {}),
        record('c2', { statusCode: 429, errorClass: 'refused', costUsd: '0', teamId: 'ops' }),
        record('c3', { provider: 'anthropic', model: 'claude-haiku', keyId: null, costUsd: '2' }),
      ]),
    );
    await store.close();
  });
  afterAll(() => home.cleanup());

  it('creates a key once, lists it without its secret, revokes it; bad input exits 2 and stores nothing', async () => {
    const bad = await oco('admin-keys', 'create', '--scope', 'admin', '--json');
    expect(bad.code).toBe(2);
    expect(bad.json().error).toMatchObject({ code: 'OCO_ADMIN_KEY_INVALID', details: { flag: 'scope' } });
    expect((await oco('admin-keys', 'list', '--json')).json()).toEqual([]);

    const created = await oco('admin-keys', 'create', '--scope', 'read', '--name', 'grafana', '--json');
    expect(created.code).toBe(0);
    const key = created.json();
    expect(key).toMatchObject({
      name: 'grafana',
      scope: 'read',
      status: 'active',
      key: expect.stringMatching(/^oco-admin_/),
    });
    const dup = await oco('admin-keys', 'create', '--scope', 'write', '--name', 'grafana', '--json');
    expect(dup.code).toBe(2);
    expect(dup.json().error.details.flag).toBe('name');

    const list = await oco('admin-keys', 'list', '--json');
    expect(list.stdout).not.toContain(key.key);
    expect(list.json()).toEqual([expect.objectContaining({ id: key.id, prefix: key.key.slice(0, 18) })]);

    const revoked = await oco('admin-keys', 'revoke', 'grafana', '--json');
    expect(revoked.json()).toMatchObject({ id: key.id, status: 'revoked' });
    const missing = await oco('admin-keys', 'revoke', 'nobody', '--json');
    expect(missing.code).toBe(1);
    expect(missing.json().error.code).toBe('OCO_ADMIN_KEY_NOT_FOUND');
  });

  it('filters spend requests; a bad filter or cursor exits 2 naming the flag', async () => {
    const ids = (r: { json(): { requests: Array<{ id: string }> } }) =>
      r
        .json()
        .requests.map((x) => x.id)
        .sort();
    expect(ids(await oco('spend', 'requests', '--key', 'key_a', '--json'))).toEqual(['c1', 'c2']);
    expect(ids(await oco('spend', 'requests', '--status', '4xx', '--team', 'ops', '--json'))).toEqual(['c2']);
    expect(ids(await oco('spend', 'requests', '--min-cost', '1', '--provider', 'anthropic', '--json'))).toEqual(['c3']);
    const page = await oco('spend', 'requests', '--limit', '2', '--since', '1h', '--json');
    const next = await oco(
      'spend',
      'requests',
      '--limit',
      '2',
      '--since',
      '1h',
      '--cursor',
      page.json().nextCursor,
      '--json',
    );
    expect([...ids(page), ...ids(next)].sort()).toEqual(['c1', 'c2', 'c3']);

    for (const [flag, value] of [
      ['status', '600'],
      ['min-cost', 'a-lot'],
      ['since', 'last-tuesday'],
      ['cursor', 'bogus'],
      ['limit', '0'],
    ] as const) {
      const r = await oco('spend', 'requests', `--${flag}`, value, '--json');
      expect(r.code, flag).toBe(2);
      expect(r.json().error, flag).toMatchObject({ code: 'OCO_SPEND_FILTER_INVALID', details: { flag } });
    }
  });

  it('spend summary groups by each of key, tag, user, org, provider, model, agent, team, and by two', async () => {
    for (const by of ['key', 'tag', 'user', 'org', 'provider', 'model', 'agent', 'team', 'team,model']) {
      const r = await oco('spend', 'summary', '--by', by, '--since', '1d', '--json');
      expect(r.code, by).toBe(0);
      expect(r.json().total.requests, by).toBe(3);
      expect(r.json().rows.length, by).toBeGreaterThan(0);
    }
    const bad = await oco('spend', 'summary', '--by', 'colour', '--json');
    expect(bad.code).toBe(2);
    expect(bad.json().error).toMatchObject({ code: 'OCO_SPEND_FILTER_INVALID', details: { flag: 'by' } });
  });
});
