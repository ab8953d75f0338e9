/**
 * The standard OTEL_* environment variables that decide whether the gateway traces and where its spans go.
 * Pure: no OpenTelemetry package is loaded here, so a daemon without tracing pays for none of them.
 * The exporter and the SDK read some of these from process.env themselves; oco reads them all from the
 * configuration's environment instead (the one every other setting comes from) and passes them explicitly.
 */

export type SamplerKind = 'always_on' | 'always_off' | 'traceidratio';

/** The OTLP/HTTP encodings oco sends; gRPC is not supported. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface TracingOptions {
  /** Where spans are POSTed (OTLP/HTTP). */
  url: string;
  /**
   * The body's encoding: http/protobuf by default, as the specification asks (and the cheaper of the two to
   * encode per span), http/json when OTEL_EXPORTER_OTLP_PROTOCOL / _TRACES_PROTOCOL says so.
   */
  protocol: OtlpProtocol;
  /** Sent with every export (OTEL_EXPORTER_OTLP_HEADERS, _TRACES_HEADERS): often a token, so never logged. */
  headers: Record<string, string>;
  timeoutMillis?: number;
  resource: Record<string, string>;
  sampler: { kind: SamplerKind; parentBased: boolean; ratio: number };
  batch: {
    scheduledDelayMillis?: number;
    maxQueueSize?: number;
    maxExportBatchSize?: number;
    exportTimeoutMillis?: number;
  };
}

export interface TracingEnv {
  /** Undefined: tracing is off. */
  options?: TracingOptions;
  /** Values that were ignored (the OpenTelemetry specification asks SDKs to fall back, not to fail). */
  warnings: string[];
}

const TRUE = new Set(['true', '1']);

/** OTEL_TRACES_SAMPLER values → sampler; the specification's default is parentbased_always_on. */
const SAMPLERS: Record<string, { kind: SamplerKind; parentBased: boolean }> = {
  always_on: { kind: 'always_on', parentBased: false },
  always_off: { kind: 'always_off', parentBased: false },
  traceidratio: { kind: 'traceidratio', parentBased: false },
  parentbased_always_on: { kind: 'always_on', parentBased: true },
  parentbased_always_off: { kind: 'always_off', parentBased: true },
  parentbased_traceidratio: { kind: 'traceidratio', parentBased: true },
};

/** OTEL_BSP_* → the batch span processor's options. */
const BATCH: Record<string, keyof TracingOptions['batch']> = {
  OTEL_BSP_SCHEDULE_DELAY: 'scheduledDelayMillis',
  OTEL_BSP_MAX_QUEUE_SIZE: 'maxQueueSize',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 'maxExportBatchSize',
  OTEL_BSP_EXPORT_TIMEOUT: 'exportTimeoutMillis',
};

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** `k1=v1,k2=v2` with percent-encoded values (the W3C Baggage octets the specification uses for both lists). */
export function keyValueList(raw: string | undefined, name: string, warnings: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const pair of raw.split(',')) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf('=');
    const key = eq === -1 ? '' : pair.slice(0, eq).trim();
    if (!key) {
      warnings.push(`${name}: ignored an entry that is not key=value`);
      continue;
    }
    try {
      out[key] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      warnings.push(`${name}: ignored the value of ${key}, which is not valid percent-encoding`);
    }
  }
  return out;
}

/** The traces URL: the signal's own endpoint as given, else the base endpoint with /v1/traces appended. */
function tracesUrl(env: NodeJS.ProcessEnv, warnings: string[]): string | undefined {
  const own = value(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const url = own ?? (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
  if (url === undefined) return undefined;
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.toString();
  } catch {
    // reported below
  }
  const name = own ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  warnings.push(`${name} is not an http(s) URL; tracing stays off`);
  return undefined;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, warnings: string[]): number | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (Number.isInteger(n) && n > 0) return n;
  warnings.push(`${name} must be a positive integer (got ${raw}); the default applies`);
  return undefined;
}

/**
 * Tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, unless
 * OTEL_SDK_DISABLED is true or OTEL_TRACES_EXPORTER is none.
 */
export function tracingEnv(env: NodeJS.ProcessEnv): TracingEnv {
  const warnings: string[] = [];
  if (TRUE.has((value(env, 'OTEL_SDK_DISABLED') ?? '').toLowerCase())) return { warnings };
  const exporter = value(env, 'OTEL_TRACES_EXPORTER')?.toLowerCase();
  if (exporter === 'none') return { warnings };
  if (exporter !== undefined && exporter !== 'otlp')
    warnings.push(`OTEL_TRACES_EXPORTER=${exporter} is not supported; spans are exported with OTLP`);
  const url = tracesUrl(env, warnings);
  if (!url) return { warnings };
  const asked = value(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? value(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  let protocol: OtlpProtocol = 'http/protobuf';
  if (asked === 'http/json') protocol = 'http/json';
  else if (asked !== undefined && asked !== 'http/protobuf')
    warnings.push(`OTLP protocol ${asked} is not supported; spans are sent as http/protobuf`);

  const samplerName = (value(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on').toLowerCase();
  let sampler = SAMPLERS[samplerName];
  if (!sampler) {
    warnings.push(`OTEL_TRACES_SAMPLER=${samplerName} is not supported; parentbased_always_on applies`);
    sampler = SAMPLERS.parentbased_always_on!;
  }
  let ratio = 1;
  const arg = value(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (sampler.kind === 'traceidratio' && arg !== undefined) {
    const r = Number(arg);
    if (Number.isFinite(r) && r >= 0 && r <= 1) ratio = r;
    else warnings.push(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1 (got ${arg}); 1 applies`);
  }

  const resource: Record<string, string> = {
    'service.name': 'oco',
    ...keyValueList(value(env, 'OTEL_RESOURCE_ATTRIBUTES'), 'OTEL_RESOURCE_ATTRIBUTES', warnings),
  };
  const serviceName = value(env, 'OTEL_SERVICE_NAME');
  if (serviceName) resource['service.name'] = serviceName;

  const headers = {
    ...keyValueList(value(env, 'OTEL_EXPORTER_OTLP_HEADERS'), 'OTEL_EXPORTER_OTLP_HEADERS', warnings),
    ...keyValueList(value(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'), 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', warnings),
  };
  const timeoutMillis =
    positiveInt(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', warnings) ??
    positiveInt(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', warnings);
  const batch: TracingOptions['batch'] = {};
  for (const [name, option] of Object.entries(BATCH)) {
    const n = positiveInt(env, name, warnings);
    if (n !== undefined) batch[option] = n;
  }
  return {
    options: { url, protocol, headers, timeoutMillis, resource, sampler: { ...sampler, ratio }, batch },
    warnings,
  };
}

/** The export URL as logs may show it: no user info, no query (either could carry a token). */
export function safeUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
