import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import type { OcoConfig } from '../../../base/config/resolve.js';
import { ConfigError, OcoError, OperationError, UnreachableError } from '../../../base/errors.js';

export { awsConfigured } from './configured.js';

/**
 * Cost Explorer through the SDK's own configuration: the standard credential chain
 * (AWS_ACCESS_KEY_ID/SECRET, AWS_PROFILE, SSO, web identity, instance roles) and the
 * SDK's endpoint variables AWS_ENDPOINT_URL_COST_EXPLORER / AWS_ENDPOINT_URL, which the
 * SDK reads itself. Cost Explorer lives in us-east-1 whatever the default region is.
 */
export function createCostExplorer(config: OcoConfig): { client: CostExplorerClient; counter: { attempts: number } } {
  const env = config.env;
  const client = new CostExplorerClient({
    region: env.AWS_CE_REGION || 'us-east-1',
    maxAttempts: 5,
  });
  // Counted per HTTP attempt that got an answer (the deserialize step runs once per try):
  // a request AWS answered, even with an error, is a request it may bill; a refused connection is not.
  const counter = { attempts: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        const out = await next(args);
        counter.attempts++;
        return out;
      } catch (err) {
        if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode) counter.attempts++;
        throw err;
      }
    },
    { step: 'deserialize', name: 'ocoRequestCounter' },
  );
  return { client, counter };
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'TimeoutError',
]);

/** SDK errors as typed errors: the provider's code and message, never the request (it carries the signature). */
export function mapAwsError(err: unknown): OcoError {
  if (err instanceof OcoError) return err;
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $fault?: string;
  };
  if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message ?? '')) {
    return new ConfigError('AWS credentials not found', {
      code: 'OCO_AWS_NO_CREDENTIALS',
      hint:
        'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with ~/.aws/credentials (or ' +
        '~/.aws/config for SSO); on EC2 or ECS, attach an instance or task role.',
    });
  }
  if ((e.code && UNREACHABLE.has(e.code)) || (e.name && UNREACHABLE.has(e.name))) {
    return new UnreachableError('OCO_AWS_UNREACHABLE', `cannot reach AWS Cost Explorer: ${e.code ?? e.name}`, {
      hint: 'Check the network, or AWS_ENDPOINT_URL_COST_EXPLORER / AWS_ENDPOINT_URL if set.',
    });
  }
  const status = e.$metadata?.httpStatusCode;
  const code = e.name ?? 'Error';
  const hint = AWS_HINTS[code] ?? 'See the AWS Cost Explorer documentation for this error code.';
  if (code === 'LimitExceededException' || code === 'ThrottlingException') {
    return new UnreachableError('OCO_AWS_THROTTLED', `AWS Cost Explorer: ${code}: ${e.message}`, {
      hint,
      details: { provider: 'aws', code, status },
    });
  }
  return new OperationError(
    'OCO_AWS_API_ERROR',
    `AWS Cost Explorer: ${code}: ${e.message ?? 'request failed'}${status ? ` (HTTP ${status})` : ''}`,
    {
      hint,
      details: { provider: 'aws', code, status },
    },
  );
}

const AWS_HINTS: Record<string, string> = {
  AccessDeniedException:
    'The credentials need ce:GetCostAndUsage (and ce:GetCostAndUsageWithResources for resource data).',
  UnrecognizedClientException: 'The access key is not valid: check AWS_ACCESS_KEY_ID / AWS_PROFILE.',
  InvalidSignatureException: 'The secret key does not match the access key: check AWS_SECRET_ACCESS_KEY.',
  ExpiredTokenException: 'The session token expired: refresh AWS_SESSION_TOKEN or log in again (aws sso login).',
  DataUnavailableException:
    'Cost Explorer has no data for this window yet (it must be enabled; data can take 24 hours).',
  LimitExceededException:
    'Cost Explorer throttled the requests after retries: run again later or with a smaller window.',
  BillExpirationException: 'The window is older than Cost Explorer keeps (14 months for daily data): narrow --from.',
  ValidationException: 'Cost Explorer rejected the request: check --aws-group-by and the window.',
};
