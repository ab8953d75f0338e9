/** Whether Azure is configured for cost ingest, judged without the SDK (so a caller that only asks loads none). */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { OcoConfig } from '../../../base/config/resolve.js';
import type { ConfiguredStatus } from '../types.js';

export function azureScope(config: OcoConfig, flag?: string): string | undefined {
  const scope =
    flag ??
    config.string('costs.azureScope') ??
    (config.env.AZURE_SUBSCRIPTION_ID ? `/subscriptions/${config.env.AZURE_SUBSCRIPTION_ID}` : undefined);
  return scope?.replace(/\/+$/, '');
}

export function azureConfigured(config: OcoConfig, flags: Record<string, unknown> = {}): ConfiguredStatus {
  const env = config.env;
  const scope = azureScope(config, flags['azure-scope'] as string | undefined);
  if (!scope) return { configured: false, via: '', missing: 'AZURE_SUBSCRIPTION_ID (or OCO_AZURE_SCOPE)' };
  const source = AZURE_CREDENTIAL_SOURCES.find((s) => s.present(env));
  if (source) return { configured: true, via: `${source.via(env)}, scope ${scope}` };
  return {
    configured: false,
    via: '',
    missing:
      'Azure credentials (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET; or az login; or ' +
      'AZURE_TOKEN_CREDENTIALS=ManagedIdentityCredential on an Azure VM)',
  };
}

/**
 * Credential sources DefaultAzureCredential would use, as far as they can be seen without a
 * network call. A VM's managed identity cannot (it takes a probe of the metadata service,
 * which DefaultAzureCredential makes with a timeout on every run): it is used when the
 * user names it with @azure/identity's own AZURE_TOKEN_CREDENTIALS.
 */
const AZURE_CREDENTIAL_SOURCES: Array<{
  present: (env: NodeJS.ProcessEnv) => boolean;
  via: (env: NodeJS.ProcessEnv) => string;
}> = [
  {
    present: (e) =>
      Boolean(e.AZURE_CLIENT_ID && e.AZURE_TENANT_ID && (e.AZURE_CLIENT_SECRET || e.AZURE_CLIENT_CERTIFICATE_PATH)),
    via: (e) => `AZURE_CLIENT_ID ${e.AZURE_CLIENT_ID}`,
  },
  {
    present: (e) => Boolean(e.AZURE_FEDERATED_TOKEN_FILE && e.AZURE_CLIENT_ID && e.AZURE_TENANT_ID),
    via: () => 'workload identity (AZURE_FEDERATED_TOKEN_FILE)',
  },
  {
    present: (e) => Boolean(e.AZURE_TOKEN_CREDENTIALS),
    via: (e) => `AZURE_TOKEN_CREDENTIALS=${e.AZURE_TOKEN_CREDENTIALS}`,
  },
  { present: (e) => Boolean(e.IDENTITY_ENDPOINT || e.MSI_ENDPOINT), via: () => 'managed identity (IDENTITY_ENDPOINT)' },
  {
    present: (e) => existsSync(join(e.AZURE_CONFIG_DIR || join(e.HOME || homedir(), '.azure'), 'azureProfile.json')),
    via: () => 'Azure CLI login (az login)',
  },
];
