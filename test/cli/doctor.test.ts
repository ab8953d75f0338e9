import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { createTestDatabase, pgAvailable, redisAvailable, redisUrl, type TestDatabase } from '../helpers/services.js';

describe('oco doctor', () => {
  let home: TempHome;
  beforeAll(() => (home = tempHome()));
  afterAll(() => home.cleanup());

  it('passes on the embedded default and explains pending migrations', async () => {
    const r = await runOco(['doctor', '--json'], { home: home.path });
    expect(r.code, r.stderr).toBe(0);
    const checks = Object.fromEntries(r.json().checks.map((c: { name: string }) => [c.name, c]));
    expect(checks.node.status).toBe('ok');
    expect(checks['data directory'].status).toBe('ok');
    expect(checks.database).toMatchObject({ status: 'warn', fix: expect.stringContaining('oco db migrate') });
    expect(checks.redis.status).toBe('skip');
    await runOco(['db', 'migrate'], { home: home.path });
    const human = await runOco(['doctor'], { home: home.path });
    expect(human.stdout).toMatch(/\[ok {2}\] database: sqlite at .*: version \d+/);
  });

  it('exits 3 and prints the fix when Redis is configured but down', async () => {
    const r = await runOco(['doctor'], { home: home.path, env: { REDIS_URL: 'redis://:pa55word-secret@127.0.0.1:1' } });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/\[FAIL\] redis: redis:\/\/:\*\*\*\*@127\.0\.0\.1:1/);
    expect(r.stdout).toContain('fix: Start Redis');
    expect(r.stdout + r.stderr).not.toContain('pa55word-secret');
  });

  it('exits 3 when the database is unreachable', async () => {
    const r = await runOco(['doctor', '--json'], {
      home: home.path,
      env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' },
    });
    expect(r.code).toBe(3);
    expect(r.json().checks.find((c: { name: string }) => c.name === 'database')).toMatchObject({
      status: 'fail',
      dependency: true,
    });
  });

  describe.skipIf(!pgAvailable() || !redisAvailable())('with PostgreSQL and Redis', () => {
    let db: TestDatabase;
    beforeAll(async () => (db = await createTestDatabase()));
    afterAll(async () => db?.drop());

    it('checks both and passes', async () => {
      await runOco(['db', 'migrate'], { env: { DATABASE_URL: db.url } });
      const r = await runOco(['doctor', '--json'], { env: { DATABASE_URL: db.url, REDIS_URL: redisUrl() } });
      expect(r.code, r.stdout).toBe(0);
      const byName = Object.fromEntries(
        r.json().checks.map((c: { name: string; status: string }) => [c.name, c.status]),
      );
      expect(byName).toMatchObject({ database: 'ok', redis: 'ok' });
    });
  });
});
