import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { money } from '../../src/core/base/money.js';
import type { AdmissionRequest } from '../../src/core/gateway/proxy/admission.js';
import type { Attribution } from '../../src/core/gateway/model.js';
import { createSpendAdmission, type SpendControlOptions } from '../../src/core/gateway/spend/index.js';
import type { SpendAdmission } from '../../src/core/gateway/spend/admission.js';
import type { Store } from '../../src/core/base/store/types.js';
import { tempHome } from '../helpers/cli.js';

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

/** A logger that keeps what it is given, so tests can assert on decisions and on the absence of secrets. */
export function recordingLogger(): {
  lines: LogLine[];
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
} {
  const lines: LogLine[] = [];
  const push = (level: LogLine['level']) => (obj: object, msg: string) =>
    void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, info: push('info'), warn: push('warn'), error: push('error') };
}

/** A configuration isolated from the developer's environment. */
export function testConfig(env: Record<string, string> = {}): OcoConfig {
  const home = tempHome();
  return OcoConfig.load({ env: { OCO_HOME: home.path, ...env } });
}

export const ATTR: Attribution = {
  orgId: 'acme',
  teamId: 'payments',
  agentId: 'billing-bot',
  userId: 'default',
  tags: ['prod'],
};

let seq = 0;
export function request(over: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    requestId: `req_${process.pid}_${++seq}`,
    provider: 'openai',
    model: 'gpt-4o',
    attribution: ATTR,
    estimatedInputTokens: 100,
    maxOutputTokens: 100,
    now: new Date(),
    ...over,
  };
}

/** Spend controls whose worst case is a fixed amount per call, so tests can reason in whole calls. */
export async function admissionWith(
  store: Store,
  opts: { worstCase?: string; env?: Record<string, string> } & SpendControlOptions = {},
): Promise<{ adm: SpendAdmission; log: ReturnType<typeof recordingLogger> }> {
  const log = recordingLogger();
  const worst = money(opts.worstCase ?? '1');
  const adm = await createSpendAdmission(testConfig(opts.env), store, {
    logger: log,
    estimateCost: () => worst,
    reloadMs: 100,
    journalIntervalMs: 20,
    ...opts,
  });
  return { adm, log };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RedisServer {
  port: number;
  url: string;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** A private redis-server on a loopback port, for tests that kill or restart it. No persistence, so a restart comes back empty. */
export async function startRedisServer(port: number): Promise<RedisServer> {
  const proc: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}/0`;
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => {});
    try {
      await r.connect();
      await r.ping();
      r.disconnect();
      break;
    } catch {
      r.disconnect();
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server on port ${port} did not start`);
      }
      await sleep(50);
    }
  }
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const end = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  return { port, url, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

/** A port for a private redis-server: per worker, away from the shared 6379. */
export function privateRedisPort(offset: number): number {
  return 16_379 + ((process.pid * 7) % 2000) + offset;
}
