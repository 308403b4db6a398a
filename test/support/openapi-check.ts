// Checks a REST response against the OpenAPI document's schema for its route and status.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../src/openapi/openapi.js';

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema({ $id: 'openapi.json', components: openApiDocument.components }, 'openapi.json');

type Responses = Record<string, { content: { 'application/json': { schema: { $ref: string } } } }>;

const routes = Object.entries(openApiDocument.paths).map(([template, operations]) => ({
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  operations: operations as Record<string, { responses: Responses }>,
}));

const validators = new Map<string, ReturnType<Ajv2020['compile']>>();

/** Returns a description of the mismatch, or null when the response matches the document. */
export function openApiMismatch(method: string, path: string, status: number, body: unknown): string | null {
  const pathname = new URL(path, 'http://x').pathname;
  const route = routes.find((r) => r.pattern.test(pathname));
  if (!route) return null; // not a documented REST route (GraphQL, /health, …)
  const operation = route.operations[method.toLowerCase()];
  if (!operation) {
    // Another method on a documented path: must be 405 with the error body.
    return status === 405
      ? check('#/components/schemas/Error', body)
      : `undocumented ${method} ${pathname} → ${status}`;
  }
  const response = operation.responses[String(status)] ?? operation.responses.default;
  if (!response) return `status ${status} is not documented for ${method} ${pathname}`;
  return check(response.content['application/json'].schema.$ref, body);
}

function check(ref: string, body: unknown): string | null {
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: `openapi.json${ref}` });
    validators.set(ref, validate);
  }
  return validate(body) ? null : ajv.errorsText(validate.errors);
}
