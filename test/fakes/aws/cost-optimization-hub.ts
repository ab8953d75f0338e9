/**
 * A local Cost Optimization Hub endpoint speaking the real wire protocol: AWS JSON 1.0 over HTTP POST with
 * X-Amz-Target "CostOptimizationHubService.<Operation>", SigV4-signed for us-east-1 and the signing name
 * cost-optimization-hub (verified), every request and every served page checked against the botocore model
 * (test/reference/aws-models), nextToken paging with the model's page-size bound (maxResults 0..1000), and the
 * failures the real service answers: ThrottlingException (HTTP 400, retried by the SDK), AccessDeniedException
 * for an account that has not enrolled, UnrecognizedClientException / InvalidSignatureException for bad keys.
 * Error bodies are JSON 1.0's: {"__type": "<namespace>#<Code>", "message": …}, the members the model gives.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { COH_MODEL_PATH, loadCeModel, validateShape, type ServiceModel } from './model.js';
import { verifySigV4 } from './sigv4.js';

export interface CohFault {
  /** 1-based count of ListRecommendations calls at which to fail. */
  atCall: number;
  type: 'ThrottlingException' | 'InternalServerException' | 'AccessDeniedException';
  message?: string;
}

export interface CohRequestLog {
  operation: string;
  body: Record<string, unknown>;
  status: number;
  accessKeyId?: string;
  error?: string;
}

export interface FakeCohOptions {
  credentials: Record<string, string>;
  /** The recommendations the account holds, in wire form (the model's Recommendation shape). */
  items: object[];
  /** false: every call is AccessDeniedException, as for an account that never enrolled. */
  enrolled?: boolean;
  faults?: CohFault[];
  /** Page size when a request gives no maxResults. */
  defaultPageSize?: number;
}

export interface FakeCoh {
  url: string;
  requests: CohRequestLog[];
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

/**
 * A number written on the wire exactly as given (JSON allows more digits than a double holds, and the real
 * service writes what its own serializer writes): how the tests see whether savings are read exactly.
 */
export class RawNumber {
  constructor(readonly text: string) {}
  toJSON(): string {
    return `\u0000${this.text}\u0000`;
  }
}

/** The JSON text of a value, RawNumbers written as their own text. */
function wireJson(value: object): string {
  return JSON.stringify(value).replace(/"\\u0000([^"\\]*)\\u0000"/g, '$1');
}

/** The value as a double where it holds a RawNumber (what the model validates). */
function asParsed(value: unknown): unknown {
  // A replacer sees what toJSON made of a value; the holder still has the RawNumber itself.
  return JSON.parse(
    JSON.stringify(value, function (this: Record<string, unknown>, k: string, v: unknown) {
      const own = this[k];
      return own instanceof RawNumber ? Number(own.text) : v;
    }),
  );
}
const NAMESPACE = 'com.amazonaws.costoptimizationhub';
/** What the service answers for each error code, when a fault gives no message. */
const MESSAGES: Record<string, string> = {
  ThrottlingException: 'Rate exceeded',
  InternalServerException: 'An internal error has occurred. Try again later.',
  AccessDeniedException: 'You are not enrolled in Cost Optimization Hub. Enroll to access recommendations.',
};
const STATUS: Record<string, number> = { InternalServerException: 500 };

