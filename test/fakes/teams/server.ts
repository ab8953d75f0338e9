import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Teams Workflows webhook ("When a Teams webhook request is received" → post card in a chat or channel): POST
 * JSON to /workflows/<id>/triggers/manual/paths/invoke?api-version=1&sig=<sig>; the flow accepts with 202 and an
 * empty body. It posts only `type: message` bodies whose attachments are Adaptive Cards
 * (contentType application/vnd.microsoft.card.adaptive, content.type AdaptiveCard, version ≤ 1.5: what Teams
 * renders); anything else is a 400 with a JSON error. A wrong sig is a 401. `script` queues answers (429 …).
 */
export interface TeamsMessage {
  body: any;
}

const ELEMENTS = new Set([
  'TextBlock',
  'FactSet',
  'ColumnSet',
  'Column',
  'Container',
  'Image',
  'Table',
  'RichTextBlock',
]);

function checkElements(items: any[]): string | null {
  for (const e of items) {
    if (!ELEMENTS.has(e?.type)) return `unknown element type ${e?.type}`;
    if (e.type === 'TextBlock' && typeof e.text !== 'string') return 'TextBlock.text must be a string';
    if (
      e.type === 'FactSet' &&
      !(e.facts ?? []).every((f: any) => typeof f.title === 'string' && typeof f.value === 'string')
    )
      return 'FactSet facts need title and value strings';
    if (e.type === 'ColumnSet')
      for (const c of e.columns ?? []) {
        if (c.type !== 'Column') return 'ColumnSet.columns must be Column';
        const inner = checkElements(c.items ?? []);
        if (inner) return inner;
      }
  }
  return null;
}

function check(body: any): string | null {
  if (body?.type !== 'message') return 'body.type must be "message"';
  if (!Array.isArray(body.attachments) || body.attachments.length === 0) return 'attachments required';
  for (const a of body.attachments) {
    if (a.contentType !== 'application/vnd.microsoft.card.adaptive') return `unsupported contentType ${a.contentType}`;
    const c = a.content;
    if (c?.type !== 'AdaptiveCard') return 'content.type must be AdaptiveCard';
    if (!['1.0', '1.1', '1.2', '1.3', '1.4', '1.5'].includes(c.version))
      return `card version ${c.version} not supported`;
    const inner = checkElements(c.body ?? []);
    if (inner) return inner;
  }
  return null;
}

export async function startFakeTeams(): Promise<{
  url: string;
  messages: TeamsMessage[];
  attempts: number;
  script: Array<{ status: number; body: string; retryAfter?: string }>;
  close(): Promise<void>;
}> {
  const sig = 'Zm9vYmFyc2lnbmF0dXJlc2VjcmV0';
  const state = {
    messages: [] as TeamsMessage[],
    attempts: 0,
    script: [] as Array<{ status: number; body: string; retryAfter?: string }>,
  };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      state.attempts++;
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        res
          .writeHead(status, { 'content-type': 'application/json', ...headers })
          .end(body === '' ? '' : JSON.stringify(body));
      const u = new URL(req.url ?? '/', 'http://x');
      if (req.method !== 'POST' || !u.pathname.startsWith('/workflows/'))
        return json(404, { error: { code: 'NotFound' } });
      if (u.searchParams.get('sig') !== sig)
        return json(401, { error: { code: 'DirectApiAuthorizationRequired', message: 'signature invalid' } });
      const next = state.script.shift();
      if (next)
        return res.writeHead(next.status, next.retryAfter ? { 'retry-after': next.retryAfter } : {}).end(next.body);
      let body: any;
      try {
        body = JSON.parse(raw);
      } catch {
        return json(400, { error: { code: 'InvalidRequestContent', message: 'not JSON' } });
      }
      const err = check(body);
      if (err) return json(400, { error: { code: 'InvalidRequestContent', message: err } });
      state.messages.push({ body });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/workflows/0a1b2c/triggers/manual/paths/invoke?api-version=1&sig=${sig}`,
    messages: state.messages,
    get attempts() {
      return state.attempts;
    },
    script: state.script,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
