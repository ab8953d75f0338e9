/**
 * A local Cost Explorer endpoint speaking the real wire protocol: AWS JSON 1.1 over
 * HTTP POST with X-Amz-Target "AWSInsightsIndexService.<Operation>", SigV4-signed
 * (verified), requests and responses checked against the botocore model, NextPageToken
 * paging with the real rule that the rest of the request must not change between pages,
 * and the time periods Cost Explorer refuses (PERIOD_RULES).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadCeModel, validateShape, type ServiceModel } from './model.js';
import { verifySigV4 } from './sigv4.js';

export interface CeFault {
  operation?: string;
  /** 1-based count of calls to that operation at which to fail. */
  atCall: number;
  type: string;
  message: string;
  status?: number;
}

export interface CeRequestLog {
  operation: string;
  body: Record<string, unknown>;
  status: number;
  accessKeyId?: string;
  error?: string;
}

type Period = { start: string; end: string; granularity: string; today: string };

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const daysBefore = (day: string, n: number) => dayOf(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000);
/** The first day of the month `months` after the month of `day` (negative: before). */
function monthStart(day: string, months: number): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  return dayOf(Date.UTC(y, m - 1 + months, 1));
}

/**
 * The time periods Cost Explorer refuses, each with the ValidationException it answers.
 * Sources: the API reference (TimePeriod of GetCostAndUsageWithResources: "must be within
 * the last 14 days"), the Cost Explorer API best practices ("up to 13 months of historical
 * data and data for the current month"), the pricing page (hourly granularity looks back 14
 * days); messages as the service words them where users have quoted them (aws-sdk-js#2732,
 * boto3#2369, aws-sdk-net#1773), the 13-month one in the fake's words.
 */
const PERIOD_RULES: Array<{ operation?: string; refuses: (p: Period) => boolean; message: (p: Period) => string }> = [
  { refuses: (p) => p.start >= p.end, message: () => 'Start date (and hour) should be before end date (and hour)' },
  { refuses: (p) => p.end > monthStart(p.today, 1), message: () => 'end date past the beginning of next month' },
  {
    operation: 'GetCostAndUsageWithResources',
    refuses: (p) => p.start < daysBefore(p.today, 14),
    message: () => 'start date is too old for hourly, the max supported days for hourly granularity is 14 days.',
  },
  {
    operation: 'GetCostAndUsage',
    refuses: (p) => p.granularity === 'HOURLY' && p.start < daysBefore(p.today, 14),
    message: () =>
      'Start date is more than 14 days ago for hourly granularity. Please adjust start date as we support only 14 days of data at hourly granularity.',
  },
  {
    operation: 'GetCostAndUsage',
    refuses: (p) => p.start < monthStart(p.today, -13),
    message: (p) =>
      `Start date ${p.start} is too old: cost and usage data is available from ${monthStart(p.today, -13)} (13 months and the current month).`,
  },
];

export function periodRefusal(operation: string, body: Record<string, unknown>, today: string): string | undefined {
  const tp = body.TimePeriod as { Start: string; End: string };
  const period = {
    start: tp.Start.slice(0, 10),
    end: tp.End.slice(0, 10),
    granularity: String(body.Granularity ?? 'MONTHLY'),
    today,
  };
  return PERIOD_RULES.find((r) => (r.operation ?? operation) === operation && r.refuses(period))?.message(period);
}

export interface FakeCostExplorerOptions {
  credentials: Record<string, string>;
  /** The service's today (YYYY-MM-DD) for the period rules; the real UTC day by default. */
  today?: string;
  pages: Partial<Record<'GetCostAndUsage' | 'GetCostAndUsageWithResources', object[]>>;
  faults?: CeFault[];
}

export interface FakeCostExplorer {
  url: string;
  requests: CeRequestLog[];
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

export async function startFakeCostExplorer(options: FakeCostExplorerOptions): Promise<FakeCostExplorer> {
  const model: ServiceModel = loadCeModel();
  const prefix = `${model.metadata.targetPrefix}.`;
  const requests: CeRequestLog[] = [];
  const calls = new Map<string, number>();
  // Body of the first page of the current paging sequence, per operation (without the token).
  const firstBody = new Map<string, string>();

  // Every page the fake will serve must itself be a valid response: fixtures that drift from the model fail here.
  for (const [op, pages] of Object.entries(options.pages)) {
    for (const [i, p] of (pages ?? []).entries()) {
      const problems = validateShape(model, model.operations[op]!.output!.shape, p);
      if (problems.length) throw new Error(`fake ${op} page ${i} does not match the model:\n${problems.join('\n')}`);
    }
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

  function send(res: ServerResponse, status: number, body: object, log: CeRequestLog): void {
    log.status = status;
    requests.push(log);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': `fake-${requests.length}`,
    });
    res.end(JSON.stringify(body));
  }

