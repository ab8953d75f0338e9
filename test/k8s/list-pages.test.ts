import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { k8sEnv, type K8sEnv } from './helpers.js';

vi.setConfig({ testTimeout: 120_000 });

let env: K8sEnv;
const COUNT = 1203; // more than two pages of 500

beforeAll(async () => {
  env = await k8sEnv();
  for (let i = 0; i < COUNT; i++) {
    const name = `b-${String(i).padStart(4, '0')}`;
    const created = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    env.cluster.kube.seed('backups', {
      metadata: { name, namespace: 'velero', creationTimestamp: created, labels: { batch: i % 2 ? 'odd' : 'even' } },
      spec: {},
      status: { phase: 'Completed' },
    });
  }
});
afterAll(async () => env?.stop());

describe('listing many objects', () => {
  it('pages with limit/continue and returns every object once', async () => {
    const before = env.cluster.kube.listPages;
    const r = await env.oco(['backup', 'list', '--sort-by', 'name', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const names = r.json().map((b: { name: string }) => b.name);
    expect(names).toHaveLength(COUNT);
    expect(new Set(names).size).toBe(COUNT);
    expect(names[0]).toBe('b-0000');
    expect(names.at(-1)).toBe(`b-${COUNT - 1}`);
    expect(env.cluster.kube.listPages - before).toBe(2);
  });

  it('keeps the label selector on every page', async () => {
    const r = await env.oco(['backup', 'list', '-l', 'batch=odd', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toHaveLength(Math.floor(COUNT / 2));
  });
});
