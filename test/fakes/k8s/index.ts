import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FakeVelero } from './controller.js';
import { FakeKube, type FakeKubeOptions } from './server.js';
import { testPkiIfPossible } from './tls.js';

export { FakeKube, FakeVelero };

export const FAKE_TOKEN = 'fake-token-6f1d2c0b9a8e7d6c5b4a3f2e1d0c9b8a';

export interface FakeCluster {
  kube: FakeKube;
  velero: FakeVelero;
  url: string;
  /** Path of a kubeconfig whose current context ("fake") points at the server with a bearer token. */
  kubeconfig: string;
  /** A kubeconfig pointing at a closed loopback port: an unreachable cluster. */
  deadKubeconfig: string;
  dir: string;
  /** PEM of the test CA (HTTPS clusters only). */
  ca?: string;
  stop(): Promise<void>;
}

export function writeKubeconfig(
  file: string,
  server: string,
  opts: { token?: string; ca?: string; insecure?: boolean; contexts?: string[] } = {},
): string {
  const contexts = opts.contexts ?? ['fake'];
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'fake',
          cluster: {
            server,
            ...(opts.ca ? { 'certificate-authority-data': Buffer.from(opts.ca).toString('base64') } : {}),
            ...(opts.insecure ? { 'insecure-skip-tls-verify': true } : {}),
          },
        },
      ],
      users: [{ name: 'oco-test', user: { token: opts.token ?? FAKE_TOKEN } }],
      contexts: contexts.map((c) => ({
        name: c,
        context: { cluster: 'fake', user: 'oco-test', namespace: 'default' },
      })),
      'current-context': contexts[0],
    }),
    { mode: 0o600 },
  );
  return file;
}

/**
 * A fake API server with a fake Velero controller, and kubeconfigs for it. HTTPS
 * with a generated CA by default (what clusters serve); plain: true serves http,
 * which client-node only accepts with insecure-skip-tls-verify.
 */
export async function startFakeCluster(
  options: FakeKubeOptions & { namespace?: string; plain?: boolean; tlsStorage?: boolean } = {},
): Promise<FakeCluster> {
  const pki = options.plain ? undefined : testPkiIfPossible();
  const tls = pki ? { key: pki.key, cert: pki.cert } : undefined;
  const kube = new FakeKube({
    token: FAKE_TOKEN,
    ...(tls ? { tls } : {}),
    ...(tls && options.tlsStorage ? { storageTls: tls } : {}),
    ...options,
  });
  const url = await kube.start();
  const velero = new FakeVelero(kube, options.namespace ?? 'velero').start();
  const dir = mkdtempSync(join(tmpdir(), 'oco-kube-'));
  const kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), url, pki ? { ca: pki.ca } : { insecure: true });
  const deadKubeconfig = writeKubeconfig(join(dir, 'dead-kubeconfig'), 'https://127.0.0.1:9', { ca: pki?.ca });
  return {
    kube,
    velero,
    url,
    kubeconfig,
    deadKubeconfig,
    dir,
    ca: pki?.ca,
    async stop() {
      velero.stop();
      await kube.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
