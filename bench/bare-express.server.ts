// The baseline server of `npm run bench:load`: a bare express app with SDX's app-wide middleware
// (request ids and timing, security headers, the JSON body reader) answering the mixed-load routes
// with fixed answers, no store, no PDF and no log. Started like `sdx serve` (its arguments are
// ignored) and announcing itself with the same line, so the same load driver runs against it.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import express from 'express';
import { securityHeaders } from '../src/http/app';
import { jsonBody } from '../src/http/json-body';
import { observeRequests } from '../src/http/observability';
import { settingsOrThrow } from '../src/settings';

const app = express();
app.disable('x-powered-by');
app.set('query parser', 'simple');
app.use(observeRequests(undefined, undefined));
app.use(securityHeaders(false));
app.use(jsonBody());

const released = new Set<string>();
// A PDF-sized answer: the font file's first 40 KB stand in for a rendered document.
const pdf = readFileSync(join(settingsOrThrow(process.env).paths.templatesDir, 'fonts', 'NotoSansSC-Regular.ttf')).subarray(0, 40 * 1024);
const summary = (id: string) => ({ id, kind: 'delivery-order', status: 'issued', version: 1, holder: 'demo-consignee' });

app.post('/api/v1/documents', (_req, res) => {
  res.status(201).json({ ...summary(randomUUID()), payload: {} });
});
app.post('/api/v1/documents/:id/events', (req, res) => {
  const id = String(req.params.id);
  const type = (req.body as { type?: unknown } | undefined)?.type;
  if (type === 'release') {
    if (released.has(id)) {
      res.status(409).type('application/problem+json').json({ type: 'about:blank', status: 409, code: 'already-released', title: 'already released' });
      return;
    }
    released.add(id);
  }
  res.json(summary(id));
});
app.get('/api/v1/documents', (_req, res) => {
  res.json({ items: Array.from({ length: 20 }, (_, i) => summary(`doc-${i}`)), next: null });
});
app.get('/api/v1/documents/:id', (req, res) => {
  res.json(summary(String(req.params.id)));
});
app.get('/api/v1/documents/:id/pdf', (_req, res) => {
  res.type('application/pdf').send(pdf);
});
app.get('/verify/:id', (req, res) => {
  res.type('html').send(`<!doctype html><title>verify</title><p>${String(req.params.id).replace(/[^\w-]/g, '')}</p>`);
});
app.get('/api/v1/log/tree-head', (_req, res) => {
  res.json({ treeSize: 1, rootHash: '00'.repeat(32), timestamp: new Date().toISOString(), signature: '' });
});

const server = createServer(app).listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`SDX listening on http://127.0.0.1:${port} (bare express baseline)\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
