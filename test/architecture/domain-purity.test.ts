import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');
const domainDir = join(root, 'src', 'domain');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) {
    if (match[1]) found.push(match[1]);
  }
  return found;
}

/** Modules a pure domain may use: schema validation and hashing, nothing that reaches the outside. */
const allowedPackages = new Set(['zod', 'node:crypto']);

describe('src/domain stays pure', () => {
  const files = sourceFiles(domainDir);

  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s imports only the domain, zod and node:crypto', (_name, file) => {
    const offending = importsOf(readFileSync(file, 'utf8')).filter((specifier) =>
      specifier.startsWith('.')
        ? !join(file, '..', specifier).startsWith(domainDir)
        : !allowedPackages.has(specifier),
    );
    expect(offending).toEqual([]);
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s reads no environment and prints nothing', (_name, file) => {
    const source = readFileSync(file, 'utf8');
    expect(source).not.toMatch(/process\.env|console\.|process\.(stdout|stderr)/);
  });

  it('would catch a domain file importing an adapter', () => {
    const fake = join(domainDir, 'x', 'y.ts');
    const specifier = '../../adapters/store/sqlite/sqlite-store';
    expect(join(fake, '..', specifier).startsWith(domainDir)).toBe(false);
    expect(importsOf(`import { SqliteStore } from '${specifier}';`)).toEqual([specifier]);
  });
});
