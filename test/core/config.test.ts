import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { storeTarget } from '../../src/core/base/store/open.js';
import { redisTarget } from '../../src/core/base/redis/connection.js';
import { tempHome, type TempHome } from '../helpers/cli.js';

describe('configuration resolution', () => {
  let home: TempHome;
  beforeEach(() => {
    home = tempHome();
    mkdirSync(join(home.path, 'config'));
    writeFileSync(join(home.path, 'config', 'config.yaml'), 'proxy:\n  port: 7000\n');
  });
  afterEach(() => home.cleanup());

  it('puts a flag above the environment, the environment above the file, the file above the default', () => {
    const env = { OCO_HOME: home.path, OCO_PROXY_PORT: '7100' };
    expect(OcoConfig.load({ env: { OCO_HOME: home.path } }).int('proxy.port')).toBe(7000);
    expect(OcoConfig.load({ env }).int('proxy.port')).toBe(7100);
    const flagged = OcoConfig.load({ env, flags: { 'proxy.port': { value: '7200', flag: 'port' } } });
    expect(flagged.int('proxy.port')).toBe(7200);
    expect(flagged.entry('proxy.port').source).toEqual({ kind: 'flag', name: 'port' });
    expect(() => OcoConfig.load({ env, flags: { 'proxy.port': { value: 'x', flag: 'port' } } })).toThrow(
      /bad value for --port/,
    );
  });

  it('chooses PostgreSQL from DATABASE_URL or POSTGRES_HOST, SQLite otherwise, and never shows the password', () => {
    const sqlite = storeTarget(OcoConfig.load({ env: { OCO_HOME: home.path } }));
    expect(sqlite).toMatchObject({ engine: 'sqlite', target: join(home.path, 'data', 'oco.db') });
    const url = storeTarget(
      OcoConfig.load({ env: { OCO_HOME: home.path, DATABASE_URL: 'postgres://u:pw@db:5432/x' } }),
    );
    expect(url).toMatchObject({ engine: 'postgres', display: 'postgres://u:****@db:5432/x' });
    const parts = storeTarget(
      OcoConfig.load({
        env: { OCO_HOME: home.path, POSTGRES_HOST: 'db', POSTGRES_PASSWORD: 'p@ss/word', POSTGRES_SSLMODE: 'require' },
      }),
    );
    expect(parts.engine).toBe('postgres');
    expect(new URL(parts.target).password).toBe(encodeURIComponent('p@ss/word'));
    expect(parts.display).not.toContain('word');
    expect(parts.ssl).toEqual({ rejectUnauthorized: false });
  });

  it('configures Redis from REDIS_URL or REDIS_HOST/PORT, and not at all otherwise', () => {
    expect(redisTarget(OcoConfig.load({ env: { OCO_HOME: home.path } }))).toBeUndefined();
    expect(
      redisTarget(OcoConfig.load({ env: { OCO_HOME: home.path, REDIS_HOST: '::1', REDIS_PORT: '6380' } }))?.url,
    ).toBe('redis://[::1]:6380');
    expect(redisTarget(OcoConfig.load({ env: { OCO_HOME: home.path, REDIS_URL: 'redis://:pw@h:1/2' } }))?.display).toBe(
      'redis://:****@h:1/2',
    );
  });
});
