import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUpstream, removeUpstream } from '../../src/core/gateway/upstreams/registry.js';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { startFakeLlm, type FakeLlm } from '../fakes/llm/server.js';
import { startHarness, waitFor, type Harness } from './harness.js';

const GROQ_KEY = 'gsk_test_groq_key_5f0c1d2e3a4b';
const EU_KEY = 'sk-test-openai-eu-key-9a8b7c6d';
const CONFIGURED_OPENAI_KEY = 'sk-configured-openai-key-1234';

/** Every file under dir (database, WAL, logs, journal, spill), as text. */
function everyFile(dir: string): Array<{ path: string; text: string }> {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? everyFile(p) : [{ path: p, text: readFileSync(p).toString('latin1') }];
  });
}

/**
 * The upstream registry end to end: upstreams added with the CLI, an OpenAI-compatible provider
 * (a second OpenAI wire fake under /openai/v1, as Groq serves it) called as NAME/model through the
 * unified endpoint, a deployment of the built-in openai (a third fake) sharing its traffic by
 * weight, 429 rotation and removal. The fake answers 1000 prompt tokens (200 cached) and 300
 * completion tokens (none reasoning, for these models): at groq's $0.5/$1 per 1M that is 800 × 0.5 +
 * 200 × 0.5 (cached input falls back to the input rate) + 300 × 1 = 0.0008 USD.
 */
