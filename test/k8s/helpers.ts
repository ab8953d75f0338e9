import { runOco, tempHome, type CliResult, type TempHome } from '../helpers/cli.js';
import { startFakeCluster, type FakeCluster } from '../fakes/k8s/index.js';
import type { Step } from '../fakes/k8s/controller.js';

/**
 * Plays a backup's steps only once the CLI has opened its watch on it: on a
 * loaded machine a timed script could finish before the CLI even reads the
 * object, and a test of what the CLI shows while it watches would see only the end.
 */
export async function driveWhenWatched(
  cluster: FakeCluster,
  name: string,
  steps: Step[],
  timeoutMs = 20_000,
): Promise<void> {
  cluster.velero.script('backups', name, 'hold');
  const end = Date.now() + timeoutMs;
  while (
    !cluster.kube.requests.some(
      (r) => r.verb === 'watch' && r.resource === 'backups' && r.path.includes(`metadata.name%3D${name}`),
    )
  ) {
    if (Date.now() > end) throw new Error(`the CLI never watched backup ${name}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  for (const step of steps) {
    await new Promise((r) => setTimeout(r, step.afterMs ?? 30));
    cluster.velero.apply('backups', name, step);
  }
}

export interface K8sEnv {
  cluster: FakeCluster;
  home: TempHome;
  oco(
    args: string[],
    options?: { env?: Record<string, string>; kubeconfig?: string; timeoutMs?: number; input?: string; cwd?: string },
  ): Promise<CliResult>;
  stop(): Promise<void>;
}

/** A fake cluster and an isolated OCO_HOME; oco() runs the built CLI against them. */
export async function k8sEnv(options: Parameters<typeof startFakeCluster>[0] = {}): Promise<K8sEnv> {
  const cluster = await startFakeCluster(options);
  const home = tempHome();
  return {
    cluster,
    home,
    oco: (args, o = {}) =>
      runOco(args, {
        home: home.path,
        env: { KUBECONFIG: o.kubeconfig ?? cluster.kubeconfig, ...(o.env ?? {}) },
        timeoutMs: o.timeoutMs ?? 60_000,
        input: o.input,
        cwd: o.cwd,
      }),
    async stop() {
      await cluster.stop();
      home.cleanup();
    },
  };
}
