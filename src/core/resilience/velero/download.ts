import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, linkSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Agent, fetch } from 'undici';
import { OperationError, UnreachableError, UsageError } from '../../base/errors.js';
import { buildDownloadRequest, type DownloadTarget } from './builders.js';
import type { VeleroClient, VeleroObject } from './resources.js';
import { WaitTimeoutError, waitFor } from './wait.js';

/**
 * Fetches a file Velero keeps in object storage the way the velero CLI does: a
 * DownloadRequest, watched until Velero puts a pre-signed URL in its status, then
 * an HTTP GET of that URL (and a gunzip, for everything but the backup tarball,
 * which is stored and handed over as .tar.gz). The request is deleted afterwards.
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

type Response = Awaited<ReturnType<typeof fetch>>;

/**
 * Runs fn with the signed URL of a DownloadRequest and the response of its GET (status 200 only), then
 * deletes the request. Every failure is a typed error that names only the host: the URL carries a signature.
 */
async function withSignedResponse<T>(
  client: VeleroClient,
  target: DownloadTarget,
  name: string,
  options: DownloadOptions & { signal?: AbortSignal; beforeFetch?: () => void },
  fn: (res: Response) => Promise<T>,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const req = await client.create('downloadRequest', buildDownloadRequest(target, name, client.namespace));
  const dispatcher = options.caCert ? new Agent({ connect: { ca: options.caCert } }) : undefined;
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
    let res: Response;
    options.beforeFetch?.();
    try {
      // the whole answer within the timeout, unless the caller bounds it itself (a large file: by its stalls)
      res = await fetch(url, { signal: options.signal ?? AbortSignal.timeout(timeoutMs), dispatcher });
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
      // S3, GCS and Azure all answer with an XML <Code>: the one word that says why (expired, missing, signature)
      const text = await res.text().catch(() => '');
      const code = /<Code>([^<]{1,80})<\/Code>/.exec(text)?.[1];
      throw new OperationError(
        'OCO_DOWNLOAD_FAILED',
        `object storage answered HTTP ${res.status}${code ? ` ${code}` : ''} for the ${target} of "${name}"`,
        {
          hint:
            res.status === 404
              ? 'The file is not in object storage: the backup may have failed before uploading it.'
              : 'The signed URL may have expired; run the command again.',
        },
      );
    }
    return await fn(res);
  } finally {
    await dispatcher?.close().catch(() => {});
    await client.delete('downloadRequest', req.metadata.name).catch(() => {});
  }
}

export async function download(
  client: VeleroClient,
  target: DownloadTarget,
  name: string,
  options: DownloadOptions = {},
): Promise<Buffer> {
  return withSignedResponse(client, target, name, options, async (res) => {
    const body = Buffer.from(await res.arrayBuffer());
    try {
      return gunzipSync(body);
    } catch {
      throw new OperationError('OCO_DOWNLOAD_CORRUPT', `the ${target} of "${name}" is not gzip data`, {});
    }
  });
}

export interface FileDownload {
  name: string;
  /** Absolute path of the file written. */
  path: string;
  bytes: number;
  /** SHA-256 of the bytes written, hex. */
  sha256: string;
}

/**
 * The output path must be writable, and free unless force: checked before the cluster is
 * asked for anything (velero checks it first too).
 */
export function checkOutputPath(path: string, force: boolean): void {
  const dir = dirname(path);
  let dirOk: boolean;
  try {
    dirOk = statSync(dir).isDirectory();
  } catch {
    dirOk = false;
  }
  if (!dirOk)
    throw new UsageError(`--output ${path}: the directory ${dir} does not exist`, {
      code: 'OCO_OUTPUT_UNWRITABLE',
      hint: 'Create the directory first, or give another --output.',
    });
  if (existsSync(path)) {
    if (!force)
      throw new UsageError(`${path} exists already: refusing to overwrite it`, {
        code: 'OCO_OUTPUT_EXISTS',
        hint: 'Remove it, choose another file with -o/--output, or pass --force.',
      });
    if (statSync(path).isDirectory())
      throw new UsageError(`--output ${path} is a directory`, {
        code: 'OCO_OUTPUT_UNWRITABLE',
        hint: 'Give a file name, e.g. -o backups/nightly.tar.gz.',
      });
  }
}

