import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_TOKEN } from '../fakes/k8s/index.js';
import { runOco } from '../helpers/cli.js';
import { k8sEnv, type K8sEnv } from './helpers.js';

/**
 * In-cluster configuration: no kubeconfig, KUBERNETES_SERVICE_HOST/PORT set, and the service
 * account's token and CA at the fixed path /var/run/secrets/kubernetes.io/serviceaccount,
 * as a pod sees them. The CLI runs in a private mount namespace (unshare -m) with a tmpfs
 * over /run, so the test writes that path without touching the machine's own /run.
 */
const canUnshare =
  spawnSync('unshare', ['-m', '--', 'sh', '-c', 'mount -t tmpfs none /run'], { stdio: 'ignore' }).status === 0;
if (!canUnshare && process.env.CI === 'true')
  throw new Error('the in-cluster test needs unshare -m and mount (root): CI machines run as root');
if (!canUnshare) console.log('[skip] in-cluster config test: needs root for unshare -m and mount');

const MOUNT =
  'mount -t tmpfs none /run && mkdir -p /run/secrets/kubernetes.io && cp -r "$OCO_TEST_SA" /run/secrets/kubernetes.io/serviceaccount && exec "$@"';

describe.skipIf(!canUnshare)('in-cluster configuration', () => {
  let k: K8sEnv;
  let sa: string;
  beforeAll(async () => {
    k = await k8sEnv();
    sa = join(k.home.path, 'serviceaccount');
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), FAKE_TOKEN);
    writeFileSync(join(sa, 'ca.crt'), k.cluster.ca!);
    writeFileSync(join(sa, 'namespace'), 'velero');
  });
  afterAll(async () => k?.stop());

  function inPod(args: string[], saDir = sa) {
    const port = new URL(k.cluster.url).port;
    return runOco(args, {
      home: k.home.path,
      prefix: ['unshare', '-m', '--', 'sh', '-c', MOUNT, 'sh'],
      // HOME without a .kube directory and no KUBECONFIG: only the service account is left
      env: {
        HOME: k.home.path,
        KUBERNETES_SERVICE_HOST: '127.0.0.1',
        KUBERNETES_SERVICE_PORT: port,
        OCO_TEST_SA: saDir,
      },
      timeoutMs: 60_000,
    });
  }

  it("creates a backup with the pod's service account token, verifying the cluster CA", async () => {
    const r = await inPod(['backup', 'create', 'from-a-pod', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ name: 'from-a-pod', namespace: 'velero', waited: false });
    const create = k.cluster.kube.requests.find((q) => q.verb === 'create' && q.resource === 'backups');
    expect(create?.headers.authorization).toBe(`Bearer ${FAKE_TOKEN}`);
    expect(k.cluster.kube.get('backups', 'velero', 'from-a-pod')).toBeDefined();
  });

  it('reports a wrong token as an authentication failure, without printing it', async () => {
    const bad = join(k.home.path, 'bad-sa');
    mkdirSync(bad);
    writeFileSync(join(bad, 'token'), 'not-the-token-0123456789');
    writeFileSync(join(bad, 'ca.crt'), k.cluster.ca!);
    const r = await inPod(['backup', 'list', '--json'], bad);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).not.toContain('not-the-token-0123456789');
    expect(r.json().error.message).toMatch(/401|unauthori[sz]ed|authenticat/i);
  });
});
