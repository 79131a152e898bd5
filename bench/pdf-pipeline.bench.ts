// `npm run bench`: documents per second for SDX's render-and-sign pipeline beside a baseline run in
// the same process: the same page rendered with the font parsed afresh for every document and signed
// through @signpdf/signpdf with node-forge's P12 signer (RSA-2048, adbe.pkcs7.detached). The
// baselines run again after every SDX line, and each line's ratio is against its neighbours.
// BENCH_SECONDS (8) and BENCH_DOCS (2000) bound each line, after BENCH_WARM_SECONDS (2) untimed;
// BENCH_KINDS=eir,delivery-order,... runs the per-kind lines in that order.
import { generateKeyPairSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { PerformanceObserver, constants as perfConstants, type PerformanceEntry } from 'node:perf_hooks';
import { join } from 'node:path';
import forge from 'node-forge';
import { DocumentRenderer, FONT_FILE, loadRenderAssets, type RenderInput } from '../src/adapters/pdf/render/render-document';
import { signPdf } from '../src/adapters/pdf/sign/pades-signer';
import { PdfWorkerPool } from '../src/adapters/pdf/pdf-worker-pool';
import { openPdfToolkit } from '../src/main';
import { settingsOrThrow } from '../src/settings';
import { pdfSettingsOf } from '../src/composition/pdf-toolkit';
import { documentKinds, type DocumentKind } from '../src/domain/document/document';
import { validatePayload } from '../src/domain/document/document-kinds';
import { canonicalHash } from '../src/domain/shared/canonical-json';
import { readFileSync } from 'node:fs';
import { plainPdfLibSigned, signWithSignpdf } from './plain-pdf-lib-baseline';

const MAX_SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const MAX_DOCS = Number(process.env.BENCH_DOCS ?? 2000);
/**
 * Every line, baselines included, first runs untimed for this long: a service renders documents by
 * the thousand, and the first second of a line mostly times the JIT (the first SDX line ran 25% slower
 * than the same line placed later, after a 50-document warm-up).
 */
const WARM_SECONDS = Number(process.env.BENCH_WARM_SECONDS ?? 2);
const WARM_DOCS = 5000;

/** Runs `once` untimed for WARM_SECONDS (at least one document, at most WARM_DOCS), `inFlight` at a time. */
async function warmUp(once: (i: number) => Promise<unknown>, inFlight = 1): Promise<void> {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(WARM_SECONDS * 1e9));
  let i = 0;
  do {
    await Promise.all(Array.from({ length: inFlight }, () => once(-1 - i++)));
  } while (i < WARM_DOCS && process.hrtime.bigint() < deadline);
}

interface Result {
  name: string;
  docs: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  /**
   * CPU time of the whole process (every thread: workers, zlib and crypto pools, GC) per document.
   * Docs/s swings with whatever else runs on a shared machine; CPU spent per document much less.
   */
  cpuMsPerDoc: number;
  /** Pauses of this thread's garbage collector per document: scavenges (young generation) and the rest. */
  gc: { scavengeMsPerDoc: number; otherMsPerDoc: number };
}

