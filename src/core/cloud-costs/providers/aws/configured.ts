/** Whether AWS is configured for cost ingest, judged without the SDK (so a caller that only asks loads none). */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConfiguredStatus } from '../types.js';

/**
 * Whether the SDK's credential chain has something to find, judged without a network call:
 * environment keys, a named profile, web identity, container credentials, or a default
 * profile in the shared files (~/.aws/credentials, or ~/.aws/config, where `aws configure sso`
 * writes). An EC2 instance role cannot be seen without asking the metadata service, so the
 * chain is still tried when --aws is named explicitly (see selectProviders).
 */
export function awsConfigured(env: NodeJS.ProcessEnv): ConfiguredStatus {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return { configured: true, via: 'AWS_ACCESS_KEY_ID' };
  if (env.AWS_PROFILE) return { configured: true, via: `AWS_PROFILE=${env.AWS_PROFILE}` };
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return { configured: true, via: 'AWS_WEB_IDENTITY_TOKEN_FILE' };
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI)
    return { configured: true, via: 'container credentials' };
  const home = env.HOME || homedir();
  const files: Array<[string, RegExp]> = [
    [env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'), /^\s*\[\s*default\s*\]/m],
    [env.AWS_CONFIG_FILE || join(home, '.aws', 'config'), /^\s*\[\s*(profile\s+)?default\s*\]/m],
  ];
  for (const [file, section] of files) {
    if (existsSync(file) && section.test(readFileSync(file, 'utf8')))
      return { configured: true, via: `default profile in ${file}` };
  }
  return {
    configured: false,
    via: '',
    missing: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or a default profile in ~/.aws/credentials)',
    credentialsOnly: true,
  };
}
