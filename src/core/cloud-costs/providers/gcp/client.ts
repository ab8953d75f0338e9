import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BigQuery } from '@google-cloud/bigquery';
import { CloudBillingClient, CloudCatalogClient } from '@google-cloud/billing';
import { OAuth2Client } from 'google-auth-library';
import type { OcoConfig } from '../../../base/config/resolve.js';
import { ConfigError, OcoError, OperationError, UnreachableError } from '../../../base/errors.js';
import { gcpTable } from './configured.js';

export { gcpConfigured, gcpTable } from './configured.js';

const SCOPES =
  'https://www.googleapis.com/auth/bigquery.readonly https://www.googleapis.com/auth/cloud-billing.readonly';

interface ServiceAccountKey {
  type: string;
  project_id?: string;
  private_key_id?: string;
  private_key: string;
  client_email: string;
  token_uri: string;
}

export interface GcpClient {
  bigquery: BigQuery;
  /** project.dataset.table of the billing export. */
  table: string;
  projectId: string;
  identity: string;
  /** Detailed (resource-level) export: gcp_billing_export_resource_v1_*. */
  detailed: boolean;
  tokenRequests: () => number;
  /** Cloud Billing API (REST): the billing account behind the export's project and its projects. */
  billing: CloudBillingClient;
  /** Cloud Billing Catalog API (REST, same endpoint): public SKU list prices for ListCost. */
  catalog: CloudCatalogClient;
}

/**
 * Reads the key from GCP_CREDENTIALS_JSON or the GOOGLE_APPLICATION_CREDENTIALS file; errors name the source, never its
 * content.
 */
function loadKey(config: OcoConfig): { key: ServiceAccountKey; source: string } {
  const inline = config.string('gcp.credentialsJson');
  const file = config.env.GOOGLE_APPLICATION_CREDENTIALS;
  let text: string;
  let source: string;
  if (inline) {
    text = inline;
    source = 'GCP_CREDENTIALS_JSON';
  } else if (file) {
    source = `GOOGLE_APPLICATION_CREDENTIALS (${file})`;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, {
        code: 'OCO_GCP_NO_CREDENTIALS',
        hint: 'Point GOOGLE_APPLICATION_CREDENTIALS at a service-account key file.',
      });
    }
  } else {
    throw new ConfigError('GCP credentials not found', {
      code: 'OCO_GCP_NO_CREDENTIALS',
      hint: 'Set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or GCP_CREDENTIALS_JSON to its JSON.',
    });
  }
  let key: Partial<ServiceAccountKey>;
  try {
    key = JSON.parse(text) as Partial<ServiceAccountKey>;
  } catch {
    throw new ConfigError(`${source} is not valid JSON`, {
      code: 'OCO_GCP_BAD_CREDENTIALS',
      hint: 'It must be a service-account key as downloaded from the Cloud console.',
    });
  }
  const missing = (['client_email', 'private_key', 'token_uri'] as const).filter((k) => !key[k]);
  if (key.type !== 'service_account' || missing.length) {
    throw new ConfigError(
      `${source} is not a service-account key${missing.length ? ` (missing ${missing.join(', ')})` : ''}`,
      {
        code: 'OCO_GCP_BAD_CREDENTIALS',
        hint:
          'Create a key for a service account with BigQuery Data Viewer on the export dataset and BigQuery Job ' +
          'User on the project.',
      },
    );
  }
  return { key: key as ServiceAccountKey, source };
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * The OAuth 2.0 JWT-bearer grant at the key's own token_uri (google-auth-library always
 * calls oauth2.googleapis.com; private and test deployments name another endpoint).
 */
