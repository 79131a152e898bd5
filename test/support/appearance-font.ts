import { join } from 'node:path';
import { DocumentRenderer, loadRenderAssets } from '../../src/adapters/pdf/render/render-document';
import type { AppearanceFont } from '../../src/adapters/pdf/sign/signature-appearance';
import { repoRoot } from './examples';

let font: Promise<AppearanceFont> | undefined;

/** The document font signature appearances are drawn in, as SDX's signer gets it: parsed once per test file. */
export function appearanceFont(): Promise<AppearanceFont> {
  font ??= loadRenderAssets(join(repoRoot, 'templates'))
    .then((assets) => DocumentRenderer.create(assets))
    .then((renderer) => renderer.appearanceFont());
  return font;
}
