// Closed-loop load for profiling: node loadgen.mjs ORIGIN PATH CONCURRENCY MS [stream]
import { Pool } from 'undici';
const [origin, path, c, ms, stream] = process.argv.slice(2);
const C = Number(c);
const body = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say ok.' }],
  ...(stream ? { stream: true } : {}),
});
const pool = new Pool(origin, { connections: C, pipelining: 1 });
let n = 0;
let errors = 0;
const until = performance.now() + Number(ms);
await Promise.all(
  Array.from({ length: C }, async () => {
    while (performance.now() < until) {
      try {
        const r = await pool.request({
          path,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: 'Bearer sk-bench',
            'x-bench-chunks': '5',
            'x-bench-gap-ms': '0',
          },
          body,
        });
        await r.body.dump();
        if (r.statusCode !== 200) errors++;
      } catch {
        errors++;
      }
      n++;
    }
  }),
);
await pool.close();
process.stdout.write(JSON.stringify({ n, errors }) + '\n');
