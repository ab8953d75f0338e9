/**
 * What the routing score reads from an OpenAI chat request. Each message is visited once and
 * only cheap string work is done there (lengths, indexOf for code fences); the reasoning cues
 * are looked for in the last user message alone, the question the model is about to answer.
 */
import type { ChatMessage, ChatRequest } from '../translate/types.js';

/** Words and phrases that ask for reasoning rather than recall. Matched on word boundaries, case-insensitively. */
export const REASONING_CUES: readonly string[] = [
  'prove',
  'proof',
  'step by step',
  'analyze',
  'analyse',
  'debug',
  'why',
  'derive',
  'explain',
  'compare',
  'trade-off',
  'tradeoff',
  'optimize',
  'refactor',
  'design',
  'algorithm',
  'root cause',
  'evaluate',
];

/** Characters per token for the length estimate: the usual figure for English text and code. */
export const CHARS_PER_TOKEN = 4;

export interface RequestFeatures {
  /** Characters of text in every message (text parts only). */
  promptChars: number;
  /** promptChars / CHARS_PER_TOKEN, rounded up: an estimate, no tokenizer is run. */
  promptTokens: number;
  /** Fenced code blocks (``` pairs) in the whole conversation. */
  codeBlocks: number;
  toolCount: number;
  /** The cues of REASONING_CUES found in the last user message, in table order. */
  reasoningCues: string[];
  /** Messages in the conversation. */
  messages: number;
  /** max_completion_tokens, else max_tokens; null when the request names neither. */
  maxOutputTokens: number | null;
  /** Image parts in the conversation. */
  images: number;
  /** response_format is a json_schema. */
  jsonSchema: boolean;
}

export function extractFeatures(req: ChatRequest): RequestFeatures {
  let chars = 0;
  let fences = 0;
  let images = 0;
  let lastUser: ChatMessage | undefined;
  const messages = req.messages;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.role === 'user') lastUser = m;
    const c = m.content;
    if (typeof c === 'string') {
      chars += c.length;
      fences += countFences(c);
    } else if (Array.isArray(c)) {
      for (const p of c) {
        if (p?.type === 'text' && typeof p.text === 'string') {
          chars += p.text.length;
          fences += countFences(p.text);
        } else if (p?.type === 'image_url') images++;
      }
    }
  }
  const maxOut = req.max_completion_tokens ?? req.max_tokens;
  return {
    promptChars: chars,
    promptTokens: Math.ceil(chars / CHARS_PER_TOKEN),
    codeBlocks: Math.floor(fences / 2),
    toolCount: Array.isArray(req.tools) ? req.tools.length : 0,
    reasoningCues: lastUser ? cuesIn(lastUser) : [],
    messages: messages.length,
    maxOutputTokens: typeof maxOut === 'number' && maxOut > 0 ? maxOut : null,
    images,
    jsonSchema: req.response_format?.type === 'json_schema',
  };
}

function countFences(text: string): number {
  let n = 0;
  for (let i = text.indexOf('```'); i !== -1; i = text.indexOf('```', i + 3)) n++;
  return n;
}

function cuesIn(m: ChatMessage): string[] {
  const c = m.content;
  let text = '';
  if (typeof c === 'string') text = c;
  else if (Array.isArray(c)) for (const p of c) if (p?.type === 'text') text += `${p.text}\n`;
  const lower = text.toLowerCase();
  const found: string[] = [];
  for (const cue of REASONING_CUES) if (hasWord(lower, cue)) found.push(cue);
  return found;
}

/** `cue` as a whole word or phrase: "why" in "why is", not in "whyever"; "debug" also in "debugging". */
function hasWord(text: string, cue: string): boolean {
  for (let i = text.indexOf(cue); i !== -1; i = text.indexOf(cue, i + 1)) {
    if (i > 0 && isLetter(text.charCodeAt(i - 1))) continue;
    const end = i + cue.length;
    if (end < text.length && isLetter(text.charCodeAt(end)) && !STEMS.has(cue)) continue;
    return true;
  }
  return false;
}

/** Cues matched as word stems: "debugging", "analyzed", "explaining", "optimizes". */
const STEMS = new Set(['debug', 'analyze', 'analyse', 'explain', 'optimize', 'refactor', 'derive', 'compare']);

function isLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
}