describe('upstream registry: OpenAI-compatible providers and deployments', () => {
  let home: TempHome;
  let groq: FakeLlm;
  let eu: FakeLlm;
  let h: Harness;
  let client: OpenAI;
  const oco = (args: string[]) => runOco(args, { home: home.path, timeoutMs: 30_000 });
  const row = async (id: string | null) => {
    await h.flush();
    return (await h.daemon.store.get<Record<string, any>>('SELECT * FROM api_requests WHERE id = $1', [id]))!;
  };
  const hi = [{ role: 'user' as const, content: 'hi' }];
  /** The registry is re-read every 2 s: a change is in force once a call shows it. */
  const until = <T>(fn: () => Promise<T | undefined | false>) => waitFor(fn, 6000, 'the registry change');

  beforeAll(async () => {
    home = tempHome();
    [groq, eu] = await Promise.all([startFakeLlm({ pathPrefix: '/openai' }), startFakeLlm()]);
    const add = await oco([
      'route',
      'providers',
      'add',
      'groq',
      '--base-url',
      `${groq.url}/openai/v1/`,
      '--key-env',
      'OCO_TEST_GROQ_KEY',
      '--models',
      'llama-3.1-70b,llama-3.1-8b',
      '--json',
    ]);
    expect(add.code, add.stderr).toBe(0);
    const price = await oco([
      'pricing',
      'set',
      'llama-3.1-70b',
      '--provider',
      'groq',
      '--input',
      '0.5',
      '--output',
      '1',
    ]);
    expect(price.code, price.stderr).toBe(0);
    const budget = await oco([
      'budgets',
      'create',
      '--scope',
      'team',
      '--entity',
      'capped',
      '--create-entity',
      '--provider',
      'groq',
      '--limit',
      '1',
    ]);
    expect(budget.code, budget.stderr).toBe(0);
    h = await startHarness({
      env: {
        OCO_HOME: home.path,
        OCO_TEST_GROQ_KEY: GROQ_KEY,
        OCO_TEST_OPENAI_EU_KEY: EU_KEY,
        OPENAI_API_KEY: CONFIGURED_OPENAI_KEY,
      },
    });
    client = new OpenAI({ apiKey: 'sk-client-key', baseURL: `${h.url}/v1`, maxRetries: 0 });
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await Promise.all([groq?.close(), eu?.close()]);
    home?.cleanup();
  });

  it('adds, lists and validates upstreams from the CLI, naming the flag at fault', async () => {
    const list = await oco(['route', 'providers', 'list', '--json']);
    expect(list.json()).toEqual([
      {
        name: 'groq',
        kind: 'openai-compatible',
        baseUrl: `${groq.url}/openai/v1`,
        keyEnv: 'OCO_TEST_GROQ_KEY',
        models: ['llama-3.1-70b', 'llama-3.1-8b'],
        weight: 1,
        createdAt: expect.any(String),
      },
    ]);
    const table = await oco(['route', 'providers', 'list']);
    expect(table.stdout).toMatch(/groq\s+openai-compatible/);
    const refused: Array<[string[], RegExp]> = [
      [['Groq', '--base-url', 'http://x'], /NAME must be a lowercase slug/],
      [['openai', '--base-url', 'http://x'], /taken by a built-in provider/],
      [['x', '--base-url', 'ftp://x'], /--base-url must be http or https/],
      [['x', '--base-url', 'not a url'], /--base-url must be an http or https URL/],
      [['x', '--base-url', 'http://u:p@x'], /--base-url must not hold credentials/],
      [['x', '--base-url', 'http://x', '--key-env', 'sk-live-abcdef'], /--key-env takes the NAME/],
      [['x', '--base-url', 'http://x', '--weight', '0'], /--weight must be a whole number from 1 to 1000/],
      [['x', '--base-url', 'http://x', '--models', ' , '], /--models needs at least one model/],
      [['groq', '--base-url', 'http://x'], /an upstream named "groq" exists already/],
    ];
    for (const [args, message] of refused) {
      const r = await oco(['route', 'providers', 'add', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('sk-live-abcdef');
    }
    const kind = await oco(['route', 'providers', 'add', 'x', '--base-url', 'http://x', '--kind', 'azure']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('--kind');
    const missing = await oco(['route', 'providers', 'remove', 'nope', '--json']);
    expect(missing.code).toBe(1);
    expect(missing.json().error.code).toBe('OCO_UPSTREAM_NOT_FOUND');
  }, 120_000);

  it('calls NAME/model with the key from its variable, recorded and priced under NAME', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'groq/llama-3.1-70b', messages: hi }, { headers: { 'X-Team-ID': 'search' } })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello from the fake model.');
    const seen = groq.last()!;
    expect(seen.url).toBe('/openai/v1/chat/completions');
    expect(seen.headers.authorization).toBe(`Bearer ${GROQ_KEY}`);
    expect(JSON.parse(seen.body)).toMatchObject({ model: 'llama-3.1-70b', messages: hi });
    expect(response.headers.get('x-cost-usd')).toBe('0.0008');
    const r = await row(response.headers.get('x-request-id'));
    expect(r).toMatchObject({
      provider: 'groq',
      model: 'llama-3.1-70b',
      endpoint: '/v1/chat/completions',
      team_id: 'search',
      input_tokens: 800,
      cached_input_tokens: 200,
      output_tokens: 300,
      deployment: null,
    });
    expect(String(r.cost_usd).replace(/0+$/, '')).toBe('0.0008');
  });

  it('streams from NAME/model, usage read and priced as on the non-streamed call', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'groq/llama-3.1-70b', messages: hi, stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(JSON.parse(groq.last()!.body)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const r = await row(response.headers.get('x-request-id'));
    expect(r).toMatchObject({ provider: 'groq', model: 'llama-3.1-70b', input_tokens: 800, output_tokens: 300 });
    expect(Boolean(r.streamed)).toBe(true);
    expect(String(r.cost_usd).replace(/0+$/, '')).toBe('0.0008');
  });

  it('calls NAME/model as named under a routing strategy: an upstream has no tiers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'groq/llama-3.1-70b', messages: hi }, { headers: { 'X-OCO-Route': 'cost' } })
      .withResponse();
    expect(data.model).toBe('llama-3.1-70b');
    expect(response.headers.get('x-oco-model')).toBe('groq/llama-3.1-70b');
    const r = await row(response.headers.get('x-request-id'));
    expect(r).toMatchObject({ provider: 'groq', routed_model: null, original_model: null });
  });

  it('records a model without a price as cost unknown (null), never 0', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'groq/llama-3.1-8b', messages: hi })
      .withResponse();
    expect(response.headers.get('x-cost-usd')).toBeNull();
    const r = await row(response.headers.get('x-request-id'));
    expect(r).toMatchObject({ provider: 'groq', model: 'llama-3.1-8b', cost_usd: null });
    const unpriced = await oco(['pricing', 'unpriced', '--json']);
    expect(JSON.stringify(unpriced.json())).toContain('llama-3.1-8b');
  });

  it('applies a budget narrowed to NAME: an unpriced model is refused, a priced one settled under NAME', async () => {
    const team = { 'X-Team-ID': 'capped' };
    const refused = await client.chat.completions
      .create({ model: 'groq/llama-3.1-8b', messages: hi }, { headers: team })
      .catch((e) => e);
    expect(refused.status).toBe(403);
    expect(refused.message).toContain('--provider groq');
    const { response } = await client.chat.completions
      .create({ model: 'groq/llama-3.1-70b', messages: hi }, { headers: team })
      .withResponse();
    expect(response.status).toBe(200);
    const id = response.headers.get('x-request-id');
    const settled = await waitFor(
      async () =>
        (await h.daemon.store.get<{ provider: string; cost_usd: string | null }>(
          'SELECT provider, cost_usd FROM spend_events WHERE request_id = $1 AND cost_usd IS NOT NULL',
          [id],
        )) ?? undefined,
      5000,
      'the settled spend event',
    );
    expect(settled.provider).toBe('groq');
    expect(String(settled.cost_usd).replace(/0+$/, '')).toBe('0.0008');
  });

  it('refuses a model off the allow-list and an unknown NAME with 400, forwarding nothing', async () => {
    const before = groq.requests.length;
    const off = await client.chat.completions.create({ model: 'groq/mixtral-8x7b', messages: hi }).catch((e) => e);
    expect(off).toBeInstanceOf(APIError);
    expect(off.status).toBe(400);
    expect(off.message).toContain(
      'does not serve model "mixtral-8x7b"; its models (--models): llama-3.1-70b, llama-3.1-8b',
    );
    const unknown = await client.chat.completions.create({ model: 'nope/some-model', messages: hi }).catch((e) => e);
    expect(unknown.status).toBe(400);
    expect(unknown.message).toContain('groq/<model>');
    expect(groq.requests.length).toBe(before);
  });

  it('never sends the configured OpenAI key to an OpenAI-compatible upstream without a key of its own', async () => {
    await addUpstream(h.daemon.store, { name: 'local', baseUrl: `${groq.url}/openai/v1` });
    const status = await until(async () => {
      const r = await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'local/qwen2.5', messages: hi }),
      });
      await r.arrayBuffer();
      return r.status === 200 && r.status;
    });
    expect(status).toBe(200);
    expect(groq.last()!.headers.authorization).toBeUndefined();
    await removeUpstream(h.daemon.store, 'local');
  });

  it('answers 503 naming the variable when an upstream key variable is not set', async () => {
    await addUpstream(h.daemon.store, {
      name: 'mistral',
      baseUrl: `${groq.url}/openai/v1`,
      keyEnv: 'OCO_TEST_UNSET_KEY',
    });
    const before = groq.requests.length;
    const err = await until(async () => {
      const e = await client.chat.completions.create({ model: 'mistral/small', messages: hi }).catch((x) => x);
      return e instanceof APIError && e.status === 503 && e;
    });
    expect(err.message).toContain('the environment variable OCO_TEST_UNSET_KEY is not set');
    expect(err.code).toBe('upstream_key_missing');
    expect(groq.requests.length).toBe(before);
    await removeUpstream(h.daemon.store, 'mistral');
  });

  describe('a deployment of the built-in openai', () => {
    const spread = async (n: number, headers: Record<string, string> = {}) => {
      const statuses: number[] = [];
      for (let i = 0; i < n; i += 10) {
        const batch = Array.from({ length: Math.min(10, n - i) }, () =>
          fetch(`${h.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify({ model: 'gpt-4o-mini', messages: hi }),
          }).then(async (r) => {
            await r.arrayBuffer();
            return r.status;
          }),
        );
        statuses.push(...(await Promise.all(batch)));
      }
      return statuses;
    };

    beforeAll(async () => {
      const add = await oco([
        'route',
        'providers',
        'add',
        'openai-eu',
        '--kind',
        'openai',
        '--base-url',
        eu.url,
        '--key-env',
        'OCO_TEST_OPENAI_EU_KEY',
        '--weight',
        '3',
        '--json',
      ]);
      expect(add.code, add.stderr).toBe(0);
      expect(add.json()).toMatchObject({ name: 'openai-eu', kind: 'openai', weight: 3 });
      await until(async () => (await spread(4)) && eu.requests.length > 0);
    }, 60_000);

    it('spreads 200 calls over the default (weight 1) and the deployment (weight 3), recorded under openai', async () => {
      const [a0, b0] = [h.fake.requests.length, eu.requests.length];
      const started = Date.now();
      const statuses = await spread(200);
      expect(statuses.every((s) => s === 200)).toBe(true);
      const toDefault = h.fake.requests.length - a0;
      const toEu = eu.requests.length - b0;
      expect(toDefault + toEu).toBe(200);
      // Expected 50 / 150; the bounds are 3.3 standard deviations of the binomial (σ ≈ 6.1).
      expect(toDefault).toBeGreaterThanOrEqual(30);
      expect(toDefault).toBeLessThanOrEqual(70);
      console.log(`weighted spread: ${toDefault} default / ${toEu} openai-eu of 200 in ${Date.now() - started} ms`);
      expect(eu.last()!.headers.authorization).toBe(`Bearer ${EU_KEY}`);
      expect(eu.last()!.url).toBe('/v1/chat/completions');
      await h.flush();
      const by = await h.daemon.store.all<{ provider: string; deployment: string | null; n: number }>(
        `SELECT provider, deployment, COUNT(*) AS n FROM api_requests WHERE model LIKE 'gpt-4o-mini%'
         GROUP BY provider, deployment ORDER BY deployment`,
      );
      expect(by.every((r) => r.provider === 'openai')).toBe(true);
      expect(by.map((r) => r.deployment).sort()).toEqual([null, 'openai-eu'].sort());
    }, 60_000);

    it('takes a deployment that answers 429 out of rotation until its Retry-After passes', async () => {
      eu.scenario = '429';
      const retry = { 'x-fake-retry-after': '2' };
      // Calls until one meets the deployment's 429 (each call has a 3/4 chance to).
      let limitedAt = 0;
      for (let i = 0; i < 40 && !limitedAt; i++) if ((await spread(1, retry))[0] === 429) limitedAt = Date.now();
      expect(limitedAt).toBeGreaterThan(0);
      const euSeen = eu.requests.length;
      const during = await spread(30, retry);
      const elapsed = Date.now() - limitedAt;
      if (elapsed < 2000) {
        expect(during.every((s) => s === 200)).toBe(true);
        expect(eu.requests.length).toBe(euSeen);
      }
      eu.scenario = undefined;
      await new Promise((r) => setTimeout(r, Math.max(0, limitedAt + 2100 - Date.now())));
      const after = await spread(20);
      expect(after.every((s) => s === 200)).toBe(true);
      expect(eu.requests.length).toBeGreaterThan(euSeen);
    }, 30_000);

    it('sends a call to the deployment that frees first when every one is rate limited', async () => {
      eu.scenario = '429';
      h.fake.scenario = '429';
      try {
        const [a0, b0] = [h.fake.requests.length, eu.requests.length];
        const statuses = await spread(6, { 'x-fake-retry-after': '1' });
        expect(statuses.every((s) => s === 429)).toBe(true);
        expect(h.fake.requests.length - a0 + (eu.requests.length - b0)).toBe(6);
      } finally {
        eu.scenario = undefined;
        h.fake.scenario = undefined;
      }
      await new Promise((r) => setTimeout(r, 1100));
    });
  });

  it('spreads Anthropic and Gemini calls over their deployments in their own wire formats and headers', async () => {
    await addUpstream(h.daemon.store, {
      name: 'claude-2',
      kind: 'anthropic',
      baseUrl: eu.url,
      keyEnv: 'OCO_TEST_OPENAI_EU_KEY',
      weight: 1000,
    });
    await addUpstream(h.daemon.store, {
      name: 'gemini-2',
      kind: 'gemini',
      baseUrl: eu.url,
      keyEnv: 'OCO_TEST_OPENAI_EU_KEY',
      weight: 1000,
    });
    const via = async (model: string, path: RegExp) =>
      until(async () => {
        const { response } = await client.chat.completions.create({ model, messages: hi }).withResponse();
        const seen = eu.last();
        return seen && path.test(seen.url) ? { seen, id: response.headers.get('x-request-id') } : undefined;
      });
    const claude = await via('claude-sonnet-4-5', /^\/v1\/messages$/);
    expect(claude.seen.headers['x-api-key']).toBe(EU_KEY);
    expect(claude.seen.headers.authorization).toBeUndefined();
    expect(await row(claude.id)).toMatchObject({ provider: 'anthropic', deployment: 'claude-2' });
    const gemini = await via('gemini-2.5-flash', /^\/v1beta\/models\/gemini-2\.5-flash:generateContent$/);
    expect(gemini.seen.headers['x-goog-api-key']).toBe(EU_KEY);
    expect(await row(gemini.id)).toMatchObject({ provider: 'gemini', deployment: 'gemini-2' });
    await removeUpstream(h.daemon.store, 'claude-2');
    await removeUpstream(h.daemon.store, 'gemini-2');
  });

  it('keeps upstream keys out of the database, the logs, the journal and spill files', async () => {
    await h.flush();
    const files = everyFile(home.path);
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) {
      expect(f.text.includes(GROQ_KEY), f.path).toBe(false);
      expect(f.text.includes(EU_KEY), f.path).toBe(false);
    }
  });

  it('stops routing NAME/model once the upstream is removed', async () => {
    const removed = await oco(['route', 'providers', 'remove', 'groq', '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.json()).toMatchObject({ name: 'groq', kind: 'openai-compatible' });
    const err = await until(async () => {
      const e = await client.chat.completions.create({ model: 'groq/llama-3.1-70b', messages: hi }).catch((x) => x);
      return e instanceof APIError && e.status === 400 && e;
    });
    expect(err.message).toContain('is not routed to any provider');
    // Its recorded calls stay, summarised under NAME.
    await h.flush();
    const summary = await oco(['spend', 'summary', '--by', 'provider', '--since', '1d', '--json']);
    expect(summary.code, summary.stderr).toBe(0);
    const groqRow = summary.json().rows.find((r: { key: string }) => r.key === 'groq');
    expect(groqRow.requests).toBeGreaterThanOrEqual(5);
    expect(groqRow.unpricedRequests).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