async function fetchToken(
  key: ServiceAccountKey,
  scope = SCOPES,
): Promise<{ access_token: string; expiry_date: number }> {
  const iat = Math.floor(Date.now() / 1000);
  const header = base64url(
    JSON.stringify({ alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) }),
  );
  const claims = base64url(JSON.stringify({ iss: key.client_email, scope, aud: key.token_uri, iat, exp: iat + 3600 }));
  let signature: string;
  try {
    signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key.private_key, 'base64url');
  } catch {
    throw new ConfigError('the service-account private_key cannot sign (not a PEM RSA key)', {
      code: 'OCO_GCP_BAD_CREDENTIALS',
      hint: 'Download a new JSON key for the service account.',
    });
  }
  let res: Response;
  try {
    res = await fetch(key.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: `${header}.${claims}.${signature}`,
      }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const origin = new URL(key.token_uri).origin;
    const reason = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new UnreachableError('OCO_GCP_UNREACHABLE', `cannot reach the GCP token endpoint ${origin}: ${reason}`, {
      hint: 'Check the network and the token_uri of the key.',
    });
  }
  const body = (await res.json().catch(() => ({}))) as {
    access_token?: string;
    expires_in?: number;
    error?: string;
    error_description?: string;
  };
  if (!res.ok || !body.access_token) {
    throw new OperationError(
      'OCO_GCP_AUTH_FAILED',
      `GCP sign-in failed: ${body.error ?? `HTTP ${res.status}`}: ${body.error_description ?? 'no access token'}`,
      {
        hint: 'The key may be disabled or deleted: create a new key for the service account.',
        details: { provider: 'gcp', code: body.error, status: res.status },
      },
    );
  }
  return { access_token: body.access_token, expiry_date: Date.now() + (body.expires_in ?? 3600) * 1000 };
}

/** A signed-in OAuth client for the service-account key (tokens from its token_uri, counted), without a table. */
export interface GcpAuth {
  auth: OAuth2Client;
  /** The key's own project (project_id), when it names one. */
  keyProject: string | undefined;
  identity: string;
  tokenRequests: () => number;
}

/**
 * The key's OAuth client for other APIs than cost ingest: Recommender needs the cloud-platform scope (it has no
 * narrower one), which the ingest's tokens do not carry.
 */
export function createGcpAuth(config: OcoConfig, scope: string): GcpAuth {
  const { key, source } = loadKey(config);
  let tokens = 0;
  const auth = new OAuth2Client();
  auth.refreshHandler = async () => {
    tokens++;
    return fetchToken(key, scope);
  };
  return {
    auth,
    keyProject: key.project_id,
    identity: `${key.client_email} (${source})`,
    tokenRequests: () => tokens,
  };
}

/** Whether GCP credentials are set, without reading them (for the configured() checks). */
export function gcpCredentialsVia(config: OcoConfig): string | undefined {
  if (config.string('gcp.credentialsJson')) return 'GCP_CREDENTIALS_JSON';
  if (config.env.GOOGLE_APPLICATION_CREDENTIALS) return 'GOOGLE_APPLICATION_CREDENTIALS';
  return undefined;
}

/** A google-gax REST client's endpoint options for an override URL (tests, private endpoints); none without one. */
export function restEndpoint(url: string | undefined): { apiEndpoint?: string; port?: number; protocol?: string } {
  if (!url) return {};
  const u = new URL(url);
  return {
    apiEndpoint: u.hostname,
    port: Number(u.port || (u.protocol === 'http:' ? 80 : 443)),
    protocol: u.protocol.replace(':', ''),
  };
}

