import type { Finding } from '../domain/verification/finding';
import type { PdfVerificationReport } from '../domain/verification/pdf-report';

type Text = { en: string; zh: string };

/** The two languages people read the catalogue in (the pages' `Lang`). */
export type MessageLang = 'zh-CN' | 'en';

/**
 * What each finding code means, in words a clerk reads: the /verify page shows these instead of
 * the verifier's English `message`, and `sdx verify` uses the English ones in its first line. Both
 * import it from here, the application layer, so the CLI does not reach into the web pages. Keyed
 * by code; a unit test fails when the verifier emits a code this catalogue lacks. Texts are short
 * phrases without placeholders: the revision and the signer are shown next to them.
 */
export const findingTexts = {
  ok: { en: 'holds', zh: '通过' },

  // Structure and limits (document.parse, document.verification)
  'not-a-pdf': { en: 'the file is not a PDF', zh: '该文件不是 PDF' },
  'malformed-pdf': { en: 'the PDF structure cannot be read', zh: '无法读取 PDF 结构' },
  'xref-damaged': { en: 'the cross-reference data is damaged, so viewers may show something other than what was signed', zh: '交叉引用数据损坏，阅读器显示的内容可能与签名内容不同' },
  'pdf-too-large': { en: 'the file is larger than the verifier reads', zh: '文件超出验证程序可读取的大小' },
  'too-many-objects': { en: 'the file has more objects than the verifier reads', zh: '文件对象数超出验证程序的上限' },
  'too-many-items': { en: 'an array or dictionary has more entries than the verifier reads', zh: '数组或字典条目数超出验证程序的上限' },
  'too-many-signatures': { en: 'the file has more signatures than the verifier reads', zh: '签名数量超出验证程序的上限' },
  'nesting-too-deep': { en: 'the file nests objects deeper than the verifier reads', zh: '对象嵌套层数超出验证程序的上限' },
  'number-too-long': { en: 'the file contains a number too long to read', zh: '文件中有过长的数字' },
  'stream-too-large': { en: 'a stream inflates to more than the verifier reads', zh: '数据流解压后超出验证程序的上限' },
  'der-too-complex': { en: 'the signature data is nested too deeply to read', zh: '签名数据嵌套过深，无法读取' },
  'verification-timed-out': { en: 'the verification ran out of time', zh: '验证超时' },
  'verification-out-of-memory': { en: 'the verification ran out of memory', zh: '验证时内存不足' },
  'verification-failed': { en: 'the verification stopped unexpectedly', zh: '验证意外中止' },
  'check-failed': { en: 'this check could not run', zh: '此项检查无法执行' },

  // Signatures present and where
  'no-signatures': { en: 'the document carries no signature', zh: '文件没有签名' },
  'signature-not-in-form': { en: 'a later revision unlinked or replaced this signature', zh: '后续版本解除或替换了此签名' },

  // Signature dictionary and CMS (signature[i].format, .signer-infos, .byte-range, ...)
  'unsupported-signature-format': { en: 'the signature uses a format SDX does not accept', zh: '签名格式不受支持' },
  'multiple-signer-infos': { en: 'the signature holds other than exactly one signer', zh: '签名中的签名人数量不是恰好一个' },
  'byte-range-malformed': { en: 'the signed byte range is malformed', zh: '签名字节范围格式错误' },
  'byte-range-not-at-start': { en: 'the first bytes of the file are not signed', zh: '文件开头的字节未被签名' },
  'byte-range-out-of-bounds': { en: 'the signed byte range lies outside the file', zh: '签名字节范围超出文件' },
  'byte-range-gap-not-contents': { en: 'bytes other than the signature value are left unsigned', zh: '签名值以外的字节未被签名' },
  'byte-range-not-covering-file': { en: 'the signature ends neither at the end of the file nor at the end of a revision', zh: '签名范围既未到文件末尾，也未到某一版本末尾' },
  'byte-range-unusable': { en: 'the signed byte range does not name bytes of this file', zh: '签名字节范围不属于本文件' },
  'contents-not-der': { en: 'the signature value is not readable signature data', zh: '签名值不是可读取的签名数据' },
  'contents-padding-not-zero': { en: 'hidden data follows the signature value', zh: '签名值之后藏有数据' },
  'cms-unreadable': { en: 'the signature data cannot be read', zh: '无法读取签名数据' },
  'digest-mismatch': { en: 'the content was changed after signing', zh: '签名后内容被改动' },
  'message-digest-missing': { en: 'the signature does not say what it signed', zh: '签名未注明所签内容的摘要' },
  'no-signed-attributes': { en: 'the signature covers the document digest directly', zh: '签名直接覆盖文件摘要' },
  'weak-digest-algorithm': { en: 'the signature uses a broken hash algorithm (SHA-1)', zh: '签名使用了已不安全的哈希算法（SHA-1）' },
  'unsupported-digest-algorithm': { en: 'the hash algorithm is not supported', zh: '哈希算法不受支持' },
  'unsupported-signature-algorithm': { en: 'the signature algorithm is not supported', zh: '签名算法不受支持' },
  'signature-invalid': { en: 'the signature does not verify', zh: '签名验证失败' },
  'signer-certificate-missing': { en: 'the signer’s certificate is missing', zh: '缺少签名人证书' },
  'signing-certificate-missing': { en: 'the signature does not name its certificate', zh: '签名未绑定其证书' },
  'signing-certificate-mismatch': { en: 'the signature names a different certificate than the one that signed', zh: '签名绑定的证书与实际签名证书不同' },
  'not-present': { en: 'not present (not required for this signature type)', zh: '未提供（此签名类型不要求）' },

  // Trusted time
  'no-timestamp': { en: 'no trusted timestamp: certificates are checked at verification time', zh: '无可信时间戳：按验证时间检查证书' },
  'timestamp-imprint-mismatch': { en: 'the timestamp was issued for a different signature', zh: '时间戳属于另一个签名' },
  'timestamp-signature-invalid': { en: 'the timestamp’s own signature does not verify', zh: '时间戳本身的签名验证失败' },
  'timestamp-in-future': { en: 'the timestamp lies in the future', zh: '时间戳时间在未来' },

  // Certificates (signature[i].chain, .validity, .revocation, .key-usage, .timestamp-authority)
  'chain-untrusted': { en: 'the certificate is not issued by a trusted authority', zh: '证书不是由受信任机构签发' },
  'certificate-unparseable': { en: 'the certificate cannot be read', zh: '无法读取证书' },
  'unsupported-critical-extension': { en: 'the certificate has a critical extension SDX does not process', zh: '证书含有无法处理的关键扩展' },
  'certificate-expired': { en: 'the certificate had expired', zh: '证书已过期' },
  'out-of-bounds-no-poe': { en: 'no proof the signature existed before a certificate expired', zh: '证书过期前无存在性证明（未续期归档时间戳）' },
  'certificate-not-yet-valid': { en: 'the certificate was not yet valid', zh: '证书尚未生效' },
  'certificate-revoked': { en: 'the certificate has been revoked', zh: '证书已被吊销' },
  'revoked-after-signing': { en: 'the certificate was revoked only after the proven signing time', zh: '证书在可证明的签名时间之后才被吊销' },
  'crl-signature-invalid': { en: 'the revocation list is not signed by its issuer', zh: '吊销列表签名无效' },
  'no-crl': { en: 'no revocation list available, revocation not checked', zh: '没有吊销列表，未检查吊销状态' },
  'key-usage-not-allowed': { en: 'the certificate may not sign documents', zh: '证书不允许签署文件' },

  // Who signed (signature[i].signer)
  'signer-not-identified': { en: 'the certificate names no SDX party', zh: '证书未指明 SDX 参与方' },
  'signer-not-issuer': { en: 'signed by a party that may not issue this document', zh: '签名方无权签发此单证' },
  'signer-not-allowed': { en: 'signed by a party that may not sign at this step', zh: '签名方无权在此环节签名' },

  // Changes after a signature (document.changes-after-signature[i])
  'field-added-after-signature': { en: 'a form or signature field was added after signing', zh: '签名后新增了表单域或签名域' },
  'annotation-added-after-signature': { en: 'an annotation was added after signing', zh: '签名后新增了批注' },
  'appearance-changed-after-signature': { en: 'what a field or annotation draws was replaced after signing', zh: '签名后表单域或批注的显示外观被替换' },
  'signature-outside-reserved-field': { en: 'a signature was placed outside its reserved field', zh: '签名未在预留的签名域内' },
  'reserved-field-changed': { en: 'a reserved signature field was changed', zh: '预留的签名域被改动' },
  'page-content-changed-after-signature': { en: 'page content was changed after signing', zh: '签名后页面内容被改动' },
  'modified-after-signature': { en: 'the document was changed after signing', zh: '签名后文件被改动' },
  'unsigned-update-after-signature': { en: 'an unsigned update was appended after the last signature', zh: '最后一个签名之后追加了未签名的更新' },
  'visible-change-after-signature': { en: 'something visible was drawn after signing', zh: '签名后新增了可见内容' },
  'not-permitted-by-certification': { en: 'a change the certifying signature forbids', zh: '认证签名不允许的修改' },
  'signed-revision-unreadable': { en: 'the signed revision cannot be read', zh: '无法读取已签名的版本' },

  // The payload inside the PDF (document.payload, document.payload-hash)
  'payload-missing': { en: 'the machine-readable document is missing', zh: '缺少内嵌的机读单证数据' },
  'payload-unreadable': { en: 'the machine-readable document cannot be read', zh: '无法读取内嵌的机读单证数据' },
  'payload-hash-mismatch': { en: 'the content differs from the fingerprint it carries', zh: '内容与其指纹不一致' },
  'payload-hash-missing': { en: 'the document carries no content fingerprint', zh: '文件未载明内容指纹' },
  'not-requested': { en: 'not asked for', zh: '未要求' },

  // The ledger (document.ledger, document.log-inclusion, ledger.integrity)
  'document-id-missing': { en: 'the document names no SDX document', zh: '文件未载明 SDX 单证编号' },
  'document-not-in-ledger': { en: 'this exchange did not issue this document', zh: '本平台没有签发此单证' },
  'not-the-issued-document': { en: 'not the document this exchange issued', zh: '不是本平台签发的单证' },
  'signer-not-event-actor': { en: 'signed by a party other than the one the ledger recorded', zh: '签名方与账本记录的操作方不同' },
  'event-not-in-log': { en: 'an event is missing from the signed ledger', zh: '有事件不在已签名账本中' },
  'log-integrity-failed': { en: 'the ledger itself fails its integrity check', zh: '账本自身完整性校验失败' },
} as const satisfies Record<string, Text>;