/**
 * Streams the backup tarball (target BackupContents, stored gzipped, written as is) to
 * `path`. The bytes go to a temporary file beside it, hashed on the way; only a complete
 * transfer (Content-Length matched, stream ended) is moved to `path`, so an interrupted
 * download never leaves a truncated file where a good one is expected. Without force the
 * move is a hard link, which fails if the path appeared meanwhile instead of replacing it.
 * A transfer that stalls for timeoutMs is aborted.
 */
export async function downloadToFile(
  client: VeleroClient,
  target: DownloadTarget,
  name: string,
  path: string,
  options: DownloadOptions & { force?: boolean; onProgress?: (bytes: number, total?: number) => void } = {},
): Promise<FileDownload> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const stall = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(new Error('stalled')), timeoutMs);
  };
  const signed = { ...options, signal: stall.signal, beforeFetch: arm };
  try {
    return await withSignedResponse(client, target, name, signed, (res) =>
      writeBody(res, {
        target,
        name,
        path,
        timeoutMs,
        force: options.force,
        onProgress: options.onProgress,
        stall,
        arm,
      }),
    );
  } finally {
    clearTimeout(timer);
  }
}

async function writeBody(
  res: Response,
  o: {
    target: DownloadTarget;
    name: string;
    path: string;
    timeoutMs: number;
    force?: boolean;
    onProgress?: (bytes: number, total?: number) => void;
    stall: AbortController;
    arm: () => void;
  },
): Promise<FileDownload> {
  const { target, name, path, timeoutMs, stall } = o;
  {
    const lengthHeader = res.headers.get('content-length');
    const total = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.part`);
    const hash = createHash('sha256');
    let bytes = 0;
    const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
    const opened = new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', reject);
    });
    try {
      try {
        await opened;
      } catch (err) {
        throw new UsageError(`cannot write in ${dirname(path)}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
          code: 'OCO_OUTPUT_UNWRITABLE',
          hint: 'Choose a directory you can write to with -o/--output.',
        });
      }
      let writeError: Error | undefined;
      out.on('error', (err) => (writeError = err));
      const drained = () =>
        new Promise<void>((resolve) => {
          const done = () => {
            out.off('drain', done);
            out.off('error', done);
            resolve();
          };
          out.once('drain', done);
          out.once('error', done);
        });
      try {
        for await (const chunk of res.body!) {
          o.arm();
          const buf = chunk as Uint8Array;
          hash.update(buf);
          bytes += buf.length;
          if (!out.write(buf)) await drained();
          if (writeError) break;
          o.onProgress?.(bytes, total);
        }
      } catch (err) {
        throw new OperationError(
          'OCO_DOWNLOAD_INCOMPLETE',
          `the ${target} of "${name}" stopped after ${bytes}${total !== undefined ? ` of ${total}` : ''} bytes` +
            `${stall.signal.aborted ? ` (nothing arrived for ${Math.round(timeoutMs / 1000)}s)` : ''}: ` +
            `nothing was written to ${path}`,
          { hint: 'Run the command again; a longer --timeout helps a slow link.', cause: err },
        );
      }
      if (writeError)
        throw new OperationError(
          'OCO_DOWNLOAD_INCOMPLETE',
          `writing the ${target} of "${name}" failed after ${bytes} bytes ` +
            `(${(writeError as NodeJS.ErrnoException).code ?? writeError.message}): nothing was written to ${path}`,
          { hint: 'Free some disk space or choose another -o/--output, then run the command again.' },
        );
      if (total !== undefined && bytes !== total)
        throw new OperationError(
          'OCO_DOWNLOAD_INCOMPLETE',
          `the ${target} of "${name}" has ${bytes} bytes, object storage announced ${total}: ` +
            `nothing was written to ${path}`,
          { hint: 'Run the command again.' },
        );
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      if (o.force) renameSync(tmp, path);
      else {
        try {
          linkSync(tmp, path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST')
            throw new UsageError(`${path} appeared while downloading: refusing to overwrite it`, {
              code: 'OCO_OUTPUT_EXISTS',
              hint: 'Remove it, choose another file with -o/--output, or pass --force.',
            });
          throw err;
        }
        rmSync(tmp, { force: true });
      }
      return { name, path, bytes, sha256: hash.digest('hex') };
    } finally {
      if (!out.closed) out.destroy();
      rmSync(tmp, { force: true });
    }
  }
}
