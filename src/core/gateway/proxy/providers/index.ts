import { LLM_PROVIDERS, type ProviderName } from '../../model.js';
import { anthropic } from './anthropic/route.js';
import { gemini } from './gemini/route.js';
import { openai } from './openai/route.js';
import type { ProviderAdapter } from './types.js';

export const PROVIDERS: Record<ProviderName, ProviderAdapter> = { openai, anthropic, gemini };
export const PROVIDER_NAMES: readonly ProviderName[] = LLM_PROVIDERS;
export type { ProviderAdapter, StreamTracker, RequestInfo, UsageFound } from './types.js';
