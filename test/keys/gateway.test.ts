import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setEntityAllowList } from '../../src/core/gateway/keys/entity-lists.js';
import { createKey, rotateKey, setBlocked } from '../../src/core/gateway/keys/lifecycle.js';
import { BACKENDS } from '../helpers/stores.js';
import { startHarness, waitFor, type Harness } from '../proxy/harness.js';

const hi = [{ role: 'user' as const, content: 'hi' }];

/**
 * Allow-lists and the key lifecycle through the real gateway, the official SDK and the wire fake:
 * a call outside a list is a 403 naming the key's name (never the key) and what is allowed, and
 * reaches no provider; routing and fallbacks never leave the lists; rotated, blocked keys.
 */
describe.each(BACKENDS)('allow-lists and key lifecycle at the gateway ($name)', (backend) => {
  describe.skipIf(!backend.available())(backend.name, () => {
    let h: Harness;
    const recorded = async () => {
      await h.flush();
      return Number((await h.daemon.store.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM api_requests'))!.n);
    };
    beforeAll(async () => {
      h = await startHarness({
        engine: backend.name,
        env: {
          OPENAI_API_KEY: 'sk-openai-configured',
          ANTHROPIC_API_KEY: 'sk-ant-configured',
          GEMINI_API_KEY: 'gemini-configured',
          OCO_ROUTE_RETRIES: '0',
          OCO_ROUTE_RETRY_BASE_MS: '10',
        },
      });
    });
    afterAll(async () => h?.stop());

    const passthrough = (provider: string, path: string, key: string, body: unknown, extra = {}) =>
      fetch(`${h.url}/v1/proxy/${provider}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-oco-key': key, ...extra },
        body: JSON.stringify(body),
      });
    const sdk = (key: string) => new OpenAI({ apiKey: key, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const refusal = async (p: Promise<unknown>) => {
      const err = (await p.then(
        () => undefined,
        (e: unknown) => e,
      )) as APIError;
      expect(err).toBeInstanceOf(APIError);
      expect(err.status).toBe(403);
      return err.error as { type: string; code: string; message: string; allowed_models: string[] | null };
    };

    it('refuses a model outside the key list with 403 on every route, before any upstream byte', async () => {
      const { key } = await createKey(h.daemon.store, {
        name: 'agent-a',
        models: 'gpt-4o-mini,claude-haiku-*',
        providers: 'openai,anthropic',
      });
      const upstream = h.fake.requests.length;
      const calls = await recorded();

      const res = await passthrough('openai', '/v1/chat/completions', key, { model: 'gpt-4o', messages: hi });
      expect(res.status).toBe(403);
      const body = (await res.json()) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({
        type: 'permission_error',
        code: 'model_not_allowed',
        scope: 'key',
        message:
          'key "agent-a" may not call model gpt-4o on openai; allowed models: gpt-4o-mini, claude-haiku-*;' +
          ' allowed providers: openai, anthropic',
        allowed_models: ['gpt-4o-mini', 'claude-haiku-*'],
      });
      expect(JSON.stringify(body)).not.toContain(key);
      expect(body.error.request_id).toBe(res.headers.get('x-request-id'));

      const unified = await refusal(sdk(key).chat.completions.create({ model: 'gpt-4o', messages: hi }));
      expect(unified.message).toContain('key "agent-a" may not call model gpt-4o');
      // Case does not slip past a list, nor does the provider/model spelling.
      await refusal(sdk(key).chat.completions.create({ model: 'openai/gpt-4o', messages: hi }));
      await refusal(sdk(key).embeddings.create({ model: 'text-embedding-3-small', input: 'x' }));
      const gemini = await passthrough('gemini', '/v1beta/models/gemini-2.5-flash:generateContent', key, {
        contents: [{ parts: [{ text: 'hi' }] }],
      });
      expect(gemini.status).toBe(403);
      expect(((await gemini.json()) as { error: { message: string } }).error.message).toContain(
        'allowed providers: openai, anthropic',
      );
      // A body with no readable model is refused under a model list.
      const unread = await fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-oco-key': key },
        body: 'not json',
      });
      expect(unread.status).toBe(403);
      expect(h.fake.requests.length).toBe(upstream);
      expect(await recorded()).toBe(calls);

      // Inside the list: answered.
      expect(
        (await passthrough('openai', '/v1/chat/completions', key, { model: 'GPT-4o-mini', messages: hi })).status,
      ).toBe(200);
      const ok = await sdk(key).chat.completions.create({ model: 'claude-haiku-4-5', messages: hi });
      expect(ok.object).toBe('chat.completion');
      expect(h.fake.requests.length).toBe(upstream + 2);
    });

    it("a team's list applies to its keys (which can only narrow it) and to calls naming the team", async () => {
      await setEntityAllowList(h.daemon.store, { team: 'payments' }, { models: 'gpt-4o-mini,claude-haiku-*' });
      await h.daemon.allowLists.refresh();
      const { key } = await createKey(h.daemon.store, { name: 'wide', team: 'payments', models: 'gpt-4o*' });
      const upstream = h.fake.requests.length;
      const err = await refusal(sdk(key).chat.completions.create({ model: 'gpt-4o', messages: hi }));
      expect(err.message).toBe(
        'team "payments" may not call model gpt-4o on openai; allowed models: gpt-4o-mini, claude-haiku-*',
      );
      // Passes both lists: answered. Inside the team's list but outside the key's: refused by the key's.
      expect((await sdk(key).chat.completions.create({ model: 'gpt-4o-mini', messages: hi })).object).toBe(
        'chat.completion',
      );
      const narrowed = await refusal(sdk(key).chat.completions.create({ model: 'claude-haiku-4-5', messages: hi }));
      expect(narrowed.message).toContain('key "wide"');
      // Without a key, the team named by the header.
      const res = await fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-team-id': 'payments' },
        body: JSON.stringify({ model: 'gpt-4.1', messages: hi }),
      });
      expect(res.status).toBe(403);
      expect(h.fake.requests.length).toBe(upstream + 1);
      await setEntityAllowList(h.daemon.store, { team: 'payments' }, { models: 'none' });
      await h.daemon.allowLists.refresh();
    });

    it('routing never picks a model outside the list: the requested model is called instead', async () => {
      const { key } = await createKey(h.daemon.store, { name: 'premium-only', models: 'gpt-4o' });
      // Cost routing sends this trivial prompt to the economy model (gpt-5-nano) when nothing restricts it.
      const free = await sdk('sk-client')
        .chat.completions.create({ model: 'gpt-4o', messages: hi }, { headers: { 'X-OCO-Route': 'cost' } })
        .withResponse();
      expect(free.response.headers.get('x-oco-model')).toBe('gpt-5-nano');
      const { response } = await sdk(key)
        .chat.completions.create({ model: 'gpt-4o', messages: hi }, { headers: { 'X-OCO-Route': 'cost' } })
        .withResponse();
      expect(response.headers.get('x-oco-model')).toBe('gpt-4o');
      expect(JSON.parse(h.fake.last()!.body).model).toBe('gpt-4o');
    });

    it('a fallback outside the list is skipped; the next allowed one answers', async () => {
      const { key } = await createKey(h.daemon.store, { name: 'fb', models: 'gpt-4o-mini,claude-haiku-*' });
      h.fake.script('gpt-4o-mini', '500');
      const sent = (model: string) => h.fake.requests.filter((r) => r.body.includes(`"model":"${model}"`)).length;
      const sonnet = sent('claude-sonnet-4-5');
      const { response } = await sdk(key)
        .chat.completions.create(
          { model: 'gpt-4o-mini', messages: hi },
          { headers: { 'X-OCO-Fallbacks': 'claude-sonnet-4-5,claude-haiku-4-5' } },
        )
        .withResponse();
      expect(response.headers.get('x-oco-model')).toBe('claude-haiku-4-5');
      expect(response.headers.get('x-oco-attempts')).toBe('2');
      expect(sent('claude-sonnet-4-5')).toBe(sonnet);
    });

    const INVALID = 'X-OCO-Key must be the proxy key or an active virtual key';
    const status = async (key: string) => {
      const r = await passthrough('openai', '/v1/chat/completions', key, { model: 'gpt-4o-mini', messages: hi });
      const body = (await r.json()) as { error?: { message: string } };
      return { status: r.status, message: body.error?.message };
    };

    it('rotation: both secrets bill one key during the grace; after it the old one gets the unknown-key 401', async () => {
      const { key: old, record } = await createKey(h.daemon.store, { name: 'rotating' });
      expect((await status(old)).status).toBe(200);
      const { key: fresh } = await rotateKey(h.daemon.store, record.id, 3600);
      const a = await passthrough('openai', '/v1/chat/completions', old, { model: 'gpt-4o-mini', messages: hi });
      const b = await passthrough('openai', '/v1/chat/completions', fresh, { model: 'gpt-4o-mini', messages: hi });
      expect([a.status, b.status]).toEqual([200, 200]);
      await h.flush();
      const ids = [a.headers.get('x-request-id'), b.headers.get('x-request-id')];
      const rows = await h.daemon.store.all<{ key_id: string }>(
        'SELECT key_id FROM api_requests WHERE id IN ($1, $2)',
        ids as string[],
      );
      expect(rows.map((r) => r.key_id)).toEqual([record.id, record.id]);
      await rotateKey(h.daemon.store, record.id, 0);
      // The daemon's key cache holds a verified secret for up to 2 s.
      const refused = await waitFor(async () => {
        const s = await status(old);
        return s.status === 401 && s;
      });
      expect(refused.message).toContain(INVALID);
      // The second rotation had no grace: the first rotation's secret is refused too, once its cache entry expires.
      await waitFor(async () => (await status(fresh)).status === 401);
    });

    it('block refuses with the unknown-key 401; unblock restores', async () => {
      const { key, record } = await createKey(h.daemon.store, { name: 'blockme' });
      expect((await status(key)).status).toBe(200);
      await setBlocked(h.daemon.store, record.id, true);
      const blocked = await waitFor(async () => {
        const s = await status(key);
        return s.status === 401 && s;
      });
      expect(blocked.message).toContain(INVALID);
      expect(blocked.message).not.toContain('blockme');
      await setBlocked(h.daemon.store, record.id, false);
      await waitFor(async () => (await status(key)).status === 200);
    });
  });
});
