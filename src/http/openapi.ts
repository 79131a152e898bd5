import { z } from 'zod';
import { actionInput } from '../application/action-input';
import { deoDeliveryOrder, deoVersion } from '../application/dcsa/deo-delivery-order';
import { tntEquipmentEvent, tntEventsResponse, tntVersion } from '../application/dcsa/tnt-equipment-event';
import { deliveryOrderPayload } from '../domain/delivery-order/delivery-order.schema';
import { deliveryOrderStatuses, documentKinds, eirStatuses, guaranteeStatuses } from '../domain/document/document';
import { eirPayload, gateRecord } from '../domain/eir/eir.schema';
import { telexReleaseGuaranteePayload } from '../domain/telex-release/telex-release-guarantee.schema';
import { dcsaErrorLimits } from './dcsa-errors';
import { tntEventsQuery } from './dcsa.routes';
import { listQuery } from './documents.routes';
import { MAX_UPLOAD_BYTES } from './uploads';

/**
 * The OpenAPI 3.1 description of every route `createApp` serves. Request schemas come from the
 * same zod schemas the routes validate with, so the document cannot drift from the validation;
 * refinements JSON Schema cannot express (ISO 6346 check digits, cross-field rules) are enforced
 * server-side only.
 */

type JsonSchema = Record<string, unknown>;

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
const sha256Hex: JsonSchema = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const dateTime: JsonSchema = { type: 'string', format: 'date-time' };
const partyIdSchema: JsonSchema = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,62}$' };

/** Strips what a Schema Object inside an OpenAPI document must not carry as zod emits it. */
function embeddable(schema: JsonSchema): JsonSchema {
  // zod sets `$id` to the component's URI, a fragment, which 2020-12 forbids as an `$id`; `$schema`
  // repeats the document's default dialect (2020-12 based).
  const { $id: _id, $schema: _dialect, ...rest } = schema;
  return rest;
}

/** Payload and action schemas from zod; shared parts become `$ref`s between components. */
function generatedSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  registry.add(deliveryOrderPayload, { id: 'DeliveryOrderPayload' });
  registry.add(eirPayload, { id: 'EirPayload' });
  registry.add(telexReleaseGuaranteePayload, { id: 'TelexReleaseGuaranteePayload' });
  registry.add(gateRecord, { id: 'GateRecord' });
  registry.add(actionInput, { id: 'ActionInput' });
  registry.add(tntEquipmentEvent, { id: 'DcsaTntEquipmentEvent' });
  registry.add(tntEventsResponse, { id: 'DcsaTntEventsResponse' });
  registry.add(deoDeliveryOrder, { id: 'DcsaDeliveryOrder' });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    // Describe what a client sends, before trimming and defaults.
    io: 'input',
    // A refinement or custom type without a JSON Schema form becomes `{}`: accepted here, checked by the server.
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, embeddable(schema as JsonSchema)]));
}

const payloadSchemaByKind = {
  'delivery-order': 'DeliveryOrderPayload',
  eir: 'EirPayload',
  'telex-release-guarantee': 'TelexReleaseGuaranteePayload',
} as const satisfies Record<(typeof documentKinds)[number], string>;

/** An object schema with exactly these properties, all required unless listed as optional. */
/** The members of a public EC P-256 signing JWK (platform keys, gate pass keys). */
const ecSigningJwk: Record<string, JsonSchema> = {
  kty: { type: 'string', enum: ['EC'] },
  crv: { type: 'string', enum: ['P-256'] },
  x: { type: 'string' },
  y: { type: 'string' },
  kid: { type: 'string' },
  alg: { type: 'string', enum: ['ES256'] },
  use: { type: 'string', enum: ['sig'] },
};

function closed(properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    properties,
    required: Object.keys(properties).filter((key) => !optional.includes(key)),
    additionalProperties: false,
  };
}

