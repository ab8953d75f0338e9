import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

// The built CLI loads @kubernetes/client-node from one bundled file (scripts/bundle-vendor.js);
// these check that the build made it, that it carries every name oco uses, and that the
// compiled client module picks it over the package.
describe('bundled Kubernetes client', () => {
  const names = [
    ...readFileSync(join(ROOT, 'src/core/resilience/k8s/library.ts'), 'utf8').matchAll(/export \{([^}]+)\}/g),
  ].flatMap((m) =>
    m[1]!
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

  it('exports every name src/core/resilience/k8s/library.ts lists', async () => {
    expect(names).toContain('KubeConfig');
    const bundle = (await import(pathToFileURL(join(ROOT, 'dist/vendor/kubernetes-client.js')).href)) as Record<
      string,
      unknown
    >;
    for (const name of names) expect(bundle[name], name).toBeDefined();
  });

  it('is what the built CLI loads, not the package', async () => {
    const built = (await import(
      pathToFileURL(join(ROOT, 'dist/core/resilience/k8s/client.js')).href
    )) as typeof import('../../src/core/resilience/k8s/client.js');
    const lib = await built.loadClientModule();
    const pkg = await import('@kubernetes/client-node');
    expect(lib.KubeConfig).not.toBe(pkg.KubeConfig);
    // and it works: a kubeconfig parses and yields its current cluster
    const kc = new lib.KubeConfig();
    kc.loadFromString(
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {token: t}}]\ncurrent-context: x\n',
    );
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
  });

  it('reads Node built-ins through require, so node:http is not eagerly wrapped', () => {
    const text = readFileSync(join(ROOT, 'dist/vendor/kubernetes-client.js'), 'utf8');
    expect(text).not.toMatch(/from\s*"(node:)?https?"/);
  });
});
