/**
 * Checks values against the botocore service model in test/reference/aws-models: the
 * authority on member names, required members and enums, for requests the SDK sends
 * and for every response the fake serves.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AWS_MODELS, PROVIDER_FIXTURES } from '../../helpers/reference.js';

export const CE_MODEL_PATH = join(AWS_MODELS, 'ce-2017-10-25.service-2.json');
export const COH_MODEL_PATH = join(AWS_MODELS, 'cost-optimization-hub-2022-07-26.service-2.json');

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
}

export interface ServiceModel {
  metadata: { targetPrefix: string; jsonVersion: string; signingName: string };
  operations: Record<
    string,
    { input?: { shape: string }; output?: { shape: string }; errors?: Array<{ shape: string }> }
  >;
  shapes: Record<string, Shape>;
}

export function loadCeModel(path = CE_MODEL_PATH): ServiceModel {
  return JSON.parse(readFileSync(path, 'utf8')) as ServiceModel;
}

/** Problems with value as shapeName, as "path: what"; empty when it conforms. */
export function validateShape(model: ServiceModel, shapeName: string, value: unknown, path = '$'): string[] {
  const shape = model.shapes[shapeName];
  if (!shape) return [`${path}: unknown shape ${shapeName}`];
  const problems: string[] = [];
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${path}: expected object for ${shapeName}`];
      const obj = value as Record<string, unknown>;
      for (const r of shape.required ?? [])
        if (obj[r] === undefined) problems.push(`${path}.${r}: required by ${shapeName}`);
      for (const [k, v] of Object.entries(obj)) {
        const m = shape.members?.[k];
        if (!m) problems.push(`${path}.${k}: not a member of ${shapeName}`);
        else if (v !== undefined && v !== null) problems.push(...validateShape(model, m.shape, v, `${path}.${k}`));
      }
      break;
    }
    case 'list':
      if (!Array.isArray(value)) return [`${path}: expected list for ${shapeName}`];
      value.forEach((v, i) => problems.push(...validateShape(model, shape.member!.shape, v, `${path}[${i}]`)));
      break;
    case 'map':
      if (typeof value !== 'object' || value === null) return [`${path}: expected map for ${shapeName}`];
      for (const [k, v] of Object.entries(value)) {
        problems.push(...validateShape(model, shape.key!.shape, k, `${path}{key}`));
        problems.push(...validateShape(model, shape.value!.shape, v, `${path}.${k}`));
      }
      break;
    case 'string':
      if (typeof value !== 'string') return [`${path}: expected string for ${shapeName}`];
      if (shape.enum && !shape.enum.includes(value)) problems.push(`${path}: "${value}" not in ${shapeName} enum`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${path}: expected boolean for ${shapeName}`);
      break;
    case 'integer':
    case 'long':
    case 'double':
      if (typeof value !== 'number') problems.push(`${path}: expected number for ${shapeName}`);
      else if ((shape.min !== undefined && value < shape.min) || (shape.max !== undefined && value > shape.max))
        problems.push(`${path}: ${value} outside ${shape.min ?? ''}..${shape.max ?? ''} (${shapeName})`);
      break;
    default:
      break;
  }
  return problems;
}

/** An invented provider response from test/reference/fixtures. */
export function providerFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(PROVIDER_FIXTURES, name), 'utf8'));
}
