import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../src/core/gateway/keys/lifecycle.js';
import { revokeKey } from '../../src/core/gateway/keys/service.js';
import { BACKENDS } from '../helpers/stores.js';
import { startHarness, type Harness } from './harness.js';

const PROXY_KEY = 'proxy-shared-secret-789';

/**
 * Issue #10 item 3: a key the gateway does not accept is refused with one answer, whatever the
 * reason, with or without a shared proxy key; a refused call reaches no upstream and is not recorded.
 */
describe.each(BACKENDS)('refused keys ($name)', (b) => {
  describe.skipIf(!b.available())(b.name, () => {
    describe.each([
      { setup: 'without a shared proxy key', env: {} as Record<string, string> },
      { setup: 'with a shared proxy key', env: { OCO_PROXY_API_KEY: PROXY_KEY } },
    ])('$setup', ({ env }) => {
      let h: Harness;
      let valid: string;
      let revoked: string;
      let expired: string;
      beforeAll(async () => {
        h = await startHarness({ engine: b.name, env: { OPENAI_API_KEY: 'sk-configured-upstream', ...env } });
        valid = (await createKey(h.daemon.store, { name: 'good', teamId: 'payments' })).key;
        const r = await createKey(h.daemon.store, { name: 'revoked' });
        await revokeKey(h.daemon.store, r.record.id);
        revoked = r.key;
        expired = (await createKey(h.daemon.store, { name: 'short', expiresAt: new Date(Date.now() + 300) })).key;
        await new Promise((resolve) => setTimeout(resolve, 400));
      });
      afterAll(async () => h?.stop());

      const chat = (headers: Record<string, string>) =>
        fetch(`${h.url}/v1/proxy/openai/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        });
      const recorded = async () => {
        await h.flush();
        return Number((await h.daemon.store.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM api_requests'))!.n);
      };
      /** The body with its request id checked and removed: what must be identical across refusals. */
      const refusal = async (res: Response) => {
        expect(res.status).toBe(401);
        const body = (await res.json()) as { error: { type: string; message: string; request_id?: string } };
        expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
        delete body.error.request_id;
        return body;
      };

      it('answers every refused X-OCO-Key with the same 401, contacts no upstream and records nothing', async () => {
        const refused: Record<string, string> = {
          'malformed oco_ key': 'oco_wrong',
          'provider-shaped value': 'sk-anything',
          'empty value': '',
          'well-formed unknown key': `oco_${randomBytes(32).toString('base64url')}`,
          'a valid key with one character changed': valid.slice(0, -1) + (valid.endsWith('A') ? 'B' : 'A'),
          'revoked key': revoked,
          'expired key': expired,
          'wrong shared key': `${PROXY_KEY}x`,
        };
        const before = await recorded();
        const upstreamBefore = h.fake.requests.length;
        const bodies = new Map<string, unknown>();
        for (const [reason, value] of Object.entries(refused))
          bodies.set(reason, await refusal(await chat({ 'x-oco-key': value })));
        const first = bodies.values().next().value;
        expect(first).toEqual({
          error: {
            type: 'proxy_auth_error',
            message: expect.stringContaining('X-OCO-Key must be the proxy key or an active virtual key'),
          },
        });
        for (const [reason, body] of bodies) expect(body, reason).toEqual(first);
        expect(h.fake.requests.length).toBe(upstreamBefore);
        expect(await recorded()).toBe(before);
      });

      it('serves the correct virtual key and bills it to its key', async () => {
        const res = await chat({ 'x-oco-key': valid });
        expect(res.status).toBe(200);
        await h.flush();
        const row = await h.daemon.store.get<Record<string, any>>('SELECT * FROM api_requests WHERE id = $1', [
          res.headers.get('x-request-id')!,
        ]);
        expect(row).toMatchObject({ team_id: 'payments' });
        expect(row!.key_id).toMatch(/^key_/);
      });

      it('refuses a virtual-key-shaped credential in the SDK key slot the same way, and forwards provider keys untouched', async () => {
        const want = await refusal(await chat({ 'x-oco-key': 'oco_wrong' }));
        const before = await recorded();
        const upstreamBefore = h.fake.requests.length;
        const proxyHeader = env.OCO_PROXY_API_KEY ? { 'x-oco-key': PROXY_KEY } : {};
        for (const slot of ['oco_wrong', 'OCO-nearly', ` oco_${randomBytes(32).toString('base64url')}`, revoked]) {
          const openai = new OpenAI({
            apiKey: slot,
            baseURL: `${h.url}/v1/proxy/openai/v1`,
            maxRetries: 0,
            defaultHeaders: proxyHeader,
          });
          const err = await openai.chat.completions
            .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
            .catch((e: unknown) => e);
          expect(err, slot).toBeInstanceOf(OpenAI.AuthenticationError);
          const { request_id: _, ...rest } = (err as InstanceType<typeof OpenAI.AuthenticationError>).error as Record<
            string,
            unknown
          >;
          expect(rest, slot).toEqual(want.error);
        }
        const anthropic = new Anthropic({
          apiKey: 'oco_wrong',
          baseURL: `${h.url}/v1/proxy/anthropic`,
          maxRetries: 0,
          defaultHeaders: proxyHeader,
        });
        const aerr = await anthropic.messages
          .create({ model: 'claude-opus-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
          .catch((e: unknown) => e);
        expect(aerr).toBeInstanceOf(Anthropic.AuthenticationError);
        const gemini = await fetch(`${h.url}/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:generateContent`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-goog-api-key': 'oco_wrong', ...proxyHeader },
          body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
        });
        expect(await refusal(gemini)).toEqual(want);
        const geminiQuery = await fetch(
          `${h.url}/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=oco_wrong`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...proxyHeader },
            body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
          },
        );
        expect(await refusal(geminiQuery)).toEqual(want);
        // A valid X-OCO-Key does not launder a bad key in the slot, which would otherwise go upstream.
        expect(await refusal(await chat({ 'x-oco-key': valid, authorization: 'Bearer oco_wrong' }))).toEqual(want);
        expect(h.fake.requests.length).toBe(upstreamBefore);
        expect(await recorded()).toBe(before);

        for (const [path, header, key] of [
          ['/openai/v1/chat/completions', 'authorization', 'Bearer sk-proj-real-openai'],
          ['/anthropic/v1/messages', 'x-api-key', 'sk-ant-api03-real'],
          ['/gemini/v1beta/models/gemini-2.5-flash:generateContent', 'x-goog-api-key', 'AIzaSyReal'],
        ] as const) {
          const res = await fetch(`${h.url}/v1/proxy${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', [header]: key, ...proxyHeader },
            body: JSON.stringify({
              model: 'gpt-4o-mini',
              max_tokens: 16,
              messages: [{ role: 'user', content: 'hi' }],
              contents: [{ parts: [{ text: 'hi' }] }],
            }),
          });
          expect(res.status, path).toBe(200);
          await res.arrayBuffer();
          expect(h.fake.last()!.headers[header], path).toBe(key);
        }
      });

      it("takes a valid virtual key in Gemini's ?key=, bills it and keeps it from the upstream", async () => {
        const res = await fetch(
          `${h.url}/v1/proxy/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=${encodeURIComponent(valid)}`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
          },
        );
        expect(res.status).toBe(200);
        await res.text();
        const seen = h.fake.last()!;
        expect(seen.url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
        expect(JSON.stringify(seen.headers)).not.toContain(valid);
        await h.flush();
        const row = await h.daemon.store.get<Record<string, any>>('SELECT * FROM api_requests WHERE id = $1', [
          res.headers.get('x-request-id')!,
        ]);
        expect(row).toMatchObject({ provider: 'gemini', team_id: 'payments' });
      });
    });
  });
});
