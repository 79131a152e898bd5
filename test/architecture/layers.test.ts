// What each layer may import. The domain is pure (domain-purity.test.ts); the application knows
// the domain and its own ports; adapters implement ports; HTTP speaks to the application only;
// composition wires adapters; the CLI and main.ts wire everything; browser scripts stand alone.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const src = join(__dirname, '..', '..', 'src');

type Layer = 'domain' | 'application' | 'adapters' | 'http' | 'composition' | 'cli' | 'web' | 'main' | 'settings';

interface Rule {
  /** Layers this one's relative imports may reach. */
  layers: readonly Layer[];
  /** Packages it may use (`*` any), by name or scope prefix. */
  packages: readonly string[] | '*';
  /** Packages it must never use, even when `packages` is `*`. */
  forbidden?: readonly string[];
}

/** Drivers and crypto/PDF toolkits: only adapters touch them. */
const adapterPackages = ['better-sqlite3', 'pg', 'mongoose', 'pdf-lib', '@pdf-lib/', 'node-forge', '@peculiar/'];

const rules: Record<Exclude<Layer, 'main' | 'settings'>, Rule> = {
  domain: { layers: ['domain'], packages: ['zod', 'node:crypto'] },
  application: { layers: ['domain', 'application'], packages: ['zod', 'node:crypto'] },
  adapters: { layers: ['domain', 'application', 'adapters'], packages: '*' },
  http: { layers: ['domain', 'application', 'http'], packages: '*', forbidden: adapterPackages },
  composition: { layers: ['domain', 'application', 'adapters', 'composition'], packages: '*' },
  cli: { layers: ['domain', 'application', 'adapters', 'composition', 'cli', 'main', 'settings'], packages: '*' },
  web: { layers: ['web', 'domain'], packages: [] },
};

/** A PDF worker thread is an entry point: it wires its own toolkit, as main.ts does for the service. */
const entryPoints = new Set([join('adapters', 'pdf', 'pdf-worker.ts')]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1] as string);
}

function layerOf(path: string): Layer {
  const first = relative(src, path).split(sep)[0] ?? '';
  return first.replace(/\.(js|ts)$/, '') as Layer;
}

const packageMatches = (specifier: string, name: string) => (name.endsWith('/') ? specifier.startsWith(name) : specifier === name || specifier.startsWith(`${name}/`));

/** The imports of `file` its layer's rule does not allow. */
function violations(file: string, source: string): string[] {
  const layer = layerOf(file);
  if (!(layer in rules) || entryPoints.has(relative(src, file))) return [];
  const rule = rules[layer as keyof typeof rules];
  return importsOf(source).filter((specifier) => {
    if (specifier.startsWith('.')) return !rule.layers.includes(layerOf(join(file, '..', specifier)));
    if (rule.forbidden?.some((name) => packageMatches(specifier, name))) return true;
    return rule.packages !== '*' && !rule.packages.some((name) => packageMatches(specifier, name));
  });
}

describe('each layer imports only what it may', () => {
  const files = sourceFiles(src).filter((f) => layerOf(f) in rules);

  it('checks every layer', () => {
    expect(new Set(files.map(layerOf))).toEqual(new Set(Object.keys(rules)));
  });

  it.each(files.map((f) => [relative(src, f), f]))('%s', (_name, file) => {
    expect(violations(file, readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('would catch an HTTP route opening the database, a port reaching an adapter, a page script importing the server', () => {
    expect(violations(join(src, 'http', 'x.ts'), "import Database from 'better-sqlite3';")).toEqual(['better-sqlite3']);
    expect(violations(join(src, 'http', 'x.ts'), "import { SqliteStore } from '../adapters/store/sqlite/sqlite-store';")).toHaveLength(1);
    expect(violations(join(src, 'application', 'ports', 'x.ts'), "import type { PgStore } from '../../adapters/store/postgres/pg-store';")).toHaveLength(1);
    expect(violations(join(src, 'adapters', 'x', 'y.ts'), "import { createApp } from '../../http/app';")).toHaveLength(1);
    expect(violations(join(src, 'web', 'x.ts'), "import { page } from '../http/pages/layout';")).toHaveLength(1);
    expect(violations(join(src, 'composition', 'x.ts'), "import { startService } from '../main';")).toHaveLength(1);
  });
});
