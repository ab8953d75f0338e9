import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AdmissionControl,
  AdmissionDecision,
  AdmissionRequest,
  SettleInfo,
} from '../../src/core/gateway/proxy/admission.js';
import { Gateway } from '../../src/core/gateway/proxy/gateway.js';
import { KeyCache } from '../../src/core/gateway/keys/cache.js';
import { PriceBook } from '../../src/core/gateway/pricing/book.js';
import { Recorder } from '../../src/core/gateway/usage/recorder.js';
import { BACKENDS } from '../helpers/stores.js';
import { tempHome } from '../helpers/cli.js';
import { startFakeLlm, type FakeLlm } from '../fakes/llm/server.js';
import type { Store } from '../../src/core/base/store/types.js';

/**
 * The contract spend controls plug into: a control that refuses one model,
 * admits the rest, and keeps every admit and settle it saw.
 */
class RecordingControl implements AdmissionControl {
  admits: AdmissionRequest[] = [];
  settles: Array<{ ticket: unknown; info: SettleInfo }> = [];
  async admit(req: AdmissionRequest): Promise<AdmissionDecision> {
    this.admits.push(req);
    if (req.model === 'blocked-model') {
      return {
        admitted: false,
        status: 429,
        body: { error: { type: 'budget_exceeded', scope: 'team', entity_id: req.attribution.teamId } },
        headers: { 'retry-after': '60' },
      };
    }
    return { admitted: true, ticket: req.requestId, headers: { 'x-ratelimit-remaining-requests': '9' } };
  }
  async settle(ticket: unknown, info: SettleInfo): Promise<void> {
    this.settles.push({ ticket, info });
  }
  async close(): Promise<void> {}
}

describe('admission controls in the request path', () => {
  let fake: FakeLlm;
  let store: Store;
  let cleanup: () => Promise<void>;
  let gateway: Gateway;
  let recorder: Recorder;
  let control: RecordingControl;
  let url: string;
  const home = tempHome();
  beforeAll(async () => {
    fake = await startFakeLlm();
    ({ store, cleanup } = await BACKENDS[0]!.open());
    control = new RecordingControl();
    recorder = new Recorder({ store, spillDir: `${home.path}/spill`, flushIntervalMs: 50, maxQueue: 1000 });
    recorder.start();
    const book = new PriceBook();
    gateway = new Gateway({
      settings: {
        baseUrls: { openai: fake.url, anthropic: fake.url, gemini: fake.url },
        providerKeys: {},
        maxBodyBytes: 1 << 20,
        upstreamTimeoutMs: 5000,
        admissionFailOpen: true,
      },
      store,
      recorder,
      prices: () => book,
      keys: new KeyCache(store),
      logger: pino({ level: 'silent' }),
      admission: [control],
      version: 'test',
    });
    const addr = await gateway.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(async () => {
    await gateway.drain(1000);
    await recorder.stop();
    await cleanup();
    await fake.close();
    home.cleanup();
  });

  const settlesOf = (id: string) => control.settles.filter((s) => s.ticket === id);

  it('returns a refusal verbatim without contacting the upstream, and settles nothing', async () => {
    const before = fake.requests.length;
    const res = await fetch(`${url}/v1/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-team-id': 'payments' },
      body: JSON.stringify({ model: 'blocked-model', messages: [], max_tokens: 50 }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(await res.json()).toEqual({ error: { type: 'budget_exceeded', scope: 'team', entity_id: 'payments' } });
    expect(fake.requests.length).toBe(before);
    const seen = control.admits.at(-1)!;
    expect(seen).toMatchObject({
      provider: 'openai',
      model: 'blocked-model',
      maxOutputTokens: 50,
      attribution: { teamId: 'payments', orgId: 'default' },
    });
    expect(seen.estimatedInputTokens).toBeGreaterThan(0);
    expect(settlesOf(seen.requestId)).toHaveLength(0);
  });

  it("settles an admitted call once with its exact cost, and passes the control's headers on", async () => {
    const client = new OpenAI({ apiKey: 'k', baseURL: `${url}/v1/proxy/openai/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('9');
    const id = response.headers.get('x-request-id')!;
    const s = settlesOf(id);
    expect(s).toHaveLength(1);
    expect(s[0]!.info.costUsd!.toFixed()).toBe('0.00525');
    expect(s[0]!.info).toMatchObject({ inputTokens: 1000, outputTokens: 300, totalTokens: 1300, failed: false });
  });

  it('settles a cancelled stream once, for what streamed', async () => {
    const client = new OpenAI({ apiKey: 'k', baseURL: `${url}/v1/proxy/openai/v1`, maxRetries: 0 });
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello there' }], stream: true },
      { headers: { 'x-fake-chunks': '40', 'x-fake-chunk-delay-ms': '30' }, signal: ac.signal },
    );
    let n = 0;
    await (async () => {
      for await (const _ of stream) if (++n === 2) ac.abort();
    })().catch(() => {});
    const id = control.admits.at(-1)!.requestId;
    const deadline = Date.now() + 3000;
    while (settlesOf(id).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    const s = settlesOf(id);
    expect(s).toHaveLength(1);
    expect(s[0]!.info.failed).toBe(false);
    expect(s[0]!.info.costUsd).not.toBeNull();
  });

  it('settles an upstream error as failed', async () => {
    const res = await fetch(`${url}/v1/proxy/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-scenario': '500' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [] }),
    });
    expect(res.status).toBe(500);
    const s = settlesOf(res.headers.get('x-request-id')!);
    expect(s).toHaveLength(1);
    expect(s[0]!.info.failed).toBe(true);
  });
});
