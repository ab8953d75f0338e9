/**
 * Object storage behind a private CA (a self-hosted MinIO): the signed log URL is
 * HTTPS with the test CA. oco trusts it the way the velero CLI does: the
 * BackupStorageLocation's caCert, or --cacert FILE; otherwise a clear error.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { k8sEnv, type K8sEnv } from './helpers.js';

vi.setConfig({ testTimeout: 120_000 });

let env: K8sEnv;

beforeAll(async () => {
  env = await k8sEnv({ tlsStorage: true });
  const { kube } = env.cluster;
  kube.seed('backupstoragelocations', {
    metadata: { name: 'minio', namespace: 'velero' },
    spec: { provider: 'aws', objectStorage: { bucket: 'b', caCert: Buffer.from(env.cluster.ca!).toString('base64') } },
    status: { phase: 'Available' },
  });
  const created = '2026-02-01T00:00:00Z';
  for (const [name, location] of [
    ['on-minio', 'minio'],
    ['on-default', 'default'],
  ] as const) {
    kube.seed('backups', {
      metadata: { name, namespace: 'velero', creationTimestamp: created },
      spec: { storageLocation: location },
      status: { phase: 'Completed', startTimestamp: created, completionTimestamp: created },
    });
  }
  kube.seed('restores', {
    metadata: { name: 'from-minio', namespace: 'velero', creationTimestamp: created },
    spec: { backupName: 'on-minio' },
    status: { phase: 'Completed' },
  });
  env.cluster.velero.logs.set('on-minio', ['level=info msg="stored behind a private CA"']);
  env.cluster.velero.logs.set('on-default', ['level=info msg="default location"']);
});
afterAll(async () => env?.stop());

describe('downloads from object storage behind a private CA', () => {
  it('uses the storage location caCert for backup logs, restore logs and describe --details', async () => {
    const logs = await env.oco(['backup', 'logs', 'on-minio']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('stored behind a private CA');
    const restoreLogs = await env.oco(['restore', 'logs', 'from-minio']);
    expect(restoreLogs.code, restoreLogs.stderr).toBe(0);
    const details = await env.oco(['backup', 'describe', 'on-minio', '--details', '--json']);
    expect(details.code, details.stderr).toBe(0);
    expect(details.json().details.results).toEqual({ errors: {}, warnings: {} });
  });

  it('says the certificate is untrusted and how to fix it when the location has no caCert, and --cacert fixes it', async () => {
    const r = await env.oco(['backup', 'logs', 'on-default', '--json']);
    expect(r.code).toBe(3);
    expect(r.json().error).toMatchObject({ code: 'OCO_DOWNLOAD_UNTRUSTED', hint: expect.stringContaining('--cacert') });
    expect(r.stdout).not.toContain('X-Amz-Signature');
    const pem = join(env.home.path, 'ca.pem');
    writeFileSync(pem, env.cluster.ca!);
    const withFlag = await env.oco(['backup', 'logs', 'on-default', '--cacert', pem]);
    expect(withFlag.code, withFlag.stderr).toBe(0);
    expect(withFlag.stdout).toContain('default location');
    const missing = await env.oco(['backup', 'logs', 'on-default', '--cacert', join(env.home.path, 'nope.pem')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--cacert');
  });
});
