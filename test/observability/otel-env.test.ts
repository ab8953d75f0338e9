import { describe, expect, it } from 'vitest';
import { keyValueList, safeUrl, tracingEnv } from '../../src/core/base/telemetry/otel-env.js';

describe('the OTEL_* environment of tracing', () => {
  it('is off without an endpoint, when the SDK is disabled, and with OTEL_TRACES_EXPORTER=none', () => {
    expect(tracingEnv({}).options).toBeUndefined();
    const url = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(tracingEnv({ ...url, OTEL_SDK_DISABLED: 'TRUE' }).options).toBeUndefined();
    expect(tracingEnv({ ...url, OTEL_TRACES_EXPORTER: 'none' }).options).toBeUndefined();
    expect(tracingEnv({ ...url, OTEL_SDK_DISABLED: 'false' }).options?.url).toBe('http://127.0.0.1:4318/v1/traces');
  });

  it('appends /v1/traces to the base endpoint, takes the traces endpoint as given and prefers it', () => {
    expect(tracingEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example/base/' }).options?.url).toBe(
      'https://otel.example/base/v1/traces',
    );
    const both = tracingEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/custom',
    });
    expect(both.options?.url).toBe('http://b:4318/custom');
  });

  it('defaults the service name to oco; OTEL_SERVICE_NAME beats service.name in OTEL_RESOURCE_ATTRIBUTES', () => {
    const url = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    expect(tracingEnv(url).options?.resource).toEqual({ 'service.name': 'oco' });
    const r = tracingEnv({
      ...url,
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=a,region=eu%2Dwest',
      OTEL_SERVICE_NAME: 'b',
    });
    expect(r.options?.resource).toEqual({ 'service.name': 'b', region: 'eu-west' });
    expect(tracingEnv({ ...url, OTEL_RESOURCE_ATTRIBUTES: 'service.name=a' }).options?.resource['service.name']).toBe(
      'a',
    );
  });

  it('reads the sampler, its ratio, the batch settings and the headers (signal headers win)', () => {
    const o = tracingEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_SCHEDULE_DELAY: '500',
      OTEL_BSP_MAX_QUEUE_SIZE: '4096',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-a=1,authorization=Basic%20one',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'authorization=Bearer%20two',
      OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
    }).options!;
    expect(o.sampler).toEqual({ kind: 'traceidratio', parentBased: true, ratio: 0.25 });
    expect(o.batch).toEqual({ scheduledDelayMillis: 500, maxQueueSize: 4096 });
    expect(o.headers).toEqual({ 'x-a': '1', authorization: 'Bearer two' });
    expect(o.timeoutMillis).toBe(3000);
    expect(tracingEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).options!.sampler).toEqual({
      kind: 'always_on',
      parentBased: true,
      ratio: 1,
    });
  });

  it('sends http/protobuf unless the signal or the general protocol variable asks for http/json', () => {
    const url = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    expect(tracingEnv(url).options!.protocol).toBe('http/protobuf');
    expect(tracingEnv({ ...url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).options!.protocol).toBe('http/json');
    const both = tracingEnv({
      ...url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
    });
    expect(both.options!.protocol).toBe('http/protobuf');
    expect(both.warnings).toEqual([]);
  });

  it('falls back on bad values with a warning naming the variable, as the specification asks', () => {
    const r = tracingEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_BSP_SCHEDULE_DELAY: '-5',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    });
    expect(r.options?.sampler).toEqual({ kind: 'always_on', parentBased: true, ratio: 1 });
    expect(r.options?.batch).toEqual({});
    expect(r.warnings).toEqual([
      'OTLP protocol grpc is not supported; spans are sent as http/protobuf',
      'OTEL_TRACES_SAMPLER=sometimes is not supported; parentbased_always_on applies',
      'OTEL_BSP_SCHEDULE_DELAY must be a positive integer (got -5); the default applies',
    ]);
    const bad = tracingEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' });
    expect(bad.options).toBeUndefined();
    expect(bad.warnings).toEqual(['OTEL_EXPORTER_OTLP_ENDPOINT is not an http(s) URL; tracing stays off']);
    const ratio = tracingEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '2',
    });
    expect(ratio.options?.sampler.ratio).toBe(1);
    expect(ratio.warnings).toEqual(['OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1 (got 2); 1 applies']);
  });

  it('keeps header values out of logs: the URL shown has no user info or query', () => {
    expect(safeUrl('https://user:pass@otel.example:4318/v1/traces?token=x')).toBe(
      'https://otel.example:4318/v1/traces',
    );
    const warnings: string[] = [];
    expect(keyValueList('a=1,=2,b=%E0%A4%A', 'OTEL_X', warnings)).toEqual({ a: '1' });
    expect(warnings).toEqual([
      'OTEL_X: ignored an entry that is not key=value',
      'OTEL_X: ignored the value of b, which is not valid percent-encoding',
    ]);
  });
});
