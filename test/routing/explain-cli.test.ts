import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOco, tempHome, type TempHome } from '../helpers/cli.js';
import { REQUESTS } from './requests.js';

describe('oco route explain', () => {
  let home: TempHome;
  const file = (name: string, text: string) => {
    const path = join(home.path, name);
    writeFileSync(path, text);
    return path;
  };
  const oco = (args: string[], env: Record<string, string> = {}) =>
    runOco(['route', 'explain', ...args], { home: home.path, env, timeoutMs: 30_000 });
  beforeAll(() => {
    home = tempHome();
  });
  afterAll(() => home?.cleanup());

  it('prints the score, each feature with its weight and contribution, the tier, the model and why', async () => {
    const r = await oco(['--file', file('hard.json', JSON.stringify(REQUESTS.hardOnCheap)), '--strategy', 'quality']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^score 0\.4757 → premium \(strategy quality\)$/m);
    expect(r.stdout).toMatch(/^ {2}reasoningCues +5 +0\.25 +0\.2500$/m);
    expect(r.stdout).toMatch(/^ {2}maxOutputTokens +8000 +0\.10 +0\.1000$/m);
    expect(r.stdout).toContain('reasoning cues: prove, step by step, debug, why, algorithm');
    expect(r.stdout).toMatch(/^model gpt-5-nano → gpt-5 on openai$/m);
    expect(r.stdout).toMatch(/^why: score 0\.4757 → premium: gpt-5 instead of the cheaper gpt-5-nano$/m);
  });

  it('--json returns the decision in camelCase, with the tier table it used', async () => {
    const r = await oco(['-f', file('simple.json', JSON.stringify(REQUESTS.simple)), '--json'], {
      OCO_ROUTE_TIERS: 'economy.openai=gpt-4.1-nano',
    });
    expect(r.code, r.stderr).toBe(0);
    const d = r.json();
    expect(d).toMatchObject({
      strategy: 'cost',
      tier: 'economy',
      requestedModel: 'gpt-5',
      chosenModel: 'gpt-4.1-nano',
      provider: 'openai',
      routed: true,
      features: { messages: 2, maxOutputTokens: null, reasoningCues: [] },
    });
    expect(d.tiers.openai.economy).toEqual({ model: 'gpt-4.1-nano', source: 'config' });
    expect(d.tiers.anthropic.premium).toEqual({ model: 'claude-opus-4-5', source: 'priceBook' });
    expect(d.contributions).toHaveLength(8);
  });

  it('latency with no recorded calls decides as cost, saying so', async () => {
    const r = await oco(['-f', file('lat.json', JSON.stringify(REQUESTS.simple)), '--strategy', 'latency', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ strategy: 'latency', chosenModel: 'gpt-5-nano' });
    expect(r.json().reason).toMatch(/^no latency recorded for the economy models; cost strategy: /);
  });

  it('NAME/model of a registered OpenAI-compatible upstream is called as named; an unknown NAME is refused', async () => {
    const add = await runOco(
      [
        'route',
        'providers',
        'add',
        'groq',
        '--base-url',
        'https://api.groq.com/openai/v1',
        '--key-env',
        'GROQ_API_KEY',
      ],
      { home: home.path, timeoutMs: 30_000 },
    );
    expect(add.code, add.stderr).toBe(0);
    const body = { ...REQUESTS.simple, model: 'groq/llama-3.3-70b-versatile' };
    const r = await oco(['-f', file('groq.json', JSON.stringify(body)), '--strategy', 'cost', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ chosenModel: 'groq/llama-3.3-70b-versatile', routed: false, provider: 'openai' });
    expect(r.json().reason).toContain('registered upstream groq');
    const other = await oco(['-f', file('nobody.json', JSON.stringify({ ...body, model: 'nobody/x' })), '--json']);
    expect(other.code).toBe(2);
    expect(other.json().error.message).toContain('model "nobody/x" is not routed to any provider');
  });

  it('off keeps the requested model', async () => {
    const r = await oco(['-f', file('off.json', JSON.stringify(REQUESTS.simple)), '--strategy', 'off', '--json']);
    expect(r.json()).toMatchObject({ chosenModel: 'gpt-5', routed: false });
  });

  it('refuses a missing file, bad JSON and a body that is not a chat request with exit 2, naming the file', async () => {
    const missing = await oco(['-f', join(home.path, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^Error: cannot read .*nope\.json: ENOENT$/m);

    const badJson = file('bad.json', '{\n  "model": "gpt-5",\n  "messages": [}\n');
    const bad = await oco(['-f', badJson, '--json']);
    expect(bad.code).toBe(2);
    expect(bad.json().error).toMatchObject({ code: 'OCO_ROUTE_INVALID_REQUEST', exitCode: 2 });
    expect(bad.json().error.message).toContain(`${badJson}:3:16 is not valid JSON`);

    const notChat = file('embeddings.json', JSON.stringify({ model: 'text-embedding-3-small', input: 'hi' }));
    const nc = await oco(['-f', notChat]);
    expect(nc.code).toBe(2);
    expect(nc.stderr).toContain(`Error: ${notChat} is not a chat request: "messages" is not a non-empty array`);
    expect(nc.stderr).toMatch(/^Hint: The file must hold a POST \/v1\/chat\/completions body/m);

    const unknownModel = await oco(['-f', file('m.json', JSON.stringify({ ...REQUESTS.simple, model: 'llama-3' }))]);
    expect(unknownModel.code).toBe(2);
    expect(unknownModel.stderr).toContain('model "llama-3" is not routed to any provider');

    const badTiers = await oco(['-f', file('t.json', JSON.stringify(REQUESTS.simple))], { OCO_ROUTE_TIERS: 'cheap=x' });
    expect(badTiers.code).toBe(2);
    expect(badTiers.stderr).toContain('route.tiers: "cheap=x" is not TIER.PROVIDER=MODEL');

    const badStrategy = await oco(['-f', file('s.json', JSON.stringify(REQUESTS.simple)), '--strategy', 'fastest']);
    expect(badStrategy.code).toBe(2);
  });
});
