/**
 * A structural-schema validator shaped like the API server's CRD validation:
 * defaults applied, unknown fields pruned (or rejected with fieldValidation=Strict),
 * type/enum/required/format errors reported as field causes of a 422 Invalid.
 */
export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  format?: string;
  nullable?: boolean;
  default?: unknown;
  minItems?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

export interface Cause {
  reason: 'FieldValueTypeInvalid' | 'FieldValueNotSupported' | 'FieldValueRequired' | 'FieldValueInvalid';
  message: string;
  field: string;
}

export interface ValidationResult {
  causes: Cause[];
  unknownFields: string[];
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeOk(schema: Schema, v: unknown): boolean {
  const t = jsonType(v);
  if (schema['x-kubernetes-int-or-string']) return t === 'integer' || t === 'string';
  switch (schema.type) {
    case undefined:
      return true;
    case 'number':
      return t === 'number' || t === 'integer';
    default:
      return schema.type === t;
  }
}

/** Validates and normalises value in place (defaults, pruning); returns the causes like the API server words them. */
export function validate(schema: Schema, value: unknown, path = ''): ValidationResult {
  const result: ValidationResult = { causes: [], unknownFields: [] };
  walk(schema, value, path, result);
  return result;
}

function walk(schema: Schema, v: unknown, path: string, out: ValidationResult): void {
  if (v === null) {
    if (!schema.nullable && schema.type) {
      out.causes.push({
        reason: 'FieldValueTypeInvalid',
        field: path,
        message: `Invalid value: "null": ${path} in body must be of type ${schema.type}: "null"`,
      });
    }
    return;
  }
  if (!typeOk(schema, v)) {
    const t = jsonType(v);
    out.causes.push({
      reason: 'FieldValueTypeInvalid',
      field: path,
      message: `Invalid value: "${t}": ${path} in body must be of type ${schema.type}: "${t}"`,
    });
    return;
  }
  if (schema.enum && !schema.enum.includes(v)) {
    out.causes.push({
      reason: 'FieldValueNotSupported',
      field: path,
      message: `Unsupported value: ${JSON.stringify(v)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`,
    });
  }
  if (schema.format === 'date-time' && typeof v === 'string' && !DATE_TIME.test(v)) {
    out.causes.push({
      reason: 'FieldValueInvalid',
      field: path,
      message: `Invalid value: ${JSON.stringify(v)}: ${path} in body must be of type date-time: ${JSON.stringify(v)}`,
    });
  }
  if (schema.format === 'byte' && typeof v === 'string' && !BASE64.test(v)) {
    out.causes.push({
      reason: 'FieldValueInvalid',
      field: path,
      message: `Invalid value: ${JSON.stringify(v)}: ${path} in body must be of type byte: ${JSON.stringify(v)}`,
    });
  }
  if (Array.isArray(v)) {
    if (schema.minItems !== undefined && v.length < schema.minItems) {
      out.causes.push({
        reason: 'FieldValueInvalid',
        field: path,
        message: `Invalid value: ${v.length}: ${path} in body should have at least ${schema.minItems} items`,
      });
    }
    if (schema.items) v.forEach((item, i) => walk(schema.items!, item, `${path}[${i}]`, out));
    return;
  }
  if (typeof v !== 'object') return;
  const obj = v as Record<string, unknown>;
  for (const req of schema.required ?? []) {
    if (obj[req] === undefined)
      out.causes.push({ reason: 'FieldValueRequired', field: join(path, req), message: 'Required value' });
  }
  if (schema.properties) {
    for (const [key, sub] of Object.entries(schema.properties)) {
      if (obj[key] === undefined && sub.default !== undefined) obj[key] = structuredClone(sub.default);
    }
  }
  for (const key of Object.keys(obj)) {
    const sub = schema.properties?.[key];
    if (sub) walk(sub, obj[key], join(path, key), out);
    else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
      walk(schema.additionalProperties, obj[key], join(path, key), out);
    else if (
      schema.additionalProperties === true ||
      schema['x-kubernetes-preserve-unknown-fields'] ||
      !schema.properties
    )
      continue;
    else {
      out.unknownFields.push(join(path, key));
      delete obj[key]; // the API server prunes fields its structural schema does not know
    }
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
