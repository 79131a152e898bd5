// Entry points that must stay light: a PDF worker thread, the dev PKI generator and `sdx verify`
// load only what they use, so neither the whole app (src/main.ts) nor the CLI comes along.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = join(__dirname, '..', '..');
const src = join(root, 'src');

/** Relative specifiers a file imports, statically or on demand (import() or require()). */
function relativeImports(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"](\.[^'"]+)['"]/g)) {
    if (match[1]) found.push(match[1]);
  }
  return found;
}

/** Every source file reached from `entry` through relative imports (type-only imports included). */
function reachable(entry: string, options: { staticOnly?: boolean; runtimeOnly?: boolean } = {}): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    let source = readFileSync(file, 'utf8');
    // On-demand loads (import(), require()) are not paid by every start; the static graph is.
    if (options.staticOnly) source = source.replace(/(?:import|require)\s*\(\s*['"][^'"]+['"]\s*\)/g, '');
    // Type-only imports vanish from the compiled JavaScript.
    if (options.runtimeOnly) source = source.replace(/^(?:import|export) type [^;]*;/gm, '');
    for (const specifier of relativeImports(source)) {
      const base = join(dirname(file), specifier);
      const resolved = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
      if (resolved) queue.push(resolved);
    }
  }
  return seen;
}

const names = (files: Set<string>) => [...files].map((file) => relative(src, file));

describe('light entry points', () => {
  it('a PDF worker thread does not load src/main.ts, the HTTP layer or the CLI', () => {
    const files = names(reachable(join(src, 'adapters', 'pdf', 'pdf-worker.ts')));
    expect(files).toContain('adapters/pdf/render/render-document.ts');
    expect(files.filter((file) => file === 'main.ts' || file.startsWith('http/') || file.startsWith('cli/'))).toEqual([]);
  });

  it('the dev PKI generator does not load the CLI or src/main.ts', () => {
    const files = names(reachable(join(src, 'adapters', 'pki', 'generate-dev-pki.ts')));
    expect(files).toContain('adapters/pki/dev-pki.ts');
    expect(files.filter((file) => file === 'main.ts' || file.startsWith('cli/'))).toEqual([]);
  });

  it('sdx verify, as started, loads neither the app, the stores, the HTTP layer nor the renderer', () => {
    const files = names(reachable(join(src, 'cli', 'sdx.ts'), { staticOnly: true }));
    const verify = names(reachable(join(src, 'cli', 'verify.command.ts')));
    expect(verify).toContain('adapters/pdf/verify/in-thread-verifier.ts');
    expect(verify).toContain('adapters/pdf/verify/bounded-verifier.ts');
    const heavy = (file: string) =>
      file === 'main.ts' || file.startsWith('http/') || file.startsWith('adapters/store/') || file.startsWith('adapters/pdf/render/');
    expect([...files, ...verify].filter(heavy)).toEqual([]);
  });

  it.each([
    ['a verification worker', join('adapters', 'pdf', 'verify', 'verify-worker.ts')],
    ['sdx verify', join('cli', 'verify.command.ts')],
  ])('%s loads neither an ASN.1 schema library, the X.509 object model nor zod', (_, entry) => {
    const files = [...reachable(join(src, entry), { runtimeOnly: true })];
    expect(names(new Set(files))).toContain('adapters/pki/certificate-validation.ts');
    const packages = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/^import (?!type )[^;]*?from\s+['"]([^'".][^'"]*)['"]/gm)].map((m) => `${relative(src, file)}: ${m[1] as string}`),
    );
    expect(packages.filter((line) => /: (@peculiar\/|zod|reflect-metadata|tsyringe)/.test(line))).toEqual([]);
  });
});
