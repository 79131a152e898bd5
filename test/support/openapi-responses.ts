import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';
import { openApiDocument } from '../../src/http/openapi';

/**
 * Checks real responses against the schema SDX's own OpenAPI document gives for their path,
 * method, status and media type (ajv, draft 2020-12, strict).
 */

interface Operation {
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
}

export const DOC_ID = 'https://sdx.test/openapi.json';

/** A JSON pointer from unescaped parts. */
export const pointer = (...parts: string[]): string => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

let shared: Ajv2020 | undefined;

/** An ajv (draft 2020-12) that resolves `#/components/...` refs inside the OpenAPI document. */
export function openApiValidator(doc: object): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  // The document's own top-level fields are not schema keywords; declare them so strict mode accepts
  // the document as the base resource for `$ref`s, while every schema inside stays strict.
  for (const keyword of ['openapi', 'info', 'paths', 'components', 'servers', 'security', 'tags']) ajv.addKeyword(keyword);
  ajv.addSchema({ ...doc, $id: DOC_ID });
  return ajv;
}

/** Throws, naming the mismatch, unless `res` is a documented response of `method path` and its body fits its schema. */
export function expectDocumentedResponse(path: string, method: string, res: Response): void {
  const doc = openApiDocument() as OpenApi;
  shared ??= openApiValidator(doc);
  const ajv = shared;
  const operation = doc.paths[path]?.[method];
  if (!operation) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
  const declared = operation.responses[String(res.status)];
  if (!declared) throw new Error(`${method.toUpperCase()} ${path} does not document status ${res.status}: ${JSON.stringify(res.body)}`);
  const mediaType = String(res.headers['content-type']).split(';')[0] ?? '';
  const location = declared.$ref
    ? `#/${pointer('components', 'responses', declared.$ref.split('/').pop() ?? '', 'content', mediaType, 'schema')}`
    : `#/${pointer('paths', path, method, 'responses', String(res.status), 'content', mediaType, 'schema')}`;
  const validate = ajv.getSchema(DOC_ID + location) ?? ajv.compile({ $ref: DOC_ID + location });
  if (!validate(res.body)) {
    throw new Error(`${method.toUpperCase()} ${path} ${res.status} (${mediaType}) does not match ${location}: ${ajv.errorsText(validate.errors)}`);
  }
}