export type FindingCode = keyof typeof findingTexts;

export function hasFindingText(code: string): code is FindingCode {
  return Object.prototype.hasOwnProperty.call(findingTexts, code);
}

/** The catalogue's words for a finding; a code it lacks (a newer verifier) falls back to a generic phrase. */
export function findingText(lang: MessageLang, finding: Pick<Finding, 'code' | 'status'>): string {
  if (hasFindingText(finding.code)) {
    const entry: Text = findingTexts[finding.code];
    return lang === 'en' ? entry.en : entry.zh;
  }
  const generic: Record<Finding['status'], Text> = {
    valid: { en: 'holds', zh: '通过' },
    invalid: { en: 'failed', zh: '未通过' },
    indeterminate: { en: 'a person must look', zh: '需人工查看' },
    error: { en: 'could not be checked', zh: '无法检查' },
    skipped: { en: 'not checked', zh: '未检查' },
  };
  const entry = generic[finding.status];
  return lang === 'en' ? entry.en : entry.zh;
}

/**
 * Plain names for the verifier's checks (`signature[0].timestamp-authority.chain` → "Signature 1:
 * time-stamp authority's certificate issued by a trusted authority"): people never read a check path.
 */
export const checkTexts = {
  'byte-range': { en: 'covers the whole file it signed', zh: '签名范围覆盖所签文件' },
  digest: { en: 'content unchanged since signing', zh: '签名后内容未改动' },
  'digest-algorithm': { en: 'strong hash algorithm', zh: '哈希算法足够安全' },
  signature: { en: 'signature mathematically valid', zh: '签名数学验证通过' },
  'signing-certificate': { en: 'bound to its certificate', zh: '与签名证书绑定' },
  chain: { en: 'certificate issued by a trusted authority', zh: '证书由受信任机构签发' },
  validity: { en: 'certificate valid when signing', zh: '签名时证书有效' },
  revocation: { en: 'certificate not revoked', zh: '证书未被吊销' },
  'key-usage': { en: 'certificate allowed to sign documents', zh: '证书允许签署文件' },
  timestamp: { en: 'trusted time of signing', zh: '可信签名时间' },
  'timestamp-authority.chain': { en: 'time-stamp authority’s certificate issued by a trusted authority', zh: '时间戳机构证书由受信任机构签发' },
  'timestamp-authority.validity': { en: 'time-stamp authority’s certificate valid', zh: '时间戳机构证书有效' },
  'timestamp-authority.revocation': { en: 'time-stamp authority’s certificate not revoked', zh: '时间戳机构证书未被吊销' },
  'timestamp-authority.key-usage': { en: 'time-stamp authority’s certificate allowed to stamp times', zh: '时间戳机构证书允许签发时间戳' },
  'timestamp-poe': { en: 'time of signing still proven (a later document timestamp where the time-stamp authority’s certificate has expired)', zh: '签名时间仍可证明（时间戳机构证书过期后由后续文档时间戳佐证）' },
  'changes-after-signature': { en: 'no forbidden change after this signature', zh: '签名后无不允许的修改' },
  'form-field': { en: 'signature field in place', zh: '签名域完整' },
  format: { en: 'accepted signature format', zh: '签名格式符合要求' },
  'signer-infos': { en: 'exactly one signer', zh: '恰好一个签名人' },
  signer: { en: 'signer may sign here', zh: '签名方有权在此签名' },
  parse: { en: 'file readable as PDF', zh: '文件可按 PDF 读取' },
  verification: { en: 'verification completed', zh: '验证已完成' },
  signatures: { en: 'document is signed', zh: '文件已签名' },
  payload: { en: 'machine-readable document matches its fingerprint', zh: '内嵌机读数据与内容指纹一致' },
  'payload-hash': { en: 'content matches the ledger', zh: '内容与账本一致' },
  ledger: { en: 'known to this exchange’s ledger', zh: '本平台账本中有记录' },
  'log-inclusion': { en: 'every event recorded in the signed ledger', zh: '所有事件均记入已签名账本' },
  status: { en: 'status in the ledger', zh: '账本中的状态' },
  integrity: { en: 'ledger integrity', zh: '账本完整性' },
} as const satisfies Record<string, Text>;

