// The floor a Node gateway cannot go below on this machine: a bare node:http server
// forwarding through an undici Pool with the dispatch API, no parsing, no recording,
// no pricing. JSON answers go back in one write; SSE chunk by chunk as they arrive.
// Usage: node bare-proxy.mjs PORT UPSTREAM_ORIGIN   (serves /v1/proxy/openai/*)
import { createServer } from 'node:http';
import { Pool } from 'undici';

const port = Number(process.argv[2] ?? 0);
const pool = new Pool(process.argv[3], { connections: 512, keepAliveTimeout: 30_000 });
const PREFIX = '/v1/proxy/openai';
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const headers = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const k = req.rawHeaders[i].toLowerCase();
      if (!HOP.has(k)) headers[k] = req.rawHeaders[i + 1];
    }
    headers['content-length'] = String(body.length);
    const out = [];
    let status = 0;
    let h;
    let sse = false;
    pool.dispatch(
      { path: req.url.slice(PREFIX.length), method: req.method, headers, body },
      {
        onRequestStart() {},
        onResponseStart(_c, s, hh) {
          status = s;
          h = {};
          for (const k in hh) if (!HOP.has(k)) h[k] = hh[k];
          sse = String(hh['content-type'] ?? '').startsWith('text/event-stream');
          if (sse) {
            res.writeHead(status, h);
            res.flushHeaders();
          }
        },
        onResponseData(_c, chunk) {
          if (sse) res.write(chunk);
          else out.push(chunk);
        },
        onResponseEnd() {
          if (sse) return void res.end();
          const b = out.length === 1 ? out[0] : Buffer.concat(out);
          h['content-length'] = String(b.length);
          res.writeHead(status, h);
          res.end(b.toString('latin1'), 'latin1');
        },
        onResponseError(_c, err) {
          if (res.headersSent) return void res.destroy();
          res.writeHead(502);
          res.end(String(err));
        },
      },
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
