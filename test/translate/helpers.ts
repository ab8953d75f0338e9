import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { SseSplitter } from '../../src/core/gateway/proxy/sse.js';
import type { OcoError } from '../../src/core/base/errors.js';
import type { StreamTranslator } from '../../src/core/gateway/translate/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

/** Feeds a recorded provider stream through a translator in small byte pieces, as the network would. */
export function replay(name: string, t: StreamTranslator, pieceBytes = 37): string {
  const raw = readFileSync(join(FIXTURES, name));
  const split = new SseSplitter();
  let out = '';
  for (let i = 0; i < raw.length; i += pieceBytes) {
    for (const ev of split.push(raw.subarray(i, i + pieceBytes))) if (ev.data !== '') out += t.push(ev.data, ev.event);
  }
  return out + t.end();
}

/** The JSON of every `data:` event in translated SSE text ([DONE] as the string). */
export function events(sse: string): unknown[] {
  return new SseSplitter().push(sse).map((e) => (e.data === '[DONE]' ? '[DONE]' : JSON.parse(e.data)));
}

/** An official OpenAI SDK client whose "network" answers with the given body: what a real client makes of it. */
export function sdkAnswering(body: string, contentType: string): OpenAI {
  return new OpenAI({
    apiKey: 'test',
    baseURL: 'http://127.0.0.1:9/v1',
    maxRetries: 0,
    fetch: async () => new Response(body, { status: 200, headers: { 'content-type': contentType } }),
  });
}

export function thrown(fn: () => unknown): OcoError {
  try {
    fn();
  } catch (err) {
    return err as OcoError;
  }
  throw new Error('expected an error');
}
