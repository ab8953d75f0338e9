import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Slack incoming-webhook receiver as Slack runs one (https://api.slack.com/messaging/webhooks): POST JSON to
 * /services/T…/B…/<token>, answer 200 "ok" (text/html), or 400 with the error name in the body when the payload
 * breaks Slack's rules (no text and no blocks: no_text; more than 50 blocks, a section text over 3000 characters, a
 * header over 150, more than 10 fields or a field over 2000: invalid_blocks; not JSON: invalid_payload), 404
 * no_service for an unknown token. `script` queues answers (429 with Retry-After, 410 channel_is_archived, …).
 */
export interface SlackMessage {
  path: string;
  body: { text?: string; blocks?: Array<Record<string, any>> };
  raw: string;
}

export interface ScriptedAnswer {
  status: number;
  body: string;
  retryAfter?: string;
}

const BLOCK_TYPES = new Set(['header', 'section', 'divider', 'context', 'actions', 'image', 'rich_text']);

function check(body: any): string | null {
  if (!body || typeof body !== 'object') return 'invalid_payload';
  const blocks = body.blocks;
  if (!body.text && (!Array.isArray(blocks) || blocks.length === 0)) return 'no_text';
  if (blocks === undefined) return null;
  if (!Array.isArray(blocks) || blocks.length > 50) return 'invalid_blocks';
  for (const b of blocks) {
    if (!BLOCK_TYPES.has(b.type)) return 'invalid_blocks';
    if (b.type === 'header' && (b.text?.type !== 'plain_text' || String(b.text.text).length > 150))
      return 'invalid_blocks';
    if (b.type === 'section') {
      if (!b.text && !b.fields) return 'invalid_blocks';
      if (b.text && (!['mrkdwn', 'plain_text'].includes(b.text.type) || String(b.text.text).length > 3000))
        return 'invalid_blocks';
      if (b.fields && (b.fields.length > 10 || b.fields.some((f: any) => String(f.text).length > 2000)))
        return 'invalid_blocks';
    }
    if (b.type === 'context' && (!Array.isArray(b.elements) || b.elements.length > 10)) return 'invalid_blocks';
  }
  return null;
}

export async function startFakeSlack(): Promise<{
  url: string;
  messages: SlackMessage[];
  attempts: number;
  script: ScriptedAnswer[];
  close(): Promise<void>;
}> {
  const token = 'T0001/B0001/XXXXsecretpathtokenXXXX';
  const state = { messages: [] as SlackMessage[], attempts: 0, script: [] as ScriptedAnswer[] };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      state.attempts++;
      const answer = (status: number, text: string, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'text/html', ...headers }).end(text);
      if (req.method !== 'POST') return answer(405, 'invalid_method');
      if (req.url !== `/services/${token}`) return answer(404, 'no_service');
      const next = state.script.shift();
      if (next) return answer(next.status, next.body, next.retryAfter ? { 'retry-after': next.retryAfter } : {});
      if (!String(req.headers['content-type']).startsWith('application/json')) return answer(400, 'invalid_payload');
      let body: any;
      try {
        body = JSON.parse(raw);
      } catch {
        return answer(400, 'invalid_payload');
      }
      const err = check(body);
      if (err) return answer(400, err);
      state.messages.push({ path: req.url, body, raw });
      answer(200, 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/${token}`,
    messages: state.messages,
    get attempts() {
      return state.attempts;
    },
    script: state.script,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