function handwrittenSchemas(): Record<string, JsonSchema> {
  return {
    ValidationIssue: closed({
      path: { type: 'string', description: 'The offending field, e.g. `payload.containers[0].number`.' },
      code: { type: 'string', description: 'Stable code, e.g. `required`, `unknown-field`, `container-check-digit`.' },
      message: { type: 'string' },
    }),
    Problem: {
      description: 'RFC 9457 problem details with a stable SDX `code`.',
      type: 'object',
      properties: {
        type: { type: 'string', format: 'uri' },
        title: { type: 'string' },
        status: { type: 'integer', minimum: 400, maximum: 599 },
        detail: { type: 'string' },
        code: { type: 'string', description: 'Stable machine-readable code, e.g. `already-released`, `precondition-failed`.' },
        errors: { type: 'array', items: ref('ValidationIssue') },
      },
      required: ['type', 'title', 'status', 'detail', 'code'],
    },
    DcsaError: {
      description:
        'An error on a DCSA route, in DCSA ERROR_DOMAIN 2.0.0 `error` shape (the one DEO 1.0.0-Beta-1 names). Each detailed error\'s `reason` is ' +
        'a stable SDX code (`not-found`, `missing-credentials`, or per field `invalid-format`, `unknown-field`, ...). On Track & Trace ' +
        'the same errors come again as TNT 3.0.0 `feedbackElements` (its `GetEventsError`). `errorMessage` and, outside validation ' +
        'errors, `message` are in Chinese when Accept-Language prefers it.',
      type: 'object',
      properties: {
        httpMethod: { type: 'string', enum: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTION', 'PATCH'] },
        requestUri: { type: 'string', description: 'The path and query as sent.' },
        statusCode: { type: 'integer', minimum: 400, maximum: 599 },
        statusCodeText: { type: 'string', maxLength: dcsaErrorLimits.statusCodeText },
        errorMessage: { type: 'string', maxLength: dcsaErrorLimits.errorMessage },
        providerCorrelationID: { type: 'string', maxLength: dcsaErrorLimits.providerCorrelationID, description: 'The request\'s `X-Request-Id`.' },
        errorDateTime: dateTime,
        errors: {
          type: 'array',
          minItems: 1,
          items: closed(
            {
              reason: { type: 'string', maxLength: dcsaErrorLimits.reason },
              message: { type: 'string', maxLength: dcsaErrorLimits.message },
              field: { type: 'string', maxLength: dcsaErrorLimits.field, description: 'The offending parameter or field.' },
            },
            ['field'],
          ),
        },
        feedbackElements: {
          type: 'array',
          minItems: 1,
          items: closed({ severity: { const: 'ERROR' }, message: { type: 'string', maxLength: dcsaErrorLimits.feedback } }),
        },
      },
      required: ['httpMethod', 'requestUri', 'statusCode', 'statusCodeText', 'errorMessage', 'errorDateTime', 'errors'],
      additionalProperties: false,
    },
    DocumentKind: { type: 'string', enum: [...documentKinds] },
    DocumentStatus: { type: 'string', enum: [...new Set([...deliveryOrderStatuses, ...eirStatuses, ...guaranteeStatuses])] },
    PartyId: partyIdSchema,
    IssueRequest: {
      description: 'A document to issue and sign; the caller\'s party is the issuer.',
      oneOf: documentKinds.map((kind) =>
        closed({ kind: { const: kind }, payload: ref(payloadSchemaByKind[kind]) }),
      ),
    },
    SignedTreeHead: closed({
      size: { type: 'integer', minimum: 0 },
      rootHash: sha256Hex,
      timestamp: dateTime,
      signature: { type: 'string', description: 'Compact JWS (typ sdx-tree-head+jws, x5c) over {size, rootHash, timestamp} by the log key.' },
    }),
    LogEntry: closed({
      logIndex: { type: 'integer', minimum: 0 },
      documentId: { type: 'string' },
      seq: { type: 'integer', minimum: 1 },
      envelope: { type: 'string', description: 'The signed event (compact JWS); leaf = SHA-256(0x00 || envelope).' },
      payload: { description: 'For an auditor, on a document\'s issue entry (seq 1) and its transfer-in entries: the payload whose hash the events sign, so that `sdx audit verify` can replay the lifecycle and re-check the transfer chains received.' },
    }, ['payload']),
    DocumentEvent: closed({
      seq: { type: 'integer', minimum: 1 },
      type: { type: 'string', description: '`issue` or one of the action types.' },
      actor: ref('PartyId'),
      at: dateTime,
      hash: { ...sha256Hex, description: 'SHA-256 of the signed envelope; the next event names it as `prev`.' },
      logIndex: { type: 'integer', minimum: 0, description: 'Position of the event\'s leaf in the audit log (see /api/v1/log/proof/inclusion).' },
      data: { type: 'object', description: 'What the action carried (e.g. `to`, `reason`, `gateRecord`).' },
      signature: {
        type: 'string',
        pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
        description: 'The event as a compact JWS (ES256 or PS256, `x5c`) by the acting party.',
      },
    }),
    DocumentView: closed({
      id: { type: 'string' },
      kind: ref('DocumentKind'),
      version: { type: 'integer', minimum: 1 },
      status: ref('DocumentStatus'),
      issuer: ref('PartyId'),
      holder: nullable(ref('PartyId')),
      presentedTo: nullable(ref('PartyId')),
      payloadHash: sha256Hex,
      supersedes: nullable({ type: 'string' }),
      supersededBy: nullable({ type: 'string' }),
      sequence: { type: 'integer', minimum: 1, description: 'The last event\'s sequence; the ETag is this number quoted.' },
      createdAt: dateTime,
      updatedAt: dateTime,
      payload: { oneOf: Object.values(payloadSchemaByKind).map(ref) },
      pdfSha256: nullable(sha256Hex),
      events: { type: 'array', items: ref('DocumentEvent') },
      links: closed({ self: { type: 'string' }, pdf: { type: 'string' }, verify: { type: 'string' } }),
    }),
    DocumentSummary: closed({
      id: { type: 'string' },
      kind: ref('DocumentKind'),
      status: ref('DocumentStatus'),
      issuer: ref('PartyId'),
      holder: nullable(ref('PartyId')),
      payloadHash: sha256Hex,
      sequence: { type: 'integer', minimum: 1 },
      createdAt: dateTime,
      updatedAt: dateTime,
    }),
    DocumentPage: closed({
      items: { type: 'array', items: ref('DocumentSummary'), description: 'Newest first (by issue time).' },
      nextCursor: nullable({ type: 'string' }),
      total: { type: 'integer', minimum: 0, maximum: 10_000, description: 'How many documents match in all, counted exactly up to 10,000.' },
      totalCapped: { type: 'boolean', description: 'True when more than `total` match ("10,000+").' },
    }),
    Attachment: closed({
      sha256: sha256Hex,
      size: { type: 'integer', minimum: 1, maximum: MAX_UPLOAD_BYTES },
      mediaType: { type: 'string', enum: ['image/jpeg', 'image/png', 'application/pdf'] },
    }),
    Finding: closed(
      {
        check: { type: 'string', description: 'e.g. `signature[0].digest`, `document.changes-after-signature[1]`, `signature[0].signer`.' },
        status: {
          type: 'string',
          enum: ['valid', 'invalid', 'indeterminate', 'error', 'skipped'],
          description: '`indeterminate`: the check held but a person must look (a new appearance drawn after a signature on a PDF SDX did not issue).',
        },
        code: { type: 'string', description: 'Stable code, e.g. `digest-mismatch`, `field-added-after-signature`, `not-the-issued-document` (README: Verification verdicts); `ok` when valid.' },
        message: { type: 'string', description: 'English detail for people who read the verifier; the pages show their own text per code.' },
        required: { type: 'boolean', description: 'Only required findings decide the verdict.' },
        revision: { type: 'integer', minimum: 0, description: 'The PDF revision (counted by `%%EOF` markers from 0) the finding is about, when it is about one.' },
      },
      ['revision'],
    ),
    VerificationReport: closed({
      verdict: {
        type: 'string',
        enum: ['valid', 'indeterminate', 'invalid'],
        description: '`valid` when every required finding is valid; `indeterminate` when none is broken but one needs a person; `invalid` otherwise. `sdx verify` exits 0, 3 and 1.',
      },
      findings: { type: 'array', items: ref('Finding') },
      signatures: { type: 'array', items: ref('SignatureSummary'), description: 'One per signature dictionary found.' },
      document: ref('VerifiedDocument'),
      ledger: {
        type: 'string',
        enum: ['recorded', 'not-the-issued-document', 'unknown-document', 'not-checked'],
        description:
          '`recorded`: every signed revision is the one an event recorded, signed by that event\'s actor; `not-the-issued-document`: it names a document the ledger holds but is not what it recorded; `unknown-document`: the ledger holds no such document (or the PDF names none); `not-checked`: verified offline.',
      },
      ledgerStatus: nullable({ type: 'string', description: 'With `ledger: recorded`, the document\'s status in the ledger now: a genuine PDF may since have been voided, superseded or released. Null otherwise.' }),
      summary: closed(
        {
          outcome: {
            type: 'string',
            enum: ['genuine', 'valid-not-recorded', 'indeterminate', 'forged'],
            description: 'The line a person reads first: genuine and recorded here; valid but not issued here; a person must look; forged or changed.',
          },
          finding: ref('Finding'),
          signerName: nullable({ type: 'string' }),
        },
        ['finding', 'signerName'],
      ),
    }),
    VerifiedDocument: closed({
      profile: { type: 'string', enum: ['sdx', 'foreign'], description: '`sdx`: the signed first revision carries the SDX marker, so the strict change profile applies.' },
      documentId: nullable({ type: 'string' }),
      kind: nullable({ type: 'string', description: 'The kind the signed /Info names (`eir`, `delivery-order`, `telex-release-guarantee`).' }),
      number: nullable({ type: 'string', description: 'The D/O, EIR or guarantee number the embedded payload gives, when it is a valid payload of `kind`.' }),
      issuerPartyId: nullable({ type: 'string' }),
      payloadHash: nullable({ type: 'string', description: 'SHA-256 (hex) of the canonical payload JSON embedded in the first revision.' }),
    }),
    SignatureSummary: closed(
      {
        index: { type: 'integer', minimum: 0 },
        fieldName: nullable({ type: 'string' }),
        subFilter: nullable({ type: 'string' }),
        signerSubject: nullable({ type: 'string' }),
        signerPartyId: nullable({ type: 'string', description: 'The SDX party the signer certificate names (SAN `urn:sdx:party:<id>`).' }),
        signerName: nullable({ type: 'string', description: 'The signer certificate\'s common name.' }),
        signerLegalId: nullable({ type: 'string', description: 'The signer\'s USCC, from its organizationIdentifier.' }),
        role: nullable({ type: 'string', enum: ['issuer', 'countersigner', 'timestamp'] }),
        signingTime: nullable({ ...dateTime, description: '/M or the CMS signing-time: a claim, never evidence.' }),
        timestampTime: dateTime,
        trustedTime: nullable({ ...dateTime, description: 'The time of a timestamp whose authority is trusted; null without one.' }),
        coversWholeDocument: { type: 'boolean' },
        revision: nullable({ type: 'integer', minimum: 0 }),
      },
      ['timestampTime'],
    ),
    PublicStatus: closed({
      id: { type: 'string' },
      kind: ref('DocumentKind'),
      status: ref('DocumentStatus'),
      issuer: closed({ id: ref('PartyId'), name: { type: 'string' } }),
      payloadHash: sha256Hex,
      lastEventAt: dateTime,
      log: closed({
        treeSize: { type: 'integer', minimum: 0, description: 'Size of the signed tree head the events were checked against.' },
        included: { type: 'boolean', description: 'Every event of the document is a leaf of that tree (inclusion proofs verified).' },
      }),
    }),
    WebhookRegistration: closed(
      {
        url: {
          type: 'string',
          format: 'uri',
          maxLength: 2000,
          description:
            'https (plain http only to loopback, or with SDX_WEBHOOK_ALLOW_HTTP=1) to a globally routable address: a literal address, or a name every address of which is one (422 `webhook-destination-forbidden` otherwise). Loopback and private networks only with SDX_WEBHOOK_ALLOW_PRIVATE=1.',
        },
        eventTypes: { type: 'array', minItems: 1, items: { type: 'string' }, description: '`["*"]` (the default) or event types such as `issue`, `transfer`, `release`; `archive-renewed` (SDX renewed the stored PDF\'s long-term proof: a new DSS and document timestamp); between platforms `transfer-in`, `transferred-out`, `transfer-refused`, `released-elsewhere`, `accepted-elsewhere`, `rejected-elsewhere` and `gate-recorded-elsewhere`.' },
      },
      ['eventTypes'],
    ),
    WebhookEndpoint: closed({
      id: { type: 'string' },
      partyId: ref('PartyId'),
      url: { type: 'string' },
      eventTypes: { type: 'array', items: { type: 'string' } },
      createdAt: dateTime,
      disabledAt: { anyOf: [dateTime, { type: 'null' }] },
    }),
    WebhookEndpointCreated: closed({
      id: { type: 'string' },
      partyId: ref('PartyId'),
      url: { type: 'string' },
      eventTypes: { type: 'array', items: { type: 'string' } },
      createdAt: dateTime,
      disabledAt: { type: 'null' },
      secret: { type: 'string', description: 'Shown once. Deliveries carry `SDX-Signature: t=<unix>,v1=<hex HMAC-SHA-256(secret, "<t>.<body>")>`.' },
    }),
    WebhookDelivery: closed({
      id: { type: 'string' },
      endpointId: { type: 'string' },
      documentId: { type: 'string' },
      seq: { type: 'integer', minimum: 1 },
      status: { type: 'string', enum: ['pending', 'delivered', 'dead'] },
      attempts: { type: 'integer', minimum: 0 },
      nextAttemptAt: dateTime,
      lastAttemptAt: { anyOf: [dateTime, { type: 'null' }] },
      lastStatus: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
      lastError: {
        anyOf: [{ type: 'string', pattern: '^(refused-destination|timeout|connection-failed|http-[1-5][0-9]{2})$' }, { type: 'null' }],
        description:
          'Outcome of the last failed attempt: `refused-destination` (the host resolved to an address webhooks may not reach; no connection made), `timeout`, `connection-failed`, or `http-<status>` for an answer outside 2xx (redirects are not followed). Null once delivered or before the first attempt.',
      },
      createdAt: dateTime,
      deliveredAt: { anyOf: [dateTime, { type: 'null' }] },
    }),
    PeerSend: closed({
      id: { type: 'string' },
      peer: { type: 'string', description: 'The peer platform\'s code.' },
      documentId: { type: 'string', description: 'The document here it is about.' },
      kind: { type: 'string', enum: ['envelope', 'notice'], description: '`envelope`: a document transferred to the peer; `notice`: an outcome told to the platform a document came from.' },
      attempts: { type: 'integer', minimum: 0 },
      nextAttemptAt: dateTime,
      lastError: { ...nullable({ type: 'string' }), description: 'Why the last attempt got no signed answer; null before the first.' },
      createdAt: dateTime,
    }),
    PlatformKeys: closed({
      keys: {
        type: 'array',
        description: 'JWK set of the platform signing keys (ES256); `kid` is the RFC 7638 thumbprint.',
        items: closed(ecSigningJwk),
      },
    }),
    PassKeys: closed({
      keys: {
        type: 'array',
        description: 'JWK set of the keys that sign gate passes (ES256); gates keep it for offline checks.',
        items: closed({
          ...ecSigningJwk,
          retired: {
            type: 'integer',
            description: 'A retired key: seconds since the epoch from which it signs nothing. Passes it made at or after this time are refused; it stays published until the last pass it made before has expired.',
          },
        }, ['retired']),
      },
    }),
    PassLiveStatus: closed(
      {
        found: { type: 'boolean' },
        status: ref('DocumentStatus'),
        seq: { type: 'integer', minimum: 1 },
        holderUnchanged: { type: 'boolean', description: 'The party the pass names still holds the document.' },
        current: {
          type: 'boolean',
          description: 'The document is still at the pass\'s sequence and payload hash. False after any event since the pass was made (a transfer and back to the same holder included): the pass is stale.',
        },
      },
      ['status', 'seq', 'holderUnchanged', 'current'],
    ),
    Health: closed({
      status: { type: 'string', enum: ['ok', 'unavailable'] },
      store: closed({ ok: { type: 'boolean' }, backend: { type: 'string' }, detail: { type: 'string' } }),
      integrity: {
        type: 'object',
        description:
          'The audit of the stored trail: `checking`, `ok` (events checked at start-up, treeSize, resumedFrom: the size of the published head the start resumed from, 0 for a start that audited everything; full: the full audit from leaf 0 that follows in the background, `waiting`, `running` with done and total, `passed`, `failed` or `stopped`) or `failed` (problems with codes and log indexes, from the start-up check or the full audit).',
        properties: { state: { type: 'string', enum: ['checking', 'ok', 'failed'] } },
        required: ['state'],
      },
    }),
  };
}

const problemResponses = {
  BadRequest: 'Malformed JSON or multipart body.',
  Unauthorized: 'No API key, or an unknown or revoked one.',
  Forbidden: 'The caller\'s party may not do this (e.g. not the holder, or an auditor).',
  NotFound: 'Unknown document, or one the caller\'s party takes no part in.',
  Conflict: 'The document\'s state does not allow this action (e.g. already released), or the caller\'s signing certificate is revoked (`signer-revoked`) or out of date (`signer-expired`).',
  PreconditionFailed: '`If-Match` names a stale sequence.',
  ContentTooLarge: `The body is too large (JSON 1 MB; a file ${MAX_UPLOAD_BYTES} bytes).`,
  UnsupportedMediaType: 'The body is not JSON (`unsupported-content-type`), or the uploaded file is not of an accepted type, judged by its bytes (`unsupported-media-type`).',
  UnprocessableContent: 'Unknown fields or invalid values (`validation-failed`); `errors` names each field. `forbidden-character` when any text holds a direction control (U+202E, ...), an invisible format character (U+200B, ...) or a control character; each such issue names the code point.',
  TooManyRequests: 'This API key has sent more writes than its limit allows (`rate-limited`), or already holds `SDX_MAX_STREAMS` open event streams (`too-many-streams`); retry after `Retry-After` seconds.',
  ServiceUnavailable: 'The store, a signing key, the timestamp authority or the PDF workers are unavailable or busy, or the service is still starting (`starting`); retry later.',
  HeadersTooLarge: 'The request line and headers are too large (`headers-too-large`); a long path, such as a gate pass token in `/v/{token}/status`, counts.',
} as const;
type ProblemResponse = keyof typeof problemResponses;

const statusOf: Record<ProblemResponse, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  PreconditionFailed: 412,
  ContentTooLarge: 413,
  UnsupportedMediaType: 415,
  UnprocessableContent: 422,
  TooManyRequests: 429,
  ServiceUnavailable: 503,
  HeadersTooLarge: 431,
};

