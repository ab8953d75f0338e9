import { OcoConfig } from '../../src/core/base/config/resolve.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon/daemon.js';
import { tempHome, type TempHome } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/services.js';
import { startFakeLlm, type FakeLlm } from '../fakes/llm/server.js';

export interface Harness {
  fake: FakeLlm;
  daemon: RunningDaemon;
  url: string;
  home: TempHome;
  env: Record<string, string>;
  db?: TestDatabase;
  /** Writes every queued record now. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The gateway in this process (so SDK clients, the fake upstream and the
 * database can all be observed), configured exactly as the CLI would be:
 * through an OcoConfig built from environment variables.
 */
export async function startHarness(
  options: { engine?: 'sqlite' | 'postgres'; env?: Record<string, string>; fake?: FakeLlm } = {},
): Promise<Harness> {
  const fake = options.fake ?? (await startFakeLlm());
  const home = tempHome();
  const db = options.engine === 'postgres' ? await createTestDatabase() : undefined;
  const env: Record<string, string> = {
    OCO_HOME: home.path,
    OCO_OPENAI_BASE_URL: fake.url,
    OCO_ANTHROPIC_BASE_URL: fake.url,
    OCO_GEMINI_BASE_URL: fake.url,
    OCO_LOG_LEVEL: 'info',
    OCO_PROXY_FLUSH_INTERVAL_MS: '50',
    ...(db ? { DATABASE_URL: db.url } : {}),
    ...options.env,
  };
  const config = OcoConfig.load({ env });
  const daemon = await startDaemon(config, { host: '127.0.0.1', port: 0 });
  return {
    fake,
    daemon,
    url: daemon.state.url,
    home,
    env,
    db,
    flush: () => daemon.recorder.flush(),
    async stop() {
      await daemon.stop();
      if (!options.fake) await fake.close();
      await db?.drop();
      home.cleanup();
    },
  };
}

export async function waitFor<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
