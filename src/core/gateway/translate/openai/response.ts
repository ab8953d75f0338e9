/** The body is already an OpenAI answer; only its usage is read, for pricing. */
import { obj } from '../../proxy/providers/common.js';
import type { Translated } from '../types.js';
import { usageFound } from './usage.js';

export function fromOpenAIResponse<T>(json: T): Translated<T> {
  const body = obj(json);
  return { body: json, usage: usageFound(body?.usage, typeof body?.model === 'string' ? body.model : undefined) };
}