/** Checks about the ledger rather than the file. */
const ledgerChecks = new Set(['ledger', 'log-inclusion', 'status', 'integrity', 'payload-hash']);

const checkWords = {
  signature: { en: 'Signature {n}: {check}', zh: '签名 {n}：{check}' },
  ledger: { en: 'Ledger: {check}', zh: '账本：{check}' },
  document: { en: 'Document: {check}', zh: '文件：{check}' },
  other: { en: 'another check', zh: '其他检查' },
} satisfies Record<string, Text>;

function fill(lang: MessageLang, entry: Text, vars: Record<string, string | number>): string {
  return (lang === 'en' ? entry.en : entry.zh).replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/**
 * A check in people's words: `signature[i].x` and `document.changes-after-signature[i]` are about
 * signature i + 1; a check this catalogue does not name (a newer verifier) is "another check", never its path.
 */
export function checkText(lang: MessageLang, check: string): string {
  const signatureCheck = /^signature\[(\d+)\]\.(.+)$/.exec(check);
  const changesCheck = /^document\.(changes-after-signature)\[(\d+)\]$/.exec(check);
  const [index, key] = signatureCheck
    ? [Number(signatureCheck[1]), signatureCheck[2] ?? '']
    : changesCheck
      ? [Number(changesCheck[2]), changesCheck[1] ?? '']
      : [undefined, check.split('.').slice(1).join('.') || check];
  const name: Text = Object.prototype.hasOwnProperty.call(checkTexts, key) ? checkTexts[key as keyof typeof checkTexts] : checkWords.other;
  const label = lang === 'en' ? name.en : name.zh;
  if (index !== undefined) return fill(lang, checkWords.signature, { n: index + 1, check: label });
  if (check.startsWith('ledger.') || ledgerChecks.has(key)) return fill(lang, checkWords.ledger, { check: label });
  return fill(lang, checkWords.document, { check: label });
}

/**
 * The revision the deciding finding is about: its own `revision`, else, for a check on signature i
 * (`signature[i].digest`, ...), the revision that signature signed.
 */
export function decidingRevision(report: Pick<PdfVerificationReport, 'summary' | 'signatures'>): number | undefined {
  const finding = report.summary.finding;
  if (!finding) return undefined;
  if (finding.revision !== undefined) return finding.revision;
  const indexed = /^signature\[(\d+)\]\./.exec(finding.check);
  const revision = indexed ? report.signatures[Number(indexed[1])]?.revision : undefined;
  return revision ?? undefined;
}
