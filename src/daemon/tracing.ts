import type { Logger } from 'pino';
import type { OcoConfig } from '../core/base/config/resolve.js';
import { safeUrl, tracingEnv } from '../core/base/telemetry/otel-env.js';
import type { CallTracer } from '../core/gateway/proxy/trace-hooks.js';

export interface DaemonTracing {
  tracer: CallTracer;
  /** Exports the spans still queued (the daemon's last calls), then stops. */
  shutdown(): Promise<void>;
}

let loaded = false;

/** Whether this process loaded the OpenTelemetry modules (tests check that a gateway without tracing did not). */
export function tracingModulesLoaded(): boolean {
  return loaded;
}

/**
 * OpenTelemetry tracing of proxied calls, when the OTEL_* environment asks for it (`tracingEnv`). Off: nothing
 * is imported and undefined is returned. On: the SDK and the gateway's span code load here, by dynamic import.
 */
export async function startTracing(config: OcoConfig, logger: Logger): Promise<DaemonTracing | undefined> {
  const found = tracingEnv(config.env);
  for (const w of found.warnings) logger.warn({ component: 'tracing' }, w);
  const options = found.options;
  if (!options) return undefined;
  loaded = true;
  const [{ openTracer }, { createCallTracer }, { version }] = await Promise.all([
    import('../core/base/telemetry/provider.js'),
    import('../core/gateway/proxy/call-trace.js'),
    import('./state.js'),
  ]);
  const opened = openTracer(options, {
    version: version(),
    onExportFailure: (message, spans) =>
      logger.warn({ component: 'tracing', spans, err: { message } }, 'span export failed; retried with later spans'),
  });
  const propagateUpstream = config.bool('tracing.propagateUpstream');
  logger.info(
    { component: 'tracing', url: safeUrl(options.url), sampler: options.sampler, propagateUpstream },
    'tracing on: spans of proxied calls are exported with OTLP/HTTP',
  );
  return {
    tracer: createCallTracer(opened.tracer, { propagateUpstream }),
    shutdown: () =>
      opened
        .shutdown()
        .catch((err: Error) =>
          logger.warn({ component: 'tracing', err: { message: err.message } }, 'span flush failed'),
        ),
  };
}
