import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkText, checkTexts, findingTexts, hasFindingText } from '../../src/application/verify-messages';
import { repoRoot } from '../support/examples';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Where the verifier's findings come from. */
const sources = [
  ...sourceFiles(join(repoRoot, 'src', 'adapters', 'pdf', 'verify')),
  join(repoRoot, 'src', 'adapters', 'pki', 'certificate-validation.ts'),
  join(repoRoot, 'src', 'application', 'audit', 'log-service.ts'),
];

const argument = String.raw`(?:'[^']*'|\x60[^\x60]*\x60|[^,()'"\x60]+?)`;
const patterns = [
  // invalid(check, 'code', ...), indeterminate(...), skippedRequired(...): the code is the second argument.
  new RegExp(String.raw`\b(?:invalid|indeterminate|skipped|look)\w*\(\s*${argument},\s*'([a-z0-9-]+)'`, 'g'),
  // finding(check, 'invalid', 'code', ...): a status, then the code.
  new RegExp(String.raw`\(\s*${argument},\s*'(?:valid|invalid|indeterminate|error|skipped)',\s*'([a-z0-9-]+)'`, 'g'),
  // { check, status, code: 'code', ... }
  /\bcode:\s*'([a-z0-9-]+)'/g,
];

/** The finding codes the sources can emit, each with a file that emits it. */
function emittedCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) if (match[1]) codes.set(match[1], file.slice(repoRoot.length + 1));
    // Each verifier limit is a finding code of its own (`invalid(check, error.code, ...)`).
    const limits = /PDF_LIMIT_CODES\s*=\s*\[([^\]]*)\]/.exec(text);
    if (limits?.[1]) for (const m of limits[1].matchAll(/'([a-z0-9-]+)'/g)) if (m[1]) codes.set(m[1], file.slice(repoRoot.length + 1));
  }
  return codes;
}

/** The codes issue 14's spec names, whether or not today's verifier emits them yet. */
const specCodes = [
  'field-added-after-signature',
  'annotation-added-after-signature',
  'appearance-changed-after-signature',
  'signature-outside-reserved-field',
  'reserved-field-changed',
  'page-content-changed-after-signature',
  'modified-after-signature',
  'unsigned-update-after-signature',
  'visible-change-after-signature',
  'not-permitted-by-certification',
  'signer-not-identified',
  'signer-not-issuer',
  'signer-not-allowed',
  'payload-missing',
  'payload-unreadable',
  'payload-hash-mismatch',
  'not-the-issued-document',
  'signer-not-event-actor',
  'document-not-in-ledger',
  'certificate-expired',
  'timestamp-in-future',
  'unsupported-signature-format',
  'multiple-signer-infos',
  'no-signatures',
];

describe('the finding catalogue (/verify page and sdx verify)', () => {
  const emitted = emittedCodes();

  it('finds the codes in the verifier sources (the extraction itself works)', () => {
    expect(emitted.size).toBeGreaterThan(40);
    for (const code of ['digest-mismatch', 'certificate-expired', 'event-not-in-log', 'verification-timed-out', 'too-many-objects', 'no-signatures', 'check-failed', 'ok']) {
      expect(emitted.has(code)).toBe(true);
    }
  });

  it('has a Chinese and an English text for every code the verifier emits and the spec names', () => {
    const codes = new Set([...emitted.keys(), ...specCodes]);
    const missing = [...codes].filter((code) => !hasFindingText(code)).map((code) => `${code} (${emitted.get(code) ?? 'spec'})`);
    expect(missing).toEqual([]);
  });

  // Names Chinese clerks read as they are.
  const acronyms = new Set(['PDF', 'SDX', 'SHA']);

  it('every entry has both languages, non-empty, the Chinese one in Chinese', () => {
    for (const [code, entry] of Object.entries(findingTexts)) {
      expect({ code, en: entry.en.trim().length > 0, zh: entry.zh.trim().length > 0 }).toEqual({ code, en: true, zh: true });
      expect({ code, zhHasHan: /\p{Script=Han}/u.test(entry.zh) }).toEqual({ code, zhHasHan: true });
      expect({ code, zhEnglishWords: (entry.zh.match(/[A-Za-z]{3,}/g) ?? []).filter((word) => !acronyms.has(word)) }).toEqual({ code, zhEnglishWords: [] });
    }
  });

  it('every check name has both languages, the Chinese one in Chinese', () => {
    for (const [check, entry] of Object.entries(checkTexts)) {
      expect({ check, en: entry.en.trim().length > 0, zhHasHan: /\p{Script=Han}/u.test(entry.zh) }).toEqual({ check, en: true, zhHasHan: true });
      expect({ check, zhEnglishWords: (entry.zh.match(/[A-Za-z]{3,}/g) ?? []).filter((word) => !acronyms.has(word)) }).toEqual({ check, zhEnglishWords: [] });
    }
  });

  it('names every check the verifier runs in plain words, never by its path', () => {
    // `${prefix}.digest`, 'document.ledger', ...; `${prefix}.timestamp-authority` is the prefix of the authority's certificate checks.
    const named = [...sources.map((file) => readFileSync(file, 'utf8')).join('\n').matchAll(/\$\{(?:prefix|checkPrefix)\}\.([a-z-]+)|'((?:document|ledger)\.[a-z-]+)'/g)];
    const checks = new Set<string>(['document.changes-after-signature[0]']);
    for (const m of named) {
      if (m[1] && m[1] !== 'timestamp-authority') checks.add(`signature[0].${m[1]}`);
      if (m[2]) checks.add(m[2]);
    }
    for (const sub of ['chain', 'validity', 'revocation', 'key-usage']) checks.add(`signature[0].timestamp-authority.${sub}`);
    expect(checks.size).toBeGreaterThan(20);
    for (const lang of ['zh-CN', 'en'] as const) {
      const unnamed = [...checks].filter((check) => /其他检查|another check/.test(checkText(lang, check)));
      expect({ lang, unnamed }).toEqual({ lang, unnamed: [] });
    }
    expect(checkText('zh-CN', 'signature[1].timestamp-authority.chain')).toBe('签名 2：时间戳机构证书由受信任机构签发');
    expect(checkText('en', 'document.changes-after-signature[0]')).toBe('Signature 1: no forbidden change after this signature');
    expect(checkText('zh-CN', 'ledger.integrity')).toBe('账本：账本完整性');
  });

  it('the README documents every code of the spec and the four exit codes', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = /\n## Verification verdicts\n([^]*?)\n## /.exec(readme)?.[1] ?? '';
    expect(specCodes.filter((code) => !section.includes(`| \`${code}\` |`))).toEqual([]);
    for (const exit of ['| 0 |', '| 1 |', '| 2 |', '| 3 |']) expect(section).toContain(exit);
  });
});
