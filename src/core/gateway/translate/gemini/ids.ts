/**
 * Tool call ids for Gemini. Gemini pairs calls and responses by name and order and
 * may send no id, so one is made up when missing. Gemini 3 also attaches a
 * `thoughtSignature` to a function call that must come back with it on the next
 * turn; OpenAI clients echo only the id, so the signature rides inside it.
 */
import { randomBytes } from 'node:crypto';

const SEPARATOR = '__thought__';

export function toolCallId(geminiId: unknown, thoughtSignature: unknown): string {
  const base = typeof geminiId === 'string' && geminiId !== '' ? geminiId : `call_${randomBytes(12).toString('hex')}`;
  return typeof thoughtSignature === 'string' && thoughtSignature !== ''
    ? `${base}${SEPARATOR}${thoughtSignature}`
    : base;
}

export function splitToolCallId(id: string): { id: string; thoughtSignature?: string } {
  const at = id.indexOf(SEPARATOR);
  return at < 0 ? { id } : { id: id.slice(0, at), thoughtSignature: id.slice(at + SEPARATOR.length) };
}
