import { spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Stream } from 'node:stream';
import request from 'supertest';
import type { Response } from 'supertest';
import type { DocumentKind } from '../../src/domain/document/document';
import { answerClientErrors } from '../../src/http/client-errors';
import { openApiDocument } from '../../src/http/openapi';
import { PAGE_OPERATIONS } from '../../src/http/pages/pages.router';
import { GatePasses } from '../../src/application/gate-passes';
import { certsDevPath } from '../support/certs-dev';
import { DOC_ID, expectDocumentedResponse, openApiValidator, pointer } from '../support/openapi-responses';
import { exampleJson, repoRoot } from '../support/examples';
import { rawRequest } from '../support/raw-http';
import { servedOperations } from '../support/served-operations';
import { startTestApp, type TestApp } from '../support/test-app';

interface Operation {
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
  requestBody?: { content: Record<string, { schema: unknown; examples?: Record<string, { value: unknown }> }> };
}
interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, { content: Record<string, { schema: unknown }> }> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/**
 * The independent validator is ESM-only and jest runs CommonJS, so it runs as its own node
 * process on the served document.
 */
function validateWithOpenApiValidator(doc: unknown): Promise<{ valid: boolean; version: string; errors: unknown }> {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(input));
    process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? null }));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`validator exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as { valid: boolean; version: string; errors: unknown });
    });
    child.stdin.end(JSON.stringify(doc));
  });
}

function documentedOperations(doc: OpenApi): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item).filter((key) => METHODS.includes(key)).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/** Binary bodies (PDFs) come back as a Buffer. */
function binary(res: Stream, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

describe('GET /openapi.json', () => {
  let t: TestApp;
  let doc: OpenApi;
  const bearer = (party: string): string => `Bearer ${t.keys[party] ?? 'missing-demo-key'}`;

  beforeAll(async () => {
    t = await startTestApp();
    const res = await request(t.app).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.body as OpenApi;
  });

  afterAll(async () => {
    expect(t.unexpected).toEqual([]);
    await t.close();
  });

  it('is an OpenAPI 3.1 document that an independent validator accepts', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validateWithOpenApiValidator(doc);
    expect(result.errors).toBeNull();
    expect(result).toMatchObject({ valid: true, version: '3.1' });
  });

  it('is built once, and the generated payload and action schemas are in it', () => {
    expect(openApiDocument()).toBe(openApiDocument());
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['DeliveryOrderPayload', 'EirPayload', 'TelexReleaseGuaranteePayload', 'GateRecord', 'ActionInput', 'Problem']),
    );
    // zod's `$id`/`$schema` must not leak into the embedded schemas.
    expect(JSON.stringify(doc.components.schemas)).not.toMatch(/"\$(id|schema)"/);
  });

  it('documents exactly the routes the express app serves, apart from the HTML pages', () => {
    const pages = new Set<string>(PAGE_OPERATIONS);
    const served = servedOperations(t.app).filter((operation) => !pages.has(operation));
    expect(served).toEqual(expect.arrayContaining(['GET /healthz', 'POST /api/v1/documents']));
    expect([...new Set(served)].sort()).toEqual(documentedOperations(doc).sort());
  });

  it('every documented operation reaches a route, and undocumented ones answer route-not-found', async () => {
    const probe = (method: string, path: string) => {
      const url = path.replace(/\{\w+\}/g, 'probe-id');
      const req = request(t.app)[method as 'get' | 'post' | 'put' | 'delete' | 'patch'](url);
      return path.startsWith('/api/') ? req.set('Authorization', bearer('demo-consignee')) : req;
    };
    for (const operation of documentedOperations(doc)) {
      const [method = '', path = ''] = operation.split(' ');
      // An event stream never ends; the route-for-route check above already shows it is served.
      if (doc.paths[path]?.[method.toLowerCase()]?.responses['200']?.content?.['text/event-stream']) continue;
      const res = await probe(method.toLowerCase(), path);
      if (res.body?.code === 'route-not-found') throw new Error(`${operation} is documented but the app has no such route`);
    }
    const undocumented = [
      ['get', '/openapi.yaml'],
      ['put', '/verify'],
      ['delete', '/api/v1/documents/{id}'],
      ['get', '/api/v1/parties'],
      ['get', '/api/v1/documents/{id}/events'],
    ] as const;
    for (const [method, path] of undocumented) {
      const res = await probe(method, path);
      expect({ operation: `${method} ${path}`, status: res.status, code: res.body?.code }).toEqual({
        operation: `${method} ${path}`,
        status: 404,
        code: 'route-not-found',
      });
    }
  });

  it('each example payload validates against its generated schema, and an unknown field does not', () => {
    const ajv = openApiValidator(doc);
    const schemaOf: Record<DocumentKind, string> = {
      'delivery-order': 'DeliveryOrderPayload',
      eir: 'EirPayload',
      'telex-release-guarantee': 'TelexReleaseGuaranteePayload',
    };
    const issueRequest = ajv.compile({ $ref: `${DOC_ID}#/components/schemas/IssueRequest` });
    for (const [kind, name] of Object.entries(schemaOf) as [DocumentKind, string][]) {
      const payload = exampleJson(kind);
      const validate = ajv.compile({ $ref: `${DOC_ID}#/components/schemas/${name}` });
      expect({ kind, valid: validate(payload), errors: ajv.errorsText(validate.errors) }).toEqual({ kind, valid: true, errors: 'No errors' });
      expect(issueRequest({ kind, payload })).toBe(true);
      expect(validate({ ...payload, surprise: 1 })).toBe(false);
      expect(issueRequest({ kind: kind === 'eir' ? 'delivery-order' : 'eir', payload })).toBe(false);
    }
  });

  it('the request examples in the document match their own schemas', () => {
    const ajv = openApiValidator(doc);
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const [mediaType, media] of Object.entries(operation.requestBody?.content ?? {})) {
          for (const [name, example] of Object.entries(media.examples ?? {})) {
            const validate = ajv.compile({ $ref: `${DOC_ID}#/${pointer('paths', path, method, 'requestBody', 'content', mediaType, 'schema')}` });
            expect({ example: name, valid: validate(example.value) }).toEqual({ example: name, valid: true });
            checked += 1;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('real responses of the app match the documented schemas, errors included', async () => {
    const api = '/api/v1';
    const check = (path: string, method: string, res: Response) => expectDocumentedResponse(path, method, res);

    check('/healthz', 'get', await request(t.app).get('/healthz'));
    check('/openapi.json', 'get', await request(t.app).get('/openapi.json'));

    const issued = await request(t.app)
      .post(`${api}/documents`)
      .set('Authorization', bearer('demo-agent-sha'))
      // Valid for a year from today, so the live pass status below is not an expired one on a later day.
      .send({ kind: 'delivery-order', payload: { ...exampleJson('delivery-order'), validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString() } });
    expect(issued.status).toBe(201);
    check('/api/v1/documents', 'post', issued);
    const id = String(issued.body.id);
    expect(issued.headers['etag']).toBe(`"${issued.body.sequence}"`);

    const presented = await request(t.app)
      .post(`${api}/documents/${id}/events`)
      .set('Authorization', bearer('demo-consignee'))
      .set('If-Match', String(issued.headers['etag']))
      .send({ type: 'present', to: 'demo-terminal' });
    expect(presented.status).toBe(200);
    check('/api/v1/documents/{id}/events', 'post', presented);

    check('/api/v1/documents/{id}', 'get', await request(t.app).get(`${api}/documents/${id}`).set('Authorization', bearer('demo-terminal')));
    check('/api/v1/documents', 'get', await request(t.app).get(`${api}/documents?kind=delivery-order&limit=1`).set('Authorization', bearer('demo-consignee')));
    check('/verify/{id}', 'get', await request(t.app).get(`/verify/${id}`));
    check('/pass-keys.json', 'get', await request(t.app).get('/pass-keys.json'));
    check('/.well-known/jwks.json', 'get', await request(t.app).get('/.well-known/jwks.json'));
    const passes = new GatePasses({ signing: createPrivateKey(readFileSync(certsDevPath('gate-pass.key.pem'), 'utf8')) });
    const stored = await t.store.getDocument(id);
    if (!stored) throw new Error('issued document not stored');
    const token = passes.sign(passes.claimsFor(stored, new Date()));
    const live = await request(t.app).get(`/v/${token}/status`);
    expect(live.body).toMatchObject({ found: true, status: 'presented', holderUnchanged: true });
    check('/v/{token}/status', 'get', live);
    const forged = await request(t.app).get(`/v/${token.slice(0, -4)}AAAA/status`);
    expect(forged.status).toBe(400);
    check('/v/{token}/status', 'get', forged);

    const pdf = await request(t.app).get(`${api}/documents/${id}/pdf`).set('Authorization', bearer('demo-consignee')).buffer(true).parse(binary);
    expect(pdf.status).toBe(200);
    expect(Object.keys(doc.paths[`${api}/documents/{id}/pdf`]?.['get']?.responses['200']?.content ?? {})).toEqual([
      String(pdf.headers['content-type']).split(';')[0],
    ]);
    const verified = await request(t.app).post('/verify').attach('file', pdf.body as Buffer, { filename: 'do.pdf', contentType: 'application/pdf' });
    expect(verified.status).toBe(200);
    check('/verify', 'post', verified);
    // A changed copy: the report then names the deciding finding in its summary.
    const changed = Buffer.from(pdf.body as Buffer);
    const middle = Math.floor(changed.length / 2);
    changed[middle] = (changed[middle] as number) ^ 0xff;
    const changedReport = await request(t.app).post('/verify').attach('file', changed, { filename: 'changed.pdf', contentType: 'application/pdf' });
    expect(changedReport.body).toMatchObject({ verdict: 'invalid', summary: { outcome: 'forged', finding: { status: expect.any(String) } } });
    check('/verify', 'post', changedReport);

    const attached = await request(t.app)
      .post(`${api}/documents/${id}/attachments`)
      .set('Authorization', bearer('demo-consignee'))
      .attach('file', pdf.body as Buffer, { filename: 'support.pdf', contentType: 'application/pdf' });
    check('/api/v1/documents/{id}/attachments', 'post', attached);
    expect(attached.status).toBe(201);

    // Problems: each must be a documented status of its route with the shared Problem schema.
    check('/api/v1/documents', 'post', await request(t.app).post(`${api}/documents`).send({ kind: 'delivery-order', payload: {} }));
    const invalid = await request(t.app)
      .post(`${api}/documents`)
      .set('Authorization', bearer('demo-agent-sha'))
      .send({ kind: 'delivery-order', payload: { ...exampleJson('delivery-order'), surprise: true } });
    expect(invalid.status).toBe(422);
    check('/api/v1/documents', 'post', invalid);
    const stale = await request(t.app)
      .post(`${api}/documents/${id}/events`)
      .set('Authorization', bearer('demo-terminal'))
      .set('If-Match', '"1"')
      .send({ type: 'release' });
    expect(stale.status).toBe(412);
    check('/api/v1/documents/{id}/events', 'post', stale);
    check('/api/v1/documents/{id}', 'get', await request(t.app).get(`${api}/documents/${id}`).set('Authorization', bearer('demo-haulier-b')));
    check('/verify', 'post', await request(t.app).post('/verify').attach('file', Buffer.from('not a pdf'), 'x.txt'));
    check('/api/v1/documents', 'get', await request(t.app).get(`${api}/documents?limit=0`).set('Authorization', bearer('demo-consignee')));
  });
});

describe('the OpenAPI document says where, who and every answer', () => {
  const doc = openApiDocument() as OpenApi & { servers?: { url: string }[]; security?: unknown[] };
  const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m] as Operation & { security?: unknown[] } })),
  );

  it('declares servers, a bearer default, and security: [] on each public operation', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    for (const { path, method, op } of operations) expect({ path, method, security: Array.isArray(op.security) }).toEqual({ path, method, security: true });
    const publicOps = operations.filter((o) => o.op.security?.length === 0).map((o) => `${o.method} ${o.path}`);
    expect(publicOps).toEqual(expect.arrayContaining(['get /v/{token}/status', 'post /verify', 'get /openapi.json', 'get /pass-keys.json']));
    expect(publicOps.some((o) => o.includes('/api/v1/documents'))).toBe(false);
  });

  it('when a gate pass token is too long for the request line, then the 431 answered is the documented one', async () => {
    expect(doc.paths['/v/{token}/status']?.['get']?.responses['431']).toEqual({ $ref: '#/components/responses/HeadersTooLarge' });
    const t = await startTestApp();
    const server = t.app.listen(0, '127.0.0.1');
    answerClientErrors(server);
    try {
      await new Promise<void>((ready) => server.once('listening', () => ready()));
      const port = (server.address() as AddressInfo).port;
      const res = await rawRequest(port, `GET /v/${'t'.repeat(20_000)}/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(res.status).toBe(431);
      const validate = openApiValidator(doc).getSchema(`${DOC_ID}#${pointer('', 'components', 'schemas', 'Problem')}`);
      expect(validate?.(JSON.parse(res.body))).toBe(true);
      expect(JSON.parse(res.body)).toMatchObject({ status: 431, code: 'headers-too-large' });
    } finally {
      await new Promise<void>((closed) => server.close(() => closed()));
      await t.close();
    }
  });
});
