import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { CoreV1Api, CustomObjectsApi, KubeConfig, VersionApi } from '@kubernetes/client-node';
import type { OcoConfig } from '../../base/config/resolve.js';
import { ConfigError, UnreachableError, UsageError } from '../../base/errors.js';
import { kubeconfigError } from './errors.js';

type ClientModule = typeof import('./library.js');

// Built by scripts/bundle-vendor.js; absent when the TypeScript sources run directly (tests).
const bundled = new URL('../../../vendor/kubernetes-client.js', import.meta.url);

let modulePromise: Promise<ClientModule> | undefined;

/**
 * The client library is large (its generated API loads every model); importing it
 * lazily keeps commands that never touch a cluster fast, and lets a command start
 * loading it while it parses flags. The build bundles it into one file, which loads
 * in about a third of the time of the package's ~1,000 modules.
 */
export function loadClientModule(): Promise<ClientModule> {
  // Node's on-disk compile cache roughly halves the library's load time from the second run on
  // (measured 550 -> 300 ms); it only caches compiled code, in the OS temp directory.
  modulePromise ??= import('node:module').then((m) => {
    try {
      m.enableCompileCache?.();
    } catch {
      // a read-only temp directory only costs speed
    }
    return existsSync(fileURLToPath(bundled))
      ? (import(bundled.href) as Promise<ClientModule>)
      : import('./library.js');
  });
  return modulePromise;
}

export interface KubeOptions {
  /** Context name (flag --context, config kube.context); the kubeconfig's current context otherwise. */
  context?: string;
  /** Kubeconfig path(s) (flag --kubeconfig, KUBECONFIG); ~/.kube/config, then in-cluster otherwise. */
  kubeconfig?: string;
}

export interface Kube {
  lib: ClientModule;
  kc: KubeConfig;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  version: VersionApi;
  /** Name of the context in use (recorded with jobs; not secret). */
  context: string;
  /** API server URL, for messages (credentials never live in it). */
  server: string;
}

/** Standard kubeconfig resolution: KUBECONFIG (path list, merged), ~/.kube/config, in-cluster service account. */
export async function connectKube(config: OcoConfig, options: KubeOptions = {}): Promise<Kube> {
  const lib = await loadClientModule();
  const kc = new lib.KubeConfig();
  const env = config.env;
  const files = (options.kubeconfig ?? config.string('kube.kubeconfig') ?? '').split(delimiter).filter(Boolean);
  const home = env.HOME ?? homedir();
  const defaultFile = join(home, '.kube', 'config');
  if (files.length > 0) {
    for (const [i, file] of files.entries()) {
      try {
        if (i === 0) kc.loadFromFile(file);
        else {
          const more = new lib.KubeConfig();
          more.loadFromFile(file);
          kc.mergeConfig(more);
        }
      } catch (err) {
        throw kubeconfigError(file, err);
      }
    }
  } else if (existsSync(defaultFile)) {
    try {
      kc.loadFromFile(defaultFile);
    } catch (err) {
      throw kubeconfigError(defaultFile, err);
    }
  } else if (env.KUBERNETES_SERVICE_HOST && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) {
    kc.loadFromCluster();
  } else {
    throw new UnreachableError(
      'OCO_K8S_NO_KUBECONFIG',
      'no Kubernetes configuration found (no KUBECONFIG, no ~/.kube/config, not running in a cluster)',
      {
        hint: 'Point KUBECONFIG (or --kubeconfig, or oco config set kube.kubeconfig) at a kubeconfig file.',
      },
    );
  }
  const context = options.context ?? config.string('kube.context');
  if (context) {
    if (!kc.getContexts().some((c) => c.name === context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new UsageError(`kube context "${context}" is not in the kubeconfig`, {
        code: 'OCO_K8S_NO_CONTEXT',
        hint: known.length ? `Use --context with one of: ${known.join(', ')}` : 'The kubeconfig defines no contexts.',
      });
    }
    kc.setCurrentContext(context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new ConfigError(`the kube context "${kc.getCurrentContext()}" names no cluster`, {
      code: 'OCO_K8S_BAD_KUBECONFIG',
      hint: 'Fix the context with kubectl config set-context.',
    });
  }
  return {
    lib,
    kc,
    custom: kc.makeApiClient(lib.CustomObjectsApi),
    core: kc.makeApiClient(lib.CoreV1Api),
    version: kc.makeApiClient(lib.VersionApi),
    context: kc.getCurrentContext(),
    server: safeServer(cluster.server),
  };
}

/** The server URL without any userinfo a kubeconfig might (unusually) carry. */
function safeServer(server: string): string {
  try {
    const u = new URL(server);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable server URL)';
  }
}
