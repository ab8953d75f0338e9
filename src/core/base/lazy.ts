import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A package loaded on first use instead of at import time. A short command pays for every
 * module its imports reach (the k8s benchmark counts ~10 ms each for pg and yaml), so packages
 * that only some runs need (pg without PostgreSQL, yaml without a config file, ioredis without
 * Redis) load lazily; the gateway daemon's memory counts each of them too.
 * Only for packages with a CommonJS entry, which `require` loads synchronously.
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}

/** Config files, DR policy files and YAML output: most runs read or print none. */
export const yaml = lazyRequire<typeof import('yaml')>('yaml');
