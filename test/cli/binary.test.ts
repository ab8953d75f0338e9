import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm, type FakeLlm } from '../fakes/llm/server.js';
import { BIN, isolatedEnv, ROOT } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';

/**
 * The single binary (scripts/build-binary.js: a Node single-executable application with the
 * project in pkg's virtual file system), built from this checkout and run from an empty
 * directory with no node on PATH: the CLI, the native SQLite addon, a FOCUS import, and the
 * gateway daemon it starts, recording a call.
 */
describe('single binary', () => {
  let dir: string;
  let bin: string;
  let fake: FakeLlm;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oco-binary-'));
    bin = join(dir, 'oco');
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-binary.js'), '--out', bin], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(built.status, `${built.stdout}\n${built.stderr}`).toBe(0);
    fake = await startFakeLlm();
    // no node on PATH: the binary must not need one
    env = isolatedEnv({
      PATH: '/usr/bin:/bin',
      OCO_HOME: join(dir, 'home'),
      OCO_OPENAI_BASE_URL: fake.url,
      OCO_PROXY_PORT: String(await freePort()),
    });
  }, 600_000);
  afterAll(async () => {
    if (bin) spawnSync(bin, ['proxy', 'stop'], { env, cwd: dir, timeout: 30_000 });
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const oco = (args: string[]) => {
    const r = spawnSync(bin, args, { env, cwd: dir, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
  };

  it('runs commands, including the native SQLite store, from an empty directory', () => {
    expect(oco(['--version']).stdout).toMatch(/^oco\/0\.\d+\.\d+ linux-x64 node-v\d+/);
    const price = oco(['pricing', 'get', 'gpt-4o', '--json']);
    expect(price.code, price.stderr).toBe(0);
    expect(price.json()).toMatchObject({ resolvedAs: 'gpt-4o' });
    const file = join(dir, 'focus.csv');
    writeFileSync(
      file,
      'BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ServiceName,ProviderName\n1.10,USD,2026-05-01T00:00:00Z,2026-05-02T00:00:00Z,Amazon S3,AWS\n2.20,USD,2026-05-02T00:00:00Z,2026-05-03T00:00:00Z,Amazon EC2,AWS\n',
    );
    const imported = oco(['costs', 'import', file, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const summary = oco([
      'costs',
      'summary',
      '--from',
      '2026-05-01',
      '--to',
      '2026-05-31',
      '--metric',
      'billed',
      '--json',
    ]);
    expect(summary.json().total.byCurrency.USD).toBe('3.3');
    const bad = oco(['costs', 'summary', '--by', 'colour']);
    expect(bad.code).toBe(2);
  });

  it('prints the same version, help and exit codes as the npm install', () => {
    // `--version` alone is answered by bin/run.js before oclif loads; `--version x` goes through oclif
    const cases = [
      ['--version'],
      ['--version', 'x'],
      ['--help'],
      ['proxy', '--help'],
      ['costs', '--help'],
      ['costs', 'summary', '--help'],
      ['proxy'],
      ['no-such-command'],
      ['costs', 'summary', '--by', 'colour'],
    ];
    for (const args of cases) {
      const npm = spawnSync(process.execPath, [BIN, ...args], { env, cwd: dir, encoding: 'utf8', timeout: 60_000 });
      const binary = oco(args);
      expect({ args, code: binary.code, stdout: binary.stdout, stderr: binary.stderr }).toEqual({
        args,
        code: npm.status,
        stdout: npm.stdout,
        stderr: npm.stderr,
      });
    }
  });

  it('starts the gateway daemon, which forwards, prices and records a call, and stops it', async () => {
    const started = oco(['proxy', 'start', '--json']);
    expect(started.code, started.stderr).toBe(0);
    const { url } = started.json() as { url: string };
    const res = await fetch(`${url}/v1/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-binary-test' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('x-cost-usd'))).toBeGreaterThan(0);
    await res.arrayBuffer();
    const status = oco(['proxy', 'status', '--json']);
    expect(status.json()).toMatchObject({ running: true, version: expect.stringMatching(/^0\.\d+\.\d+$/) });
    const stopped = oco(['proxy', 'stop']);
    expect(stopped.code, stopped.stderr).toBe(0);
    // stop flushes the records: the call is in the store
    const spend = oco(['spend', 'summary', '--json']);
    expect(spend.json().total.requests).toBe(1);
  });
});
