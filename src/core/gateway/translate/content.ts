/** Helpers shared by the provider folders: data URLs, media types, tool arguments, text-only content. */
import type { ProviderName } from '../model.js';
import { invalid, unsupported, type ChatMessage } from './types.js';

export interface DataUrl {
  mediaType: string;
  data: string;
}

/** `data:<type>;base64,<data>`; undefined for any other URL. */
export function parseDataUrl(url: string): DataUrl | undefined {
  const m = /^data:([^;,]+)((?:;[^;,]+)*);base64,(.*)$/s.exec(url);
  return m ? { mediaType: m[1]!.toLowerCase(), data: m[3]! } : undefined;
}

const BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

/** The media type a URL's file extension names, if it names one. */
export function mediaTypeOfUrl(url: string): string | undefined {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // not absolute: read it as a path
  }
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext ? BY_EXTENSION[ext] : undefined;
}

/** OpenAI carries tool arguments as a JSON string; the providers want the object. */
export function parseArguments(args: string, field: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(args);
  } catch {
    throw invalid(field, 'is not valid JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(field, 'must be a JSON object');
  return v as Record<string, unknown>;
}

/** Same-role neighbours folded into one message, as providers that require alternation want. */
export function mergeAdjacent<M extends { role: string; parts: unknown[] }>(messages: M[]): M[] {
  const out: M[] = [];
  for (const m of messages) {
    const last = out[out.length - 1];
    if (last && last.role === m.role) last.parts.push(...m.parts);
    else out.push({ ...m, parts: [...m.parts] });
  }
  return out;
}

/** A message's content where only text may stand (system, developer, tool results): any other part is refused. */
export function onlyText(m: ChatMessage, at: string, provider: ProviderName): ChatMessage['content'] {
  if (Array.isArray(m.content)) {
    m.content.forEach((p, j) => {
      if (p.type !== 'text')
        throw unsupported(
          `${at}.content[${j}].type`,
          provider,
          `${p.type} parts are not allowed in a ${m.role} message`,
        );
    });
  }
  return m.content;
}
