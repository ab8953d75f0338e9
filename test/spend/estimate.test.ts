import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { modelLimits, PriceBook } from '../../src/core/gateway/pricing/index.js';
import { boundCall, type BoundRequest } from '../../src/core/gateway/spend/estimate/index.js';
import { anthropicImageTokens } from '../../src/core/gateway/spend/estimate/anthropic.js';
import { geminiImageTokens } from '../../src/core/gateway/spend/estimate/gemini.js';
import { inlineImageSize } from '../../src/core/gateway/spend/estimate/image.js';
import { openaiImageTokens } from '../../src/core/gateway/spend/estimate/openai.js';
import { dataUrl, gifHeader, jpegHeader, pngHeader, webpHeader } from './images.js';

const book = new PriceBook();
const bound = (r: Omit<BoundRequest, 'endpoint'> & { endpoint?: string }) =>
  boundCall({ endpoint: '/v1/chat/completions', ...r }, modelLimits(book, r.provider, r.model), 4096);

describe('image sizes from inline data', () => {
  it.each([
    ['png', 'image/png', pngHeader(1024, 768)],
    ['gif', 'image/gif', gifHeader(1024, 768)],
    ['jpeg', 'image/jpeg', jpegHeader(1024, 768)],
    ['webp', 'image/webp', webpHeader(1024, 768)],
  ])('%s, as a data: URL and as bare base64', (_n, mime, bytes) => {
    expect(inlineImageSize(dataUrl(mime, bytes))).toEqual({ width: 1024, height: 768 });
    expect(inlineImageSize(bytes.toString('base64'))).toEqual({ width: 1024, height: 768 });
  });

  it('a link or an unknown format has no size', () => {
    expect(inlineImageSize('https://images.example/cat.png')).toBeUndefined();
    expect(inlineImageSize(dataUrl('image/bmp', Buffer.from('BM not an image we read')))).toBeUndefined();
  });
});

describe("image tokens by the providers' documented formulas", () => {
  it("OpenAI tiles: the guide's worked examples, low detail, and the 8-tile maximum when the size is unknown", () => {
    expect(openaiImageTokens('gpt-4o', { width: 1024, height: 1024 }, 'high')).toBe(765); // 768×768 → 4 tiles
    expect(openaiImageTokens('gpt-4o-2024-08-06', { width: 2048, height: 4096 }, 'auto')).toBe(1105); // 768×1536 → 6 tiles
    expect(openaiImageTokens('gpt-4o', { width: 4096, height: 8192 }, 'low')).toBe(85);
    expect(openaiImageTokens('gpt-4o', undefined, undefined)).toBe(85 + 8 * 170);
    expect(openaiImageTokens('gpt-4o-mini', undefined, 'high')).toBe(2833 + 8 * 5667);
    expect(openaiImageTokens('o3', { width: 512, height: 512 }, 'high')).toBe(75 + 150);
  });

  it('OpenAI patches: 32 px patches times the model multiplier, at most 1536 patches', () => {
    expect(openaiImageTokens('gpt-4.1-mini', { width: 1024, height: 1024 }, 'low')).toBe(Math.ceil(1024 * 1.62));
    expect(openaiImageTokens('gpt-4.1-nano', { width: 8000, height: 8000 }, 'high')).toBe(Math.ceil(1536 * 2.46));
  });

  it('a model no rule names gets the largest count any rule gives', () => {
    expect(openaiImageTokens('my-vision-model', undefined, 'high')).toBe(2833 + 8 * 5667);
  });

  it('Anthropic: width × height / 750, at most the larger documented maximum', () => {
    expect(anthropicImageTokens(1000, 1000)).toBe(1334);
    expect(anthropicImageTokens(200, 200)).toBe(54);
    expect(anthropicImageTokens(8000, 8000)).toBe(4784);
  });

  it('Gemini: 258 up to 384×384, else 258 per 768 px tile', () => {
    expect(geminiImageTokens(384, 300)).toBe(258);
    expect(geminiImageTokens(1000, 1000)).toBe(4 * 258);
  });
});

