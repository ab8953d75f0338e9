import type { IncomingHttpHeaders } from 'node:http';
import type { VirtualKey } from '../keys/service.js';
import type { Attribution } from '../model.js';
import { firstHeader } from './http-util.js';

const HEADER_FIELDS = [
  ['x-org-id', 'orgId'],
  ['x-team-id', 'teamId'],
  ['x-agent-id', 'agentId'],
  ['x-user-id', 'userId'],
] as const;

/** What an org, team, agent or user id (and a tag) may be: headers, keys and routing policies alike. */
export const VALID_ID = /^[\w.@:/+-]{1,128}$/;
const MAX_TAGS = 32;

export type AttributionResult = { ok: true; value: Attribution } | { ok: false; message: string };

/**
 * Who a call is for. A virtual key's own attribution wins over headers (a key
 * scoped to a team cannot be billed to another by a header); headers fill what
 * the key leaves open; the OpenAI `user` field is the user when nothing else names one.
 */
export function resolveAttribution(
  headers: IncomingHttpHeaders,
  key: VirtualKey | undefined,
  bodyUser: string | undefined,
): AttributionResult {
  const out: Attribution = { orgId: 'default', teamId: 'default', agentId: 'default', userId: 'default', tags: [] };
  for (const [header, field] of HEADER_FIELDS) {
    const v = firstHeader(headers[header])?.trim();
    if (!v) continue;
    if (!VALID_ID.test(v))
      return { ok: false, message: `header ${header} must be 1-128 characters of letters, digits and . _ @ : / + -` };
    out[field] = v;
  }
  if (out.userId === 'default' && bodyUser && VALID_ID.test(bodyUser)) out.userId = bodyUser;
  if (key) {
    if (key.orgId) out.orgId = key.orgId;
    if (key.teamId) out.teamId = key.teamId;
    if (key.agentId) out.agentId = key.agentId;
    if (key.userId) out.userId = key.userId;
    out.keyId = key.id;
  }
  const tags = firstHeader(headers['x-oco-tags']);
  if (tags) {
    const list = tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    if (list.length > MAX_TAGS || list.some((t) => !VALID_ID.test(t))) {
      return {
        ok: false,
        message:
          `header X-OCO-Tags must be a comma list of at most ${MAX_TAGS} tags,` +
          ' each 1-128 characters of letters, digits and . _ @ : / + -',
      };
    }
    out.tags = list;
  }
  return { ok: true, value: out };
}