export function createGcpClient(config: OcoConfig, tableFlag?: string): GcpClient {
  const table = gcpTable(config, tableFlag);
  if (!table)
    throw new ConfigError('no GCP billing export table', {
      code: 'OCO_GCP_NOT_CONFIGURED',
      hint: 'Set OCO_GCP_BILLING_TABLE (or --gcp-table) to project.dataset.table of the Cloud Billing export.',
    });
  if (!/^[a-z0-9][\w.:-]*\.[\w]+\.[\w$]+$/i.test(table)) {
    throw new ConfigError(`"${table}" is not project.dataset.table`, {
      code: 'OCO_USAGE',
      hint: 'Example: my-project.billing.gcp_billing_export_v1_0000AA_BBBBBB_CCCCCC',
    });
  }
  const { auth, keyProject, identity, tokenRequests } = createGcpAuth(config, SCOPES);
  const projectId = keyProject ?? table.split('.')[0]!;
  const endpoint = config.string('costs.gcpBigqueryEndpoint');
  const bigquery = new BigQuery({
    projectId,
    authClient: auth as never,
    ...(endpoint ? { apiEndpoint: endpoint.replace(/\/+$/, '') } : {}),
  });
  // REST ("fallback") transport: one HTTP/1.1 stack for every provider, and a plain endpoint override works.
  const billingOptions = {
    fallback: true,
    authClient: auth as never,
    ...restEndpoint(config.string('costs.gcpBillingEndpoint')),
  } as ConstructorParameters<typeof CloudBillingClient>[0];
  const billing = new CloudBillingClient(billingOptions);
  // The Catalog is served by the same cloudbilling.googleapis.com host, so the same override applies.
  const catalog = new CloudCatalogClient(billingOptions as ConstructorParameters<typeof CloudCatalogClient>[0]);
  return {
    billing,
    catalog,
    bigquery,
    table,
    projectId,
    identity,
    detailed: /gcp_billing_export_resource_v1_/i.test(table),
    tokenRequests,
  };
}

/**
 * Signs in (a token from the key's token_uri), then asks Cloud Billing which billing
 * account pays for the export's project and how many projects it pays for: a check that
 * reads no cost data.
 */
export async function gcpCheck(client: GcpClient): Promise<{ billingAccount: string | null; projects: number | null }> {
  try {
    await client.bigquery.authClient.getAccessToken();
    const tableProject = client.table.split('.')[0]!;
    const [info] = await client.billing.getProjectBillingInfo({ name: `projects/${tableProject}` });
    const account = info.billingAccountName || null;
    let projects: number | null = null;
    if (account) {
      const [list] = await client.billing.listProjectBillingInfo({ name: account }, { autoPaginate: true });
      projects = list.length;
    }
    return { billingAccount: account, projects };
  } catch (err) {
    throw mapGcpError(err);
  }
}

const GCP_HINTS: Record<string, string> = {
  notFound:
    'The export table does not exist: check OCO_GCP_BILLING_TABLE (Billing → Billing export in the Cloud ' +
    'console shows it).',
  accessDenied: 'The service account needs BigQuery Data Viewer on the dataset and BigQuery Job User on the project.',
  invalidQuery: 'BigQuery rejected the query: is the table a Cloud Billing export (standard or detailed)?',
  rateLimitExceeded: 'BigQuery throttled the query: run again later.',
};

export function mapGcpError(err: unknown): OcoError {
  if (err instanceof OcoError) return err;
  const e = err as { code?: number | string; message?: string; errors?: Array<{ reason?: string; message?: string }> };
  if (typeof e.code === 'string' && /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNRESET/.test(e.code)) {
    return new UnreachableError('OCO_GCP_UNREACHABLE', `cannot reach BigQuery: ${e.code}`, {
      hint: 'Check the network, and OCO_GCP_BIGQUERY_ENDPOINT if set.',
    });
  }
  const reason = e.errors?.[0]?.reason ?? (typeof e.code === 'number' ? `HTTP${e.code}` : 'error');
  const message = (e.errors?.[0]?.message ?? e.message ?? String(err)).split('\n')[0]!.slice(0, 300);
  const details = { provider: 'gcp', code: reason, status: typeof e.code === 'number' ? e.code : undefined };
  if (reason === 'rateLimitExceeded' || reason === 'backendError')
    return new UnreachableError('OCO_GCP_API_UNAVAILABLE', `BigQuery: ${reason}: ${message}`, {
      hint: GCP_HINTS[reason],
      details,
    });
  return new OperationError('OCO_GCP_API_ERROR', `BigQuery: ${reason}: ${message}`, {
    hint: GCP_HINTS[reason] ?? 'See the BigQuery error reference for this reason.',
    details,
  });
}
