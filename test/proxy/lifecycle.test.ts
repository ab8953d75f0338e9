import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/core/base/store/sqlite.js';
import { isolatedEnv, ROOT, runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { startFakeLlm, type FakeLlm } from '../fakes/llm/server.js';
import { freePort } from '../helpers/net.js';

async function records(home: string): Promise<Array<Record<string, any>>> {
  const store = new SqliteStore({ file: join(home, 'data', 'oco.db') });
  try {
    return await store.all('SELECT * FROM api_requests ORDER BY ts');
  } finally {
    await store.close();
  }
}

/** The daemon as users run it: the built CLI in child processes, detached daemons, signals. */
describe('oco proxy lifecycle', () => {
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
  const setup = async (extra: Record<string, string> = {}) => {
    home = tempHome();
    env = {
      OCO_PROXY_PORT: String(await freePort()),
      OCO_OPENAI_BASE_URL: fake.url,
      OCO_ANTHROPIC_BASE_URL: fake.url,
      OCO_GEMINI_BASE_URL: fake.url,
      ...extra,
    };
    return `http://127.0.0.1:${env.OCO_PROXY_PORT}`;
  };
  const oco = (args: string[]) => runOco(args, { home: home.path, env, timeoutMs: 30_000 });

  it('starts detached, reports status, refuses a second start, stops, then status exits 3', async () => {
    const url = await setup();
    const start = await oco(['proxy', 'start', '--json']);
    expect(start.code, start.stderr).toBe(0);
    expect(start.json()).toMatchObject({ url, alreadyRunning: false });
    const pid = start.json().pid;
    const status = await oco(['proxy', 'status', '--json']);
    expect(status.code).toBe(0);
    expect(status.json()).toMatchObject({
      running: true,
      pid,
      url,
      engine: 'sqlite',
      requestsServed: 0,
      recordsQueued: 0,
    });
    const again = await oco(['proxy', 'start', '--json']);
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ pid, alreadyRunning: true });
    await (
      await fetch(`${url}/v1/proxy/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [] }),
      })
    ).text();
    // The daemon's log is flushed at least once a second: wait for the start line (bounded).
    const listening = (l: { msg?: string }) => l.msg === 'gateway listening';
    let logs = await oco(['proxy', 'logs', '-n', '30', '--json']);
    for (let i = 0; i < 30 && !logs.json().lines.some(listening); i++) {
      await new Promise((r) => setTimeout(r, 100));
      logs = await oco(['proxy', 'logs', '-n', '30', '--json']);
    }
    expect(logs.json().lines.length).toBeLessThanOrEqual(30);
    expect(logs.json().lines.some(listening)).toBe(true);
    const restarted = await oco(['proxy', 'restart', '--json']);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.json()).toMatchObject({ url, previousPid: pid });
    const newPid = restarted.json().pid;
    expect(newPid).not.toBe(pid);
    const stop = await oco(['proxy', 'stop', '--json']);
    expect(stop.json()).toEqual({ stopped: true, pid: newPid });
    const after = await oco(['proxy', 'status', '--json']);
    expect(after.code).toBe(3);
    expect(after.json().error.code).toBe('OCO_PROXY_NOT_RUNNING');
    expect((await records(home.path)).length).toBe(1);
  });

  it('exits 3 with OCO_DB_UNREACHABLE when the database cannot be reached, detached or in the foreground', async () => {
    const closed = await freePort();
    await setup({ DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/oco` });
    const start = await oco(['proxy', 'start']);
    expect(start.code, start.stderr).toBe(3);
    expect(start.stderr).toMatch(
      new RegExp(
        `^Error: the gateway did not start: cannot reach PostgreSQL at postgres://postgres@127.0.0.1:${closed}/oco: connect ECONNREFUSED\\b`,
      ),
    );
    expect(start.stderr).toContain('Hint: Check DATABASE_URL');
    const json = await oco(['proxy', 'start', '--json']);
    expect(json.code).toBe(3);
    expect(json.json().error).toMatchObject({ code: 'OCO_DB_UNREACHABLE', exitCode: 3 });
    const fg = await oco(['proxy', 'start', '--foreground', '--json']);
    expect(fg.code).toBe(3);
    expect(fg.json().error).toMatchObject({ code: 'OCO_DB_UNREACHABLE', exitCode: 3 });
    expect((await oco(['proxy', 'status', '--json'])).json().error.code).toBe('OCO_PROXY_NOT_RUNNING');
  });

  it('replaces a stale pid file', async () => {
    await setup();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    mkdirSync(join(home.path, 'state'), { recursive: true });
    writeFileSync(
      join(home.path, 'state', 'proxy.json'),
      JSON.stringify({
        pid: dead,
        host: '127.0.0.1',
        port: 1,
        url: 'http://127.0.0.1:1',
        startedAt: '',
        version: '0',
        engine: 'sqlite',
        logFile: '',
      }),
    );
    const start = await oco(['proxy', 'start', '--json']);
    expect(start.code, start.stderr).toBe(0);
    expect(start.json().pid).not.toBe(dead);
    expect((await oco(['proxy', 'status', '--json'])).json().pid).toBe(start.json().pid);
  });

  it('names the port when it is taken, and rejects a bad --port', async () => {
    const url = await setup();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(Number(new URL(url).port), '127.0.0.1', r));
    try {
      const r = await oco(['proxy', 'start', '--json']);
      expect(r.code).toBe(1);
      expect(r.json().error).toMatchObject({ code: 'OCO_PROXY_PORT_IN_USE' });
      expect(r.json().error.message).toContain(new URL(url).port);
      const fg = await oco(['proxy', 'start', '--foreground']);
      expect(fg.code).toBe(1);
      expect(fg.stderr).toContain(`port ${new URL(url).port}`);
      // The daemon entry itself, as a detached start runs it when the port is taken after the CLI checked:
      // one clear error, not a crash of the log stream flushing at exit.
      const daemon = spawnSync(
        process.execPath,
        [join(ROOT, 'dist', 'daemon', 'main.js'), '--host', '127.0.0.1', '--port', new URL(url).port],
        {
          env: isolatedEnv({ ...env, OCO_HOME: home.path }),
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect(daemon.status).toBe(1);
      expect(daemon.stderr).toContain(`port ${new URL(url).port} on 127.0.0.1 is already in use`);
      expect(daemon.stderr).not.toMatch(/sonic boom|at .*node_modules/);
      // The port is taken on loopback, so this never listens beyond it; the warning comes first.
      const open = await oco(['proxy', 'start', '--host', '0.0.0.0']);
      expect(open.stderr).toContain('Warning: binding 0.0.0.0 (not loopback) without OCO_PROXY_API_KEY');
      expect(open.code).toBe(1);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    const bad = await oco(['proxy', 'start', '--port', 'eighty']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--port');
  });

  it('drains a running stream on stop: the client gets all of it and the call is recorded', async () => {
    const url = await setup();
    expect((await oco(['proxy', 'start'])).code).toBe(0);
    const res = await fetch(`${url}/v1/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-chunks': '12', 'x-fake-chunk-delay-ms': '100' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    const stopping = oco(['proxy', 'stop', '--json']);
    let text = new TextDecoder().decode(first.value);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text.match(/"content":/g)).toHaveLength(13);
    expect((await stopping).json().stopped).toBe(true);
    const rows = await records(home.path);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ streamed: 1, estimated: 0, error_class: null, cost_usd: '0.00525' });
  });

  it('after SIGKILL keeps every record older than the flush interval, and starts again', async () => {
    const url = await setup();
    const start = await oco(['proxy', 'start', '--json']);
    for (let i = 0; i < 5; i++) {
      await (
        await fetch(`${url}/v1/proxy/openai/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o', messages: [] }),
        })
      ).text();
    }
    await new Promise((r) => setTimeout(r, 1200));
    process.kill(start.json().pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    expect((await records(home.path)).length).toBe(5);
    expect((await oco(['proxy', 'status'])).code).toBe(3);
    const again = await oco(['proxy', 'start', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().alreadyRunning).toBe(false);
  });
});
