/**
 * The daemon's view of the upstream registry: the rows of `upstreams` with their keys read from
 * the environment, re-read from the store at most every `ttlMs` (so `oco route providers add` and
 * `remove` apply within seconds, without a restart), plus the rotation that takes rate-limited
 * deployments out. Keys live here in memory only; a row holds the variable's name.
 */
import type { Logger } from 'pino';
import { LLM_PROVIDERS, type PricedProvider, type ProviderName } from '../model.js';
import type { RegisteredUpstreams } from '../translate/model-route.js';
import { listUpstreams, wireOf, type UpstreamEntry, type UpstreamKind } from './registry.js';
import { Rotation, type Weighted } from './select.js';

/** One place a call can be sent: a built-in provider's configured URL, or a registered upstream. */
export interface ResolvedUpstream extends Weighted {
  /** `builtin:openai`, `upstream:groq`: opaque to callers, stable while the row exists. */
  readonly id: string;
  readonly name: string;
  readonly kind: UpstreamKind | 'builtin';
  readonly wire: ProviderName;
  /** What its calls are priced and recorded under: the built-in's name, or an OpenAI-compatible upstream's. */
  readonly provider: PricedProvider;
  /** A registered deployment of a built-in provider: its name, recorded with each call. */
  readonly deployment?: string;
  readonly baseUrl: string;
  /** Its own key, read from keyEnv; undefined when it has none (or the variable is not set). */
  readonly key?: string;
  readonly keyEnv: string | null;
  /** Set when keyEnv names a variable the gateway's environment does not hold. */
  readonly keyMissing: boolean;
  readonly models: readonly string[] | null;
}

export interface DirectoryOptions {
  /** Base URLs of the built-in providers (the configuration's). */
  builtins: Record<ProviderName, string>;
  /** Where keyEnv variables are read (the daemon's environment). */
  env: NodeJS.ProcessEnv;
  load: () => Promise<UpstreamEntry[]>;
  logger: Logger;
  /** How long a read of the registry is used before the next call re-reads it. */
  ttlMs: number;
}

interface Snapshot {
  custom: Map<string, ResolvedUpstream>;
  /** Per built-in provider: its default first, then its registered deployments. */
  deployments: Record<ProviderName, ResolvedUpstream[]>;
  routable: RegisteredUpstreams;
}

export const DEFAULT_REGISTRY_TTL_MS = 2_000;

export class UpstreamDirectory {
  readonly rotation = new Rotation();
  private snap: Snapshot;
  /** Bumped by every read of the registry, so holders of per-upstream resources know when to look again. */
  generation = 0;
  private loadedAt = -Infinity;
  private loading: Promise<void> | undefined;

  constructor(private readonly o: DirectoryOptions) {
    this.snap = this.build([]);
  }

  /** The registry as of at most ttlMs ago; re-read (once, whoever asks) when older. */
  async fresh(now = performance.now()): Promise<void> {
    if (now - this.loadedAt < this.o.ttlMs) return;
    this.loading ??= this.reload().finally(() => (this.loading = undefined));
    await this.loading;
  }

  private async reload(): Promise<void> {
    try {
      this.snap = this.build(await this.o.load());
      this.generation++;
    } catch (err) {
      this.o.logger.warn(
        { err: { message: (err as Error).message } },
        'cannot read the upstream registry; keeping the upstreams last read',
      );
    }
    this.loadedAt = performance.now();
  }

  /** The OpenAI-compatible upstreams NAME/model can reach now. */
  get routable(): RegisteredUpstreams {
    return this.snap.routable;
  }

  custom(name: string): ResolvedUpstream | undefined {
    return this.snap.custom.get(name);
  }

  /** Every registered upstream now (deployments and OpenAI-compatible ones). */
  registered(): ResolvedUpstream[] {
    const deployments = Object.values(this.snap.deployments).flatMap((list) =>
      list.filter((d) => d.kind !== 'builtin'),
    );
    return [...this.snap.custom.values(), ...deployments];
  }

  /** The built-in's default and its registered deployments that serve `model`. */
  deploymentsOf(provider: ProviderName, model: string): ResolvedUpstream[] {
    return this.snap.deployments[provider].filter((d) => d.models === null || d.models.includes(model));
  }

  private build(rows: UpstreamEntry[]): Snapshot {
    const deployments = Object.fromEntries(LLM_PROVIDERS.map((p) => [p, [this.builtin(p)]])) as Record<
      ProviderName,
      ResolvedUpstream[]
    >;
    const custom = new Map<string, ResolvedUpstream>();
    for (const r of rows) {
      const key = r.keyEnv ? this.o.env[r.keyEnv] || undefined : undefined;
      const keyMissing = r.keyEnv !== null && key === undefined;
      if (keyMissing) this.warnMissing(r);
      const wire = wireOf(r.kind);
      const resolved: ResolvedUpstream = {
        id: `upstream:${r.name}`,
        name: r.name,
        kind: r.kind,
        wire,
        provider: r.kind === 'openai-compatible' ? r.name : wire,
        deployment: r.kind === 'openai-compatible' ? undefined : r.name,
        baseUrl: r.baseUrl,
        key,
        keyEnv: r.keyEnv,
        keyMissing,
        models: r.models,
        weight: r.weight,
      };
      if (r.kind === 'openai-compatible') custom.set(r.name, resolved);
      else deployments[wire].push(resolved);
    }
    const routable = new Map([...custom].map(([name, u]) => [name, { models: u.models }]));
    return { custom, deployments, routable };
  }

  private builtin(p: ProviderName): ResolvedUpstream {
    return {
      id: `builtin:${p}`,
      name: p,
      kind: 'builtin',
      wire: p,
      provider: p,
      baseUrl: this.o.builtins[p],
      keyEnv: null,
      keyMissing: false,
      models: null,
      weight: 1,
    };
  }

  private readonly warned = new Set<string>();

  /** Once per upstream and variable: the log names the variable, never a value. */
  private warnMissing(r: UpstreamEntry): void {
    const k = `${r.name}\u0000${r.keyEnv}`;
    if (this.warned.has(k)) return;
    this.warned.add(k);
    this.o.logger.warn(
      { upstream: r.name, keyEnv: r.keyEnv },
      'the environment variable holding this upstream key is not set where the gateway runs',
    );
  }
}

/** The daemon's directory over the store's registry. */
export function storeDirectory(
  store: Parameters<typeof listUpstreams>[0],
  o: Omit<DirectoryOptions, 'load'>,
): UpstreamDirectory {
  return new UpstreamDirectory({ ...o, load: () => listUpstreams(store) });
}
