import { ClientSecretCredential, DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { OcoConfig } from '../../../base/config/resolve.js';
import { ConfigError, OcoError, OperationError, UnreachableError } from '../../../base/errors.js';
import { azureScope } from './configured.js';

export { azureConfigured, azureScope } from './configured.js';

/** Hosts MSAL knows: instance discovery works for them; any other authority (tests, private clouds) skips it. */
const KNOWN_AUTHORITIES = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

export interface AzureClient {
  credential: TokenCredential;
  armEndpoint: string;
  scope: string;
  /** The client id or "DefaultAzureCredential", for messages (never the secret). */
  identity: string;
}

/**
 * A service principal from AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET (with
 * AZURE_AUTHORITY_HOST for sovereign clouds), or DefaultAzureCredential for every other
 * standard source (workload identity, managed identity, az login).
 */
export function createAzureClient(config: OcoConfig, scopeFlag?: string): AzureClient {
  const env = config.env;
  const scope = azureScope(config, scopeFlag);
  if (!scope)
    throw new ConfigError('no Azure scope', {
      code: 'OCO_AZURE_NOT_CONFIGURED',
      hint: 'Set AZURE_SUBSCRIPTION_ID, or OCO_AZURE_SCOPE / --azure-scope (e.g. /subscriptions/ID/resourceGroups/RG).',
    });
  const authorityHost = env.AZURE_AUTHORITY_HOST;
  const disableInstanceDiscovery = authorityHost ? !KNOWN_AUTHORITIES.has(new URL(authorityHost).hostname) : false;
  const armEndpoint = (config.string('costs.azureArmEndpoint') ?? 'https://management.azure.com').replace(/\/+$/, '');
  if (env.AZURE_TENANT_ID && env.AZURE_CLIENT_ID && env.AZURE_CLIENT_SECRET) {
    return {
      credential: new ClientSecretCredential(env.AZURE_TENANT_ID, env.AZURE_CLIENT_ID, env.AZURE_CLIENT_SECRET, {
        authorityHost,
        disableInstanceDiscovery,
      }),
      armEndpoint,
      scope,
      identity: `client ${env.AZURE_CLIENT_ID}`,
    };
  }
  return {
    credential: new DefaultAzureCredential({ authorityHost, disableInstanceDiscovery }),
    armEndpoint,
    scope,
    identity: 'DefaultAzureCredential',
  };
}

/** A bearer token for Resource Manager; identity errors become typed errors naming what to set. */
export async function armToken(client: AzureClient): Promise<string> {
  try {
    const token = await client.credential.getToken(`${client.armEndpoint}/.default`);
    if (!token) throw new Error('no token returned');
    return token.token;
  } catch (err) {
    throw mapAzureIdentityError(err);
  }
}

/**
 * An @azure/identity failure as a typed error naming what to set (also where an SDK client asked for
 * the token).
 */
export function mapAzureIdentityError(err: unknown): OcoError {
  const e = err as { name?: string; message?: string; errorResponse?: { error?: string; errorDescription?: string } };
  const msg = (e.message ?? String(err)).split('\n')[0]!.slice(0, 300);
  if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|network/i.test(msg)) {
    return new UnreachableError('OCO_AZURE_UNREACHABLE', `cannot reach the Azure token endpoint: ${msg}`, {
      hint: 'Check the network, and AZURE_AUTHORITY_HOST if set.',
    });
  }
  if (e.name === 'CredentialUnavailableError') {
    return new ConfigError('no Azure credentials found', {
      code: 'OCO_AZURE_NO_CREDENTIALS',
      hint:
        'Set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (a service principal with Cost Management ' +
        'Reader on the scope).',
    });
  }
  // MSAL folds the token endpoint's error into the message: "invalid_client: Error(s): 7000215 - Timestamp: … -
  // Description: AADSTS…: … - Correlation ID: …".
  const folded = /(\w+): Error\(s\):.*? - Description: (.*?)(?: - Correlation ID|$)/.exec(msg);
  const code = e.errorResponse?.error ?? folded?.[1] ?? 'AuthenticationFailed';
  const description = e.errorResponse?.errorDescription?.split('\n')[0] ?? folded?.[2] ?? msg;
  return new OperationError('OCO_AZURE_AUTH_FAILED', `Azure sign-in failed: ${code}: ${description}`, {
    hint: 'Check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (the secret may have expired).',
    details: { provider: 'azure', code },
  });
}
