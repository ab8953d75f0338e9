import { gunzipSync } from 'node:zlib';
import { Agent, fetch } from 'undici';
import { OperationError, UnreachableError } from '../../base/errors.js';
import { buildDownloadRequest, type DownloadTarget } from './builders.js';
import type { VeleroClient, VeleroObject } from './resources.js';
import { WaitTimeoutError, waitFor } from './wait.js';

/**
 * Fetches a file Velero keeps in object storage the way the velero CLI does: a
 * DownloadRequest, watched until Velero puts a pre-signed URL in its status, then
 * an HTTP GET of that URL and a gunzip. The request is deleted afterwards.
 */
export interface DownloadOptions {
  timeoutMs?: number;
  /** PEM of the CA that signs the object storage's certificate (a self-hosted MinIO, say); the system CAs otherwise. */
  caCert?: string;
}

/** TLS failures that mean "this certificate is not trusted here", as opposed to "nothing answers". */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

export async function download(
  client: VeleroClient,
  target: DownloadTarget,
  name: string,
  options: DownloadOptions = {},
): Promise<Buffer> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const req = await client.create('downloadRequest', buildDownloadRequest(target, name, client.namespace));
  try {
    let processed: VeleroObject | undefined;
    try {
      processed = await waitFor<VeleroObject>(client, 'downloadRequest', req.metadata.name, {
        timeoutMs,
        done: (o) => o.status?.phase === 'Processed' && Boolean(o.status?.downloadURL),
      });
    } catch (err) {
      if (err instanceof WaitTimeoutError) {
        throw new OperationError(
          'OCO_DOWNLOAD_TIMEOUT',
          `Velero did not answer the DownloadRequest for the ${target} of "${name}" ` +
            `within ${Math.round(timeoutMs / 1000)}s`,
          {
            hint:
              `Is the Velero server running? kubectl -n ${client.namespace} get deploy velero; logs of a backup ` +
              `that never ran do not exist.`,
          },
        );
      }
      throw err;
    }
    const url = String(processed!.status.downloadURL);
    let res: Awaited<ReturnType<typeof fetch>>;
    const dispatcher = options.caCert ? new Agent({ connect: { ca: options.caCert } }) : undefined;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), dispatcher });
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code ?? '';
      if (UNTRUSTED.has(code)) {
        throw new UnreachableError(
          'OCO_DOWNLOAD_UNTRUSTED',
          `the object storage certificate at ${new URL(url).host} is not trusted (${code})`,
          {
            hint: 'Set spec.objectStorage.caCert on the BackupStorageLocation (base64 PEM), or pass --cacert FILE.',
            cause: err,
          },
        );
      }
      // the URL carries a signature: name only the host
      throw new UnreachableError(
        'OCO_DOWNLOAD_UNREACHABLE',
        `cannot fetch the ${target} of "${name}" from object storage at ${new URL(url).host}`,
        {
          hint: 'The signed URL must be reachable from this machine (Velero publicUrl / --cacert).',
          cause: err,
        },
      );
    }
    if (!res.ok) {
      throw new OperationError(
        'OCO_DOWNLOAD_FAILED',
        `object storage answered HTTP ${res.status} for the ${target} of "${name}"`,
        { hint: 'The signed URL may have expired; run the command again.' },
      );
    }
    const body = Buffer.from(await res.arrayBuffer());
    await dispatcher?.close();
    try {
      return gunzipSync(body);
    } catch {
      throw new OperationError('OCO_DOWNLOAD_CORRUPT', `the ${target} of "${name}" is not gzip data`, {});
    }
  } finally {
    await client.delete('downloadRequest', req.metadata.name).catch(() => {});
  }
}
