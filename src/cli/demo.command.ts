import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeDemoDocuments } from '../application/demo-documents';
import { parseDemoParties } from '../application/demo-parties';
import { documentKinds, type DocumentKind } from '../domain/document/document';
import { openPdfToolkit } from '../main';
import type { Settings } from '../settings';
import type { CliIo } from './cli-io';

/** `sdx demo --out DIR`: one signed PDF per kind, made from the example payloads by the demo parties. */
export async function demoCommand(args: readonly string[], io: CliIo, settings: Settings): Promise<number> {
  let out: string | undefined;
  try {
    ({ values: { out } } = parseArgs({ args: [...args], options: { out: { type: 'string' } }, strict: true }));
  } catch (error) {
    io.err(`sdx demo: ${(error as Error).message}`);
    return 2;
  }
  if (!out) {
    io.err('usage: sdx demo --out DIR');
    return 2;
  }
  const paths = settings.paths;
  const readJson = async (file: string): Promise<unknown> => JSON.parse(await readFile(file, 'utf8')) as unknown;
  const examples = {} as Record<DocumentKind, unknown>;
  for (const kind of documentKinds) examples[kind] = await readJson(join(paths.templatesDir, 'examples', `${kind}.json`));
  const demo = parseDemoParties(await readJson(join(paths.certsDir, 'demo-parties.json')));
  // Demo documents are archive-grade: B-LTA (signature, validation data, document timestamp).
  const toolkit = await openPdfToolkit(paths, { ...settings, padesLevel: settings.padesLevel ?? 'B-LTA' }, () => new Date());
  const documents = await makeDemoDocuments(
    {
      examples,
      eirGateRecord: await readJson(join(paths.templatesDir, 'examples', 'eir-gate-record.json')),
      parties: demo.parties.map((p) => p.party),
      at: new Date(),
      verifyUrl: (id) => `${settings.publicUrl ?? 'http://127.0.0.1:8080'}/verify/${id}`,
    },
    toolkit.pdfs,
  );
  await mkdir(out, { recursive: true });
  for (const { kind, pdf } of documents) {
    const file = join(out, `${kind}.pdf`);
    await writeFile(file, pdf);
    io.out(`${file} (${pdf.byteLength} bytes)`);
  }
  return 0;
}
