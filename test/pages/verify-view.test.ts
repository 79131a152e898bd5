// The /verify page's report, rendered from constructed reports: the one-line verdict banner in the
// page's language and colour, each signature with party, role and trusted time, and the findings
// in the catalogue's words rather than the verifier's English message.
import type { Finding } from '../../src/domain/verification/finding';
import type { PdfVerificationReport } from '../../src/domain/verification/pdf-report';
import type { Lang } from '../../src/http/pages/i18n';
import { reportView, verdictBanner, verifyView } from '../../src/http/pages/verify.view';
import { findingText } from '../../src/application/verify-messages';
import { baseFindings, build, dataTexts, reports, signature } from '../support/verification-reports';

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

/** ASCII words of three or more letters left once the document's own names and ids are taken out. */
function englishWords(text: string): string[] {
  const withoutData = dataTexts.reduce((rest, data) => rest.split(data).join(' '), text);
  return withoutData.match(/[A-Za-z]{3,}/g) ?? [];
}

function render(lang: Lang, report: PdfVerificationReport): string {
  return reportView(lang, report).text;
}

describe('the /verify report view', () => {
  it.each([
    ['genuine', 'zh-CN', 'green', '真实，已在本交换平台登记'],
    ['genuine', 'en', 'green', 'Genuine: recorded in this exchange’s ledger'],
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
    expect(markup.indexOf('verdict-line')).toBeLessThan(markup.indexOf('class="findings"'));
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

  it('the whole page keeps the upload form and puts the report under it', () => {
    const page = verifyView({ lang: 'zh-CN', path: '/verify' }, { report: reports.genuine, fileName: 'eir.pdf' }).text;
    expect(page).toContain('action="/verify/report"');
    expect(page.indexOf('action="/verify/report"')).toBeLessThan(page.indexOf('verdict-line'));
    expect(page).toContain('真实，已在本交换平台登记');
  });
});