  function error(res: ServerResponse, status: number, type: string, message: string, log: CeRequestLog): void {
    log.error = type;
    res.setHeader(
      'x-amzn-errortype',
      `${type}:http://internal.amazon.com/coral/com.amazonaws.awsinsightsindexservice/`,
    );
    send(res, status, { __type: `com.amazon.ce#${type}`, Message: message }, log);
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(prefix) ? target.slice(prefix.length) : '';
    const log: CeRequestLog = { operation, body: {}, status: 0 };
    if (req.method !== 'POST' || req.url !== '/')
      return error(res, 404, 'UnknownOperationException', `${req.method} ${req.url}`, log);
    if (!String(req.headers['content-type']).startsWith('application/x-amz-json-1.1'))
      return error(res, 400, 'SerializationException', 'content-type must be application/x-amz-json-1.1', log);
    const sig = verifySigV4({ method: 'POST', path: req.url, headers: req.headers, body: raw }, options.credentials, {
      region: 'us-east-1',
      service: model.metadata.signingName,
    });
    log.accessKeyId = sig.accessKeyId;
    if (!sig.ok) {
      const type =
        sig.reason === 'UnrecognizedClientException' ? 'UnrecognizedClientException' : 'InvalidSignatureException';
      return error(
        res,
        400,
        type,
        sig.reason === type
          ? 'The security token included in the request is invalid.'
          : `signature check failed: ${sig.reason}`,
        log,
      );
    }
    const op = model.operations[operation];
    const pages = options.pages[operation as keyof FakeCostExplorerOptions['pages']];
    if (!op || !pages)
      return error(res, 400, 'UnknownOperationException', `operation ${operation || target} not served`, log);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return error(res, 400, 'SerializationException', 'body is not JSON', log);
    }
    log.body = body;
    const problems = validateShape(model, op.input!.shape, body);
    if (problems.length) return error(res, 400, 'ValidationException', problems.join('; '), log);
    const refusal = periodRefusal(operation, body, options.today ?? dayOf(Date.now()));
    if (refusal) return error(res, 400, 'ValidationException', refusal, log);
    const n = (calls.get(operation) ?? 0) + 1;
    calls.set(operation, n);
    const fault = options.faults?.find((f) => (f.operation ?? operation) === operation && f.atCall === n);
    if (fault) return error(res, fault.status ?? 400, fault.type, fault.message, log);
    const { NextPageToken: token, ...rest } = body;
    const restText = JSON.stringify(rest);
    let index = 0;
    if (token === undefined) firstBody.set(operation, restText);
    else {
      index = pages.findIndex((p) => (p as { NextPageToken?: string }).NextPageToken === token) + 1;
      if (index === 0) return error(res, 400, 'InvalidNextTokenException', 'The token is invalid.', log);
      if (firstBody.get(operation) !== restText)
        return error(
          res,
          400,
          'RequestChangedException',
          'Your request parameters changed between pages. Try again with the old parameters or without a pagination token.',
          log,
        );
    }
    send(res, 200, pages[index]!, log);
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface CeRecord {
  day: string;
  service: string;
  account: string;
  unblended: string;
  amortized: string;
  usage: string;
}

/** Builds GetCostAndUsage pages (SERVICE + LINKED_ACCOUNT) from records, pageSize groups per page, as CE splits long results. */
export function pagesFromRecords(records: CeRecord[], pageSize: number): object[] {
  const pages: object[] = [];
  for (let i = 0; i < records.length; i += pageSize) {
    const slice = records.slice(i, i + pageSize);
    const byDay = new Map<string, CeRecord[]>();
    for (const r of slice) byDay.set(r.day, [...(byDay.get(r.day) ?? []), r]);
    const last = i + pageSize >= records.length;
    pages.push({
      GroupDefinitions: [
        { Type: 'DIMENSION', Key: 'SERVICE' },
        { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
      ],
      ResultsByTime: [...byDay].map(([day, rs]) => ({
        TimePeriod: {
          Start: day,
          End: new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10),
        },
        Total: {},
        Groups: rs.map((r) => ({
          Keys: [r.service, r.account],
          Metrics: {
            UnblendedCost: { Amount: r.unblended, Unit: 'USD' },
            AmortizedCost: { Amount: r.amortized, Unit: 'USD' },
            NetAmortizedCost: { Amount: r.amortized, Unit: 'USD' },
            UsageQuantity: { Amount: r.usage, Unit: 'Hrs' },
          },
        })),
        Estimated: false,
      })),
      DimensionValueAttributes: [...new Set(slice.map((r) => r.account))].map((a) => ({
        Value: a,
        Attributes: { description: `Account ${a}` },
      })),
      ...(last ? {} : { NextPageToken: `page-${pages.length + 1}` }),
    });
  }
  return pages;
}
