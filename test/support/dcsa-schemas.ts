import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { repoRoot } from './examples';

/**
 * JSON-schema validators for DCSA's own OpenAPI 3.0 schemas (test/fixtures/dcsa, see its README),
 * with ajv in draft-07 mode, which OpenAPI 3.0 schema objects follow.
 */

const SWAGGERHUB = 'https://api.swaggerhub.com/domains/dcsaorg/';
const PINT = 'https://sdx.test/dcsa/EBL_PINT/3.0.0';

/** Each file under the URL the others use to refer to it. */
const specifications = [
  { file: 'TNT_v3.0.0.yaml', id: 'https://sdx.test/dcsa/TNT/3.0.0' },
  { file: 'EBL_PINT_v3.0.0.yaml', id: PINT },
  { file: 'documentation_domain_v3.0.0.yaml', id: `${SWAGGERHUB}DOCUMENTATION_DOMAIN/3.0.0` },
  { file: 'dcsa_domain_v3.1.0.yaml', id: `${SWAGGERHUB}DCSA_DOMAIN/3.1.0` },
  { file: 'location_domain_v4.0.0.yaml', id: `${SWAGGERHUB}LOCATION_DOMAIN/4.0.0` },
  { file: 'error_domain_v2.0.0.yaml', id: `${SWAGGERHUB}ERROR_DOMAIN/2.0.0` },
] as const;

const targets = {
  'tnt-event': 'https://sdx.test/dcsa/TNT/3.0.0#/components/schemas/Event',
  'deo-delivery-order': `${SWAGGERHUB}DOCUMENTATION_DOMAIN/3.0.0#/components/schemas/deliveryOrder`,
  /** What DEO 1.0.0-Beta-1 answers on error. */
  'error-domain': `${SWAGGERHUB}ERROR_DOMAIN/2.0.0#/components/schemas/error`,
  /** What TNT 3.0.0 `GET /events` answers on error. */
  'tnt-events-error': 'https://sdx.test/dcsa/TNT/3.0.0#/components/schemas/GetEventsError',
  /** PINT 3.0.0's pieces (the envelope's transportDocument is an eBL's; SDX sends its own payload there). */
  'pint-envelope-manifest': `${PINT}#/components/schemas/EnvelopeManifest`,
  'pint-transfer-chain-entry': `${PINT}#/components/schemas/EnvelopeTransferChainEntry`,
  'pint-signed-content': `${PINT}#/components/schemas/EnvelopeTransferChainEntrySignedContent`,
  'pint-finished-response': `${PINT}#/components/schemas/EnvelopeTransferFinishedResponse`,
  'pint-started-response': `${PINT}#/components/schemas/EnvelopeTransferStartedResponse`,
  'pint-receiver-validation-response': `${PINT}#/components/schemas/ReceiverValidationResponse`,
  'pint-identifying-code': `${PINT}#/components/schemas/IdentifyingCode`,
} as const;
export type DcsaSchema = keyof typeof targets;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The same schemas with `additionalProperties: false` on every object schema that lists its
 * properties itself (not through allOf/anyOf/oneOf): DCSA's schemas accept any extra field, so
 * only this copy catches a misspelt field name.
 */
function closed(node: Json): Json {
  if (Array.isArray(node)) return node.map(closed);
  if (node === null || typeof node !== 'object') return node;
  const copy: { [key: string]: Json } = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, closed(value)]));
  const composed = 'allOf' in node || 'anyOf' in node || 'oneOf' in node;
  if ('properties' in node && !composed && !('additionalProperties' in node)) copy['additionalProperties'] = false;
  return copy;
}

function validatorsFor(closedCopies: boolean): Ajv {
  // Strict about every keyword except OpenAPI's own annotations and the documents' top-level fields.
  const ajv = new Ajv({ allErrors: true, strictTypes: false, strictTuples: false });
  addFormats(ajv);
  for (const keyword of ['example', 'discriminator', 'openapi', 'info', 'tags', 'paths', 'components', 'servers', 'security']) {
    ajv.addKeyword(keyword);
  }
  for (const { file, id } of specifications) {
    const document = parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'dcsa', file), 'utf8')) as { [key: string]: Json };
    ajv.addSchema({ ...(closedCopies ? (closed(document) as object) : document), $id: id });
  }
  return ajv;
}

const instances = new Map<boolean, Ajv>();

/**
 * Problems of `value` against a DCSA schema, one line each (`instancePath message`); none when it
 * conforms. `closed` also refuses fields the schema does not name.
 */
export function dcsaProblems(schema: DcsaSchema, value: unknown, options: { closed: boolean }): string[] {
  let ajv = instances.get(options.closed);
  if (!ajv) {
    ajv = validatorsFor(options.closed);
    instances.set(options.closed, ajv);
  }
  const validate = ajv.getSchema(targets[schema]);
  if (!validate) throw new Error(`no DCSA schema at ${targets[schema]}`);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` (${JSON.stringify(e.params)})` : ''}`);
}
