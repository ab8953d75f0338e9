/**
 * oco backup download: the backup tarball through a DownloadRequest (target BackupContents)
 * and the URL Velero signs, against a fake object storage that is as strict as S3 (the
 * signature is checked, the URL expires, a missing key is 404 NoSuchKey). The file written
 * is the bytes served, byte for byte; a failed transfer leaves nothing at the target path.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tarGz } from '../fakes/k8s/tar.js';
import { k8sEnv, type K8sEnv } from './helpers.js';

// each test runs the CLI several times (child processes): give a loaded 2-core machine room
vi.setConfig({ testTimeout: 120_000 });

let env: K8sEnv;
let dir: string;
/** The tarball the fake object storage holds for backup "alpha". */
const ALPHA = tarGz([
  { path: 'metadata/version', body: '1.1.0' },
  { path: 'resources/configmaps/namespaces/app/settings.json', body: '{"kind":"ConfigMap"}' },
  // incompressible bytes make the file large enough to arrive in several chunks
  { path: 'resources/secrets/namespaces/app/blob.json', body: randomBytes(256 * 1024).toString('base64') },
]);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const downloadRequestsCreated = (from: number) =>
  env.cluster.kube.requests.slice(from).filter((r) => r.verb === 'create' && r.resource === 'downloadrequests').length;

beforeAll(async () => {
  env = await k8sEnv();
  const { kube, velero } = env.cluster;
  for (const [name, phase] of [
    ['alpha', 'Completed'],
    ['bravo', 'Completed'],
    ['running', 'InProgress'],
    ['invalid', 'FailedValidation'],
    ['failed', 'Failed'],
  ] as const)
    kube.seed('backups', {
      metadata: { name, namespace: 'velero', creationTimestamp: '2026-01-02T00:00:00Z' },
      spec: { includedNamespaces: ['app'], storageLocation: 'default' },
      status: { phase },
    });
  velero.contents.set('alpha', ALPHA);
});
afterAll(async () => env?.stop());
afterEach(() => {
  env.cluster.kube.cutDownloadsAfter = undefined;
  env.cluster.velero.signedUrlTtlMs = 600_000;
  if (dir) rmSync(dir, { recursive: true, force: true });
});
const freshDir = () => (dir = mkdtempSync(join(tmpdir(), 'oco-download-')));

