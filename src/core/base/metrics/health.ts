/**
 * Readiness: a table of checks the daemon assembles (store, Redis when configured, the usage recorder
 * not spilling). Ready only when every check passes; /health/ready answers 503 otherwise.
 */
export interface ReadinessCheck {
  name: string;
  run(): Promise<{ ok: boolean; detail?: Record<string, unknown> }>;
}

export interface Readiness {
  status: 'ready' | 'degraded';
  checks: Record<string, { ok: boolean } & Record<string, unknown>>;
}

/** Each check bounded by timeoutMs: a store or Redis that hangs is not ready. */
export async function readiness(checks: readonly ReadinessCheck[], timeoutMs = 2000): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async (c) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<{ ok: boolean; detail?: Record<string, unknown> }>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: { error: `no answer in ${timeoutMs} ms` } }), timeoutMs);
      });
      try {
        const r = await Promise.race([
          c.run().catch((err: Error) => ({ ok: false, detail: { error: err.message } })),
          timeout,
        ]);
        return [c.name, { ok: r.ok, ...r.detail }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const out = Object.fromEntries(results);
  return { status: results.every(([, r]) => r.ok) ? 'ready' : 'degraded', checks: out };
}
