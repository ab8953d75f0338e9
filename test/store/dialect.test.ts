import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import type { SqlParam, Store } from '../../src/core/base/store/types.js';
import { BACKENDS } from '../helpers/stores.js';

/** Column types as each engine stores them (what the migrations create). */
const TYPES = {
  sqlite: { ts: 'TEXT', date: 'TEXT', json: 'TEXT' },
  postgres: { ts: 'TIMESTAMPTZ', date: 'DATE', json: 'JSONB' },
} as const;

describe.each(BACKENDS)('dialect and engine capabilities on $name', (backend) => {
  describe.skipIf(!backend.available())('', () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const at = new Date('2026-03-01T23:30:00.250Z');

    beforeAll(async () => {
      ({ store, cleanup } = await backend.open({ migrate: false }));
      const t = TYPES[backend.name];
      await store.exec(
        `CREATE TABLE dialect_probe (id INTEGER PRIMARY KEY, ts ${t.ts}, day ${t.date}, doc ${t.json}, tags TEXT)`,
      );
      await store.run('INSERT INTO dialect_probe (id, ts, day, doc, tags) VALUES (1, $1, $2, $3, $4)', [
        at,
        '2026-03-01',
        JSON.stringify({ team: 'core', 'a.b': 'dotted', 'x[0] y': 'bracketed', n: 'x' }),
        ',team-a,team-b,',
      ]);
      await store.run('INSERT INTO dialect_probe (id, ts, day, doc, tags) VALUES (2, $1, $2, NULL, NULL)', [
        new Date('2025-12-31T00:00:00.000Z'),
        '2025-12-31',
      ]);
    });
    afterAll(async () => cleanup?.());

    const one = async (expr: string, params: SqlParam[] = [], id = 1) =>
      (await store.get<{ v: unknown }>(`SELECT ${expr} AS v FROM dialect_probe WHERE id = ${id}`, params))?.v;

    it('utcDay gives the UTC day of a timestamp, whatever the session time zone', async () => {
      if (backend.name === 'postgres') await store.exec("SET TIME ZONE 'Pacific/Auckland'"); // 2 March there
      expect(await one(store.dialect.utcDay('ts'))).toBe('2026-03-01');
      expect(await one(store.dialect.utcDay('ts'), [], 2)).toBe('2025-12-31');
    });

    it('epochMs gives integer milliseconds', async () => {
      expect(Number(await one(store.dialect.epochMs('ts')))).toBe(at.getTime());
      expect(Number(await one(`(${store.dialect.epochMs('ts')}) / 1000`))).toBe(Math.floor(at.getTime() / 1000));
    });

    it('dateText and monthText', async () => {
      expect(await one(store.dialect.dateText('day'))).toBe('2026-03-01');
      expect(await one(store.dialect.monthText('day'))).toBe('2026-03');
      const months = await store.all<{ m: string }>(
        `SELECT ${store.dialect.monthText('day')} AS m FROM dialect_probe GROUP BY ${store.dialect.monthText('day')} ORDER BY 1`,
      );
      expect(months.map((r) => r.m)).toEqual(['2025-12', '2026-03']);
    });

    it('position is 1-based, 0 when absent', async () => {
      expect(Number(await one(store.dialect.position('$1', 'tags'), [',team-b,']))).toBe(8);
      expect(Number(await one(store.dialect.position('$1', 'tags'), [',team-c,']))).toBe(0);
      expect(Number(await one(store.dialect.position("'x'", "'abcx'")))).toBe(4);
    });

    it('jsonField reads one key, bound as a parameter (dots and brackets are part of the name)', async () => {
      for (const [key, value] of [
        ['team', 'core'],
        ['a.b', 'dotted'],
        ['x[0] y', 'bracketed'],
        ['missing', null],
      ] as const) {
        const params: SqlParam[] = ['unused'];
        const expr = store.dialect.jsonField('doc', key, params);
        expect(params).toHaveLength(2);
        expect(expr).not.toContain(key === 'missing' ? 'missing' : key);
        expect(await one(`CASE WHEN $1 = 'unused' THEN ${expr} END`, params), key).toBe(value);
      }
      const params: SqlParam[] = [];
      expect(await one(store.dialect.jsonField('doc', 'team', params), params, 2)).toBeNull();
    });

    it('jsonKeys lists the keys of each row (none for NULL)', async () => {
      const k = store.dialect.jsonKeys('dialect_probe.doc', 'j');
      const rows = await store.all<{ k: string }>(
        `SELECT DISTINCT ${k.key} AS k FROM dialect_probe, ${k.from} WHERE doc IS NOT NULL OR doc IS NULL`,
      );
      expect(rows.map((r) => r.k).sort()).toEqual(['a.b', 'n', 'team', 'x[0] y']);
    });

    it('native runs this engine’s implementation, with its concrete store', () => {
      const got = store.native({
        sqlite: (s) => ['sqlite', s instanceof SqliteStore],
        postgres: (s) => ['postgres', typeof s.pool.connect === 'function'],
      });
      expect(got).toEqual([backend.name, true]);
    });

    it('embeddedFile names a file only an embedded on-disk database has', () => {
      if (backend.name === 'sqlite') expect(store.embeddedFile).toBe(store.location);
      else expect(store.embeddedFile).toBeUndefined();
    });
  });
});

describe('embeddedFile of an in-memory SQLite database', () => {
  it('is undefined (no other thread can open it)', async () => {
    const s = new SqliteStore({ file: ':memory:' });
    try {
      expect(s.embeddedFile).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});