describe('oco backup download', () => {
  it('writes NAME-data.tar.gz in the current directory: the served bytes, their SHA-256 printed', async () => {
    const cwd = freshDir();
    const from = env.cluster.kube.requests.length;
    const r = await env.oco(['backup', 'download', 'alpha'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const file = join(cwd, 'alpha-data.tar.gz');
    expect(readFileSync(file).equals(ALPHA)).toBe(true);
    expect(r.stdout).toBe(
      `Backup "alpha" downloaded to alpha-data.tar.gz (${(ALPHA.length / 1024).toFixed(1)} KiB).\n` +
        `${sha256(ALPHA)}  alpha-data.tar.gz\n`,
    );
    // no progress without a terminal (CI logs stay clean), no temporary file left
    expect(r.stderr).toBe('');
    expect(readdirSync(cwd)).toEqual(['alpha-data.tar.gz']);
    // one DownloadRequest for the BackupContents, deleted afterwards; the URL fetched once
    expect(downloadRequestsCreated(from)).toBe(1);
    expect(env.cluster.kube.list('downloadrequests', 'velero')).toEqual([]);
    // sha256sum agrees with the line printed
    const child = execFile('sha256sum', ['-c', '-'], { cwd, encoding: 'utf8' });
    child.stdin!.end(r.stdout.split('\n')[1]);
    const out = await new Promise<string>((res) => {
      let s = '';
      child.stdout!.on('data', (d) => (s += d));
      child.on('close', () => res(s));
    });
    expect(out).toBe('alpha-data.tar.gz: OK\n');
  });

  it('--json: name, path, bytes, sha256; the default tarball is one the real tar reads', async () => {
    const cwd = freshDir();
    const out = join(cwd, 'b.tar.gz');
    const r = await env.oco(['backup', 'download', 'bravo', '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const served = readFileSync(out);
    expect(r.json()).toEqual({ name: 'bravo', path: out, bytes: served.length, sha256: sha256(served) });
    const { stdout } = await promisify(execFile)('tar', ['-tzf', out], { encoding: 'utf8' });
    expect(stdout.split('\n').filter(Boolean).sort()).toEqual([
      'metadata/version',
      'resources/configmaps/namespaces/app/app-config.json',
      'resources/deployments.apps/namespaces/app/app.json',
      'resources/pods/namespaces/app/app-0.json',
      'resources/pods/namespaces/app/app-1.json',
    ]);
  });

  it('keeps an existing file unless --force, checked before the cluster is asked', async () => {
    const cwd = freshDir();
    const out = join(cwd, 'keep.tar.gz');
    writeFileSync(out, 'precious');
    const from = env.cluster.kube.requests.length;
    const refused = await env.oco(['backup', 'download', 'alpha', '-o', out, '--json']);
    expect(refused.code).toBe(2);
    expect(refused.json().error).toMatchObject({ code: 'OCO_OUTPUT_EXISTS', exitCode: 2 });
    expect(readFileSync(out, 'utf8')).toBe('precious');
    expect(env.cluster.kube.requests.length).toBe(from);
    const forced = await env.oco(['backup', 'download', 'alpha', '-o', out, '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(out).equals(ALPHA)).toBe(true);
  });

  it('bad input: documented codes and exit codes, no file written', async () => {
    const cwd = freshDir();
    const cases: Array<[string[], number, string]> = [
      [['alpha', '-o', join(cwd, 'no-such-dir', 'x.tar.gz')], 2, 'OCO_OUTPUT_UNWRITABLE'],
      [['alpha', '-o', cwd, '--force'], 2, 'OCO_OUTPUT_UNWRITABLE'],
      [['alpha', '--timeout', 'soon'], 2, 'OCO_BAD_DURATION'],
      [['Alpha!'], 2, 'OCO_BAD_NAME'],
      [['nope'], 1, 'OCO_K8S_NOT_FOUND'],
      [['running'], 2, 'OCO_BACKUP_RUNNING'],
      [['invalid'], 2, 'OCO_BACKUP_NO_CONTENTS'],
    ];
    const from = env.cluster.kube.requests.length;
    for (const [args, exit, code] of cases) {
      const r = await env.oco(['backup', 'download', ...args, '--json'], { cwd });
      expect(r.code, args.join(' ')).toBe(exit);
      expect(r.json().error.code, args.join(' ')).toBe(code);
    }
    // all of them were refused before a DownloadRequest was made
    expect(downloadRequestsCreated(from)).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a backup whose tarball is not in the bucket: 404 NoSuchKey from object storage (exit 1)', async () => {
    const cwd = freshDir();
    const r = await env.oco(['backup', 'download', 'failed'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: object storage answered HTTP 404 NoSuchKey for the BackupContents of "failed"/);
    expect(readdirSync(cwd)).toEqual([]);
    expect(env.cluster.kube.list('downloadrequests', 'velero')).toEqual([]);
  });

  it('an expired signed URL is refused by object storage (403 AccessDenied): nothing written', async () => {
    const cwd = freshDir();
    env.cluster.velero.signedUrlTtlMs = 0;
    const r = await env.oco(['backup', 'download', 'alpha', '--json'], { cwd });
    expect(r.code).toBe(1);
    expect(r.json().error.code).toBe('OCO_DOWNLOAD_FAILED');
    expect(r.json().error.message).toMatch(/HTTP 403 AccessDenied/);
    expect(r.json().error.message).not.toContain('X-Amz-Signature');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a connection cut mid-body leaves neither the target nor a partial file (exit 1)', async () => {
    const cwd = freshDir();
    const out = join(cwd, 'alpha.tar.gz');
    env.cluster.kube.cutDownloadsAfter = 64 * 1024;
    const r = await env.oco(['backup', 'download', 'alpha', '-o', out, '--json']);
    expect(r.code).toBe(1);
    expect(r.json().error).toMatchObject({ code: 'OCO_DOWNLOAD_INCOMPLETE', exitCode: 1 });
    expect(r.json().error.message).toMatch(new RegExp(`of ${ALPHA.length} bytes: nothing was written to`));
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
    // an existing file survives a failed --force download untouched
    writeFileSync(out, 'previous');
    const forced = await env.oco(['backup', 'download', 'alpha', '-o', out, '--force']);
    expect(forced.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('previous');
    expect(readdirSync(cwd)).toEqual(['alpha.tar.gz']);
  });
});

describe('the fake object storage is as strict as S3', () => {
  it('a changed signature or expiry is 403 SignatureDoesNotMatch; an expired URL 403 AccessDenied', async () => {
    const { kube } = env.cluster;
    const url = new URL(kube.signedUrl(Buffer.from('x')));
    expect((await fetch(url)).status).toBe(200);
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '999999');
    const tampered = await fetch(longer);
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const expired = await fetch(kube.signedUrl(Buffer.from('x'), 0));
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('<Message>Request has expired</Message>');
    expect((await fetch(kube.signedUrl(null))).status).toBe(404);
  });

  it('the controller puts Processed, the URL and its expiration in the status, and deletes expired requests', async () => {
    const { kube, velero } = env.cluster;
    velero.signedUrlTtlMs = 0;
    kube.seed('downloadrequests', {
      metadata: { name: 'by-hand', namespace: 'velero' },
      spec: { target: { kind: 'BackupContents', name: 'alpha' } },
    });
    await vi.waitFor(() => expect(kube.get('downloadrequests', 'velero', 'by-hand')?.status?.phase).toBe('Processed'));
    const status = kube.get('downloadrequests', 'velero', 'by-hand')!.status;
    expect(status.downloadURL).toMatch(/X-Amz-Signature=[0-9a-f]{64}$/);
    expect(status.expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await vi.waitFor(() => expect(kube.get('downloadrequests', 'velero', 'by-hand')).toBeUndefined(), {
      timeout: 10_000,
    });
  });
});
