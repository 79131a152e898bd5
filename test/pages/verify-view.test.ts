// The /verify page's report, rendered from constructed reports: the one-line verdict banner in the
// page's language and colour, each signature with party, role and trusted time, and the findings
// in the catalogue's words rather than the verifier's English message.
import type { Finding } from '../../src/domain/verification/finding';
import type { PdfVerificationReport } from '../../src/domain/verification/pdf-report';
import type { Lang } from '../../src/http/pages/i18n';
import { reportView, verdictBanner, verifyView } from '../../src/http/pages/verify.view';
import { findingText } from '../../src/application/verify-messages';
import { HAULIER, ISSUER, STRANGER, baseFindings, build, dataTexts, reports, signature } from '../support/verification-reports';

/** The text a person sees in the first element matching `className`, tags removed, entities decoded. */
function visibleText(markup: string, tag: string, className: string): string {
  const match = new RegExp(`<${tag} class="${className}[^"]*"[^>]*>([^]*?)</${tag}>`).exec(markup);
  if (!match) throw new Error(`no <${tag} class="${className}"> in the page`);
  return (match[1] as string)
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** Names Chinese clerks read as they are. */
const acronyms = new Set(['PDF', 'SDX']);

/** ASCII words of three or more letters left once the document's own names, ids and number are taken out. */
function englishWords(text: string): string[] {
  const withoutData = [...dataTexts, 'EIR-2026-0001'].reduce((rest, data) => rest.split(data).join(' '), text);
  return (withoutData.match(/[A-Za-z]{3,}/g) ?? []).filter((word) => !acronyms.has(word));
}

function render(lang: Lang, report: PdfVerificationReport): string {
  return reportView(lang, report).text;
}

describe('the /verify report view', () => {
  it.each([
    ['genuine', 'zh-CN', 'green', '真实，已在本交换平台登记'],
    ['genuine', 'en', 'green', 'Genuine: recorded in this exchange’s ledger'],
    ['genuineVoided', 'zh-CN', 'amber', '真实且已在本交换平台登记，但账本中当前状态为“已作废”：请勿凭此件办理'],
    ['genuineVoided', 'en', 'amber', 'Genuine and recorded here, but its ledger status is now “Voided”: do not act on this copy'],
    ['genuineReleased', 'zh-CN', 'amber', '真实且已在本交换平台登记，但账本中当前状态为“已放货”：请勿凭此件办理'],
    ['notRecorded', 'zh-CN', 'blue', '签名有效，但非本平台签发'],
    ['notRecorded', 'en', 'blue', 'Signatures valid, but not issued by this exchange'],
    ['offline', 'zh-CN', 'blue', '签名有效（未查询本平台账本）'],
    ['offline', 'en', 'blue', 'Signatures valid (the ledger was not consulted)'],
    ['indeterminate', 'zh-CN', 'amber', '无法确定，需人工查看（签名后新增了可见内容，第 2 版，由 Mallory Forwarding Ltd 签名）'],
    ['indeterminate', 'en', 'amber', 'Indeterminate, a person must look: something visible was drawn after signing (revision 2, signed by Mallory Forwarding Ltd)'],
    ['forged', 'zh-CN', 'red', '伪造或被篡改（第 2 版，由 Mallory Forwarding Ltd 签名）：签名后新增了表单域或签名域'],
    ['forged', 'en', 'red', 'Forged or changed: a form or signature field was added after signing (revision 2, signed by Mallory Forwarding Ltd)'],
    ['unusable', 'zh-CN', 'red', '无法验证：文件对象数超出验证程序的上限'],
    ['unusable', 'en', 'red', 'Cannot be verified: the file has more objects than the verifier reads'],
  ] as const)('%s in %s: a %s banner first, role="status", saying "%s"', (name, lang, colour, text) => {
    const report = reports[name];
    expect(verdictBanner(lang, report)).toEqual({ text, colour });
    const markup = render(lang, report);
    expect(markup.indexOf('verdict-line')).toBeLessThan(markup.indexOf('class="findings'));
    expect(markup).toMatch(new RegExp(`<p class="verdict-line ${colour}" role="status">`));
    expect(visibleText(markup, 'p', 'verdict-line')).toBe(text);
  });

  it.each(Object.keys(reports) as (keyof typeof reports)[])('%s in Chinese: no English sentence in the banner or the signatures', (name) => {
    const markup = render('zh-CN', reports[name]);
    expect(englishWords(visibleText(markup, 'p', 'verdict-line'))).toEqual([]);
    if (reports[name].signatures.length > 0) expect(englishWords(visibleText(markup, 'ol', 'signatures'))).toEqual([]);
  });

  it('lists each signature with its party name and id, role and trusted time in Beijing time, or says it has none', () => {
    const zh = render('zh-CN', reports.genuine);
    const signatures = visibleText(zh, 'ol', 'signatures');
    expect(signatures).toContain('签名 1 Yangshan Demo Container Terminal demo-terminal 统一社会信用代码 91310000MA1FL0XX1X 签发方 可信时间 2026年12月3日 19:03（北京时间）');
    expect(signatures).toContain('签名 2 Donghai Trucking (demo) demo-haulier-a 会签方 可信时间 2026年12月3日 20:30（北京时间）');
    const en = visibleText(render('en', reports.forged), 'ol', 'signatures');
    expect(en).toContain('Signature 1 Yangshan Demo Container Terminal demo-terminal USCC 91310000MA1FL0XX1X issuer trusted time');
    expect(en).toContain('Signature 2 Mallory Forwarding Ltd demo-forwarder no SDX role no trusted time');
    expect(visibleText(render('zh-CN', reports.forged), 'ol', 'signatures')).toContain('Mallory Forwarding Ltd demo-forwarder 无本平台角色 无可信时间');
  });

  it('shows each finding in the catalogue’s words, with its revision, keeping the verifier’s message out of the text', () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const markup = render(lang, reports.forged);
      const findings = visibleText(markup, 'ul', 'findings');
      const finding = reports.forged.findings.find((f) => f.code === 'field-added-after-signature') as Finding;
      expect(findings).toContain(findingText(lang, finding));
      expect(findings).toContain(lang === 'en' ? '(revision 2)' : '（第 2 版）');
      expect(findings).not.toContain(finding.message);
      expect(findings).toContain(lang === 'en' ? 'Signature 1: no forbidden change after this signature' : '签名 1：签名后无不允许的修改');
    }
  });

  it('escapes names from the certificates', () => {
    const hostile = { name: '<img src=x onerror=alert(1)>', partyId: 'demo-x', legalId: null };
    const report = build(baseFindings, [signature(0, hostile, 'issuer', 1, null)], 'not-checked');
    expect(render('en', report)).not.toContain('<img');
  });

  it('the whole page puts the report first and keeps the upload form under it for the next file', () => {
    const page = verifyView({ lang: 'zh-CN', path: '/verify' }, { report: reports.genuine, fileName: 'eir.pdf' }).text;
    expect(page).toContain('action="/verify/report"');
    expect(page.indexOf('verdict-line')).toBeLessThan(page.indexOf('action="/verify/report"'));
    expect(page).toContain('真实，已在本交换平台登记');
    expect(page).toContain('验证另一个 PDF');
  });

  it('without a report the page opens with its introduction and the form', () => {
    const page = verifyView({ lang: 'en', path: '/verify' }).text;
    expect(page.indexOf('Upload a signed SDX PDF')).toBeLessThan(page.indexOf('action="/verify/report"'));
    expect(page).not.toContain('verdict-line');
  });
});