function responseComponents(): Record<string, JsonSchema> {
  const problem = { 'application/problem+json': { schema: ref('Problem') } };
  return Object.fromEntries(
    Object.entries(problemResponses).map(([name, description]) => [
      name,
      name === 'Unauthorized'
        ? { description, headers: { 'WWW-Authenticate': { schema: { type: 'string' } } }, content: problem }
        : name === 'TooManyRequests'
          ? { description, headers: { 'Retry-After': { description: 'Seconds until the key may write (or open a stream) again.', schema: { type: 'integer', minimum: 1 } } }, content: problem }
          : { description, content: problem },
    ]),
  );
}

function errors(...names: ProblemResponse[]): Record<string, JsonSchema> {
  return Object.fromEntries(names.map((name) => [String(statusOf[name]), { $ref: `#/components/responses/${name}` }]));
}

/** The same answers on a DCSA route: DCSA's error shape, with the standard's `API-Version`. */
function dcsaErrors(apiVersion: JsonSchema, ...names: ProblemResponse[]): Record<string, JsonSchema> {
  return Object.fromEntries(
    names.map((name) => [String(statusOf[name]), { description: problemResponses[name], headers: { 'API-Version': apiVersion }, content: json(ref('DcsaError')) }]),
  );
}

const json = (schema: JsonSchema): JsonSchema => ({ 'application/json': { schema } });
const etag = { ETag: { description: 'The document\'s event sequence, quoted; send it back as `If-Match`.', schema: { type: 'string' } } };
const bearer = [{ bearerAuth: [] }];
/** Every PINT route between platforms: signed by the calling platform, or refused. */
const platformSignature = [{ platformSignature: [] }];
const peerUnauthorized: JsonSchema = {
  description: 'Not a request of a peer platform: `peer-credentials-missing`, `peer-unknown` (the `iss` is not a configured peer), `peer-signature-invalid`, `peer-request-invalid` (another audience, method, path or body, or `iat` more than 60 s off), `peer-request-replayed` (a `jti` seen before, on any node).',
  headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
  content: { 'application/problem+json': { schema: ref('Problem') } },
};
const pintVersion = { 'API-Version': { schema: { type: 'string' } } };
/** PINT's EnvelopeTransferFinishedResponseSignedContent: a compact JWS, signed with this platform's key (see /.well-known/jwks.json). */
const signedAnswer = (description: string): JsonSchema => ({
  description,
  headers: pintVersion,
  content: json({ type: 'string', pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$', description: 'PINT EnvelopeTransferFinishedResponse as a compact JWS (ES256).' }),
});

function fileUpload(description: string, contentType: string): JsonSchema {
  return {
    required: true,
    description,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          properties: { file: { type: 'string', contentMediaType: 'application/octet-stream' } },
          required: ['file'],
        },
        encoding: { file: { contentType } },
      },
    },
  };
}

