/**
 * The OpenTelemetry SDK set up from `TracingOptions`: resource, sampler, batch span processor and the
 * OTLP/HTTP exporter (protobuf by default: its encoder writes each span straight into one buffer, where the JSON
 * one builds an object tree per span and then a string, which costs about a quarter more CPU per traced call).
 * Loaded only by a dynamic import when tracing is on (`src/daemon/tracing.ts`): the
 * packages it reaches cost start-up time and daemon memory that a gateway without tracing does not pay.
 * Nothing is registered globally (no global tracer provider, context manager or propagator): the gateway
 * passes its tracer and parent contexts explicitly, so other code in the process is not traced by accident.
 */
import type { Tracer } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import type { TracingOptions } from './otel-env.js';

export interface OpenTracer {
  tracer: Tracer;
  /** Exports what is queued, then stops; bounded by the exporter's timeout. */
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

function sampler(s: TracingOptions['sampler']): Sampler {
  const root =
    s.kind === 'always_on'
      ? new AlwaysOnSampler()
      : s.kind === 'always_off'
        ? new AlwaysOffSampler()
        : new TraceIdRatioBasedSampler(s.ratio);
  return s.parentBased ? new ParentBasedSampler({ root }) : root;
}

/**
 * The exporter, reporting failures once per run of failures: the SDK itself drops them silently
 * unless a global diagnostic logger is set, and that logger would print whatever the SDK puts in its messages.
 */
class ReportingExporter implements SpanExporter {
  private failing = false;

  constructor(
    private readonly inner: SpanExporter,
    private readonly onFailure: (message: string, spans: number) => void,
  ) {}

  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.inner.export(spans, (r) => {
      if (r.code === ExportResultCode.FAILED && !this.failing)
        this.onFailure(r.error?.message ?? 'failed', spans.length);
      this.failing = r.code === ExportResultCode.FAILED;
      done(r);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

export function openTracer(
  options: TracingOptions,
  meta: { version: string; onExportFailure: (message: string, spans: number) => void },
): OpenTracer {
  const Exporter = options.protocol === 'http/json' ? JsonExporter : ProtobufExporter;
  const exporter = new Exporter({
    url: options.url,
    headers: options.headers,
    ...(options.timeoutMillis ? { timeoutMillis: options.timeoutMillis } : {}),
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.version': meta.version, ...options.resource }),
    sampler: sampler(options.sampler),
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new ReportingExporter(exporter, meta.onExportFailure), ...options.batch }),
    ],
  });
  return {
    tracer: provider.getTracer('oco-gateway', meta.version),
    shutdown: () => provider.shutdown(),
    forceFlush: () => provider.forceFlush(),
  };
}
