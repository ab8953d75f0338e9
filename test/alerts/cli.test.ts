import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { money } from '../../src/core/base/money.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { claimDueDigest } from '../../src/core/gateway/alerts/digest.js';
import { runScheduledDigest } from '../../src/core/gateway/alerts/admin-api.js';
import { AlertManager } from '../../src/core/gateway/spend/alerts.js';
import { periodSpec } from '../../src/core/gateway/spend/model.js';
import { periodWindow } from '../../src/core/gateway/spend/period.js';
import { findBudget, writeSpendEvents } from '../../src/core/gateway/spend/repo.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { startFakeSlack } from '../fakes/slack/server.js';
import { startFakeSmtp } from '../fakes/smtp/server.js';
import { startFakeTeams } from '../fakes/teams/server.js';

const SMTP_PASSWORD = 'smtp-S3cret-pass';
const SLACK_TOKEN = 'XXXXsecretpathtokenXXXX';

/** The alert commands as a user runs them (built CLI, isolated OCO_HOME, SQLite) against wire-level fakes. */
describe('oco alerts', () => {
  let home: TempHome;
  let slack: Awaited<ReturnType<typeof startFakeSlack>>;
  let teams: Awaited<ReturnType<typeof startFakeTeams>>;
  let smtp: Awaited<ReturnType<typeof startFakeSmtp>>;
  let env: Record<string, string>;
  const oco = (...args: string[]) => runOco(args, { home: home.path, env, timeoutMs: 60_000 });
  const db = () => new SqliteStore({ file: join(home.path, 'data', 'oco.db') });
  const secretsIn = (text: string) =>
    [SLACK_TOKEN, SMTP_PASSWORD, 'Zm9vYmFyc2lnbmF0dXJlc2VjcmV0'].filter((s) => text.includes(s));
  let budgetId = '';

  beforeAll(async () => {
    home = tempHome();
    [slack, teams, smtp] = await Promise.all([
      startFakeSlack(),
      startFakeTeams(),
      startFakeSmtp({ user: 'oco', password: SMTP_PASSWORD }),
    ]);
    env = { OCO_SLACK_URL: slack.url };
  });
  afterAll(async () => {
    await Promise.all([slack.close(), teams.close(), smtp.close()]);
    home.cleanup();
  });

  async function addSpend(agent: string, cost: string) {
    const store = db();
    try {
      const now = new Date();
      await writeSpendEvents(store, [
        {
          requestId: `alerts_${agent}_${cost}_${Math.random()}`,
          ts: now,
          expiresAt: now,
          state: 'settled',
          provider: 'openai',
          model: 'gpt-4o',
          orgId: 'acme',
          teamId: 'payments',
          agentId: agent,
          userId: 'default',
          keyId: null,
          tags: [],
          reservedUsd: money(cost),
          costUsd: money(cost),
        },
      ]);
    } finally {
      await store.close();
    }
  }

  it(
    'adds destinations whose secrets are references: never in the database or the output',
    { timeout: 120_000 },
    async () => {
      const added = await oco(
        'alerts',
        'destinations',
        'add',
        'slack',
        'finops',
        '--webhook-url-env',
        'OCO_SLACK_URL',
        '--json',
      );
      expect(added.code, added.stderr).toBe(0);
      expect(added.json()).toMatchObject({
        name: 'finops',
        kind: 'slack',
        default: true,
        secrets: { url: 'env:OCO_SLACK_URL' },
      });
      const [t, e, bad, badName] = await Promise.all([
        oco('alerts', 'destinations', 'add', 'teams', 'platform', '--webhook-url', teams.url, '--json'),
        oco(
          'alerts',
          'destinations',
          'add',
          'email',
          'finance',
          '--smtp-host',
          '127.0.0.1',
          '--smtp-port',
          String(smtp.port),
          '--smtp-security',
          'none',
          '--smtp-user',
          'oco',
          '--smtp-password',
          SMTP_PASSWORD,
          '--from',
          'oco@example.com',
          '--to',
          'cfo@example.com, ops@example.com',
          '--json',
        ),
        oco('alerts', 'destinations', 'add', 'slack', 'nourl', '--json'),
        oco('alerts', 'destinations', 'add', 'slack', 'Fin Ops', '--webhook-url-env', 'X', '--json'),
      ]);
      expect(t.code, t.stderr).toBe(0);
      expect(t.json()).toMatchObject({ default: false, secrets: { url: 'file:alert-secrets.json' } });
      expect(e.code, e.stderr).toBe(0);
      expect(e.json().settings).toEqual({
        host: '127.0.0.1',
        port: smtp.port,
        security: 'none',
        user: 'oco',
        from: 'oco@example.com',
        to: ['cfo@example.com', 'ops@example.com'],
      });
      expect(bad.code).toBe(2);
      expect(bad.json().error).toMatchObject({
        code: 'OCO_ALERT_DESTINATION_INVALID',
        details: { field: '--webhook-url-env' },
      });
      expect(badName.code).toBe(2);
      expect(badName.json().error.details.field).toBe('name');

      const list = await oco('alerts', 'destinations', 'list', '--json');
      expect(list.json().map((d: any) => [d.name, d.kind, d.default])).toEqual([
        ['finance', 'email', false],
        ['finops', 'slack', true],
        ['platform', 'teams', false],
      ]);
      const table = await oco('alerts', 'destinations', 'list');
      for (const out of [added, t, e, list, table]) expect(secretsIn(out.stdout + out.stderr)).toEqual([]);
      // The database (and its WAL) holds no secret; the private file holds them, 0600.
      const dbBytes = ['oco.db', 'oco.db-wal']
        .map((f) => {
          try {
            return readFileSync(join(home.path, 'data', f), 'latin1');
          } catch {
            return '';
          }
        })
        .join('');
      expect(dbBytes).toContain('OCO_SLACK_URL');
      expect(secretsIn(dbBytes)).toEqual([]);
      const file = join(home.path, 'state', 'alert-secrets.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
        platform: { url: teams.url },
        finance: { password: SMTP_PASSWORD },
      });
    },
  );

  it(
    'Slack: Block Kit within its limits; 429 waits Retry-After and retries; 410 and 404 name the reason',
    { timeout: 120_000 },
    async () => {
      const ok = await oco('alerts', 'destinations', 'test', 'finops', '--json');
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.json()).toMatchObject({
        destination: 'finops',
        kind: 'slack',
        attempts: 1,
        target: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/…$/),
      });
      const m = slack.messages.at(-1)!.body;
      expect(m.text).toContain('oco test alert');
      expect(m.blocks![0]).toMatchObject({ type: 'header', text: { type: 'plain_text', text: 'oco test alert' } });
      expect(m.blocks!.at(-1)).toMatchObject({ type: 'context' });

      slack.script.push({ status: 429, body: 'rate_limited', retryAfter: '1' });
      const retried = await oco('alerts', 'destinations', 'test', 'finops', '--json');
      expect(retried.code, retried.stderr).toBe(0);
      expect(retried.json().attempts).toBe(2);

      slack.script.push({ status: 410, body: 'channel_is_archived' });
      const archived = await oco('alerts', 'destinations', 'test', 'finops');
      expect(archived.code).toBe(1);
      expect(archived.stderr).toContain('HTTP 410 channel_is_archived');
      expect(archived.stderr).toMatch(/Hint: .*archived: unarchive it/);
      slack.script.push({ status: 404, body: 'no_service' });
      const gone = await oco('alerts', 'destinations', 'test', 'finops', '--json');
      expect(gone.json().error).toMatchObject({
        code: 'OCO_ALERT_REJECTED',
        details: { status: 404, reason: 'no_service' },
      });
      expect(gone.json().error.hint).toContain('removed or revoked');
      for (const r of [ok, retried, archived, gone]) expect(secretsIn(r.stdout + r.stderr)).toEqual([]);

      const unset = await runOco(['alerts', 'destinations', 'test', 'finops', '--json'], { home: home.path });
      expect(unset.code).toBe(2);
      expect(unset.json().error).toMatchObject({ code: 'OCO_ALERT_SECRET_MISSING', details: { env: 'OCO_SLACK_URL' } });
    },
  );

  it('Teams: a message with one Adaptive Card 1.4; 429 is retried', { timeout: 120_000 }, async () => {
    teams.script.push({ status: 429, body: '', retryAfter: '1' });
    const r = await oco('alerts', 'destinations', 'test', 'platform', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().attempts).toBe(2);
    const card = teams.messages.at(-1)!.body;
    expect(card.type).toBe('message');
    expect(card.attachments).toHaveLength(1);
    expect(card.attachments[0]).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: { type: 'AdaptiveCard', version: '1.4' },
    });
    expect(card.attachments[0].content.body[0]).toMatchObject({ type: 'TextBlock', text: 'oco test alert' });
    expect(secretsIn(r.stdout + r.stderr)).toEqual([]);
  });

  it("email: a budget's alert for people over SMTP AUTH, with dot-stuffing", { timeout: 120_000 }, async () => {
    const b = await oco(
      'budgets',
      'create',
      '--scope',
      'team',
      '--entity',
      'payments',
      '--limit',
      '10',
      '--create-entity',
      '--json',
    );
    expect(b.code, b.stderr).toBe(0);
    budgetId = b.json().id;
    await addSpend('.hidden-bot', '9.1');
    await addSpend('bot', '0.2');
    const r = await oco('alerts', 'destinations', 'test', 'finance', '--budget', budgetId, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(smtp.violations).toEqual([]);
    const mail = smtp.messages.at(-1)!;
    expect(mail.authUser).toBe('oco');
    expect(mail.from).toBe('oco@example.com');
    expect(mail.to).toEqual(['cfo@example.com', 'ops@example.com']);
    expect(mail.headers.subject).toBe('Test alert for budget team payments');
    expect(mail.text).toMatch(/\nSpent: +9\.3 USD\n/);
    expect(mail.text).toMatch(/\nUsed: +93%\n/);
    // The spender whose name begins with "." came through the DATA dot-stuffing intact, biggest first.
    expect(mail.text).toMatch(/\nagent +spent \(USD\)\n\.hidden-bot +9\.1\nbot +0\.2\n/);
    expect(secretsIn(mail.data)).toEqual([]);
  });

  it(
    'routes a budget to a destination; a crossed threshold reaches it as a message for people',
    { timeout: 120_000 },
    async () => {
      const routed = await oco('alerts', 'route', '--budget', budgetId, '--destination', 'platform', '--json');
      expect(routed.code, routed.stderr).toBe(0);
      expect(routed.json()).toMatchObject([{ budgetId, destination: 'platform' }]);
      const unknown = await oco('alerts', 'route', '--budget', budgetId, '--destination', 'nowhere', '--json');
      expect(unknown.json().error.code).toBe('OCO_ALERT_DESTINATION_NOT_FOUND');

      const store = db();
      const lines: string[] = [];
      const logger = {
        info: (o: object, m: string) => lines.push(JSON.stringify(o) + m),
        warn: (o: object, m: string) => lines.push(JSON.stringify(o) + m),
      };
      const config = OcoConfig.load({ env: { OCO_HOME: home.path } });
      const alerts = new AlertManager(store, logger, {
        retryDelaysMs: [10],
        notify: { env: config.env, stateDir: config.paths.stateDir },
      });
      try {
        const budget = await findBudget(store, { id: budgetId });
        const now = new Date();
        const before = teams.messages.length;
        alerts.checkThresholds(budget, periodWindow(periodSpec(budget), now), money('9.3'), now);
        await alerts.drain();
        // Every threshold reached (of the default 50, 80, 100) is one message.
        const fresh = teams.messages.slice(before).map((x) => x.body.attachments[0].content.body);
        expect(fresh.map((b) => b[0].text).sort()).toEqual([
          'Budget team payments reached 50%',
          'Budget team payments reached 80%',
        ]);
        const body = fresh[0]!;
        const facts = Object.fromEntries(body[2].facts.map((f: any) => [f.title, f.value]));
        expect(facts).toMatchObject({ Spent: '9.3 USD', Limit: '10 USD', Used: '93%', Scope: 'team payments' });
        expect(facts.Resets).toMatch(/^\d{4}-\d\d-01T/);
        expect(secretsIn(lines.join('\n'))).toEqual([]);
      } finally {
        await alerts.close();
        await store.close();
      }
      const cleared = await oco('alerts', 'route', '--budget', budgetId, '--clear', '--json');
      expect(cleared.json()).toEqual([]);
    },
  );

  it(
    'digest: last week by team and model, movers, budgets near their limit; scheduled once per week',
    { timeout: 120_000 },
    async () => {
      const store = db();
      const now = new Date();
      const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
      const day = (back: number) => new Date(today - back * 86_400_000).toISOString().slice(0, 10);
      const rows: Array<[string, string, string, string, number]> = [
        [day(1), 'payments', 'gpt-4o', '0.1', 0],
        [day(3), 'payments', 'gpt-4o', '0.2', 2],
        [day(2), 'search', 'claude-sonnet-4', '5.25', 0],
        [day(9), 'payments', 'gpt-4o', '1', 0],
        [day(10), 'search', 'claude-sonnet-4', '0.25', 0],
        [day(0), 'search', 'claude-sonnet-4', '100', 0],
      ];
      try {
        for (const [d, team, model, cost, unpriced] of rows)
          await store.run(
            `INSERT INTO usage_daily (day, org_id, team_id, agent_id, user_id, key_id, provider, model, requests,
             cost_usd, unpriced_requests) VALUES ($1, 'acme', $2, 'bot', 'default', '', $3, $4, 1, $5, $6)`,
            [d, team, model.startsWith('gpt') ? 'openai' : 'anthropic', model, cost, unpriced],
          );
      } finally {
        await store.close();
      }
      const dry = await oco('alerts', 'digest', '--now', '--dry-run', '--json');
      expect(dry.code, dry.stderr).toBe(0);
      const d = dry.json();
      expect(d).toMatchObject({
        from: day(7),
        to: day(0),
        totalUsd: '5.55',
        previousTotalUsd: '1.25',
        unpricedCalls: 2,
        sent: null,
      });
      expect(d.byTeam.map((l: any) => [l.name, l.costUsd, l.changeUsd, l.changePct])).toEqual([
        ['search', '5.25', '5', '2000'],
        ['payments', '0.3', '-0.7', '-70'],
      ]);
      expect(d.byModel.map((l: any) => [l.name, l.costUsd])).toEqual([
        ['anthropic/claude-sonnet-4', '5.25'],
        ['openai/gpt-4o', '0.3'],
      ]);
      expect(d.movers.slice(0, 3).map((l: any) => [l.dimension, l.name, l.changeUsd])).toEqual([
        ['model', 'anthropic/claude-sonnet-4', '5'],
        ['team', 'search', '5'],
        ['model', 'openai/gpt-4o', '-0.7'],
      ]);
      expect(d.budgetsNearLimit).toEqual([expect.objectContaining({ id: budgetId, spentUsd: '9.3', usedPct: 93 })]);
      const text = await oco('alerts', 'digest', '--now', '--dry-run');
      expect(text.stdout).toContain(
        "Last week's LLM spend was 5.55 USD (+4.3 USD against the week before), plus 2 calls without a price (cost unknown).",
      );

      const before = slack.messages.length;
      const sent = await oco('alerts', 'digest', '--now', '--json');
      expect(sent.code, sent.stderr).toBe(0);
      expect(sent.json().sent).toMatchObject({ destination: 'finops', kind: 'slack' });
      expect(slack.messages.length).toBe(before + 1);
      const blocks = slack.messages.at(-1)!.body.blocks!;
      expect(blocks.length).toBeLessThanOrEqual(50);
      expect(blocks.map((b) => b.text?.text ?? '').join('\n')).toContain('search');

      const bad = await oco('alerts', 'digest', '--every', 'someday', '--json');
      expect(bad.json().error.details.field).toBe('--every');
      const scheduled = await oco(
        'alerts',
        'digest',
        '--every',
        'monday',
        '--at',
        '09:00',
        '--timezone',
        'Europe/Paris',
        '--json',
      );
      expect(scheduled.json().schedule).toMatchObject({
        every: 'monday',
        at: '09:00',
        timezone: 'Europe/Paris',
        destination: null,
      });
      expect((await oco('alerts', 'digest', '--json')).json().schedule.every).toBe('monday');

      // The daemon's job: the Monday 09:00 Paris after the schedule was made is due once, whichever daemon claims it.
      const s = db();
      try {
        const next = new Date(scheduled.json().schedule.lastSentFor);
        const due = new Date(next.getTime() + 7 * 86_400_000 + 30_000);
        const config = OcoConfig.load({ env: { OCO_HOME: home.path, OCO_SLACK_URL: slack.url } });
        const logged: object[] = [];
        const n = slack.messages.length;
        await runScheduledDigest(config, s, (o) => logged.push(o), due);
        expect(slack.messages.length).toBe(n + 1);
        expect(logged).toEqual([expect.objectContaining({ event: 'digest.weekly', destination: 'finops' })]);
        expect(await claimDueDigest(s, due)).toBeNull();
        await runScheduledDigest(config, s, (o) => logged.push(o), due);
        expect(slack.messages.length).toBe(n + 1);
      } finally {
        await s.close();
      }
      const off = await oco('alerts', 'digest', '--off', '--json');
      expect(off.json()).toEqual({ schedule: null });
    },
  );

  it(
    'set-default and remove: a removed destination takes its secrets and routes with it',
    { timeout: 120_000 },
    async () => {
      const def = await oco('alerts', 'destinations', 'set-default', 'finance', '--json');
      expect(def.json()).toMatchObject({ name: 'finance', default: true });
      await oco('alerts', 'route', '--budget', budgetId, '--destination', 'platform');
      const removed = await oco('alerts', 'destinations', 'remove', 'platform', '--json');
      expect(removed.code, removed.stderr).toBe(0);
      const [routes, list] = await Promise.all([
        oco('alerts', 'route', '--json'),
        oco('alerts', 'destinations', 'list', '--json'),
      ]);
      expect(routes.json()).toEqual([]);
      expect(list.json().map((x: any) => [x.name, x.default])).toEqual([
        ['finance', true],
        ['finops', false],
      ]);
      expect(Object.keys(JSON.parse(readFileSync(join(home.path, 'state', 'alert-secrets.json'), 'utf8')))).toEqual([
        'finance',
      ]);
      const missing = await oco('alerts', 'destinations', 'remove', 'platform', '--json');
      expect(missing.code).toBe(1);
      expect(missing.json().error.code).toBe('OCO_ALERT_DESTINATION_NOT_FOUND');
    },
  );
});