/** Starts adding up this thread's GC pauses; the returned function stops and gives them per document. */
function gcPauses(): (docs: number) => Promise<Result['gc']> {
  let scavenge = 0;
  let other = 0;
  const add = (entries: PerformanceEntry[]): void => {
    for (const entry of entries as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      if (entry.detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) scavenge += entry.duration;
      else other += entry.duration;
    }
  };
  const observer = new PerformanceObserver((list) => add(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return async (docs) => {
    // A line that never yields to the event loop gets its GC entries only now, and some still buffered.
    await new Promise((resolve) => setTimeout(resolve, 10));
    add(observer.takeRecords());
    observer.disconnect();
    return { scavengeMsPerDoc: scavenge / docs, otherMsPerDoc: other / docs };
  };
}

/** User + system CPU time of the process since `since`, in milliseconds. */
function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/**
 * Runs `once` until `maxDocs` documents or MAX_SECONDS, whichever comes first, after the warm-up,
 * `inFlight` documents under way at once (above 1, a server's view: throughput with many requests
 * waiting); latency is per document, queueing included.
 */
async function measure(name: string, once: (i: number) => Promise<unknown>, { inFlight = 1, maxDocs = MAX_DOCS } = {}): Promise<Result> {
  await warmUp(once, inFlight);
  const times: number[] = [];
  const gc = gcPauses();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(MAX_SECONDS * 1e9));
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < maxDocs && process.hrtime.bigint() < deadline) {
      const i = next;
      next += 1;
      const t0 = process.hrtime.bigint();
      await once(i);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuMs = cpuMsSince(cpu);
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  const docs = times.length;
  return { name, docs, seconds, perSecond: docs / seconds, p50ms: at(0.5), p99ms: at(0.99), cpuMsPerDoc: cpuMs / docs, gc: await gc(docs) };
}

/** Several runs of one line counted as one: documents and seconds summed, latencies merged by run. */
function pooled(name: string, runs: Result[]): Result {
  const docs = runs.reduce((sum, r) => sum + r.docs, 0);
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  const weighted = (pick: (r: Result) => number) => runs.reduce((sum, r) => sum + pick(r) * r.docs, 0) / docs;
  return {
    name,
    docs,
    seconds,
    perSecond: docs / seconds,
    p50ms: weighted((r) => r.p50ms),
    p99ms: Math.max(...runs.map((r) => r.p99ms)),
    cpuMsPerDoc: weighted((r) => r.cpuMsPerDoc),
    gc: { scavengeMsPerDoc: weighted((r) => r.gc.scavengeMsPerDoc), otherMsPerDoc: weighted((r) => r.gc.otherMsPerDoc) },
  };
}

function throwawayP12(): Buffer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date('2026-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2036-01-01T00:00:00Z');
  const attrs = [{ name: 'commonName', value: 'Baseline signer' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(key, forge.md.sha256.create());
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert], 'bench', { algorithm: '3des' });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

async function main(): Promise<void> {
  const settings = settingsOrThrow(process.env);
  const paths = settings.paths;
  const assets = await loadRenderAssets(paths.templatesDir);
  // The payload is read and validated once per kind, outside the timed loops: validation belongs to
  // the API in front of the pipeline, and both sides would otherwise pay it on every document.
  const examples = new Map(
    documentKinds.map((kind) => {
      const parsed = validatePayload(kind, JSON.parse(readFileSync(join(paths.templatesDir, 'examples', `${kind}.json`), 'utf8')));
      if (!parsed.ok) throw new Error(`example ${kind} is invalid`);
      return [kind, { payload: parsed.value, payloadHash: canonicalHash(parsed.value) }] as const;
    }),
  );
  const input = (kind: DocumentKind, i: number): RenderInput => {
    const example = examples.get(kind);
    if (!example) throw new Error(`no example for ${kind}`);
    return {
      kind,
      payload: example.payload,
      documentId: `bench-${kind}-${i}`,
      version: 1,
      payloadHash: example.payloadHash,
      verifyUrl: `http://127.0.0.1:8080/verify/bench-${kind}-${i}`,
      issuedAt: '2026-11-28T02:00:00.000Z',
      issuerName: 'Huangpu Shipping Agency (demo)',
      issuerPartyId: 'demo-agent-sha',
    };
  };

  // Baseline: what a straightforward implementation does per document.
  const p12 = throwawayP12();
  const baselineOnce = async (i: number): Promise<unknown> => {
    const renderer = await DocumentRenderer.create(assets);
    const pdf = await renderer.render(input('delivery-order', i));
    return signWithSignpdf(pdf, p12);
  };
  // The baselines run before the first SDX line and again after each one, and each line is set
  // against the baseline runs on either side of it: a shared machine that gets busier or quieter
  // during the run (its speed here has moved by a third within one run) then moves both sides of a
  // ratio alike, instead of whichever line happened to run in the slow minute.
  const baselineName = 'baseline: font parsed per document + @signpdf P12 (node-forge RSA-2048)';
  const fontBytes = readFileSync(join(paths.templatesDir, FONT_FILE));
  // The pinned baseline: plain pdf-lib, which no work on SDX's renderer speeds up.
  const plainOnce = (i: number): Promise<unknown> => {
    const { payload, verifyUrl } = input('delivery-order', i);
    return plainPdfLibSigned(fontBytes, 'Delivery Order 提货单', payload, verifyUrl, p12);
  };
  const plainName = 'pinned baseline: plain pdf-lib (drawText, subset per doc, PNG QR) + @signpdf P12';
  const baselineRuns: Result[] = [];
  const plainRuns: Result[] = [];
  const measureBaselines = async (): Promise<void> => {
    baselineRuns.push(await measure(baselineName, baselineOnce, { maxDocs: Math.min(MAX_DOCS, 30) }));
    plainRuns.push(await measure(plainName, plainOnce, { maxDocs: Math.min(MAX_DOCS, 30) }));
  };
  /** An SDX line with the baselines measured on either side of it. */
  interface Line {
    result: Result;
    baseline: Result;
    plain: Result;
  }
  const lines: Line[] = [];
  const line = async (run: () => Promise<Result>): Promise<void> => {
    const result = await run();
    await measureBaselines();
    const around = (runs: Result[], name: string) => pooled(name, runs.slice(-2));
    lines.push({ result, baseline: around(baselineRuns, baselineName), plain: around(plainRuns, plainName) });
  };
  await measureBaselines();

  const toolkit = await openPdfToolkit(paths, settings, () => new Date());
  const renderer = await DocumentRenderer.create(assets);
  const signer = await toolkit.keys.signerFor('demo-agent-sha');
  for (const kind of (process.env.BENCH_KINDS?.split(",") as DocumentKind[] | undefined) ?? documentKinds) {
    await line(async () =>
      measure(`sdx ${kind}: cached font + PAdES B-B (ECDSA P-256)`, async (i) =>
        signPdf(await renderer.render(input(kind, i)), {
          signer,
          fieldName: 'sdx-issuer',
          signerName: 'Huangpu Shipping Agency (demo)',
          appearanceFont: renderer.appearanceFont(),
          signingTime: new Date('2026-11-28T02:00:00Z'),
        }),
      ),
    );
  }
  await line(async () =>
    measure('sdx delivery-order: cached font + PAdES B-T (ECDSA + dev TSA)', async (i) =>
      signPdf(await renderer.render(input('delivery-order', i)), {
        signer,
        fieldName: 'sdx-issuer',
        signerName: 'Huangpu Shipping Agency (demo)',
        appearanceFont: renderer.appearanceFont(),
        signingTime: new Date('2026-11-28T02:00:00Z'),
        timestampAuthority: toolkit.timestampAuthority,
      }),
    ),
  );
  // The server's path: whole documents (render, B-T signature) on worker threads, 16 in flight.
  const pool = await PdfWorkerPool.start({ templatesDir: paths.templatesDir, certsDir: paths.certsDir, settings: pdfSettingsOf(settings) }, { workers: 2 });
  try {
    await line(async () =>
      measure(
        'sdx delivery-order via 2 worker threads, 16 in flight (B-T)',
        (i) =>
          pool.renderSigned(input('delivery-order', i), 'demo-agent-sha', {
            signerName: 'Huangpu Shipping Agency (demo)',
            reason: 'Issued',
            at: new Date('2026-11-28T02:00:00Z'),
            box: 'issuer',
          }),
        { inFlight: 16 },
      ),
    );
  } finally {
    await pool.close();
  }
  const baseline = pooled(baselineName, baselineRuns);
  const plain = pooled(plainName, plainRuns);
  const print = (r: Result, against: Result, pinned: Result): void => {
    const ratio = (r.perSecond / against.perSecond).toFixed(1);
    const cpuRatio = (against.cpuMsPerDoc / r.cpuMsPerDoc).toFixed(1);
    const pinnedRatio = (r.perSecond / pinned.perSecond).toFixed(1);
    const pinnedCpuRatio = (pinned.cpuMsPerDoc / r.cpuMsPerDoc).toFixed(1);
    process.stdout.write(
      `${r.name.padEnd(66)} ${r.perSecond.toFixed(1).padStart(7)} docs/s  p50 ${r.p50ms.toFixed(1)} ms  p99 ${r.p99ms.toFixed(1)} ms  ` +
        `CPU ${r.cpuMsPerDoc.toFixed(2)} ms/doc, GC ${r.gc.scavengeMsPerDoc.toFixed(2)} + ${r.gc.otherMsPerDoc.toFixed(2)} ms/doc  (${r.docs} docs)  ${ratio}x baseline, ${cpuRatio}x by CPU; ` +
        `${pinnedRatio}x pinned baseline, ${pinnedCpuRatio}x by CPU\n`,
    );
  };

  process.stdout.write(
    `PDF pipeline, ${MAX_SECONDS}s or ${MAX_DOCS} documents per line, node ${process.version}, ${availableParallelism()} CPUs\n` +
      'ratios: docs/s over the baseline\'s docs/s (wall clock), and the baseline\'s CPU ms per document over the line\'s\n' +
      '(CPU of every thread of the process; the baseline runs on one thread, the worker line on several);\n' +
      "GC: pauses of the main thread, scavenges + the rest (the worker line's workers are not counted);\n" +
      'each SDX line against the baseline runs just before and just after it, the baselines against all their runs\n',
  );
  print(baseline, baseline, plain);
  print(plain, baseline, plain);
  for (const { result, baseline: before, plain: pinned } of lines) print(result, before, pinned);
  const speeds = (runs: Result[]) => runs.map((r) => r.perSecond.toFixed(1)).join(', ');
  process.stdout.write(`baseline runs, in order: ${speeds(baselineRuns)} docs/s; pinned baseline runs: ${speeds(plainRuns)} docs/s\n`);
  const sameKind = lines.find((l) => l.result.name.startsWith('sdx delivery-order: cached font + PAdES B-B'));
  if (sameKind) {
    process.stdout.write(
      `\nsame page (delivery order), SDX B-B vs the baseline around it: ${(sameKind.result.perSecond / sameKind.baseline.perSecond).toFixed(1)}x, ` +
        `${(sameKind.baseline.cpuMsPerDoc / sameKind.result.cpuMsPerDoc).toFixed(1)}x by CPU\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
