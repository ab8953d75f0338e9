/**
 * Whether each cloud provider is configured for cost ingest, without loading its SDK: for callers
 * that only ask (insights' stale-ingest check); the provider table (`../ingest.ts`) uses the same checks.
 */
import type { OcoConfig } from '../../base/config/resolve.js';
import type { CloudProvider } from '../model.js';
import { awsConfigured } from './aws/configured.js';
import { azureConfigured } from './azure/configured.js';
import { gcpConfigured } from './gcp/configured.js';
import type { ConfiguredStatus } from './types.js';

export const CONFIGURED: Record<CloudProvider, (config: OcoConfig) => ConfiguredStatus> = {
  aws: (config) => awsConfigured(config.env),
  azure: (config) => azureConfigured(config),
  gcp: (config) => gcpConfigured(config),
};
