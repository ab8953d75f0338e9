/**
 * The gateway's shared vocabulary: which LLM providers it fronts and who a call is
 * billed to. Every list of providers in the gateway derives from LLM_PROVIDERS.
 */
export const LLM_PROVIDERS = ['openai', 'anthropic', 'gemini'] as const;
export type ProviderName = (typeof LLM_PROVIDERS)[number];

/**
 * The name a call is priced, budgeted and recorded under: a built-in provider, or an
 * OpenAI-compatible upstream from `oco route providers add` under its own name (e.g. groq).
 * ProviderName stays the wire format a call speaks (adapter, translation, estimators).
 */
export type PricedProvider = ProviderName | (string & {});

/** What a provider name other than a built-in looks like (an upstream's NAME). */
export const PROVIDER_SLUG = /^[a-z][a-z0-9-]{0,39}$/;

export function isProviderName(v: string): v is ProviderName {
  return (LLM_PROVIDERS as readonly string[]).includes(v);
}

/** Who a call is billed to. */
export interface Attribution {
  orgId: string;
  teamId: string;
  agentId: string;
  userId: string;
  /** Id of the virtual key the call used, when it used one. */
  keyId?: string;
  tags: string[];
}

/** The attribution as the usage log and the spend ledger store it: a call without a virtual key has keyId null. */
export type StoredAttribution = Omit<Attribution, 'keyId'> & { keyId: string | null };
