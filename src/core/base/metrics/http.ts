import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Metrics } from './registry.js';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function presentedKey(req: IncomingMessage): string | undefined {
  const h = req.headers['x-api-key'];
  const v = Array.isArray(h) ? h[0] : h;
  if (v) return v;
  const auth = req.headers.authorization;
  return auth?.match(/^bearer\s+(.+)$/i)?.[1]?.trim();
}

/**
 * GET /metrics. With `adminKey` the scrape must present it (X-API-Key, or Authorization: Bearer, which
 * Prometheus's `authorization` scrape setting sends): 401 otherwise, the same answer for a wrong key
 * and a missing one.
 */
export function serveMetrics(metrics: Metrics, req: IncomingMessage, res: ServerResponse, adminKey?: string): void {
  if (adminKey !== undefined) {
    const presented = presentedKey(req);
    if (presented === undefined || !sameSecret(presented, adminKey)) {
      const body = JSON.stringify({
        error: {
          type: 'auth_error',
          message: '/metrics needs the admin key (X-API-Key or Authorization: Bearer), or use metrics.port',
        },
      });
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end(body);
      return;
    }
  }
  metrics.render().then(
    ({ text, contentType }) => {
      res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    },
    (err: Error) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`metrics collection failed: ${err.message}\n`);
    },
  );
}

/**
 * The separate metrics listener (metrics.port): GET /metrics only, no key (its protection is the
 * address it binds, metrics.host), so a scraper never holds the admin key.
 */
export function listenMetrics(metrics: Metrics, port: number, host: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) return serveMetrics(metrics, req, res);
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('this listener serves GET /metrics only\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}
