import {
  ConfigError,
  NotFoundError,
  OcoError,
  OperationError,
  UnreachableError,
  UsageError,
  isOcoError,
} from '../../base/errors.js';

/** What oco was doing when the API server answered: names the verb and resource in messages. */
export interface KubeOp {
  verb: 'get' | 'list' | 'watch' | 'create' | 'patch' | 'delete' | 'update';
  /** Plural resource, e.g. backups. */
  resource: string;
  group: string;
  namespace?: string;
  name?: string;
  /** API server URL, for unreachable messages (no credentials in it). */
  server?: string;
}

interface MetaStatus {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: Array<{ field?: string; message?: string }> };
}

/** Network error codes that mean "the cluster cannot be reached" rather than "the cluster said no". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The fields of an error (or its cause chain) that tell an unreachable API server apart. */
interface NetworkErrorLike {
  code?: unknown;
  name?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function networkCode(err: unknown): string | undefined {
  let e = err as NetworkErrorLike | undefined;
  for (let i = 0; i < 5 && e; i++) {
    if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return e.code;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'ETIMEDOUT';
    e = (e.cause ?? (Array.isArray(e.errors) ? e.errors[0] : undefined)) as NetworkErrorLike | undefined;
  }
  return undefined;
}

function statusOf(err: unknown): MetaStatus | undefined {
  const body = (err as { body?: unknown } | null | undefined)?.body;
  if (body && typeof body === 'object') return body as MetaStatus;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as MetaStatus;
    } catch {
      return { message: body.slice(0, 300) };
    }
  }
  return undefined;
}

export function httpStatusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

function target(op: KubeOp): string {
  const res = op.group ? `${op.resource}.${op.group}` : op.resource;
  return `${res}${op.name ? ` "${op.name}"` : ''}${op.namespace ? ` in namespace "${op.namespace}"` : ''}`;
}

/**
 * Turns whatever @kubernetes/client-node threw into a typed oco error. Messages are
 * built from the API server's Status and the operation, never from the raw exception
 * text (which carries response headers) and never with request credentials.
 */
export function mapKubeError(err: unknown, op: KubeOp): OcoError {
  if (isOcoError(err)) return err;
  if (/HTTP protocol is not allowed/.test(String((err as Error)?.message))) {
    return new ConfigError(
      `the kube context points at a plain http:// server${op.server ? ` (${op.server})` : ''}, which the ` +
        `Kubernetes client refuses without insecure-skip-tls-verify`,
      {
        code: 'OCO_K8S_BAD_KUBECONFIG',
        hint:
          'Use the https:// address of the API server, or set insecure-skip-tls-verify: true on that cluster in ' +
          'the kubeconfig (test clusters only).',
      },
    );
  }
  const net = networkCode(err);
  const code = httpStatusOf(err);
  if (net || code === undefined) {
    return new UnreachableError(
      'OCO_K8S_UNREACHABLE',
      `cannot reach the Kubernetes API server${op.server ? ` at ${op.server}` : ''} ` +
        `(${net ?? (err as Error)?.message ?? 'network error'})`,
      {
        hint:
          'Check the kube context (--context, kube.context), that the cluster is up and that this machine can ' +
          'reach it: kubectl cluster-info',
        cause: err,
      },
    );
  }
  const status = statusOf(err);
  const serverSays = status?.message ? `: ${status.message}` : '';
  const res = op.group ? `${op.resource}.${op.group}` : op.resource;
  switch (code) {
    case 401:
      return new OperationError(
        'OCO_K8S_UNAUTHENTICATED',
        `the Kubernetes API server rejected the credentials of the current context (401 Unauthorized)`,
        {
          hint: 'Refresh the credentials of the kube context (token expired?) and check with: kubectl auth whoami',
        },
      );
    case 403:
      return new OperationError(
        'OCO_K8S_FORBIDDEN',
        `not allowed to ${op.verb} ${target(op)} (Kubernetes RBAC)${serverSays}`,
        {
          hint:
            `Ask a cluster admin for a Role with verb "${op.verb}" on resource "${op.resource}" in apiGroup ` +
            `"${op.group}"${op.namespace ? ` in namespace ${op.namespace}` : ''}; check with: kubectl auth ` +
            `can-i ${op.verb} ${res}${op.namespace ? ` -n ${op.namespace}` : ''}`,
          details: { verb: op.verb, resource: op.resource, group: op.group, namespace: op.namespace },
        },
      );
    case 404:
      if (!op.name || !(status?.details as { name?: string } | undefined)?.name) {
        return new NotFoundError(`the API server does not serve ${res}${serverSays}`, {
          code: 'OCO_K8S_NO_RESOURCE',
          hint:
            op.group === 'velero.io'
              ? 'Is Velero installed in this cluster? Its CRDs (velero.io/v1) must be present: kubectl get crd ' +
                'backups.velero.io'
              : undefined,
        });
      }
      return new NotFoundError(
        `${op.resource.replace(/s$/, '')} "${op.name}" not ` +
          `found${op.namespace ? ` in namespace "${op.namespace}"` : ''}`,
        {
          code: 'OCO_K8S_NOT_FOUND',
          hint:
            `List what exists with: oco ${op.resource.replace(/s$/, '')} ` +
            `list${op.namespace ? ` --namespace ${op.namespace}` : ''}`,
        },
      );
    case 409:
      return new OperationError('OCO_K8S_CONFLICT', status?.message ?? `${target(op)}: conflict`, {
        hint:
          status?.reason === 'AlreadyExists'
            ? 'Choose another name, or delete the existing object first.'
            : 'The object changed meanwhile; run the command again.',
      });
    case 400:
    case 422: {
      const causes = status?.details?.causes?.map((c) => `${c.field ?? ''}: ${c.message ?? ''}`) ?? [];
      return new UsageError(
        `the API server rejected ${target(op)}${causes.length ? `: ${causes.join('; ')}` : serverSays}`,
        {
          code: 'OCO_K8S_INVALID',
          hint: 'Check the flag values named above (names must be lowercase RFC 1123: a-z, 0-9, "-", ".").',
          details: { causes },
        },
      );
    }
    default:
      if (code >= 500) {
        return new UnreachableError(
          'OCO_K8S_SERVER_ERROR',
          `the Kubernetes API server failed to ${op.verb} ${target(op)} (HTTP ${code})${serverSays}`,
          {
            hint: 'The API server or an aggregated API is unhealthy; retry, and check kubectl get --raw /readyz',
          },
        );
      }
      return new OperationError('OCO_K8S_ERROR', `cannot ${op.verb} ${target(op)} (HTTP ${code})${serverSays}`, {});
  }
}

export function kubeconfigError(file: string, err: unknown): ConfigError | UnreachableError {
  // js-yaml errors quote the offending lines, which may hold tokens: keep only the reason and position.
  const e = err as { code?: string; reason?: string; mark?: { line?: number; column?: number } };
  // One code, one exit: a kubeconfig that is not there is "no cluster configuration", as when none is found at all.
  if (e?.code === 'ENOENT')
    return new UnreachableError('OCO_K8S_NO_KUBECONFIG', `kubeconfig ${file} does not exist`, {
      hint: 'Set KUBECONFIG (or --kubeconfig) to an existing file.',
    });
  const where = e?.mark?.line !== undefined ? `:${e.mark.line + 1}` : '';
  return new ConfigError(`kubeconfig ${file}${where} cannot be read: ${e?.reason ?? 'not a valid kubeconfig'}`, {
    code: 'OCO_K8S_BAD_KUBECONFIG',
    hint: 'Check the file with: kubectl config view --kubeconfig <file>',
  });
}
