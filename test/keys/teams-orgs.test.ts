import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOco } from '../helpers/cli.js';
import { BACKENDS } from '../helpers/stores.js';
import { startHarness, type Harness } from '../proxy/harness.js';

const ADMIN_KEY = 'admin-secret-teams-17';

/**
 * `oco teams|orgs …`, the admin API's /api/v1/teams and /api/v1/orgs, budgets and rate limits that must
 * name an existing entity, and `budgets raise`, against the database a running gateway uses: the same
 * validation from the CLI (exit code, error code) and the API (status, code), nothing changed by bad
 * input, and the gateway applying a managed team's org list and a team's defaults.
 */
for (const backend of BACKENDS)
  describe.skipIf(!backend.available())(
    `teams, orgs and budget raises through the CLI and /api/v1 (${backend.name})`,
    () => {
      let h: Harness;
      const oco = (...args: string[]) => runOco(args, { home: h.home.path, env: h.env, timeoutMs: 60_000 });
      const api = async (method: string, path: string, body?: unknown) => {
        const r = await fetch(`${h.url}/api/v1${path}`, {
          method,
          headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: r.status, body: (await r.json()) as any };
      };
      const state = async () => ({
        entities: await h.daemon.store.all('SELECT * FROM entities ORDER BY scope, name'),
        keys: (await h.daemon.store.all('SELECT * FROM api_keys ORDER BY id')).map(({ last_used_at: _, ...k }) => k),
        budgets: await h.daemon.store.all('SELECT * FROM budgets ORDER BY id'),
        limits: await h.daemon.store.all('SELECT * FROM rate_limits ORDER BY id'),
        lists: await h.daemon.store.all('SELECT * FROM entity_allow_lists ORDER BY scope, entity_id'),
      });
      const expectError = (r: Awaited<ReturnType<typeof oco>>, exit: number, code: string, text?: string) => {
        expect(r.code, r.stderr + r.stdout).toBe(exit);
        const e = r.json().error;
        expect(e.code).toBe(code);
        if (text) expect(e.message).toContain(text);
      };

      beforeAll(async () => {
        h = await startHarness({
          engine: backend.name,
          env: { OCO_ADMIN_API_KEY: ADMIN_KEY, OPENAI_API_KEY: 'sk-configured' },
        });
      });
      afterAll(async () => h?.stop());

      it('creates, shows, changes teams and orgs; the CLI and the API print the same documents', async () => {
        const org = await oco('orgs', 'create', 'acme', '--providers', 'openai', '--default-rpm', '30', '--json');
        expect(org.code, org.stderr).toBe(0);
        expect(org.json()).toMatchObject({ scope: 'org', name: 'acme', allowedProviders: ['openai'], defaultRpm: 30 });
        const team = await oco(
          'teams',
          'create',
          'payments',
          '--org',
          'acme',
          '--description',
          'Payments platform',
          '--metadata',
          'ownerName=ana',
          '--models',
          'gpt-4o-mini',
          '--default-budget',
          '5.50',
          '--json',
        );
        expect(team.code, team.stderr).toBe(0);
        expect(team.json()).toMatchObject({
          name: 'payments',
          org: 'acme',
          metadata: { ownerName: 'ana' },
          allowedModels: ['gpt-4o-mini'],
          allowedProviders: null,
          defaultBudgetUsd: '5.5',
          defaultBudgetPeriod: 'monthly',
          defaultRpm: null,
        });
        // The managed team's list IS its allow-list row: "keys allow" lists it.
        const lists = (await oco('keys', 'allow', '--json')).json().allowLists;
        expect(lists.map((l: any) => `${l.scope}/${l.entityId}`)).toEqual(['org/acme', 'team/payments']);

        const created = await api('POST', '/teams', {
          name: 'search',
          org: 'acme',
          default_budget: '2',
          default_budget_period: 'weekly',
          metadata: { costCentre: '42' },
        });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({
          name: 'search',
          org: 'acme',
          default_budget_usd: '2',
          default_budget_period: 'weekly',
          metadata: { costCentre: '42' },
        });
        const cliGet = (await oco('teams', 'get', 'search', '--json')).json();
        const apiGet = await api('GET', '/teams/search');
        expect(apiGet.body).toMatchObject({
          ...created.body,
          references: { keys: 0, teams: 0, budgets: 0, rate_limits: 0 },
        });
        expect(cliGet.references).toEqual({ keys: 0, teams: 0, budgets: 0, rateLimits: 0 });
        expect((await api('GET', '/orgs/acme')).body).toMatchObject({ name: 'acme', teams: ['payments', 'search'] });
        expect((await oco('orgs', 'list', '--json')).json().orgs[0].teams).toEqual(['payments', 'search']);

        const patched = await api('PATCH', '/teams/search', { description: 'Search', models: 'gpt-4o-mini' });
        expect(patched.status).toBe(200);
        expect(patched.body).toMatchObject({ description: 'Search', allowed_models: ['gpt-4o-mini'] });
        const updated = await oco(
          'teams',
          'update',
          'search',
          '--default-budget',
          'none',
          '--metadata',
          'costCentre=',
          '--json',
        );
        expect(updated.code, updated.stderr).toBe(0);
        expect(updated.json()).toMatchObject({ defaultBudgetUsd: null, defaultBudgetPeriod: null, metadata: {} });
        const listed = (await oco('teams', 'list', '--json')).json().teams;
        expect((await api('GET', '/teams')).body.teams).toHaveLength(listed.length);
        expect((await oco('teams', 'list')).stdout).toContain('payments');
      });

      it('bad team/org input: exit 2 / 400 with the code, exit 1 / 404 when unknown; nothing changes', async () => {
        const before = await state();
        expectError(
          await oco('teams', 'create', 'ops', '--org', 'globex', '--json'),
          2,
          'OCO_ENTITY_INVALID',
          'globex',
        );
        expectError(await oco('teams', 'create', 'payments', '--json'), 2, 'OCO_ENTITY_EXISTS');
        expectError(await oco('teams', 'create', 'bad name', '--json'), 2, 'OCO_ENTITY_INVALID');
        expectError(await oco('teams', 'create', 'ops', '--default-rpm', '0', '--json'), 2, 'OCO_ENTITY_INVALID');
        expectError(await oco('teams', 'create', 'ops', '--default-budget', '-1', '--json'), 2, 'OCO_ENTITY_INVALID');
        expectError(
          await oco('teams', 'create', 'ops', '--default-budget', '1', '--default-budget-period', 'rolling', '--json'),
          2,
          'OCO_ENTITY_INVALID',
        );
        expectError(await oco('teams', 'create', 'ops', '--providers', 'nope', '--json'), 2, 'OCO_ENTITY_INVALID');
        expectError(await oco('teams', 'get', 'ghost', '--json'), 1, 'OCO_ENTITY_NOT_FOUND');
        expectError(await oco('orgs', 'update', 'acme', '--json'), 2, 'OCO_ENTITY_INVALID', 'nothing to change');

        const cases: Array<[string, string, unknown, number, string, string?]> = [
          ['POST', '/teams', { name: 'ops', org: 'globex' }, 400, 'OCO_ENTITY_INVALID', 'org'],
          ['POST', '/teams', { name: 'payments' }, 409, 'OCO_ENTITY_EXISTS'],
          ['POST', '/orgs', { name: 'x', org: 'acme' }, 400, 'OCO_ENTITY_INVALID', 'org'],
          ['POST', '/teams', { name: 'ops', default_rpm: 'lots' }, 400, 'OCO_ENTITY_INVALID', 'default_rpm'],
          ['POST', '/teams', [1], 400, 'OCO_ENTITY_INVALID'],
          ['PATCH', '/teams/payments', { name: 'renamed' }, 400, 'OCO_ENTITY_INVALID', 'name'],
          ['GET', '/teams/ghost', undefined, 404, 'OCO_ENTITY_NOT_FOUND'],
          ['DELETE', '/orgs/ghost', undefined, 404, 'OCO_ENTITY_NOT_FOUND'],
        ];
        for (const [method, path, body, status, code, field] of cases) {
          const r = await api(method, path, body);
          expect(r.status, `${method} ${path}`).toBe(status);
          expect(r.body.error.code).toBe(code);
          if (field) expect(r.body.error.field).toBe(field);
        }
        expect(await state()).toEqual(before);
      });

      it("a key created in a team gets the team's org and defaults; the org's list applies to the team", async () => {
        const key = await oco('keys', 'create', '--name', 'pay-bot', '--team', 'payments', '--json');
        expect(key.code, key.stderr).toBe(0);
        expect(key.json()).toMatchObject({
          teamId: 'payments',
          orgId: 'acme',
          // The team's default budget; rpm from its org (the team names none).
          limits: { budget: { limitUsd: '5.5', period: 'monthly' }, rpm: { limit: 30 } },
        });
        const own = await oco(
          'keys',
          'create',
          '--name',
          'own',
          '--team',
          'payments',
          '--budget',
          '1',
          '--rpm',
          '5',
          '--json',
        );
        expect(own.json().limits).toMatchObject({ budget: { limitUsd: '1' }, rpm: { limit: 5 } });
        const before = await state();
        expectError(
          await oco('keys', 'create', '--name', 'x', '--team', 'payments', '--org', 'globex', '--json'),
          2,
          'OCO_KEY_INVALID',
          'belongs to org "acme"',
        );
        expect(await state()).toEqual(before);

        // A call labelled with the team but another org still passes the team's org list (providers: openai):
        // the team's own list (models gpt-4o-mini) admits it, acme's refuses anthropic.
        await new Promise((r) => setTimeout(r, 2300)); // the daemon re-reads allow-lists every 2 s
        const res = await fetch(`${h.url}/v1/proxy/anthropic/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-team-id': 'search', 'x-org-id': 'other' },
          body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(res.status).toBe(403);
        expect(((await res.json()) as any).error).toMatchObject({ code: 'model_not_allowed', scope: 'org' });
      });

      it('budgets and rate limits must name an existing team, org or key; --create-entity creates the team', async () => {
        const before = await state();
        expectError(
          await oco('budgets', 'create', '--scope', 'team', '--entity', 'ghost', '--limit', '5', '--json'),
          2,
          'OCO_SPEND_ENTITY_UNKNOWN',
          'ghost',
        );
        const human = await oco('budgets', 'create', '--scope', 'team', '--entity', 'ghost', '--limit', '5');
        expect(human.stderr).toMatch(/Hint: .*--create-entity/);
        expectError(
          await oco('budgets', 'create', '--scope', 'key', '--entity', 'key_nothere', '--limit', '5', '--json'),
          2,
          'OCO_SPEND_ENTITY_UNKNOWN',
        );
        expectError(
          await oco(
            'limits',
            'create',
            '--scope',
            'org',
            '--entity',
            'globex',
            '--kind',
            'rpm',
            '--limit',
            '5',
            '--json',
          ),
          2,
          'OCO_SPEND_ENTITY_UNKNOWN',
        );
        const bad = await api('POST', '/budgets', {
          scope: 'org',
          entity_id: 'globex',
          limit_usd: '5',
          period: 'daily',
        });
        expect(bad.status).toBe(400);
        expect(bad.body.error).toMatchObject({ code: 'OCO_SPEND_ENTITY_UNKNOWN', field: 'entity' });
        expect(await state()).toEqual(before);

        const made = await oco(
          'budgets',
          'create',
          '--scope',
          'team',
          '--entity',
          'ghost',
          '--limit',
          '5',
          '--create-entity',
        );
        expect(made.code, made.stderr).toBe(0);
        expect((await oco('teams', 'get', 'ghost', '--json')).code).toBe(0);
        const viaApi = await api('POST', '/budgets', {
          scope: 'org',
          entity_id: 'globex',
          limit_usd: '5',
          period: 'daily',
          create_entity: true,
        });
        expect(viaApi.status).toBe(201);
        expect((await api('GET', '/orgs/globex')).status).toBe(200);
        const limit = await oco(
          'limits',
          'create',
          '--scope',
          'org',
          '--entity',
          'initech',
          '--create-entity',
          '--kind',
          'rpm',
          '--limit',
          '5',
          '--json',
        );
        expect(limit.code, limit.stderr).toBe(0);
        // A key named by its name is stored under its id: what calls carry.
        const byName = await oco(
          'budgets',
          'create',
          '--scope',
          'key',
          '--entity',
          'pay-bot',
          '--model',
          'gpt-4o',
          '--limit',
          '3',
          '--period',
          'daily',
          '--json',
        );
        expect(byName.code, byName.stderr).toBe(0);
        expect(byName.json().entityId).toMatch(/^key_/);
      });

      it('delete refuses while keys, teams or budgets reference it; --force keeps them on the label', async () => {
        const before = await state();
        const refused = await oco('teams', 'delete', 'payments', '--json');
        expectError(refused, 2, 'OCO_ENTITY_IN_USE', '2 keys');
        expect((await api('DELETE', '/orgs/acme')).body.error).toMatchObject({ code: 'OCO_ENTITY_IN_USE' });
        expect((await api('DELETE', '/orgs/acme?force=maybe')).status).toBe(400);
        expect(await state()).toEqual(before);

        const forced = await oco('teams', 'delete', 'payments', '--force', '--json');
        expect(forced.code, forced.stderr).toBe(0);
        expect(forced.json().references).toMatchObject({ keys: 2 });
        const after = await state();
        expect(after.keys).toEqual(before.keys);
        expect(after.budgets).toEqual(before.budgets);
        expect(after.lists.map((l: any) => `${l.scope}/${l.entity_id}`)).not.toContain('team/payments');

        const org = await api('DELETE', '/orgs/acme?force=true');
        expect(org.status).toBe(200);
        expect(org.body.references).toMatchObject({ teams: 1 });
        expect((await api('GET', '/teams/search')).body.org).toBeNull();
        expect((await oco('teams', 'delete', 'ghost', '--force', '--json')).code).toBe(0);
      });

      it('budgets raise: bad --by/--until exit 2 naming the flag; a raise shows in list/get and clears', async () => {
        const b = (await oco('budgets', 'get', '--scope', 'org', '--entity', 'globex', '--json')).json();
        const before = await state();
        const future = new Date(Date.now() + 86_400_000).toISOString();
        const bad: Array<[string[], string]> = [
          [['--by', '0', '--until', future], 'by'],
          [['--by', '-3', '--until', future], 'by'],
          [['--by', '1e3', '--until', future], 'by'],
          [['--by', '20', '--until', '2020-01-01T00:00:00Z'], 'until'],
          [['--by', '20', '--until', 'tomorrow'], 'until'],
          [['--by', '20', '--until', '2030-01-01T10:00'], 'until'],
          [['--by', '20'], 'until'],
        ];
        for (const [args, flag] of bad) {
          const r = await oco('budgets', 'raise', b.id, ...args, '--json');
          expectError(r, 2, 'OCO_BUDGET_RAISE_INVALID', `--${flag}`);
          expect(r.json().error.details.flag).toBe(flag);
        }
        const apiBad = await api('POST', `/budgets/${b.id}/raise`, { by: '20', until: '2001-01-01' });
        expect(apiBad.status).toBe(400);
        expect(apiBad.body.error).toMatchObject({ code: 'OCO_BUDGET_RAISE_INVALID', field: 'until' });
        expect((await api('POST', '/budgets/bud_nothere/raise', { by: '1', until: future })).status).toBe(404);
        expect(await state()).toEqual(before);

        const raised = await oco('budgets', 'raise', b.id, '--by', '20.25', '--until', future, '--json');
        expect(raised.code, raised.stderr).toBe(0);
        expect(raised.json()).toMatchObject({
          limitUsd: '5',
          effectiveLimitUsd: '25.25',
          raise: { byUsd: '20.25', until: future },
        });
        const table = await oco('budgets', 'list');
        expect(table.stdout).toContain(`25.25 (+20.25 until ${future})`);
        expect((await oco('budgets', 'get', b.id)).stdout).toMatch(/raise +\+20\.25 USD until .*: 25\.25 USD in force/);

        const viaApi = await api('POST', `/budgets/${b.id}/raise`, { by: '1', until: future });
        expect(viaApi.body.budget).toMatchObject({ effective_limit_usd: '6', raise: { by_usd: '1', until: future } });
        const cleared = await oco('budgets', 'raise', b.id, '--clear', '--json');
        expect(cleared.json()).toMatchObject({ effectiveLimitUsd: '5', raise: null });
      });
    },
  );