export async function startFakeCostOptimizationHub(options: FakeCohOptions): Promise<FakeCoh> {
  const model: ServiceModel = loadCeModel(COH_MODEL_PATH);
  const prefix = `${model.metadata.targetPrefix}.`;
  const maxPage = (model.shapes.ListRecommendationsRequestMaxResultsInteger as { max?: number }).max ?? 1000;
  const requests: CohRequestLog[] = [];
  let calls = 0;
  // Tokens handed out: token → the offset of the next page.
  const tokens = new Map<string, number>();

  for (const [i, item] of options.items.entries()) {
    const problems = validateShape(model, 'Recommendation', asParsed(item));
    if (problems.length) throw new Error(`fake item ${i} does not match the model:\n${problems.join('\n')}`);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });

  function send(res: ServerResponse, status: number, body: object, log: CohRequestLog): void {
    log.status = status;
    requests.push(log);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': `fake-coh-${requests.length}`,
    });
    res.end(wireJson(body));
  }

  function error(res: ServerResponse, status: number, type: string, message: string, log: CohRequestLog): void {
    log.error = type;
    res.setHeader('x-amzn-errortype', type);
    send(res, status, { __type: `${NAMESPACE}#${type}`, message }, log);
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(prefix) ? target.slice(prefix.length) : '';
    const log: CohRequestLog = { operation, body: {}, status: 0 };
    if (req.method !== 'POST' || req.url !== '/')
      return error(res, 404, 'UnknownOperationException', `${req.method} ${req.url}`, log);
    if (!String(req.headers['content-type']).startsWith('application/x-amz-json-1.0'))
      return error(res, 400, 'SerializationException', 'content-type must be application/x-amz-json-1.0', log);
    const sig = verifySigV4({ method: 'POST', path: req.url, headers: req.headers, body: raw }, options.credentials, {
      region: 'us-east-1',
      service: model.metadata.signingName,
    });
    log.accessKeyId = sig.accessKeyId;
    if (!sig.ok) {
      if (sig.reason === 'UnrecognizedClientException')
        return error(res, 400, sig.reason, 'The security token included in the request is invalid.', log);
      return error(
        res,
        400,
        'InvalidSignatureException',
        `The request signature we calculated does not match the signature you provided (${sig.reason}).`,
        log,
      );
    }
    if (operation !== 'ListRecommendations' || !model.operations[operation])
      return error(res, 400, 'UnknownOperationException', `operation ${operation || target} not served`, log);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return error(res, 400, 'SerializationException', 'body is not JSON', log);
    }
    log.body = body;
    const problems = validateShape(model, model.operations[operation]!.input!.shape, body);
    if (problems.length) return error(res, 400, 'ValidationException', problems.join('; '), log);
    if (options.enrolled === false)
      return error(res, 400, 'AccessDeniedException', MESSAGES.AccessDeniedException!, log);
    calls++;
    const fault = options.faults?.find((f) => f.atCall === calls);
    if (fault) return error(res, STATUS[fault.type] ?? 400, fault.type, fault.message ?? MESSAGES[fault.type]!, log);
    let offset = 0;
    if (body.nextToken !== undefined) {
      const at = tokens.get(String(body.nextToken));
      if (at === undefined) return error(res, 400, 'ValidationException', 'Invalid nextToken.', log);
      offset = at;
    }
    const size = Math.min(Number(body.maxResults ?? options.defaultPageSize ?? maxPage), maxPage);
    const items = options.items.slice(offset, offset + size);
    const page: { items: object[]; nextToken?: string } = { items };
    if (offset + size < options.items.length) {
      const token = Buffer.from(`page:${offset + size}:${tokens.size}`).toString('base64');
      tokens.set(token, offset + size);
      page.nextToken = token;
    }
    const check = validateShape(model, model.operations[operation]!.output!.shape, asParsed(page));
    if (check.length) return error(res, 500, 'InternalServerException', check.join('; '), log);
    send(res, 200, page, log);
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** One recommendation in wire form: the fields every real one carries, with overrides. */
export function hubItem(over: Record<string, unknown>): Record<string, unknown> {
  return {
    recommendationId: `rec-${over.resourceId ?? 'x'}-${over.actionType ?? 'Rightsize'}`,
    accountId: '111122223333',
    region: 'us-east-1',
    currentResourceType: 'Ec2Instance',
    actionType: 'Rightsize',
    currencyCode: 'USD',
    implementationEffort: 'Medium',
    restartNeeded: true,
    rollbackPossible: true,
    source: 'ComputeOptimizer',
    lastRefreshTimestamp: 1_780_000_000,
    recommendationLookbackPeriodInDays: 14,
    ...over,
  };
}
