/**
 * FOCUS provider names (ServiceProviderName / ProviderName) → oco's provider keys, so an
 * import and an API ingest of the same cloud sum under one key. Matched case-insensitively;
 * any other name (Oracle, Snowflake, OpenAI, …) is kept as the file spells it.
 */
const PROVIDER_KEYS: Record<string, string> = {
  aws: 'aws',
  'amazon web services': 'aws',
  amazon: 'aws',
  'amazon web services, inc.': 'aws',
  microsoft: 'azure',
  azure: 'azure',
  'microsoft azure': 'azure',
  'microsoft corporation': 'azure',
  google: 'gcp',
  'google cloud': 'gcp',
  'google cloud platform': 'gcp',
  gcp: 'gcp',
};

/** oco's provider key for a FOCUS provider name (or a --provider value), or undefined for an empty one. */
export function providerKey(name: string | null | undefined): string | undefined {
  const n = name?.trim();
  if (!n) return undefined;
  return PROVIDER_KEYS[n.toLowerCase()] ?? n;
}
