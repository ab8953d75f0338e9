import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snakeCaseKeys } from '../../src/core/base/json-keys.js';
import { runOco } from '../helpers/cli.js';
import { pgAvailable } from '../helpers/services.js';
import { startHarness, type Harness } from '../proxy/harness.js';
import { cloudDay, usageHour } from './helpers.js';

const ADMIN_KEY = 'admin-key-for-insights-0123456789';
const ENGINES = [
  { engine: 'sqlite' as const, available: true },
  { engine: 'postgres' as const, available: pgAvailable() },
];
const FROM = '2026-11-01T00:00:00.000Z';
const TO = '2026-11-08T00:00:00.000Z';

/**
 * `oco insights` as a user runs it (the built CLI) and `GET /api/v1/insights` on a running daemon,
 * over the same database: the same document, keys in each surface's style.
 */
describe.each(ENGINES)('oco insights and the admin API ($engine)', ({ engine, available }) => {
  let h: Harness;
  const oco = (...args: string[]) => runOco(args, { env: h.env, timeoutMs: 60_000 });
  const admin = (query: string, key: string | null = ADMIN_KEY) =>
    fetch(`${h.url}/api/v1/insights${query}`, { headers: key ? { 'x-api-key': key } : {} });

  beforeAll(async () => {
    if (!available) return;
    h = await startHarness({ engine, env: { OCO_ADMIN_API_KEY: ADMIN_KEY } });
    const store = h.daemon.store;
    for (const [team, agent, cost, unpriced] of [
      ['search', 'indexer', '75.5', 0],
      ['support', 'helpdesk', '24.5', 3],
    ] as const)
      await usageHour(store, {
        hour: '2026-11-03T09:00:00.000Z',
        team,
        agent,
        provider: 'openai',
        model: team === 'search' ? 'gpt-4o' : 'house-model',
        requests: 10,
        cost,
        unpriced,
      });
    for (const day of ['2026-10-27', '2026-11-03'])
      await cloudDay(store, {
        day,
        source: 'aws',
        provider: 'aws',
        service: 'Amazon EC2',
        cost: day === '2026-11-03' ? '130' : '30',
        tags: { team: 'search' },
      });
  }, 60_000);
  afterAll(async () => h?.stop());

  it.skipIf(!available)(
    'prints a table and JSON; the admin API returns the same document',
    { timeout: 180_000 },
    async () => {
      const table = await oco('insights', '--from', FROM, '--to', TO);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toContain('oco spend summary --by team');
      expect(table.stdout).toContain('unknown');
      const cli = await oco('insights', '--from', FROM, '--to', TO, '--json');
      expect(cli.code, cli.stderr).toBe(0);
      const doc = cli.json();
      // EC2 up 100 week over week, then the top spenders (75.5, 24.5 for teams and agents), unpriced last.
      expect(doc.insights.map((i: { id: string; impact: string | null }) => [i.id, i.impact])).toEqual([
        ['top-mover:aws/Amazon EC2/USD:2026-11-03', '100'],
        ['top-spender:agent=indexer', '75.5'],
        ['top-spender:team=search', '75.5'],
        ['top-spender:agent=helpdesk', '24.5'],
        ['top-spender:team=support', '24.5'],
        ['unpriced-calls:openai/house-model', null],
      ]);
      expect(doc).toMatchObject({ from: FROM, to: TO, domain: null, counts: { critical: 0, warning: 4, info: 2 } });

      const res = await admin(`?from=${FROM}&to=${TO}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(snakeCaseKeys(doc));

      const llm = await oco('insights', '--from', FROM, '--to', TO, '--domain', 'llm', '--min-impact', '50', '--json');
      expect(llm.json().insights.map((i: { id: string }) => i.id)).toEqual([
        'top-spender:agent=indexer',
        'top-spender:team=search',
        'unpriced-calls:openai/house-model',
      ]);
      const api = await admin(`?from=${FROM}&to=${TO}&domain=llm&min_impact=50`);
      expect(await api.json()).toEqual(snakeCaseKeys(llm.json()));
    },
  );

  it.skipIf(!available)('an empty window says so', { timeout: 60_000 }, async () => {
    const r = await oco('insights', '--from', '2026-01-01', '--to', '2026-01-08');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('No insights from 2026-01-01T00:00:00.000Z to 2026-01-08T00:00:00.000Z.');
  });

  it.skipIf(!available)(
    'bad flags exit 2 naming the flag; bad parameters are a 400 naming them',
    { timeout: 300_000 },
    async () => {
      const cases: Array<[string[], string]> = [
        [['--since', '12x'], '--since must be a span back from now'],
        [['--from', '2026-13-45'], '--from must be an ISO-8601 date or time'],
        [['--from', TO, '--to', FROM], 'must be before --to'],
        [['--min-impact', 'ten'], '--min-impact must be a non-negative amount'],
        [['--domain', 'k8s'], 'k8s'],
        [['--since', '7d', '--from', FROM], '--since'],
        [['--to', TO], '--from'],
      ];
      for (const [args, message] of cases) {
        const r = await oco('insights', ...args);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr).toContain(message);
      }
      const bad = await admin('?since=12x');
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: unknown }).error).toMatchObject({
        type: 'invalid_request',
        message: expect.stringContaining('query parameter since must be a span back from now'),
      });
      const domain = await admin('?domain=k8s');
      expect(((await domain.json()) as { error: { message: string } }).error.message).toContain(
        'query parameter domain must be llm or cloud',
      );
      expect((await admin('', null)).status).toBe(401);
      expect((await admin('', 'wrong-key')).status).toBe(401);
    },
  );
});
