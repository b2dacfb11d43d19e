import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { HTTP_STATUS } from './errors.js';
import { ErrorSchema } from './schemas.js';
import { COMMON_ERRORS, type AnyRoute } from './route.js';
import { ROLES } from '../tenants/roles.js';

type JsonSchema = Record<string, unknown>;

/** The wire form (what is sent), as JSON Schema 2020-12 — OpenAPI 3.1's dialect. */
function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  return rest;
}

const toOpenApiPath = (p: string): string => p.replace(/:([A-Za-z]+)/g, '{$1}');

function errorResponses(codes: ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...COMMON_ERRORS, ...codes])) {
    const status = HTTP_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      {
        description: list.map((c) => `${c}: ${ERROR_CODES[c]}`).join('; '),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        'x-orgvault-codes': list,
      },
    ]),
  );
}

function operation(route: AnyRoute): Record<string, unknown> {
  const parameters: unknown[] = [];
  for (const name of route.path.match(/:([A-Za-z]+)/g) ?? []) {
    parameters.push({ name: name.slice(1), in: 'path', required: true, schema: { type: 'string' } });
  }
  if (route.query) {
    const q = jsonSchema(route.query) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
    }
  }
  parameters.push({ $ref: '#/components/parameters/User' }, { $ref: '#/components/parameters/Roles' });
  const success: Record<string, unknown> = { description: route.summary };
  if (route.response) success.content = { 'application/json': { schema: jsonSchema(route.response) } };
  else if (route.streams) success.content = { [route.streams]: { schema: { type: 'string' } } };
  return {
    operationId: route.id,
    tags: [route.tag],
    summary: route.summary,
    'x-orgvault-action': route.action,
    parameters,
    ...(route.body
      ? { requestBody: { required: !route.bodyOptional, content: { 'application/json': { schema: jsonSchema(route.body) } } } }
      : {}),
    responses: { [String(route.status)]: success, ...errorResponses(route.errors) },
  };
}

/** The OpenAPI 3.1 document of /api/v1, built from the same route descriptions that serve it. */
export function openApiDocument(routes: AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const p = toOpenApiPath(route.path);
    paths[p] = { ...paths[p], [route.method]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'OrgVault engine API',
      version,
      description:
        'Every action of the backup page. Authenticate with X-OrgVault-Key; assert the user and roles with X-OrgVault-User and X-OrgVault-Roles. ' +
        'Errors carry a stable code (see x-orgvault-codes); another tenant’s ids answer NOT_FOUND. ' +
        "On the engine's machine, the local admin key (local-admin.key in the data directory) may call the operator routes and act in the tenant X-OrgVault-Tenant names. " +
        'Clients that cannot send PATCH (Apex) send POST with X-HTTP-Method-Override: PATCH.',
    },
    servers: [{ url: '/api/v1' }],
    // Every code the engine can answer, with its status and meaning: what a client maps to messages.
    'x-orgvault-error-codes': Object.fromEntries(
      (Object.keys(ERROR_CODES) as ErrorCode[]).map((c) => [c, { status: HTTP_STATUS[c], meaning: ERROR_CODES[c] }]),
    ),
    security: [{ apiKey: [] }],
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-OrgVault-Key' } },
      parameters: {
        User: {
          name: 'X-OrgVault-User',
          in: 'header',
          required: false,
          description: 'The Salesforce username or user id the caller acts for (audit, requested by)',
          schema: { type: 'string', maxLength: 255 },
        },
        Roles: {
          name: 'X-OrgVault-Roles',
          in: 'header',
          required: false,
          description: `Comma-separated roles the caller asserts: ${ROLES.join(', ')}. Without roles only /me answers.`,
          schema: { type: 'string' },
        },
      },
      schemas: { Error: jsonSchema(ErrorSchema) },
    },
  };
}