describe('the /verify report: verdict first', () => {
  const names = new Map([
    [ISSUER.partyId, { en: ISSUER.name, zh: '洋山演示集装箱码头' }],
    [HAULIER.partyId, { en: HAULIER.name, zh: '东海运输（演示）' }],
  ]);
  /** The reports with every signature's certificate chain checked and trusted (as the verifier reports it). */
  const trusted = (report: PdfVerificationReport): PdfVerificationReport => ({
    ...report,
    findings: [...report.findings, ...report.signatures.map((s): Finding => ({ check: `signature[${s.index}].chain`, status: 'valid', code: 'ok', message: 'ok', required: true }))],
  });

  it.each([
    ['zh-CN', '设备交接单 EIR-2026-0001'],
    ['en', 'Equipment Interchange Receipt EIR-2026-0001'],
  ] as const)('in %s the banner names the kind and business number, never the ledger id', (lang, line) => {
    for (const report of [reports.genuine, reports.notRecorded, reports.forged, reports.indeterminate]) {
      const markup = render(lang, report);
      expect(visibleText(markup, 'div', 'fact-document')).toContain(line);
      expect(markup).not.toContain(report.document.documentId as string);
    }
    const foreign = { ...reports.unusable, document: { ...reports.unusable.document, profile: 'foreign' as const, kind: null, number: null } };
    expect(visibleText(render(lang, foreign), 'div', 'fact-document')).toBe(lang === 'en' ? 'Document a PDF not made by SDX' : '单证 非 SDX 生成的 PDF');
  });

  it('the banner says who signed, in the page’s language when the certificate is trusted, with role and Beijing time', () => {
    const zh = reportView('zh-CN', trusted(reports.genuine), names).text;
    expect(visibleText(zh, 'div', 'fact-signers')).toBe('签名方 洋山演示集装箱码头 签发方 可信时间 2026年12月3日 19:03（北京时间） 东海运输（演示） 会签方 可信时间 2026年12月3日 20:30（北京时间）');
    const en = reportView('en', trusted(reports.genuine), names).text;
    expect(visibleText(en, 'div', 'fact-signers')).toContain(`${ISSUER.name} issuer trusted time`);
    // An untrusted certificate's party id is not believed: the certificate's own name is shown.
    expect(visibleText(reportView('zh-CN', reports.genuine, names).text, 'div', 'fact-signers')).toContain(ISSUER.name);
  });

  it('a signature without a trusted timestamp shows the time it claims, said to be a claim', () => {
    const claimed = { ...reports.offline, signatures: reports.offline.signatures.map((s) => ({ ...s, signingTime: '2026-12-03T02:00:00.000Z' })) };
    expect(visibleText(render('zh-CN', claimed), 'div', 'fact-signers')).toContain('自称 2026年12月3日 10:00（北京时间），无可信时间戳');
    expect(visibleText(render('en', claimed), 'div', 'fact-signers')).toContain('claims 3 Dec 2026, 10:00 (Shanghai), no trusted timestamp');
  });

  it('a forged banner names the answerable signer by this exchange’s name for it', () => {
    const forged = trusted(reports.forged);
    const strangerNames = new Map([...names, [STRANGER.partyId, { en: STRANGER.name, zh: '马洛里货代' }]]);
    expect(verdictBanner('zh-CN', forged, strangerNames).text).toBe('伪造或被篡改（第 2 版，由 马洛里货代 签名）：签名后新增了表单域或签名域');
  });

  it('what failed comes first, the deciding finding at the top; passed checks are folded in a closed <details>', () => {
    const deciding = reports.forged.summary.finding as Finding;
    const report = build(
      [{ check: 'signature[1].chain', status: 'invalid', code: 'chain-untrusted', message: 'x', required: true }, ...reports.forged.findings],
      reports.forged.signatures,
      'recorded',
    );
    expect(report.summary.finding?.code).toBe('chain-untrusted');
    for (const lang of ['zh-CN', 'en'] as const) {
      const markup = render(lang, { ...report, summary: { ...report.summary, finding: deciding } });
      const problems = markup.indexOf('class="findings problems"');
      const passed = markup.indexOf('<details class="passed"');
      expect(problems).toBeGreaterThan(markup.indexOf('verdict-line'));
      expect(passed).toBeGreaterThan(problems);
      expect(markup).toMatch(/<details class="passed">\s*<summary>/);
      const problemItems = [...markup.slice(problems, passed).matchAll(/data-code="([^"]+)"/g)].map((m) => m[1]);
      expect(problemItems).toEqual(['field-added-after-signature', 'chain-untrusted']);
      const passedItems = [...markup.slice(passed).matchAll(/<li class="finding (\w+)/g)].map((m) => m[1]);
      expect(new Set(passedItems)).toEqual(new Set(['valid']));
      expect(/<details class="passed">\s*<summary>([^<]*)<\/summary>/.exec(markup)?.[1]).toBe(lang === 'en' ? 'Passed checks (4)' : '已通过的检查（4 项）');
    }
  });

  it('"this exchange did not issue it" is a neutral note with a blue banner, never listed or styled as a failure', () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const markup = render(lang, reports.notRecorded);
      expect(markup).not.toContain('class="findings problems"');
      expect(markup).toMatch(/<li class="finding skipped note" data-code="document-not-in-ledger"/);
      expect(markup).not.toMatch(/verdict-line (red|amber)/);
      expect(visibleText(markup, 'ul', 'findings notes')).toBe(lang === 'en' ? 'note this exchange did not issue this document' : '说明 本平台没有签发此单证');
    }
  });

  it('never shows a check path, even for checks the catalogue does not name', () => {
    const report = build(
      [
        ...baseFindings,
        { check: 'signature[0].timestamp-authority.chain', status: 'invalid', code: 'chain-untrusted', message: 'x', required: true },
        { check: 'document.some-future-check', status: 'invalid', code: 'some-future-code', message: 'x', required: true },
      ],
      [signature(0, ISSUER, 'issuer', 1, null)],
      'not-checked',
    );
    for (const lang of ['zh-CN', 'en'] as const) {
      const text = visibleText(`<main class="x">${render(lang, report)}</main>`, 'main', 'x');
      expect(text).not.toMatch(/signature\[|document\.|\.chain|timestamp-authority|some-future/);
      expect(text).toContain(lang === 'en' ? 'Signature 1: time-stamp authority’s certificate issued by a trusted authority' : '签名 1：时间戳机构证书由受信任机构签发');
      expect(text).toContain(lang === 'en' ? 'Document: another check' : '文件：其他检查');
    }
    const zh = visibleText(`<main class="x">${render('zh-CN', report)}</main>`, 'main', 'x');
    expect(englishWords(zh)).toEqual([]);
  });
});
