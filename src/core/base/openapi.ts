/**
 * The admin API's OpenAPI 3.1 document is assembled from parts: each module that registers admin routes exports
 * its routes' documentation (`RouteDocs`: path template → method → operation) next to them, and
 * `src/daemon/openapi.ts` lists the parts. The shapes here are the few OpenAPI objects those parts use, plus
 * helpers that keep an operation to a few lines. `test/api/openapi.test.ts` checks that every route the daemon
 * registers is documented, that every documented operation answers, and the document against the 3.1 schema.
 */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export type JsonSchema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  required?: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface Operation {
  summary: string;
  description?: string;
  operationId: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema: JsonSchema }> } | { $ref: string }
  >;
  security?: Array<Record<string, string[]>>;
  /** `read` (GET: a read or write admin key) or `write` (a write admin key): see components.securitySchemes. */
  'x-oco-scope'?: 'read' | 'write' | 'none';
}

export type RouteDocs = Record<string, Partial<Record<HttpMethod, Operation>>>;

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const ERROR = { $ref: '#/components/schemas/Error' };

/** An object schema that says what it is and lets fields through (the CLI's --json document, snake_case). */
export function obj(description: string, properties?: Record<string, JsonSchema>): JsonSchema {
  return { type: 'object', description, ...(properties ? { properties } : {}) };
}

export function arr(description: string, items: JsonSchema = { type: 'object' }): JsonSchema {
  return { type: 'array', description, items };
}

export const str = (description: string, extra: JsonSchema = {}): JsonSchema => ({
  type: 'string',
  description,
  ...extra,
});

export function pathParam(name: string, description: string, schema: JsonSchema = { type: 'string' }): Parameter {
  return { name, in: 'path', required: true, description, schema };
}

export function queryParam(name: string, description: string, schema: JsonSchema = { type: 'string' }): Parameter {
  return { name, in: 'query', description, schema };
}

/**
 * One operation: GET is `read` scope, anything else `write`; errors (400, 401, 403, 404 where a path names an
 * object, 409 where given) all use the one Error schema.
 */
export function op(
  method: HttpMethod,
  o: {
    id: string;
    tag: string;
    summary: string;
    description?: string;
    params?: Parameter[];
    body?: JsonSchema;
    bodyRequired?: boolean;
    ok: JsonSchema;
    okStatus?: 200 | 201;
    notFound?: boolean;
    conflict?: boolean;
  },
): Operation {
  const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });
  const responses: Operation['responses'] = {
    [String(o.okStatus ?? 200)]: { description: 'Success', content: json(o.ok) },
    '400': ref('BadRequest'),
    '401': ref('Unauthorized'),
    '403': ref('Forbidden'),
    ...(o.notFound ? { '404': ref('NotFound') } : {}),
    ...(o.conflict ? { '409': ref('Conflict') } : {}),
  };
  return {
    summary: o.summary,
    ...(o.description ? { description: o.description } : {}),
    operationId: o.id,
    tags: [o.tag],
    ...(o.params?.length ? { parameters: o.params } : {}),
    ...(o.body ? { requestBody: { required: o.bodyRequired ?? true, content: json(o.body) } } : {}),
    responses,
    'x-oco-scope': method === 'get' ? 'read' : 'write',
  };
}

/** Merges route docs; a path and method documented twice is a mistake, reported by name. */
export function mergeRouteDocs(parts: readonly RouteDocs[]): RouteDocs {
  const out: RouteDocs = {};
  for (const part of parts)
    for (const [path, ops] of Object.entries(part)) {
      const into = (out[path] ??= {});
      for (const [method, operation] of Object.entries(ops) as Array<[HttpMethod, Operation]>) {
        if (into[method]) throw new Error(`OpenAPI: ${method.toUpperCase()} ${path} is documented twice`);
        into[method] = operation;
      }
    }
  return out;
}

/** The whole document: info, the X-API-Key scheme, the Error schema and the merged paths. */
export function openApiDocument(version: string, paths: RouteDocs, extra: RouteDocs = {}): Record<string, unknown> {
  const sorted = Object.fromEntries(
    Object.entries(mergeRouteDocs([paths, extra])).sort(([a], [b]) => a.localeCompare(b)),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'oco admin API',
      version,
      description:
        'The admin API of the oco gateway daemon: every management command of the CLI as a route under /api/v1, ' +
        'with the same validation and the same JSON (keys in snake_case). Authenticate with X-API-Key: the ' +
        'configured admin key (admin.apiKey, OCO_ADMIN_API_KEY) or a managed admin key (`oco admin-keys create`); ' +
        'a read key may only GET.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: 'http://127.0.0.1:8080', description: "the gateway's default listen address" }],
    security: [{ adminKey: [] }],
    tags: [...new Set(Object.values(sorted).flatMap((ops) => Object.values(ops).flatMap((o) => o?.tags ?? [])))]
      .sort()
      .map((name) => ({ name })),
    paths: sorted,
    components: {
      securitySchemes: {
        adminKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'The configured admin key (write) or a managed admin key (scope read: GET only, or write).',
        },
      },
      responses: {
        BadRequest: {
          description: 'A parameter or body field is not valid (error.field names it)',
          content: json(ERROR),
        },
        Unauthorized: { description: 'Missing, wrong or revoked X-API-Key', content: json(ERROR) },
        Forbidden: {
          description: 'The admin API is disabled, or the key is read-only and the call is not a GET (nothing changed)',
          content: json(ERROR),
        },
        NotFound: { description: 'No such object', content: json(ERROR) },
        Conflict: { description: 'Conflicts with the stored state', content: json(ERROR) },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['type', 'message'],
              properties: {
                type: { type: 'string', description: 'invalid_request, not_found, conflict, forbidden, …' },
                code: { type: 'string', description: 'the stable error code (docs/errors.md), e.g. OCO_ADMIN_SCOPE' },
                message: { type: 'string' },
                field: { type: 'string', description: 'the query parameter or body field at fault' },
                request_id: { type: 'string' },
              },
            },
          },
        },
      },
    },
  };
}
