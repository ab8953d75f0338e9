import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * An OTLP/HTTP trace receiver on loopback, as a collector's `otlphttp` receiver answers it: `POST /v1/traces`
 * with an ExportTraceServiceRequest either in the binary protobuf encoding (`application/x-protobuf`, what oco
 * sends by default) or in the OTLP/JSON encoding (`application/json`: ids as hex strings, attributes as
 * `{key, value: {stringValue | intValue | boolValue | doubleValue}}`, 64-bit integers possibly as strings),
 * optionally gzip-compressed; answers an empty ExportTraceServiceResponse in the request's encoding with 200, and
 * 415 to any other content type. Everything received is kept raw too (as UTF-8 text, binary or not), so a test can
 * check that a string appears in no byte of any export.
 */
export type AttrValue = string | number | boolean;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttrValue>;
  events: Array<{ name: string; timeNs: bigint; attributes: Record<string, AttrValue> }>;
  status: { code: number; message?: string };
  resource: Record<string, AttrValue>;
  scope: string;
}

export interface FakeOtlp {
  url: string;
  spans: ReceivedSpan[];
  /** Every export body as received (decompressed), its request headers and the spans it carried. */
  exports: Array<{ body: string; headers: IncomingMessage['headers']; spans: ReceivedSpan[] }>;
  /** The spans of one trace. */
  trace(traceId: string): ReceivedSpan[];
  close(): Promise<void>;
}

interface JsonAnyValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
}
interface JsonKeyValue {
  key: string;
  value?: JsonAnyValue;
}

function anyValue(v: JsonAnyValue | undefined): AttrValue {
  if (!v) return '';
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return JSON.stringify((v.arrayValue.values ?? []).map(anyValue));
  return '';
}

function attrs(list: JsonKeyValue[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

/** OTLP/JSON ids are hex; some encoders send base64 (the protobuf JSON mapping): both become hex here. */
function hexId(id: string | undefined, bytes: number): string | undefined {
  if (!id) return undefined;
  if (new RegExp(`^[0-9a-f]{${bytes * 2}}$`, 'i').test(id)) return id.toLowerCase();
  return Buffer.from(id, 'base64').toString('hex');
}

function parse(body: string): ReceivedSpan[] {
  const req = JSON.parse(body) as {
    resourceSpans?: Array<{
      resource?: { attributes?: JsonKeyValue[] };
      scopeSpans?: Array<{
        scope?: { name?: string };
        spans?: Array<{
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          kind?: number;
          startTimeUnixNano: string | number;
          endTimeUnixNano: string | number;
          attributes?: JsonKeyValue[];
          events?: Array<{ name: string; timeUnixNano: string | number; attributes?: JsonKeyValue[] }>;
          status?: { code?: number; message?: string };
        }>;
      }>;
    }>;
  };
  const out: ReceivedSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? [])
      for (const s of ss.spans ?? [])
        out.push({
          traceId: hexId(s.traceId, 16)!,
          spanId: hexId(s.spanId, 8)!,
          parentSpanId: hexId(s.parentSpanId, 8),
          name: s.name,
          kind: s.kind ?? 0,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          events: (s.events ?? []).map((e) => ({
            name: e.name,
            timeNs: BigInt(e.timeUnixNano),
            attributes: attrs(e.attributes),
          })),
          status: { code: s.status?.code ?? 0, message: s.status?.message },
          resource,
          scope: ss.scope?.name ?? '',
        });
  }
  return out;
}

/** One field of a protobuf message: varints as bigint, fixed-width and length-delimited fields as their bytes. */
interface PbField {
  n: number;
  varint?: bigint;
  bytes?: Buffer;
}

/** The fields of one protobuf message, in wire order (the wire format: tag varint, then the value). */
function pbFields(buf: Buffer): PbField[] {
  const out: PbField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let r = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[pos++];
      if (b === undefined) throw new Error('truncated varint');
      r |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return r;
    }
  };
  const take = (len: number): Buffer => {
    if (pos + len > buf.length) throw new Error('truncated field');
    const b = buf.subarray(pos, pos + len);
    pos += len;
    return b;
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const n = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ n, varint: varint() });
    else if (wire === 1) out.push({ n, bytes: take(8) });
    else if (wire === 2) out.push({ n, bytes: take(Number(varint())) });
    else if (wire === 5) out.push({ n, bytes: take(4) });
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const pbAll = (fields: PbField[], n: number): Buffer[] => fields.filter((f) => f.n === n).map((f) => f.bytes!);
const pbOne = (fields: PbField[], n: number): PbField | undefined => fields.findLast((f) => f.n === n);
const pbText = (fields: PbField[], n: number): string => pbOne(fields, n)?.bytes?.toString('utf8') ?? '';
const pbFixed64 = (fields: PbField[], n: number): bigint => pbOne(fields, n)?.bytes?.readBigUInt64LE(0) ?? 0n;

