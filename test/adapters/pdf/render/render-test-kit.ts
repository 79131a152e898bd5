import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentKinds, type DocumentKind } from '../../../../src/domain/document/document';
import type { GateRecord } from '../../../../src/domain/eir/eir.schema';
import { containerNumberProblem } from '../../../../src/domain/shared/iso6346';
import { canonicalHash } from '../../../../src/domain/shared/canonical-json';
import type { RenderInput } from '../../../../src/adapters/pdf/render/render-document';
import { examplePayload, repoRoot } from '../../../support/examples';

export const templatesDir = join(repoRoot, 'templates');
/** Where a test run writes its PDFs; the render suite removes it when it ends. */
export const workDir = join(tmpdir(), `sdx-render-${process.pid}`);

/** A render input for the committed example payload of a kind, with fixed ids and time. */
export function exampleInput(kind: DocumentKind, payload: unknown = examplePayload(kind)): RenderInput {
  const documentId = `sdx-${kind}-2026-000042`;
  return {
    kind,
    payload,
    documentId,
    version: 1,
    payloadHash: canonicalHash(payload),
    verifyUrl: `https://sdx.example.cn/verify/${documentId}?v=1`,
    issuedAt: '2026-11-28T09:30:00+08:00',
    issuerName: 'Pearl Ocean Container Line (demo) 明珠海运',
    issuerPartyId: kind === 'telex-release-guarantee' ? 'demo-shipper' : 'demo-carrier',
  };
}

export const allKinds: readonly DocumentKind[] = documentKinds;

export function writePdf(name: string, bytes: Uint8Array): string {
  mkdirSync(workDir, { recursive: true });
  const path = join(workDir, `${name}.pdf`);
  writeFileSync(path, bytes);
  return path;
}

export function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Text of a PDF (or of pages first..last) as pdftotext gives it, in layout and in reading order. */
export function pdfText(path: string, pages?: { first: number; last: number }): { layout: string; raw: string } {
  const range = pages ? ['-f', String(pages.first), '-l', String(pages.last)] : [];
  return {
    layout: run('pdftotext', ['-layout', ...range, path, '-']),
    raw: run('pdftotext', [...range, path, '-']),
  };
}

export const squash = (text: string): string => text.replace(/\s+/gu, '');

/** Every leaf of a JSON value with its path, e.g. `containers[0].number`. */
export function leaves(value: unknown, path = ''): { path: string; value: string | number | boolean }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leaves(item, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => leaves(item, path ? `${path}.${key}` : key));
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [{ path, value }];
  return [];
}

/** ISO 6346 container numbers with valid check digits, `count` of them, all different. */
export function containerNumbers(count: number): string[] {
  const numbers: string[] = [];
  for (let serial = 100000; numbers.length < count; serial++) {
    for (let digit = 0; digit <= 9; digit++) {
      const candidate = `POCU${serial}${digit}`;
      if (!containerNumberProblem(candidate)) {
        numbers.push(candidate);
        break;
      }
    }
  }
  return numbers;
}

export interface Photo {
  sha256: string;
  mediaType: 'image/jpeg' | 'image/png';
  bytes: Uint8Array;
}

export function photoFixture(file: string, mediaType: Photo['mediaType']): Photo {
  const bytes = new Uint8Array(readFileSync(join(repoRoot, 'test', 'fixtures', 'photos', file)));
  return { sha256: createHash('sha256').update(bytes).digest('hex'), mediaType, bytes };
}

/** A gate record with `damageCount` damage lines; the first lines refer to the photos. */
export function gateRecordWith(damageCount: number, photos: readonly Photo[], extraPhotoSha256: string[] = []): GateRecord {
  const components = ['Door 箱门', 'Left side panel 左侧板', 'Roof 箱顶', 'Floor 底板', 'Corner post 角柱'];
  return {
    passedAt: '2026-11-29T14:05:00+08:00',
    condition: damageCount > 0 ? 'damaged' : 'sound',
    damages: Array.from({ length: damageCount }, (_, i) => ({
      component: components[i % components.length] as string,
      location: `Panel ${i + 1} 第${i + 1}块`,
      damage: i % 2 === 0 ? 'Dent 30 cm 凹陷' : 'Scratch 刮擦',
      ...(i % 3 === 0 ? { repair: 'Straighten 校正' } : {}),
      ...(i < photos.length ? { photoSha256: [(photos[i] as Photo).sha256] } : {}),
    })),
    seals: [
      { number: 'POCL778812', type: 'carrier' },
      { number: 'CIQ2026001', type: 'customs' },
    ],
    photoSha256: [...photos.map((photo) => photo.sha256), ...extraPhotoSha256],
    remarks: 'Dents noted at the gate, driver informed. 闸口发现凹陷，已告知司机。',
  };
}