describe('the bound of a call', () => {
  it("OpenAI text: the o200k tokenizer's count plus the documented per-message overheads", async () => {
    const system = 'You are a terse assistant. Answer in one line.';
    const user = 'Quelle est la capitale de la Mongolie ? 🇲🇳 Réponds brièvement.';
    const b = await bound({
      provider: 'openai',
      model: 'gpt-4o',
      maxOutputTokens: 50,
      body: {
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: user, name: 'ann' },
        ],
      },
    });
    const expected =
      4 +
      countTokens('system') +
      countTokens(system) +
      4 +
      countTokens('user') +
      1 +
      countTokens('ann') +
      countTokens(user) +
      3;
    expect(b).toEqual({ inputTokens: expected, outputTokens: 50, open: [], outputFrom: 'request' });
    expect(b.inputTokens).toBeLessThan(Buffer.byteLength(system + user) / 2); // a tokenizer, not the bytes bound
  });

  it('OpenAI images and tools are counted; n completions reserve n outputs', async () => {
    const tool = {
      type: 'function',
      function: {
        name: 'lookup',
        description: 'Look up an order',
        parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      },
    };
    const body = {
      model: 'gpt-4o',
      n: 3,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: dataUrl('image/png', pngHeader(1024, 1024)), detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://images.example/a.png' } },
          ],
        },
      ],
      tools: [tool],
    };
    const b = await bound({ provider: 'openai', model: 'gpt-4o', maxOutputTokens: 100, body });
    const expected =
      4 +
      countTokens('user') +
      countTokens('What is this?') +
      765 +
      1445 +
      3 +
      20 +
      10 +
      countTokens(JSON.stringify(tool));
    expect(b).toMatchObject({ inputTokens: expected, outputTokens: 300, open: [] });
  });

  it('responses API: instructions, items, function calls; a previous_response_id leaves the input open', async () => {
    const body = {
      model: 'gpt-4.1',
      instructions: 'Be brief.',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
        { type: 'function_call', name: 'f', arguments: '{"a":1}' },
        { type: 'function_call_output', output: 'ok' },
      ],
    };
    const b = await bound({
      provider: 'openai',
      model: 'gpt-4.1',
      endpoint: '/v1/responses',
      maxOutputTokens: 10,
      body,
    });
    const expected =
      countTokens('Be brief.') +
      4 +
      countTokens('user') +
      countTokens('hi') +
      4 +
      countTokens('f') +
      countTokens('{"a":1}') +
      4 +
      countTokens('ok') +
      3;
    expect(b.inputTokens).toBe(expected);
    const chained = await bound({
      provider: 'openai',
      model: 'gpt-4.1',
      endpoint: '/v1/responses',
      maxOutputTokens: 10,
      body: { ...body, previous_response_id: 'resp_1' },
    });
    expect(chained).toMatchObject({ inputTokens: 1_047_576, open: ['openai previous_response_id'] });
  });

  it('reasoning carried over statelessly counts its encrypted content by bytes; Anthropic signatures and Gemini thought signatures too', async () => {
    const enc = 'gAAAAABo' + 'x'.repeat(400);
    const r = await bound({
      provider: 'openai',
      model: 'o3',
      endpoint: '/v1/responses',
      maxOutputTokens: 10,
      body: {
        input: [
          {
            type: 'reasoning',
            summary: [{ type: 'summary_text', text: 'Checked the order.' }],
            encrypted_content: enc,
          },
        ],
      },
    });
    expect(r).toMatchObject({ inputTokens: 4 + countTokens('Checked the order.') + enc.length + 3, open: [] });
    const a = await bound({
      provider: 'anthropic',
      model: 'claude-opus-4-5',
      endpoint: '/v1/messages',
      maxOutputTokens: 10,
      body: {
        messages: [
          {
            role: 'assistant',
            content: [
              { type: 'redacted_thinking', data: 'EmwKAhgBEgy' },
              { type: 'thinking', thinking: 'ok', signature: 'sig' },
            ],
          },
        ],
      },
    });
    expect(a.inputTokens).toBe(10 + 8 + 'EmwKAhgBEgy'.length + 2 + 3);
    const g = await bound({
      provider: 'gemini',
      model: 'gemini-2.5-pro',
      endpoint: '/v1beta/models/gemini-2.5-pro:generateContent',
      maxOutputTokens: 10,
      body: { contents: [{ role: 'model', parts: [{ text: 'ok', thoughtSignature: 'c2lnbmF0dXJl' }] }] },
    });
    expect(g.inputTokens).toBe(5 + 1 + 'c2lnbmF0dXJl'.length + 2);
  });

  it('audio, files and unknown sizes take the whole context window; the output defaults to the model maximum', async () => {
    const b = await bound({
      provider: 'openai',
      model: 'gpt-4o',
      body: {
        messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }],
      },
    });
    expect(b).toEqual({
      inputTokens: 128_000,
      outputTokens: 16_384,
      open: ['openai content part input_audio'],
      outputFrom: 'model',
    });
  });

  it("embeddings reserve no output; a model outside OpenAI's families is bounded by bytes", async () => {
    const e = await bound({
      provider: 'openai',
      model: 'text-embedding-3-small',
      endpoint: '/v1/embeddings',
      body: { input: ['a b c', 'd'] },
    });
    expect(e).toMatchObject({
      inputTokens: countTokens('a b c') + countTokens('d'),
      outputTokens: 0,
      outputFrom: 'none',
    });
    const local = await bound({
      provider: 'openai',
      model: 'llama-3.1-70b',
      maxOutputTokens: 5,
      body: { messages: [{ role: 'user', content: 'héllo' }] },
    });
    expect(local.inputTokens).toBe(4 + 4 + Buffer.byteLength('héllo') + 3);
  });

  it('Anthropic: bytes of the text, images, the tool-use system prompt; server tools leave the input open', async () => {
    const tool = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: {} } };
    const body = {
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      system: [{ type: 'text', text: 'Système' }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look' },
            {
              type: 'image',
              source: { type: 'base64', media_type: 'image/jpeg', data: jpegHeader(1000, 1000).toString('base64') },
            },
          ],
        },
      ],
      tools: [tool],
    };
    const b = await bound({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      endpoint: '/v1/messages',
      maxOutputTokens: 200,
      body,
    });
    expect(b).toEqual({
      inputTokens:
        10 + Buffer.byteLength('Système') + 8 + 4 + 1334 + 530 + 10 + Buffer.byteLength(JSON.stringify(tool)),
      outputTokens: 200,
      open: [],
      outputFrom: 'request',
    });
    const search = await bound({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      endpoint: '/v1/messages',
      maxOutputTokens: 200,
      body: { ...body, tools: [{ type: 'web_search_20250305', name: 'web_search' }] },
    });
    expect(search).toMatchObject({ inputTokens: 1_000_000, open: ['anthropic tool web_search_20250305'] });
  });

  it('Gemini: bytes per part, image tiles, candidateCount; audio leaves the input open', async () => {
    const body = {
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'Describe' },
            { inlineData: { mimeType: 'image/png', data: pngHeader(1000, 1000).toString('base64') } },
          ],
        },
      ],
      generationConfig: { maxOutputTokens: 64, candidateCount: 2 },
    };
    const b = await bound({
      provider: 'gemini',
      model: 'gemini-2.5-flash',
      endpoint: '/v1beta/models/gemini-2.5-flash:generateContent',
      maxOutputTokens: 64,
      body,
    });
    expect(b).toEqual({
      inputTokens: 5 + 1 + Buffer.byteLength('Describe') + 1 + 4 * 258,
      outputTokens: 128,
      open: [],
      outputFrom: 'request',
    });
    const audio = await bound({
      provider: 'gemini',
      model: 'gemini-2.5-flash',
      endpoint: '/v1beta/models/gemini-2.5-flash:generateContent',
      body: { contents: [{ parts: [{ inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } }] }] },
    });
    expect(audio).toMatchObject({ inputTokens: 1_048_576, outputTokens: 65_536, open: ['gemini inline audio/wav'] });
  });

  it('token-counting endpoints cost nothing', async () => {
    const messages = [
      { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] },
    ];
    for (const [provider, model, endpoint] of [
      ['anthropic', 'claude-sonnet-4-5', '/v1/messages/count_tokens'],
      ['gemini', 'gemini-2.5-pro', '/v1beta/models/gemini-2.5-pro:countTokens'],
      ['openai', 'gpt-4.1', '/v1/responses/input_tokens'],
    ] as const) {
      expect(await bound({ provider, model, endpoint, body: { messages } })).toEqual({
        inputTokens: 0,
        outputTokens: 0,
        open: [],
        outputFrom: 'none',
      });
    }
  });

  it("the input never exceeds the context window; a model the table does not know gets its provider's largest", async () => {
    const long = 'word '.repeat(20_000);
    const b = await bound({
      provider: 'openai',
      model: 'gpt-4',
      maxOutputTokens: 10,
      body: { messages: [{ role: 'user', content: long }] },
    });
    expect(b.inputTokens).toBe(8_192);
    const unknown = await bound({
      provider: 'anthropic',
      model: 'claude-next',
      endpoint: '/v1/messages',
      body: {
        messages: [
          { role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://x.example/a.pdf' } }] },
        ],
      },
    });
    expect(unknown).toMatchObject({ inputTokens: 1_000_000, outputTokens: 4096, outputFrom: 'default' });
  });
});
