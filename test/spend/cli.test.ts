import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/core/base/money.js';
import { writeSpendEvents } from '../../src/core/gateway/spend/repo.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';

/** The commands as a user runs them: built CLI, child processes, an isolated OCO_HOME on the embedded SQLite. */
describe('oco budgets / oco limits', () => {
  let home: TempHome;
  const oco = (...args: string[]) => runOco(args, { home: home.path });
  beforeAll(() => {
    home = tempHome();
  });
  afterAll(() => home.cleanup());

  async function addSpend(
    cost: string | null,
    attribution: { team?: string; agent?: string } = {},
    flags: { overshoot?: string } = {},
  ) {
    const store = new SqliteStore({ file: join(home.path, 'data', 'oco.db') });
    try {
      const now = new Date();
      await writeSpendEvents(store, [
        {
          requestId: `cli_${Math.random()}`,
          ts: now,
          expiresAt: now,
          state: 'settled',
          provider: 'openai',
          model: 'gpt-4o',
          orgId: 'acme',
          teamId: attribution.team ?? 'payments',
          agentId: attribution.agent ?? 'bot',
          userId: 'default',
          keyId: null,
          tags: [],
          reservedUsd: money(cost ?? '0'),
          costUsd: cost === null ? null : money(cost),
          unpriced: cost === null,
          overshootUsd: flags.overshoot ? money(flags.overshoot) : null,
        },
      ]);
    } finally {
      await store.close();
    }
  }

  it('bad input exits 2 naming the flag, and stores nothing', { timeout: 60_000 }, async () => {
    const cases: Array<[string[], string]> = [
      [['--scope', 'squad', '--entity', 'x', '--limit', '5'], '--scope'],
      [['--scope', 'team', '--entity', 'x', '--limit', '-5'], '--limit'],
      [['--scope', 'team', '--entity', 'x', '--limit', 'lots'], '--limit'],
      [['--scope', 'team', '--entity', 'x', '--limit', '5', '--timezone', 'Mars/Olympus'], '--timezone'],
      [['--scope', 'team', '--entity', 'x', '--limit', '5', '--period', 'fortnightly'], '--period'],
      [['--scope', 'team', '--entity', 'x', '--limit', '5', '--period', 'rolling'], '--window'],
      [['--scope', 'team', '--entity', 'x', '--limit', '5', '--alert-at', '50,150'], '--alert-at'],
      [['--scope', 'team', '--entity', 'x', '--limit', '5', '--webhook', 'ftp://x'], '--webhook'],
    ];
    const results = await Promise.all(cases.map(([args]) => oco('budgets', 'create', ...args, '--json')));
    results.forEach((r, i) => {
      expect(r.code, cases[i]![1]).toBe(2);
      expect(r.json().error.message).toContain(cases[i]![1]);
      expect(r.json().error.details.flag).toBe(cases[i]![1].slice(2));
    });
    const human = await oco('budgets', 'create', '--scope', 'team', '--entity', 'x', '--limit', 'abc');
    expect(human.code).toBe(2);
    expect(human.stderr).toMatch(/^Error: --limit: "abc" is not a non-negative amount of USD\nHint: /);
    const list = await oco('budgets', 'list', '--json');
    expect(list.code).toBe(0);
    expect(list.json()).toEqual([]);
  });

  it('create, list, get, update, reset, delete with --json and tables', { timeout: 90_000 }, async () => {
    const created = await oco(
      'budgets',
      'create',
      '--scope',
      'team',
      '--entity',
      'payments',
      '--limit',
      '500',
      '--period',
      'monthly',
      '--timezone',
      'Europe/Berlin',
      '--alert-at',
      '80,50',
      '--create-entity',
      '--json',
    );
    expect(created.code).toBe(0);
    const b = created.json();
    expect(b).toMatchObject({
      scope: 'team',
      entityId: 'payments',
      limitUsd: '500',
      period: 'monthly',
      timezone: 'Europe/Berlin',
      hard: true,
      alertAt: [50, 80],
      spentUsd: '0',
      reservedUsd: '0',
      remainingUsd: '500',
    });
    expect(new Date(b.resetsAt).getTime()).toBeGreaterThan(Date.now());

    const dup = await oco('budgets', 'create', '--scope', 'team', '--entity', 'payments', '--limit', '1');
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('already exists');

    await oco(
      'budgets',
      'create',
      '--scope',
      'team',
      '--entity',
      'payments',
      '--model',
      'gpt-4o',
      '--limit',
      '100.25',
      '--soft',
      '--period',
      'rolling',
      '--window',
      '24h',
      '--json',
    );
    await addSpend('123.406789');
    await addSpend('0.05', {}, { overshoot: '0.01' });
    await addSpend(null);

    const table = await oco('budgets', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(
      /ID\s+SCOPE\s+ENTITY\s+ON\s+LIMIT\s+SPENT\s+RESERVED\s+REMAINING\s+UNPRICED\s+OVERSHOOT/,
    );
    const listed = (await oco('budgets', 'list', '--json')).json() as Array<Record<string, unknown>>;
    expect(listed.find((x) => x.id === b.id)).toMatchObject({
      spentUsd: '123.456789',
      unpricedCalls: 1,
      overshootCalls: 1,
      overshootUsd: '0.01',
    });
    expect(table.stdout).toContain('rolling 1d (soft)');
    expect(table.stdout).toContain('123.456789');

    const get = await oco('budgets', 'get', '--scope', 'team', '--entity', 'payments', '--model', 'gpt-4o', '--json');
    expect(get.json()).toMatchObject({
      model: 'gpt-4o',
      limitUsd: '100.25',
      spentUsd: '123.456789',
      state: 'exceeded',
      hard: false,
      window: '1d',
    });
    const ambiguous = await oco('budgets', 'get', '--scope', 'team', '--entity', 'payments');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('2 budgets match');

    const upd = await oco('budgets', 'update', b.id, '--limit', '750', '--json');
    expect(upd.json()).toMatchObject({ id: b.id, limitUsd: '750', spentUsd: '123.456789', remainingUsd: '626.543211' });
    const badUpd = await oco('budgets', 'update', b.id, '--timezone', 'Nowhere/Land');
    expect(badUpd.code).toBe(2);
    expect(badUpd.stderr).toContain('--timezone');
    expect((await oco('budgets', 'get', b.id, '--json')).json().timezone).toBe('Europe/Berlin');

    const reset = await oco('budgets', 'reset', b.id, '--json');
    expect(reset.json()).toMatchObject({ spentUsd: '0', remainingUsd: '750' });

    const del = await oco('budgets', 'delete', b.id, '--json');
    expect(del.json()).toEqual({ deleted: b.id, scope: 'team', entityId: 'payments' });
    const gone = await oco('budgets', 'get', b.id);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('no budget with id');
  });

  it('--limit 0 is a legitimate hard budget that blocks every call, and --help says so', async () => {
    const zero = await oco(
      'budgets',
      'create',
      '--scope',
      'agent',
      '--entity',
      'runaway-bot',
      '--limit',
      '0',
      '--period',
      'total',
      '--json',
    );
    expect(zero.code, zero.stderr).toBe(0);
    expect(zero.json()).toMatchObject({ limitUsd: '0', hard: true, spentUsd: '0', remainingUsd: '0' });
    const upd = await oco('budgets', 'update', zero.json().id, '--limit', '0.00', '--json');
    expect(upd.json()).toMatchObject({ limitUsd: '0' });
    for (const cmd of ['create', 'update']) {
      const help = await oco('budgets', cmd, '--help');
      expect(help.stdout.replace(/\s+/g, ' ')).toContain('0 with a hard budget refuses every call');
    }
    expect((await oco('budgets', 'delete', zero.json().id, '--json')).code).toBe(0);
  });

  it('check: exit 4 when a budget is over, with --fail-on exceeded|soft', { timeout: 60_000 }, async () => {
    await oco('budgets', 'create', '--scope', 'agent', '--entity', 'gate-bot', '--limit', '1', '--soft');
    await addSpend('2', { agent: 'gate-bot' });
    // The soft gpt-4o budget from the previous test is over too; both are soft: "exceeded" passes.
    const pass = await oco('budgets', 'check', '--json');
    expect(pass.code).toBe(0);
    expect(pass.json().failed).toEqual([]);
    const soft = await oco('budgets', 'check', '--scope', 'agent', '--entity', 'gate-bot', '--fail-on', 'soft');
    expect(soft.code).toBe(4);
    expect(soft.stderr).toContain('over the limit: agent/gate-bot (2 of 1 USD)');
    await oco('budgets', 'update', '--scope', 'agent', '--entity', 'gate-bot', '--hard');
    const hard = await oco('budgets', 'check', '--json');
    expect(hard.code).toBe(4);
    expect(hard.json().failed.map((f: { entityId: string }) => f.entityId)).toEqual(['gate-bot']);
    const bad = await oco('budgets', 'check', '--fail-on', 'sometimes');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--fail-on');
  });

  it('alerts lists records; limits create, list, replace, delete', { timeout: 60_000 }, async () => {
    const alerts = await oco('budgets', 'alerts', '--json');
    expect(alerts.code).toBe(0);
    expect(alerts.json()).toEqual([]);
    expect(
      (
        await oco(
          'limits',
          'create',
          '--scope',
          'agent',
          '--entity',
          'bot-1',
          '--kind',
          'rpm',
          '--limit',
          '60',
          '--json',
        )
      ).json(),
    ).toMatchObject({ scope: 'agent', kind: 'rpm', limit: 60, window: '1m' });
    expect(
      (
        await oco(
          'limits',
          'create',
          '--scope',
          'agent',
          '--entity',
          'bot-1',
          '--kind',
          'rpm',
          '--limit',
          '90',
          '--window',
          '10s',
          '--json',
        )
      ).json(),
    ).toMatchObject({ limit: 90, window: '10s' });
    const bad = await oco('limits', 'create', '--scope', 'region', '--entity', 'x', '--kind', 'rpm', '--limit', '5');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--scope');
    const badProvider = await oco(
      'limits',
      'create',
      '--scope',
      'agent',
      '--entity',
      'bot-1',
      '--kind',
      'rpm',
      '--limit',
      '5',
      '--provider',
      'Open AI',
    );
    expect(badProvider.code).toBe(2);
    expect(badProvider.stderr).toContain('--provider');
    // A narrowed limit is a second limit beside the general one, not a replacement of it.
    const narrowed = await oco(
      'limits',
      'create',
      '--scope',
      'agent',
      '--entity',
      'bot-1',
      '--kind',
      'rpm',
      '--limit',
      '5',
      '--model',
      'gpt-4o',
    );
    expect(narrowed.code).toBe(0);
    expect(narrowed.stdout).toMatch(/agent bot-1 rpm 5 per 1m for gpt-4o/);
    const user = await oco(
      'limits',
      'create',
      '--scope',
      'user',
      '--entity',
      'ana',
      '--kind',
      'tpm',
      '--limit',
      '900',
      '--json',
    );
    expect(user.json()).toMatchObject({ scope: 'user', entityId: 'ana', provider: null, model: null });
    const table = await oco('limits', 'list');
    expect(table.stdout).toMatch(/agent\s+bot-1\s+rpm\s+90\s+10s/);
    expect(table.stdout).toMatch(/agent\s+bot-1\s+rpm\s+5\s+1m\s+(-\s+)+gpt-4o/);
    expect(table.stdout).not.toContain('undefined');
    const list = await oco('limits', 'list', '--json');
    expect(list.json()).toHaveLength(3);
    const delNarrowed = await oco('limits', 'delete', '--scope', 'agent', '--entity', 'bot-1', '--model', 'gpt-4o');
    expect(delNarrowed.stdout).toContain('Deleted rate limit');
    expect(delNarrowed.stdout).toContain('(agent bot-1 rpm for gpt-4o)');
    expect((await oco('limits', 'list', '--json')).json()).toHaveLength(2);
    const del = await oco('limits', 'delete', '--scope', 'agent', '--entity', 'bot-1', '--json');
    expect(del.json()).toHaveLength(1);
    await oco('limits', 'delete', '--scope', 'user', '--entity', 'ana');
    // A request quota: per budget period, its use in the period shown (0 so far, never unknown).
    const noPeriod = await oco(
      'limits',
      'create',
      '--scope',
      'agent',
      '--entity',
      'ml-bot',
      '--kind',
      'requests',
      '--limit',
      '100',
    );
    expect(noPeriod.code).toBe(2);
    expect(noPeriod.stderr).toContain('--period');
    const q = await oco(
      'limits',
      'create',
      '--scope',
      'agent',
      '--entity',
      'ml-bot',
      '--kind',
      'requests',
      '--limit',
      '100',
      '--period',
      'monthly',
    );
    expect(q.stdout).toContain('agent ml-bot requests 100 per monthly period');
    const [row] = (await oco('limits', 'list', '--json')).json() as Array<Record<string, unknown>>;
    expect(row).toMatchObject({ kind: 'requests', period: 'monthly', timezone: 'UTC', used: 0, remaining: 100 });
    await oco('limits', 'delete', '--scope', 'agent', '--entity', 'ml-bot');
    expect((await oco('limits', 'list', '--json')).json()).toEqual([]);
  });
});