/** Query parameters of a route, from the schema the route parses them with. */
function queryParameters(query: z.ZodType): JsonSchema[] {
  const schema = embeddable(z.toJSONSchema(query, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonSchema);
  const properties = schema['properties'] as Record<string, JsonSchema>;
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({ name, in: 'query', required: required.has(name), schema: property }));
}

function paths(): Record<string, JsonSchema> {
  const api = '/api/v1';
  return {
    '/healthz': {
      get: {
        operationId: 'health',
        summary: 'Liveness and store health',
        responses: {
          '200': { description: 'The service and its store are up.', content: json(ref('Health')) },
          '503': { description: 'The store is unavailable.', content: json(ref('Health')) },
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openApiDocument',
        summary: 'This document',
        responses: { '200': { description: 'The OpenAPI 3.1 document.', content: json({ type: 'object' }) } },
      },
    },
    '/verify': {
      post: {
        operationId: 'verifyPdf',
        summary: 'Verify an uploaded PDF (public)',
        description:
          'Checks every signature, the certificate chains, who signed, changes after each signature, the embedded payload, and each signed revision against the ledger; `summary` is the one line a person reads first. Each verification runs on a worker thread with a time and memory limit; a document beyond those or the parser\'s limits (size, objects, signatures, nesting) is reported invalid with a `document.verification` or `document.parse` finding naming the limit.',
        parameters: [
          {
            name: 'at',
            in: 'query',
            required: false,
            description: 'Validate as at this time (ISO 8601 date or date-time, e.g. 2036-01-01) instead of now: a B-LTA document keeps its proof through its DSS and document timestamps; a B-T one whose time-stamp authority has expired by then is indeterminate. Anything else is 400 `invalid-validation-time`.',
            schema: { type: 'string', examples: ['2036-01-01'] },
          },
          {
            name: 'report',
            in: 'query',
            required: false,
            description: 'Instead of the verifier\'s report: `etsi` gives a validation report shaped on ETSI TS 119 102-2 (JSON), `etsi-xml` the same as XML. Anything else is 400 `invalid-report-kind`.',
            schema: { type: 'string', enum: ['etsi', 'etsi-xml'] },
          },
          {
            name: 'sign',
            in: 'query',
            required: false,
            description: 'With `report=etsi` and `sign=1`: the report as a compact JWS (`application/jose`) signed by the service\'s log key with x5c, which `sdx verify-report` checks.',
            schema: { type: 'string', enum: ['1', 'true'] },
          },
        ],
        requestBody: fileUpload('The PDF to verify, in the field `file`.', 'application/pdf'),
        responses: {
          '200': { description: 'The verifier\'s report; `verdict` is valid only if every required finding is, indeterminate if one needs a person.', content: json(ref('VerificationReport')) },
          ...errors('BadRequest', 'ContentTooLarge', 'UnsupportedMediaType', 'UnprocessableContent', 'ServiceUnavailable'),
        },
      },
    },
    '/verify/{id}': {
      get: {
        operationId: 'publicStatus',
        summary: 'Public status of a document (the QR link)',
        description: 'Reveals only kind, status, issuer, payload hash and the time of the last event.',
        parameters: [{ $ref: '#/components/parameters/DocumentId' }],
        responses: {
          '200': { description: 'The public status.', content: json(ref('PublicStatus')) },
          ...errors('NotFound', 'ServiceUnavailable'),
        },
      },
    },
    [`${api}/webhooks`]: {
      post: {
        operationId: 'registerWebhook',
        summary: 'Register an endpoint for the events of the caller\'s documents',
        description: 'The destination is checked now and again at every delivery, inside the connection (422 `webhook-destination-forbidden` for loopback, private, link-local and other special-purpose addresses, names of the local network, or names resolving there). Each event of a document the party takes part in is POSTed once it commits (outbox in the same transaction), signed, with `SDX-Event-Id` for de-duplication; failures are retried with jittered exponential backoff and set aside as dead after the last attempt.',
        security: bearer,
        requestBody: { required: true, content: json(ref('WebhookRegistration')) },
        responses: {
          '201': { description: 'Registered; the secret is shown this once.', headers: { Location: { schema: { type: 'string' } } }, content: json(ref('WebhookEndpointCreated')) },
          ...errors('BadRequest', 'Unauthorized', 'ContentTooLarge', 'UnsupportedMediaType', 'UnprocessableContent', 'TooManyRequests', 'ServiceUnavailable'),
        },
      },
      get: {
        operationId: 'listWebhooks',
        summary: 'The caller\'s party\'s endpoints',
        security: bearer,
        responses: {
          '200': { description: 'Its endpoints, disabled ones included.', content: json(closed({ items: { type: 'array', items: ref('WebhookEndpoint') } })) },
          ...errors('Unauthorized', 'ServiceUnavailable'),
        },
      },
    },
    [`${api}/webhooks/{id}`]: {
      get: {
        operationId: 'getWebhook',
        summary: 'One endpoint (never its secret)',
        security: bearer,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'The endpoint.', content: json(ref('WebhookEndpoint')) }, ...errors('Unauthorized', 'NotFound', 'ServiceUnavailable') },
      },
      delete: {
        operationId: 'disableWebhook',
        summary: 'Stop deliveries to an endpoint',
        security: bearer,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '204': { description: 'Disabled; pending deliveries stay visible.' }, ...errors('Unauthorized', 'NotFound', 'ServiceUnavailable') },
      },
    },
    [`${api}/webhooks/{id}/deliveries`]: {
      get: {
        operationId: 'listWebhookDeliveries',
        summary: 'Deliveries to an endpoint, newest first: attempts, last status and error, next attempt',
        security: bearer,
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: ['pending', 'delivered', 'dead'] } },
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500 } },
        ],
        responses: {
          '200': { description: 'The deliveries.', content: json(closed({ items: { type: 'array', items: ref('WebhookDelivery') } })) },
          ...errors('Unauthorized', 'NotFound', 'UnprocessableContent', 'ServiceUnavailable'),
        },
      },
    },
    [`${api}/webhooks/{id}/deliveries/{deliveryId}/redrive`]: {
      post: {
        operationId: 'redriveWebhookDelivery',
        summary: 'Send a pending or dead delivery again now, with a fresh attempt count',
        security: bearer,
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'deliveryId', in: 'path', required: true, schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'Due again.', content: json(ref('WebhookDelivery')) },
          ...errors('Unauthorized', 'NotFound', 'Conflict', 'TooManyRequests', 'ServiceUnavailable'),
        },
      },
    },
    [`${api}/federation/sends`]: {
      get: {
        operationId: 'listPendingPeerSends',
        summary: 'Envelopes and notices waiting for a peer platform\'s signed answer: attempts, last error, next try (for the operator)',
        description: 'From loopback, or with the bearer token SDX_METRICS_TOKEN (as /metrics); a party\'s API key does not open it, since it spans every party\'s documents. The 100 due soonest; sends a peer answered are not listed.',
        responses: {
          '200': { description: 'The pending sends, soonest next try first.', content: json(closed({ items: { type: 'array', items: ref('PeerSend') } })) },
          ...errors('Forbidden'),
        },
      },
    },
    [`${api}/stream`]: {
      get: {
        operationId: 'eventStream',
        summary: 'Server-Sent Events: the events of the caller\'s documents as they commit',
        description: 'Each message: `id` = the event\'s log index, `event` = its type, `data` = the same JSON a webhook receives. Reconnect with `Last-Event-ID` to resume after the last event received, without gaps; without it the stream starts at the end of the log.',
        security: bearer,
        parameters: [{ name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string', pattern: '^\\d{1,15}$' } }],
        responses: {
          '200': { description: 'An open event stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...errors('Unauthorized', 'UnprocessableContent', 'TooManyRequests'),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (loopback, or with the bearer token SDX_METRICS_TOKEN)',
        responses: {
          '200': { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...errors('Forbidden'),
        },
      },
    },
    '/pass-keys.json': {
      get: {
        operationId: 'passKeys',
        summary: 'Keys that sign gate passes (the QR tokens)',
        responses: { '200': { description: 'The JWK set.', content: json(ref('PassKeys')) } },
      },
    },
    '/.well-known/jwks.json': {
      get: {
        operationId: 'platformKeys',
        summary: 'Keys this platform signs PINT envelopes, receipts and peer requests with',
        description: 'Peers that configure this platform with a `jwksUrl` (SDX_PEERS_FILE) read its key here; a pinned key is this set\'s one JWK.',
        responses: { '200': { description: 'The JWK set.', content: json(ref('PlatformKeys')) } },
      },
    },
    '/api/v1/receiver-validation': {
      post: {
        operationId: 'lookUpReceiver',
        summary: 'Whom a transfer would reach: a party here, or on a peer platform (asked by PINT receiver validation)',
        description:
          '`to` is `<platform>:<party>` (e.g. `PORT:demo-consignee`) or a party id of this platform. A peer\'s party is asked of that platform with a signed `POST /pint/v3/receiver-validation`; the name comes in the caller\'s Accept-Language. ' +
          '404 `pint-party-unknown` when the party takes no documents (unknown, an auditor), 503 `peer-unavailable` when the peer is not configured, out of reach or answers outside PINT.',
        security: bearer,
        requestBody: { required: true, content: json(closed({ to: { type: 'string', maxLength: 200 } })) },
        responses: {
          '200': { description: 'The party takes documents.', content: json(closed({ platform: { type: 'string' }, partyId: { type: 'string' }, partyName: { type: 'string', maxLength: 70 } })) },
          '404': { description: '`pint-party-unknown`.', content: { 'application/problem+json': { schema: ref('Problem') } } },
          ...errors('BadRequest', 'Unauthorized', 'ContentTooLarge', 'UnsupportedMediaType', 'UnprocessableContent', 'TooManyRequests', 'ServiceUnavailable'),
        },
      },
    },
    '/pint/v3/receiver-validation': {
      post: {
        operationId: 'pintReceiverValidation',
        summary: 'PINT 3.0 receiver validation: whether a party here takes documents, and its name',
        description:
          'Called by a peer platform (SDX_PEERS_FILE), not by users. PINT leaves platform authentication open; SDX signs each request with the calling platform\'s key: ' +
          '`Authorization: PINT-JWS <compact JWS>` (ES256, header exactly `alg` and `kid`, the key the peer pinned or publishes at `/.well-known/jwks.json`) over ' +
          '`{iss: caller code, aud: this platform\'s code, htm: "POST", htu: "/pint/v3/receiver-validation", iat: seconds, jti: 16-64 characters, used once, bodySha256: SHA-256 hex of the body\'s RFC 8785 form}`, `iat` within 60 s of this platform\'s clock. ' +
          'The body is PINT\'s `IdentifyingCode`: SDX parties are listed under this platform\'s code as `codeListProvider` with the party id as `partyCode`. The answer is PINT\'s `ReceiverValidationResponse`, the name in the caller\'s Accept-Language (zh or en), cut to PINT\'s 70 characters. ' +
          'Errors are problem+json, not PINT\'s unsigned `ErrorResponse`; every answer carries `API-Version: 3.0.0`.',
        security: platformSignature,
        requestBody: {
          required: true,
          content: json(closed({ codeListProvider: { type: 'string', minLength: 1, maxLength: 100 }, partyCode: { type: 'string', minLength: 1, maxLength: 150 }, codeListName: { type: 'string', maxLength: 100 } }, ['codeListName'])),
        },
        responses: {
          '200': { description: 'The party takes documents here.', headers: { 'API-Version': { schema: { type: 'string' } } }, content: json(closed({ partyName: { type: 'string', maxLength: 70 } })) },
          '401': peerUnauthorized,
          '404': {
            description: '`pint-party-unknown`: no such party, one that takes no documents (an auditor), or a code list other than this platform\'s; as PINT asks, it says no more.',
            content: { 'application/problem+json': { schema: ref('Problem') } },
          },
          ...errors('BadRequest', 'ContentTooLarge', 'UnsupportedMediaType', 'UnprocessableContent'),
        },
      },
    },
    '/pint/v3/envelopes': {
      post: {
        operationId: 'pintStartEnvelopeTransfer',
        summary: 'PINT 3.0: a peer platform hands this platform a document (envelope transfer)',
        description:
          'Signed as `/pint/v3/receiver-validation` is. The body is PINT\'s `EblEnvelope`; SDX puts its document payload (a delivery order) where PINT puts an eBL\'s `transportDocument` (checksum: SHA-256 of its RFC 8785 form), the signed PDF as a supporting document of the manifest, and the transfer chain: one entry per platform stay, signed by that platform (ES256), naming the SHA-256 of the signed entry before it, with PINT transactions `ISSUE` and `TRANSFER`. ' +
          'Every signature is checked against the key of the platform that made it (pinned or from its JWKS), every checksum and link; the last transaction must hand the document to a party here. ' +
          'Who may issue is checked too (PINT leaves it to the platforms): the platform that signed the first entry must be entitled to issue for the issuer the document names: its `ISSUE` actor is a party of that platform named in the document as one who may issue it, listed in the peer\'s `parties` in `SDX_PEERS_FILE`, and for a D/O the carrier it names is listed there by SCAC (`carriers`) or party id (this platform\'s own parties are its own); every later entry is signed by the platform the entry before handed the document to, each transaction by a party of the signing platform. A chain failing this is answered `BENV` (PINT\'s code for an envelope that fails validation; the signatures themselves are good, so not `BSIG`) and nothing is stored. ' +
          'Answers: 201 PINT\'s `EnvelopeTransferStartedResponse` (unsigned) listing the additional documents still to send; 200 signed `RECE` (accepted: the document is recorded here with a `transfer-in` event) or `DUPE` (accepted before); 422 signed `BSIG` / `BENV` (nothing stored); 409 signed `DISE` (the chain conflicts with one accepted here for the same document: it was spent twice). ' +
          'SDX extends PINT for delivery orders: PINT has no action code for a D/O\'s presentation or release. Those stay events of the platform where they happen, and a release of a D/O received from another platform is reported to its issuing platform with `POST /pint/v3/sdx/notices`. ' +
          'SDX also sends telex-release guarantees and EIRs this way, which PINT does not cover: their issuer sends them (`TRANSFER`) only to the addressee the document names on the other platform (a guarantee to its carrier\'s agent, which arrives `submitted`; an EIR to its facility operator, which arrives `issued`; anyone else is `BENV`), and the decision or gate move made there comes back as a notice.',
        security: platformSignature,
        requestBody: { required: true, content: json({ type: 'object', required: ['transportDocument', 'envelopeManifestSignedContent', 'envelopeTransferChain'] }) },
        responses: {
          '200': signedAnswer('Signed `RECE` or `DUPE`.'),
          '201': { description: 'PINT\'s EnvelopeTransferStartedResponse: send the listed additional documents, then finish.', headers: pintVersion, content: json({ type: 'object', required: ['envelopeReference', 'transportDocumentChecksum', 'lastEnvelopeTransferChainEntrySignedContentChecksum'] }) },
          '401': peerUnauthorized,
          '409': signedAnswer('Signed `DISE`.'),
          '422': signedAnswer('Signed `BSIG` or `BENV`, with a reason.'),
          ...errors('BadRequest', 'ContentTooLarge', 'UnsupportedMediaType'),
        },
      },
    },
    '/pint/v3/envelopes/{envelopeReference}/additional-documents/{documentChecksum}': {
      put: {
        operationId: 'pintPutAdditionalDocument',
        summary: 'PINT 3.0: one additional document (the signed PDF) of an envelope transfer in progress',
        description: 'The body is the document as a base64 JSON string, as PINT sends it. It must be declared in the manifest, with that SHA-256 and size; the envelope waits here for it (on any node) for an hour.',
        security: platformSignature,
        parameters: [
          { name: 'envelopeReference', in: 'path', required: true, schema: { type: 'string', maxLength: 100 } },
          { name: 'documentChecksum', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
        ],
        requestBody: { required: true, content: json({ type: 'string', contentEncoding: 'base64' }) },
        responses: {
          '204': { description: 'Received.', headers: pintVersion },
          '401': peerUnauthorized,
          '404': { description: '`not-found`: no envelope transfer in progress under this reference from the caller.', content: { 'application/problem+json': { schema: ref('Problem') } } },
          '409': signedAnswer('Signed `INCD`: not declared, or not the declared checksum and size.'),
          '422': signedAnswer('Signed `BSIG` or `BENV`: the waiting envelope no longer checks out (e.g. a key was withdrawn).'),
          ...errors('BadRequest', 'ContentTooLarge', 'UnsupportedMediaType'),
        },
      },
    },
    '/pint/v3/envelopes/{envelopeReference}/finish-transfer': {
      put: {
        operationId: 'pintFinishEnvelopeTransfer',
        summary: 'PINT 3.0: finish an envelope transfer once its additional documents are sent',
        security: platformSignature,
        parameters: [{ name: 'envelopeReference', in: 'path', required: true, schema: { type: 'string', maxLength: 100 } }],
        responses: {
          '200': signedAnswer('Signed `RECE` or `DUPE`.'),
          '401': peerUnauthorized,
          '404': { description: '`not-found`: no envelope transfer in progress under this reference from the caller.', content: { 'application/problem+json': { schema: ref('Problem') } } },
          '409': signedAnswer('Signed `MDOC` with `missingAdditionalDocumentChecksums`, or `DISE`.'),
          '422': signedAnswer('Signed `BSIG` or `BENV`.'),
          ...errors('BadRequest', 'UnsupportedMediaType'),
        },
      },
    },
    '/pint/v3/sdx/notices': {
      post: {
        operationId: 'sdxReleaseNotice',
        summary: 'SDX extension to PINT: a peer released, decided or used a document this platform sent',
        description:
          'PINT ends an eBL\'s life with its surrender to the carrier and has no notices; a delivery order ends with its release by a terminal, a telex-release guarantee with the decision of the carrier\'s agent, an EIR with a gate move at a facility, often on another platform. The platform where that happens to a document it received sends the issuing platform `{noticeSignedContent}`: a compact JWS (its platform key) over ' +
          '`{noticeType, eblPlatform, transportDocumentChecksum, envelopeTransferChainEntrySignedContentChecksums (the chain it accepted), actor (PINT party), actionDateTime}`, `noticeType` one of `RELEASE` (a D/O released), `ACCEPT` / `REJECT` (a guarantee accepted or rejected), `GATE_RECORD` (an EIR\'s gate move recorded). ' +
          'This platform finds the document by a chain entry it signed, checks the notice type is for its kind, records `released-elsewhere`, `accepted-elsewhere`, `rejected-elsewhere` or `gate-recorded-elsewhere` (the document takes that status here too; webhooks fire) once, and answers with a signed acknowledgement `{noticeChecksum, responseCode: RECE | BENV, reason?}`; the sender retries until it has one.',
        security: platformSignature,
        requestBody: { required: true, content: json(closed({ noticeSignedContent: { type: 'string', maxLength: 20000 } })) },
        responses: {
          '200': { description: 'Signed acknowledgement, `RECE`.', headers: pintVersion, content: json({ type: 'string' }) },
          '401': peerUnauthorized,
          '422': { description: 'Signed acknowledgement, `BENV` with a reason (not signed by the caller, malformed, no document this platform sent, a notice type for another kind of document, or a guarantee or EIR told of by a platform it was not sent to).', headers: pintVersion, content: json({ type: 'string' }) },
          ...errors('BadRequest', 'ContentTooLarge', 'UnsupportedMediaType'),
        },
      },
    },
    '/v/{token}/status': {
      get: {
        operationId: 'passStatus',
        summary: 'Live status for the bearer of a gate pass',
        description:
          'The service\'s verdict on a pass, by its own clock. Only a pass whose signature verifies (ES256, low-S, a header of exactly `alg` and `kid`) and that is valid now is answered, and only with what the pass already names: status, sequence, whether its holder still holds the document and whether the document is still where the pass left it. A request with the session of a terminal\'s or depot\'s gate clerk is also refused when the pass names another facility. A gate treats every 4xx as a refusal (red) and only no answer, a 408, a 429 or a 5xx as "not checked"; the `Date` header of any answer sets the gate\'s clock.',
        parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string', maxLength: 2048 } }],
        responses: {
          '200': { description: 'The live status.', content: json(ref('PassLiveStatus')) },
          '400': {
            description: 'Not a pass this service answers: `pass-invalid` (malformed, a `crit` or other unknown header member, a high-S or wrong signature), `pass-unknown-key` (a key it does not publish), `pass-key-retired` (a retired key\'s pass issued at or after its retirement), `pass-lifetime-too-long` (`exp` more than 24 hours after `iat`).',
            content: { 'application/problem+json': { schema: ref('Problem') } },
          },
          '409': {
            description: 'A genuine pass refused now: `pass-expired`, `pass-not-yet-valid` (`iat` more than a minute ahead of the service\'s clock), `pass-window-not-started` / `pass-window-ended` (the document\'s validity window, e.g. an EIR\'s `validFrom`/`validUntil`), `pass-wrong-facility` (asked from another facility\'s gate).',
            content: { 'application/problem+json': { schema: ref('Problem') } },
          },
          ...errors('ServiceUnavailable'),
        },
      },
    },
    [`${api}/documents`]: {
      post: {
        operationId: 'issueDocument',
        summary: 'Issue and sign a document',
        security: bearer,
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: 'A repeat with the same key returns the first document and creates nothing.',
            schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
          },
        ],
        requestBody: { required: true, content: json(ref('IssueRequest')) },
        responses: {
          '201': {
            description: 'Issued (or, for a repeated Idempotency-Key, the first result).',
            headers: {
              ...etag,
              Location: { schema: { type: 'string' } },
              'Idempotent-Replayed': { description: '`true` when a repeated Idempotency-Key found the document already issued.', schema: { type: 'string', enum: ['true'] } },
            },
            content: json(ref('DocumentView')),
          },
          ...errors(
            'BadRequest', 'Unauthorized', 'Forbidden', 'Conflict', 'ContentTooLarge', 'UnsupportedMediaType', 'UnprocessableContent',
            'TooManyRequests', 'ServiceUnavailable',
          ),
        },
      },
      get: {
        operationId: 'listDocuments',
        summary: 'Find documents the caller\'s party takes part in (the auditor: all), newest first',
        security: bearer,
        parameters: queryParameters(listQuery),
        responses: {
          '200': { description: 'One page; pass `nextCursor` as `cursor` for the next.', content: json(ref('DocumentPage')) },
          ...errors('Unauthorized', 'UnprocessableContent', 'ServiceUnavailable'),
        },
      },
    },
    [`${api}/documents/{id}`]: {
      get: {
        operationId: 'getDocument',
        summary: 'State, holder, version and signed event history',
        security: bearer,
        parameters: [{ $ref: '#/components/parameters/DocumentId' }],
        responses: {
          '200': { description: 'The document.', headers: etag, content: json(ref('DocumentView')) },
          ...errors('Unauthorized', 'NotFound', 'ServiceUnavailable'),
        },
      },
    },
    [`${api}/documents/{id}/pdf`]: {
      get: {
        operationId: 'getDocumentPdf',
        summary: 'The current signed PDF',
        security: bearer,
        parameters: [{ $ref: '#/components/parameters/DocumentId' }],
        responses: {
          '200': { description: 'The PDF with every signature so far.', content: { 'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } } } },
          ...errors('Unauthorized', 'NotFound', 'ServiceUnavailable'),
        },
      },
    },
    [`${api}/documents/{id}/events`]: {
      post: {
        operationId: 'actOnDocument',
        summary: 'Apply one lifecycle action',
        description:
          'The action is signed by the caller\'s party and chained to the previous event. A D/O\'s `transfer` may name a party of a peer platform as `<platform>:<party>` (e.g. `PORT:demo-consignee`): the document then leaves this platform by PINT (see `POST /pint/v3/envelopes`); until the peer\'s signed receipt it is queued, and from then on nobody here acts on it (409 `held-elsewhere`). A peer that says it has no such party is 404 `pint-party-unknown`; a platform that is not a peer, 503 `peer-unavailable`.',
        security: bearer,
        parameters: [
          { $ref: '#/components/parameters/DocumentId' },
          {
            name: 'If-Match',
            in: 'header',
            required: false,
            description: 'The document\'s current ETag (e.g. `"3"`); a stale one gets 412.',
            schema: { type: 'string' },
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: ref('ActionInput'),
              examples: {
                transfer: { value: { type: 'transfer', to: 'demo-haulier-a' } },
                transferToPeer: { value: { type: 'transfer', to: 'PORT:demo-consignee' } },
                present: { value: { type: 'present', to: 'demo-terminal' } },
                release: { value: { type: 'release' } },
              },
            },
          },
        },
        responses: {
          '200': { description: 'The document after the action.', headers: etag, content: json(ref('DocumentView')) },
          ...errors(
            'BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'Conflict', 'PreconditionFailed',
            'ContentTooLarge', 'UnsupportedMediaType', 'UnprocessableContent', 'TooManyRequests', 'ServiceUnavailable',
          ),
        },
      },
    },
    [`${api}/documents/{id}/attachments`]: {
      post: {
        operationId: 'attachFile',
        summary: 'Store a photo or PDF for the next event',
        description:
          'Stored content-addressed by SHA-256; an event references it by that hash. Until one does, the upload is pending: ' +
          'it counts against the party\'s quota of pending bytes (413 `upload-quota` beyond it) and is deleted 24 h after its last upload.',
        security: bearer,
        parameters: [{ $ref: '#/components/parameters/DocumentId' }],
        requestBody: fileUpload(`A JPEG, PNG or PDF of at most ${MAX_UPLOAD_BYTES} bytes, in the field \`file\`.`, 'image/jpeg, image/png, application/pdf'),
        responses: {
          '201': { description: 'Stored.', content: json(ref('Attachment')) },
          ...errors(
            'BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'ContentTooLarge', 'UnsupportedMediaType',
            'UnprocessableContent', 'TooManyRequests', 'ServiceUnavailable',
          ),
        },
      },
    },
    [`${api}/log/tree-head`]: {
      get: {
        operationId: 'getTreeHead',
        summary: 'The latest signed tree head of the audit log',
        description: 'Signed on demand when the log has grown since the last head, so it is never stale when served.',
        security: bearer,
        responses: { '200': { description: 'The signed head.', content: json(ref('SignedTreeHead')) }, ...errors('Unauthorized', 'ServiceUnavailable') },
      },
    },
    [`${api}/log/entries`]: {
      get: {
        operationId: 'getLogEntries',
        summary: 'Log entries with index in [start, end), at most 1000',
        description: 'An auditor sees every entry; any other party only entries of documents it takes part in.',
        security: bearer,
        parameters: [logQuery('start'), logQuery('end')],
        responses: {
          '200': { description: 'The entries, in log order.', content: json(closed({ entries: { type: 'array', items: ref('LogEntry') } })) },
          ...errors('Unauthorized', 'UnprocessableContent', 'ServiceUnavailable'),
        },
      },
    },
    [`${api}/log/parties`]: {
      get: {
        operationId: 'getLogParties',
        summary: 'The exchange\'s parties and their roles, for an auditor\'s bundle',
        description: 'What `sdx audit export --url` writes into a bundle so that the lifecycle can be replayed offline.',
        security: bearer,
        responses: {
          '200': {
            description: 'Every party with its roles.',
            content: json(closed({ parties: { type: 'array', items: closed({ id: ref('PartyId'), roles: { type: 'array', items: { type: 'string' } } }) } })),
          },
          ...errors('Unauthorized', 'Forbidden', 'ServiceUnavailable'),
        },
      },
    },
    [`${api}/log/proof/inclusion`]: {
      get: {
        operationId: 'getInclusionProof',
        summary: 'RFC 9162 inclusion proof of leaf `index` in the tree of `size`',
        security: bearer,
        parameters: [logQuery('index'), logQuery('size')],
        responses: {
          '200': { description: 'The audit path, hex hashes.', content: json(closed({ leafIndex: { type: 'integer', minimum: 0 }, treeSize: { type: 'integer', minimum: 1 }, proof: { type: 'array', items: sha256Hex } })) },
          ...errors('Unauthorized', 'UnprocessableContent', 'ServiceUnavailable'),
        },
      },
    },
    [`${api}/log/proof/consistency`]: {
      get: {
        operationId: 'getConsistencyProof',
        summary: 'RFC 9162 consistency proof between the trees of size `from` and `to`',
        security: bearer,
        parameters: [logQuery('from'), logQuery('to')],
        responses: {
          '200': { description: 'The proof, hex hashes.', content: json(closed({ from: { type: 'integer', minimum: 1 }, to: { type: 'integer', minimum: 1 }, proof: { type: 'array', items: sha256Hex } })) },
          ...errors('Unauthorized', 'UnprocessableContent', 'ServiceUnavailable'),
        },
      },
    },
    ...dcsaPaths(api),
  };
}

/** SDX documents in DCSA shapes (Track & Trace 3.0.0, DEO 1.0.0-Beta-1), read-only. */
function dcsaPaths(api: string): Record<string, JsonSchema> {
  const apiVersion = (version: string) => ({ description: `The DCSA standard's version, ${version}.`, schema: { type: 'string', const: version } });
  return {
    [`${api}/dcsa/tnt/v3/events`]: {
      get: {
        operationId: 'getDcsaEquipmentEvents',
        summary: 'EIR gate moves as DCSA Track & Trace 3.0.0 equipment events (GTOT/GTIN)',
        description:
          'DCSA TNT 3.0.0 `GET /events` over the EIRs the caller takes part in (an auditor: all): one event per gate record, ' +
          'retracted (`isRetracted`) when the EIR was voided after it. Filters combine with AND; `equipmentEventTypeCodes` is ' +
          'the DCSA event-domain filter, not in TNT 3.0.0. Pass `Next-Page-Cursor` back as `cursor` with the same filters; ' +
          'a page can hold fewer than `limit` events, and only its absence means the last page.',
        security: bearer,
        parameters: [
          ...queryParameters(tntEventsQuery),
          { name: 'API-Version', in: 'header', required: false, description: 'Accepted and ignored.', schema: { type: 'string' } },
        ],
        responses: {
          '200': {
            description: 'One page of events (DCSA `GetEventsResponse`).',
            headers: {
              'API-Version': apiVersion(tntVersion),
              'Next-Page-Cursor': { description: 'Present while more pages may follow.', schema: { type: 'string' } },
            },
            content: json(ref('DcsaTntEventsResponse')),
          },
          ...dcsaErrors(apiVersion(tntVersion), 'Unauthorized', 'UnprocessableContent', 'ServiceUnavailable'),
        },
      },
    },
    [`${api}/dcsa/deo/delivery-orders/{id}`]: {
      get: {
        operationId: 'getDcsaDeliveryOrder',
        summary: 'A D/O with DCSA DEO 1.0.0-Beta-1 `deliveryOrder` field names',
        description: 'By SDX document id. Fields an SDX D/O does not record are left out (see the schema).',
        security: bearer,
        parameters: [{ $ref: '#/components/parameters/DocumentId' }],
        responses: {
          '200': { description: 'The delivery order.', headers: { 'API-Version': apiVersion(deoVersion) }, content: json(ref('DcsaDeliveryOrder')) },
          ...dcsaErrors(apiVersion(deoVersion), 'Unauthorized', 'NotFound', 'ServiceUnavailable'),
          '409': {
            description: 'Neither the D/O nor its carrier\'s party record names a SCAC, which DCSA requires as `carrierCode` (`dcsa-carrier-code-missing`).',
            headers: { 'API-Version': apiVersion(deoVersion) },
            content: json(ref('DcsaError')),
          },
        },
      },
    },
  };
}

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * What holds for every operation: one without its own `security` is public (`security: []`, so the
 * document-wide bearer default does not apply), and any request can be answered 431 by the HTTP
 * parser before a route sees it.
 */
function withEveryOperation(all: Record<string, JsonSchema>): Record<string, JsonSchema> {
  for (const item of Object.values(all)) {
    for (const method of methods) {
      const operation = item[method] as JsonSchema | undefined;
      if (!operation) continue;
      operation['security'] ??= [];
      const responses = operation['responses'] as Record<string, JsonSchema>;
      responses['431'] ??= { $ref: '#/components/responses/HeadersTooLarge' };
    }
  }
  return all;
}

function logQuery(name: string): JsonSchema {
  return { name, in: 'query', required: true, schema: { type: 'integer', minimum: 0 } };
}

function buildDocument(): JsonSchema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'SDX exchange API',
      version: '1.0.0',
      description: 'Issues, signs and transfers paperless shipping documents (D/O, EIR, telex-release guarantee). ' +
        'Every error is RFC 9457 application/problem+json with a stable `code`, except on the DCSA routes (`/api/v1/dcsa/...`), ' +
        'which answer in DCSA\'s error shape (`DcsaError`) with the code as `reason`; a 431 comes from the HTTP parser, before any route, as problem+json.',
    },
    servers: [{ url: '/', description: 'The SDX server that serves this document: every path is relative to its origin.' }],
    // Bearer by default; each public operation says `security: []`.
    security: [{ bearerAuth: [] }],
    paths: withEveryOperation(paths()),
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An SDX API key.' },
        platformSignature: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`PINT-JWS <compact JWS>` signed with a peer platform\'s key (see `/pint/v3/receiver-validation`).' },
      },
      parameters: { DocumentId: { name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 1 } } },
      responses: responseComponents(),
      schemas: { ...handwrittenSchemas(), ...generatedSchemas() },
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

let built: JsonSchema | undefined;

/** The document, built on first use and shared (frozen) afterwards. */
export function openApiDocument(): object {
  built ??= deepFreeze(buildDocument());
  return built;
}
