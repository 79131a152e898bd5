// The modulepreload list each page carries (layout.ts MODULE_IMPORTS) names every module its script
// imports, directly or not, and nothing else: read from the sources in src/web and src/domain.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { MODULE_IMPORTS } from '../../src/http/pages/layout';
import { repoRoot } from '../support/examples';

const src = join(repoRoot, 'src');

/** The compiled path (/static/…) of every module `file` imports, however deep. */
function importsOf(file: string, seen = new Set<string>()): Set<string> {
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'(\.[^']+)\.js';/gm)) {
    const target = join(dirname(file), `${match[1] ?? ''}.ts`);
    const url = `/static/${relative(src, target).replace(/\.ts$/, '.js')}`;
    if (seen.has(url)) continue;
    seen.add(url);
    importsOf(target, seen);
  }
  return seen;
}

describe('page scripts and their modulepreload lists', () => {
  const entries = readdirSync(join(src, 'web')).filter((name) => name.endsWith('.ts') && !['sw.ts', 'live.ts', 'offline.ts', 'pass-check.ts'].includes(name));

  it.each(entries)('%s: every import, however deep, is preloaded', (name) => {
    const script = `/static/web/${name.replace(/\.ts$/, '.js')}`;
    expect(MODULE_IMPORTS[script]).toBeDefined();
    expect([...(MODULE_IMPORTS[script] ?? [])].sort()).toEqual([...importsOf(join(src, 'web', name))].sort());
  });

  it('every preloaded module exists in the sources', () => {
    for (const url of Object.values(MODULE_IMPORTS).flat()) expect(existsSync(join(src, url.replace(/^\/static\//, '').replace(/\.js$/, '.ts')))).toBe(true);
  });
});
