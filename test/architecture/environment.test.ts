// The process environment is read in one place: src/cli/sdx.ts hands it to runCli, which parses it
// once (src/settings.ts) into the typed settings every command, the service and the PDF workers get.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const src = join(__dirname, '..', '..', 'src');

/** Files allowed to read process.env, and why. */
const readers: Record<string, string> = {
  'cli/sdx.ts': 'the command-line entry point: hands the environment to runCli, which parses it once',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const readsEnvironment = (source: string) => /\bprocess\s*(\.\s*env\b|\[\s*['"]env['"]\s*\])|\bfrom\s+['"](node:)?process['"]/.test(source);

describe('the environment is read in one place', () => {
  it('no file of src/ but the listed ones reads process.env', () => {
    const found = sourceFiles(src)
      .filter((file) => readsEnvironment(readFileSync(file, 'utf8')))
      .map((file) => relative(src, file).split('\\').join('/'));
    expect(found.sort()).toEqual(Object.keys(readers).sort());
  });

  it('would catch a read however it is spelt', () => {
    expect(readsEnvironment('const port = process.env.SDX_PORT;')).toBe(true);
    expect(readsEnvironment("const env = process['env'];")).toBe(true);
    expect(readsEnvironment("import { env } from 'node:process';")).toBe(true);
    expect(readsEnvironment('const port = settings.port; // not process.environment')).toBe(false);
  });
});
