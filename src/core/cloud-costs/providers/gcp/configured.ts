/** Whether GCP is configured for cost ingest, judged without the SDK (so a caller that only asks loads none). */
import type { OcoConfig } from '../../../base/config/resolve.js';
import type { ConfiguredStatus } from '../types.js';

export function gcpTable(config: OcoConfig, flag?: string): string | undefined {
  return flag ?? config.string('costs.gcpBillingTable');
}

export function gcpConfigured(config: OcoConfig, flags: Record<string, unknown> = {}): ConfiguredStatus {
  const table = gcpTable(config, flags['gcp-table'] as string | undefined);
  if (!table)
    return {
      configured: false,
      via: '',
      missing: 'OCO_GCP_BILLING_TABLE (project.dataset.table of the billing export)',
    };
  if (config.string('gcp.credentialsJson')) return { configured: true, via: `GCP_CREDENTIALS_JSON, table ${table}` };
  if (config.env.GOOGLE_APPLICATION_CREDENTIALS)
    return { configured: true, via: `GOOGLE_APPLICATION_CREDENTIALS, table ${table}` };
  return {
    configured: false,
    via: '',
    missing: 'GOOGLE_APPLICATION_CREDENTIALS (a service-account key file) or GCP_CREDENTIALS_JSON',
  };
}
