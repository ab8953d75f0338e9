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
  return { client, counter: countAttempts(client) };
}

/** What a client's middleware stack needs to have a step added (every SDK v3 client). */
interface Stacked {
  middlewareStack: {
    add(
      mw: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
      options: { step: 'deserialize'; name: string },
    ): void;
  };
}

/** A count of the HTTP attempts a client made that AWS answered. */
export function countAttempts(client: unknown): { attempts: number } {
  // Counted per HTTP attempt that got an answer (the deserialize step runs once per try):
  // a request AWS answered, even with an error, is a request it may bill; a refused connection is not.
  const counter = { attempts: 0 };
  (client as Stacked).middlewareStack.add(
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
  return counter;
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

/** The AWS API an error came from: its name in messages, its endpoint variable and its hints per error code. */
export interface AwsApi {
  name: string;
  endpointVariable: string;
  hints: Record<string, string>;
  defaultHint: string;
}

/** SDK errors as typed errors: the provider's code and message, never the request (it carries the signature). */
export function mapAwsError(err: unknown, api: AwsApi = COST_EXPLORER_API): OcoError {
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
    return new UnreachableError('OCO_AWS_UNREACHABLE', `cannot reach ${api.name}: ${e.code ?? e.name}`, {
      hint: `Check the network, or ${api.endpointVariable} / AWS_ENDPOINT_URL if set.`,
    });
  }
  const status = e.$metadata?.httpStatusCode;
  const code = e.name ?? 'Error';
  const hint = api.hints[code] ?? AWS_HINTS[code] ?? api.defaultHint;
  if (code === 'LimitExceededException' || code === 'ThrottlingException') {
    return new UnreachableError('OCO_AWS_THROTTLED', `${api.name}: ${code}: ${e.message}`, {
      hint,
      details: { provider: 'aws', code, status },
    });
  }
  return new OperationError(
    'OCO_AWS_API_ERROR',
    `${api.name}: ${code}: ${e.message ?? 'request failed'}${status ? ` (HTTP ${status})` : ''}`,
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

export const COST_EXPLORER_API: AwsApi = {
  name: 'AWS Cost Explorer',
  endpointVariable: 'AWS_ENDPOINT_URL_COST_EXPLORER',
  hints: {},
  defaultHint: 'See the AWS Cost Explorer documentation for this error code.',
};
