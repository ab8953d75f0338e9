/**
 * The published JSON Schema of policy files (policies.schema.json, shipped in the package and
 * printed by `oco policy schema`) and its compiled validator. ajv loads on first use: only
 * `oco policy apply` validates.
 */
import type { ValidateFunction } from 'ajv';
import { lazyRequire } from '../lazy.js';
import schema from './policies.schema.json' with { type: 'json' };

export const POLICY_SCHEMA: Readonly<Record<string, unknown>> = schema;

const ajv = lazyRequire<typeof import('ajv')>('ajv');

let compiled: ValidateFunction | undefined;

export function policyValidator(): ValidateFunction {
  if (!compiled) {
    const Ajv = ajv().default;
    compiled = new Ajv({ allErrors: true, discriminator: true, allowUnionTypes: true, strict: true }).compile(schema);
  }
  return compiled;
}

/** The rule kinds the schema knows, in its order. */
export function schemaKinds(): string[] {
  return Object.keys((schema.$defs as Record<string, unknown>) ?? {}).filter((k) => {
    const def = (schema.$defs as Record<string, { properties?: { kind?: { const?: string } } }>)[k];
    return def?.properties?.kind?.const === k;
  });
}
