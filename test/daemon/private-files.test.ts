import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { privatizeTree } from '../../src/core/base/config/private-files.js';
import { migrate } from '../../src/core/base/store/migrate.js';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { startFakeLlm, type FakeLlm } from '../fakes/llm/server.js';

/** The CLI under the common umask 022, so nothing below relies on the umask to keep modes private. */
const UMASK_022 = ['sh', '-c', 'umask 022 && exec "$@"', 'sh'];

/** Every directory under root that is not 0700 and every file that is not 0600, with its mode: the offenders. */
function offenders(root: string): string[] {
  const out: string[] = [];
  const visit = (path: string) => {
    const st = lstatSync(path);
    const mode = st.mode & 0o7777;
    if (st.isDirectory()) {
      if (mode !== 0o700) out.push(`${path} ${mode.toString(8)}`);
      for (const name of readdirSync(path)) visit(join(path, name));
    } else if (st.isFile() && mode !== 0o600) {
      out.push(`${path} ${mode.toString(8)}`);
    }
  };
  visit(root);
  return out;
}

/** Every directory and file under root, relative, for checking what the walk covered. */
function tree(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const r = rel ? `${rel}/${name}` : name;
      out.push(r);
      if (statSync(join(dir, name)).isDirectory()) visit(join(dir, name), r);
    }
  };
  visit(root, '');
  return out.sort();
}

/** Issue #10 item 4: data, state, logs and config are 0700 directories of 0600 files, new or inherited. */
describe('private files', () => {
  let fake: FakeLlm;
  let home: TempHome;
  let env: Record<string, string>;
  beforeAll(async () => {
    fake = await startFakeLlm();
  });
  afterAll(async () => fake?.close());
  afterEach(async () => {
    await runOco(['proxy', 'stop'], { home: home.path, env });
    home.cleanup();
  });
  const setup = async () => {
    home = tempHome();
    env = {
      OCO_PROXY_PORT: String(await freePort()),
      OCO_OPENAI_BASE_URL: fake.url,
      OCO_ANTHROPIC_BASE_URL: fake.url,
      OCO_GEMINI_BASE_URL: fake.url,
      OCO_PROXY_FLUSH_INTERVAL_MS: '50',
    };
    return `http://127.0.0.1:${env.OCO_PROXY_PORT}`;
  };
  const oco = async (args: string[]) => {
    const r = await runOco(args, { home: home.path, env, prefix: UMASK_022, timeoutMs: 30_000 });
    expect(r.code, `oco ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  const call = async (url: string) => {
    const res = await fetch(`${url}/v1/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    await res.text();
  };

  it('creates everything private: CLI commands on SQLite, then a daemon start, a call and a stop', async () => {
    const url = await setup();
    await oco(['config', 'set', 'log.level', 'debug']);
    await oco(['keys', 'create', '--name', 'ci', '--json']);
    expect(existsSync(join(home.path, 'data', 'oco.db'))).toBe(true);
    expect(offenders(home.path)).toEqual([]);

    await oco(['proxy', 'start', '--json']);
    await call(url);
    // The daemon holds the database open: SQLite's WAL and shared-memory files exist now.
    expect(tree(home.path)).toEqual(expect.arrayContaining(['data/oco.db-wal', 'data/oco.db-shm', 'state/proxy.json']));
    expect(offenders(home.path)).toEqual([]);
    await oco(['proxy', 'stop', '--json']);
    const files = tree(home.path);
    for (const f of [
      'config/config.yaml',
      'data/oco.db',
      'state/logs/proxy.log',
      'state/logs/proxy.stderr',
      'state/spill',
    ])
      expect(files).toContain(f);
    expect(offenders(home.path)).toEqual([]);
  });

  it('narrows what an older version left 0755/0644 when the daemon starts, including files it does not know', async () => {
    const url = await setup();
    await oco(['keys', 'create', '--name', 'ci', '--json']);
    const left = {
      'config/config.yaml': 'log:\n  level: info\n',
      'data/oco.db.bak': 'copy',
      'state/proxy.json.tmp': '{}',
      'state/logs/proxy.log': '',
      'state/logs/proxy.log.1': '{"msg":"old"}\n',
      'state/journal/calls-0001.jsonl': '{"id":"x"}\n',
    };
    for (const [rel, text] of Object.entries(left)) {
      mkdirSync(join(home.path, rel, '..'), { recursive: true });
      writeFileSync(join(home.path, rel), text);
    }
    const widen = (path: string) => {
      const st = lstatSync(path);
      chmodSync(path, st.isDirectory() ? 0o755 : 0o644);
      if (st.isDirectory()) for (const name of readdirSync(path)) widen(join(path, name));
    };
    for (const dir of ['config', 'data', 'state']) widen(join(home.path, dir));
    expect(offenders(home.path).length).toBeGreaterThanOrEqual(Object.keys(left).length + 5);

    await oco(['proxy', 'start', '--json']);
    expect(offenders(home.path)).toEqual([]);
    await call(url);
    await oco(['proxy', 'stop', '--json']);
    expect(offenders(home.path)).toEqual([]);
  });

  it('narrows the data directory when a CLI command opens the SQLite store', async () => {
    await setup();
    await oco(['keys', 'list', '--json']);
    for (const rel of ['data', 'data/oco.db']) chmodSync(join(home.path, rel), rel === 'data' ? 0o755 : 0o644);
    writeFileSync(join(home.path, 'data', 'oco.db-wal'), '', { mode: 0o644 });
    chmodSync(join(home.path, 'data', 'oco.db-wal'), 0o644);
    expect(offenders(join(home.path, 'data'))).toHaveLength(3);
    await oco(['keys', 'list', '--json']);
    expect(offenders(home.path)).toEqual([]);
  });

  it("gives SQLite's WAL and shared-memory files the database's 0600 under umask 022", async () => {
    home = tempHome();
    const umask = process.umask(0o022);
    const file = join(home.path, 'data', 'oco.db');
    const store = new SqliteStore({ file });
    try {
      await migrate(store);
      expect(tree(home.path)).toEqual(['data', 'data/oco.db', 'data/oco.db-shm', 'data/oco.db-wal']);
      expect(offenders(home.path)).toEqual([]);
    } finally {
      await store.close();
      process.umask(umask);
    }
  });

  it("takes group and other permissions off, keeps an owner's narrower choice, and leaves what a symbolic link points at alone", () => {
    home = tempHome();
    const outside = join(home.path, 'outside.txt');
    writeFileSync(outside, 'not oco');
    chmodSync(outside, 0o644);
    const state = join(home.path, 'state');
    mkdirSync(state, { mode: 0o755 });
    chmodSync(state, 0o755);
    symlinkSync(outside, join(state, 'link'));
    const modes: Record<string, [number, number]> = {
      mine: [0o644, 0o600],
      script: [0o755, 0o600],
      'read-only': [0o400, 0o400],
      private: [0o600, 0o600],
    };
    for (const [name, [before]] of Object.entries(modes)) {
      writeFileSync(join(state, name), '');
      chmodSync(join(state, name), before);
    }
    const r = privatizeTree(state);
    expect(r.changed.sort()).toEqual([state, join(state, 'mine'), join(state, 'script')].sort());
    expect(r.refused).toEqual([]);
    for (const [name, [, after]] of Object.entries(modes))
      expect(statSync(join(state, name)).mode & 0o777, name).toBe(after);
    expect(statSync(outside).mode & 0o777).toBe(0o644);
    expect(statSync(state).mode & 0o777).toBe(0o700);
  });
});
