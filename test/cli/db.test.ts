import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/core/base/store/migrations/index.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { createTestDatabase, pgAvailable, type TestDatabase } from '../helpers/services.js';

const latest = MIGRATIONS.at(-1)!.version;

describe('oco db on SQLite', () => {
  let home: TempHome;
  beforeAll(() => (home = tempHome()));
  afterAll(() => home.cleanup());

  it('reports pending migrations, applies them once, then is up to date', async () => {
    const before = await runOco(['db', 'status', '--json'], { home: home.path });
    expect(before.code, before.stderr).toBe(0);
    expect(before.json()).toMatchObject({ engine: 'sqlite', current: 0, latest });
    expect(before.json().pending).toHaveLength(MIGRATIONS.length);
    const first = await runOco(['db', 'migrate', '--json'], { home: home.path });
    expect(first.json().applied).toHaveLength(MIGRATIONS.length);
    const second = await runOco(['db', 'migrate'], { home: home.path });
    expect(second.stdout).toContain(`is up to date (version ${latest})`);
    const after = await runOco(['db', 'status'], { home: home.path });
    expect(after.stdout).toMatch(/pending:\s+none/);
  });
});

describe.skipIf(!pgAvailable())('oco db on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await createTestDatabase()));
  afterAll(async () => db?.drop());

  it('migrates through DATABASE_URL and through POSTGRES_* parts', async () => {
    const viaUrl = await runOco(['db', 'migrate', '--json'], { env: { DATABASE_URL: db.url } });
    expect(viaUrl.code, viaUrl.stderr).toBe(0);
    expect(viaUrl.json()).toMatchObject({ engine: 'postgres', current: latest });
    const u = new URL(db.url);
    const parts = await runOco(['db', 'status', '--json'], {
      env: { POSTGRES_HOST: u.hostname, POSTGRES_PORT: u.port, POSTGRES_DB: db.name, POSTGRES_USER: 'postgres' },
    });
    expect(parts.code, parts.stderr).toBe(0);
    expect(parts.json()).toMatchObject({ engine: 'postgres', current: latest, pending: [] });
  });

  it('exits 3 with a masked URL when PostgreSQL cannot be reached', async () => {
    const url = 'postgres://postgres:hunter2-secret@127.0.0.1:1/none';
    const r = await runOco(['db', 'status'], { env: { DATABASE_URL: url } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^Error: cannot reach PostgreSQL at postgres:\/\/postgres:\*\*\*\*@127\.0\.0\.1:1\/none/m);
    expect(r.stderr).toContain('Hint: Check DATABASE_URL');
    expect(r.stderr).not.toContain('hunter2-secret');
    const json = await runOco(['db', 'migrate', '--json'], { env: { DATABASE_URL: url } });
    expect(json.code).toBe(3);
    expect(json.json().error).toMatchObject({ code: 'OCO_DB_UNREACHABLE', exitCode: 3 });
    expect(json.stdout).not.toContain('hunter2-secret');
  });

  it('exits 3 naming a database that does not exist', async () => {
    const u = new URL(db.url);
    u.pathname = '/oco_no_such_database';
    const r = await runOco(['db', 'status'], { env: { DATABASE_URL: u.toString() } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('database does not exist');
  });
});
