import { Validator } from '@seriousme/openapi-schema-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation, Parameter, RouteDocs } from '../../src/core/base/openapi.js';
import { adminApiDocument } from '../../src/daemon/admin-routes.js';
import { ROOT } from '../helpers/cli.js';
import { startHarness, type Harness } from '../proxy/harness.js';

const ADMIN_KEY = 'admin-secret-openapi';
const doc = adminApiDocument() as { paths: RouteDocs; openapi: string };

/**
 * A concrete path for a documented template: each {param} replaced by its first enum value, else its first
 * example (a route that only matches ids of one form documents one), else a sample.
 */
function concrete(template: string, op: Operation): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const p = (op.parameters ?? []).find((x: Parameter) => x.in === 'path' && x.name === name);
    const e = (p?.schema.enum ?? p?.schema.examples) as string[] | undefined;
    return encodeURIComponent(e?.[0] ?? `sample-${name}`);
  });
}

const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op: op as Operation })),
);

describe('the admin API OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const v = new Validator();
    const r = await v.validate(structuredClone(doc));
    expect(r.errors ?? []).toEqual([]);
    expect(r.valid).toBe(true);
    expect(v.version).toBe('3.1');
  });

  it('is the one shipped in docs/openapi.json (npm run openapi writes it)', () => {
    const shipped = JSON.parse(readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8'));
    expect(shipped).toEqual(doc);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('docs/openapi.json');
  });

  it('gives each operation a unique operationId', () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('the daemon serves what the document says', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { OCO_ADMIN_API_KEY: ADMIN_KEY } });
  });
  afterAll(async () => h?.stop());

  it('documents every admin route the daemon registers (method and path)', () => {
    const undocumented = h.daemon.adminRoutes
      .filter(
        (route) => !operations.some((o) => o.method === route.method && route.pattern.test(concrete(o.path, o.op))),
      )
      .map((r) => `${r.method} ${r.pattern.source}`);
    expect(undocumented).toEqual([]);
    expect(h.daemon.adminRoutes.length).toBeGreaterThan(30);
  });

  it('answers every documented operation (never 404 "no route" or 405)', async () => {
    const missing: string[] = [];
    for (const o of operations) {
      const url = `${h.url}${concrete(o.path, o.op)}`;
      const res = await fetch(url, {
        method: o.method,
        headers: { 'x-api-key': ADMIN_KEY, ...(o.op.requestBody ? { 'content-type': 'application/json' } : {}) },
        // An empty object: the route runs and validates it (400 or 404 are answers; "no route" is not).
        ...(o.op.requestBody ? { body: '{}' } : {}),
      });
      const text = await res.text();
      if (o.op['x-oco-scope'] === 'none') {
        if (res.status === 404 || res.status === 405) missing.push(`${o.method} ${o.path} → ${res.status}`);
        continue;
      }
      const body = JSON.parse(text) as { error?: { code?: string } };
      if (res.status === 405 || body.error?.code === 'OCO_ADMIN_NO_ROUTE')
        missing.push(`${o.method} ${o.path} → ${res.status} ${text.slice(0, 120)}`);
      expect(res.status, `${o.method} ${o.path}`).not.toBe(500);
      // Every error of this API names its stable code (docs/errors.md).
      if (res.status >= 400) expect(body.error?.code, `${o.method} ${o.path}: ${text}`).toMatch(/^OCO_[A-Z_]+$/);
    }
    expect(missing).toEqual([]);
  });

  it('serves the document at GET /api/v1/openapi.json', async () => {
    const res = await fetch(`${h.url}/api/v1/openapi.json`, { headers: { 'x-api-key': ADMIN_KEY } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(doc);
  });
});