/** common.v1.AnyValue: 1 string, 2 bool, 3 int64, 4 double, 5 array (values as JSON, as the JSON path does). */
function pbAnyValue(buf: Buffer): AttrValue {
  const f = pbFields(buf)[0];
  if (!f) return '';
  if (f.n === 1) return f.bytes!.toString('utf8');
  if (f.n === 2) return f.varint !== 0n;
  if (f.n === 3) return Number(BigInt.asIntN(64, f.varint!));
  if (f.n === 4) return f.bytes!.readDoubleLE(0);
  if (f.n === 5) return JSON.stringify(pbAll(pbFields(f.bytes!), 1).map(pbAnyValue));
  return '';
}

/** repeated common.v1.KeyValue (1 key, 2 value) at field `n`. */
function pbAttrs(fields: PbField[], n: number): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of pbAll(fields, n)) {
    const f = pbFields(kv);
    const value = pbOne(f, 2)?.bytes;
    out[pbText(f, 1)] = value ? pbAnyValue(value) : '';
  }
  return out;
}

/** The spans in a protobuf ExportTraceServiceRequest, counted without decoding them (for benchmarks' sinks). */
export function protobufSpanCount(body: Buffer): number {
  let n = 0;
  for (const rs of pbAll(pbFields(body), 1))
    for (const ss of pbAll(pbFields(rs), 2)) n += pbAll(pbFields(ss), 2).length;
  return n;
}

/** ExportTraceServiceRequest → ResourceSpans (1 resource, 2 scope_spans) → ScopeSpans (1 scope, 2 spans) → Span. */
function parseProtobuf(body: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of pbAll(pbFields(body), 1)) {
    const rsf = pbFields(rs);
    const res = pbOne(rsf, 1)?.bytes;
    const resource = res ? pbAttrs(pbFields(res), 1) : {};
    for (const ss of pbAll(rsf, 2)) {
      const ssf = pbFields(ss);
      const scope = pbOne(ssf, 1)?.bytes;
      for (const sp of pbAll(ssf, 2)) {
        const f = pbFields(sp);
        const parent = pbOne(f, 4)?.bytes;
        const status = pbOne(f, 15)?.bytes;
        const sf = status ? pbFields(status) : [];
        out.push({
          traceId: pbOne(f, 1)!.bytes!.toString('hex'),
          spanId: pbOne(f, 2)!.bytes!.toString('hex'),
          parentSpanId: parent && parent.length > 0 ? parent.toString('hex') : undefined,
          name: pbText(f, 5),
          kind: Number(pbOne(f, 6)?.varint ?? 0n),
          startNs: pbFixed64(f, 7),
          endNs: pbFixed64(f, 8),
          attributes: pbAttrs(f, 9),
          events: pbAll(f, 11).map((e) => {
            const ef = pbFields(e);
            return { name: pbText(ef, 2), timeNs: pbFixed64(ef, 1), attributes: pbAttrs(ef, 3) };
          }),
          status: { code: Number(pbOne(sf, 3)?.varint ?? 0n), message: pbText(sf, 2) || undefined },
          resource,
          scope: scope ? pbText(pbFields(scope), 1) : '',
        });
      }
    }
  }
  return out;
}

export async function startFakeOtlp(): Promise<FakeOtlp> {
  const spans: ReceivedSpan[] = [];
  const exports: FakeOtlp['exports'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const type = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim();
      const protobuf = type === 'application/x-protobuf';
      const answer = (status: number, body: unknown) => {
        // A refusal's body is a google.rpc.Status; the fake sends it as JSON in either case (tests read the code).
        if (status === 200 && protobuf) {
          res.writeHead(200, { 'content-type': 'application/x-protobuf' });
          return res.end();
        }
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/v1/traces')
        return answer(404, { code: 5, message: `no route ${req.method} ${req.url}` });
      if (type !== 'application/json' && !protobuf)
        return answer(415, {
          code: 3,
          message: `unsupported content type ${type}; send application/x-protobuf or application/json`,
        });
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const body = raw.toString('utf8');
      try {
        const got = protobuf ? parseProtobuf(raw) : parse(body);
        exports.push({ body, headers: req.headers, spans: got });
        spans.push(...got);
        answer(200, {});
      } catch (err) {
        answer(400, { code: 3, message: `not an ExportTraceServiceRequest: ${(err as Error).message}` });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    exports,
    trace: (traceId) => spans.filter((s) => s.traceId === traceId),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
