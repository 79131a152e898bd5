import type { ErrorCode } from '../domain/shared/errors';

/**
 * The one catalogue of what each refusal code says to people, in Chinese and English. `title` names
 * the failure; `zh.detail` is a Chinese sentence that holds for every occurrence of the code, and
 * `zh.detailWith`, when present, a template whose `{params}` the refusal's values fill (used only
 * when every parameter is known). English details stay the error's own message.
 */
export interface RefusalMessage {
  en: { title: string };
  zh: { title: string; detail: string; detailWith?: string };
}

/** Codes the HTTP layer itself reports (routing, body parsing, credentials, limits). */
export const httpProblemCodes = [
  'route-not-found',
  'malformed-json',
  'body-too-large',
  'bad-request',
  'internal-error',
  'too-many-streams',
  'headers-too-large',
  'request-timeout',
  'malformed-request',
  'unsupported-media-type',
  'unsupported-content-type',
  'metrics-forbidden',
  'operator-forbidden',
  'missing-credentials',
  'invalid-credentials',
  'attachment-too-large',
  'invalid-upload',
  'malformed-multipart',
  'file-required',
  'rate-limited',
  'invalid-validation-time',
  'invalid-report-kind',
  'starting',
] as const;
export type HttpProblemCode = (typeof httpProblemCodes)[number];

function m(en: string, zhTitle: string, zhDetail: string, detailWith?: string): RefusalMessage {
  return { en: { title: en }, zh: { title: zhTitle, detail: zhDetail, ...(detailWith ? { detailWith } : {}) } };
}

export const refusalMessages: Record<ErrorCode | HttpProblemCode, RefusalMessage> = {
  // Input
  'validation-failed': m('Invalid input', '输入有误', '请求内容不符合要求，各处问题见 errors。', '请求内容有 {count} 处不符合要求，第一处在 {field}；各处问题见 errors。'),
  'forbidden-character': m('Forbidden character', '含有禁用字符', '文本中含有不可见字符或改变文字方向的控制符，会使所见内容与签名内容不一致；请删除后重新提交。'),
  'not-canonicalizable': m('Cannot be canonicalised', '无法规范化', '该内容无法转换为签名所需的规范形式。'),
  'unknown-document-kind': m('Unknown document kind', '未知单证类型', '本系统不支持该单证类型。'),
  'idempotency-key-reused': m('Idempotency key reused', '幂等键已被使用', '该 Idempotency-Key 已用于另一内容不同的请求；请换一个新的键。'),
  'precondition-failed': m('Precondition failed', '前提条件不满足', '单证已被他人更新（If-Match 不符）；请重新读取后再试。'),
  'concurrent-update': m('Concurrent update', '同时更新冲突', '单证正被同时更新；请重新读取后再试。'),
  'store-conflict': m('Conflict with stored data', '与已存数据冲突', '该记录与已保存的数据冲突。'),
  'not-found': m('Not found', '未找到', '没有找到所请求的对象，或您无权查看。'),
  'page-not-found': m('Page not found', '页面不存在', 'PDF 中没有所指定的页面。'),
  'already-delivered': m('Already delivered', '已送达', '该消息已经送达，无需重发。'),
  'blob-too-large': m('File too large to store', '文件过大，无法保存', '该文件超出存储可保存的大小；请减少照片数量或压缩后重试。'),
  'upload-quota': m('Upload quota reached', '上传额度已满', '待处理的上传文件已达上限；请先使用或等待旧文件清理后再上传。'),
  'webhook-url-invalid': m('Invalid webhook URL', 'Webhook 地址无效', 'Webhook 地址必须是有效的 https 地址。'),
  'dcsa-carrier-code-missing': m('No carrier code for DCSA', '缺少承运人代码', '该提货单及承运人资料中均无 SCAC 代码，无法按 DCSA 格式提供；请在承运人资料中登记 SCAC。'),
  'webhook-destination-forbidden': m('Webhook destination forbidden', 'Webhook 目标不允许', '该 Webhook 地址指向内部或保留网络，不允许使用。'),
  // Between platforms (PINT)
  'peer-credentials-missing': m('Platform signature missing', '缺少平台签名', '平台之间的请求须以 "Authorization: PINT-JWS <JWS>" 携带调用方平台密钥的签名。'),
  'peer-unknown': m('Unknown platform', '未知平台', '该请求所署名的平台不在本平台配置的对接平台之列。'),
  'peer-signature-invalid': m('Platform signature invalid', '平台签名无效', '该请求的签名不是由所署名平台公布或登记的密钥作出的。'),
  'peer-request-invalid': m('Platform request does not match its signature', '平台请求与签名不符', '签名所绑定的接收平台、方法、路径、请求体或时间与本次请求不符（时间允许相差 60 秒）。'),
  'peer-request-replayed': m('Platform request replayed', '平台请求被重放', '同一份已签名的请求此前已收到过；每次请求须重新签名。'),
  'peer-unavailable': m('Peer platform unavailable', '对接平台不可用', '对接平台暂时无法访问或未按 PINT 应答；请稍后重试。'),
  'pint-party-unknown': m('Unknown party', '收件方不存在', '本平台没有可接收单证的该方；请核对平台代码与对方代码。'),
  // PDFs and signing
  'render-assets-invalid': m('Rendering assets invalid', '排版资源无效', '生成 PDF 所需的字体或资源不可用。'),
  'render-input-invalid': m('Rendering input invalid', '排版内容无效', '该单证内容无法生成 PDF。'),
  'unsupported-pdf-structure': m('Unsupported PDF structure', '不支持的 PDF 结构', '该 PDF 的结构不受支持，无法签名或核验。'),
  'signature-too-large': m('Signature too large', '签名过大', '签名数据超出 PDF 预留的空间。'),
  'signature-field-exists': m('Signature field exists', '签名域已存在', 'PDF 中已有同名的签名域。'),
  'signature-field-filled': m('Signature field already signed', '签名域已签名', '该签名域已经签过名。'),
  'pdf-worker-failed': m('PDF worker failed', 'PDF 处理失败', 'PDF 处理进程出错，已记录该事件。'),
  'pdf-pool-closed': m('PDF service stopping', 'PDF 服务正在停止', '服务正在停止；请稍后重试。'),
  busy: m('Busy', '系统繁忙', '等待处理的 PDF 过多；请稍后重试。'),
  // Store and audit log
  'store-unavailable': m('Store unavailable', '存储不可用', '服务暂时不可用；请稍后重试。'),
  'store-corrupt': m('Store corrupt', '存储数据损坏', '服务出错，已记录该事件。'),
  'store-schema-too-new': m('Store schema too new', '存储版本过新', '数据库由更新版本的 SDX 创建，本版本无法使用。'),
  'event-malformed': m('Malformed event', '事件格式错误', '审计事件的格式不正确。'),
  'event-signature-invalid': m('Event signature invalid', '事件签名无效', '审计事件的签名无效。'),
  'event-alg-mismatch': m('Event algorithm does not match the key', '事件签名算法与密钥不符', '审计事件声明的签名算法与签名者证书的密钥类型不符。'),
  'tree-head-invalid': m('Tree head invalid', '树头无效', '审计日志的签名树头无效。'),
  'log-integrity-failed': m('Audit trail failed its check', '审计记录校验失败', '已存的审计记录未通过完整性校验；在运维处理前不签发、不核验任何单证。'),
  'merkle-range-invalid': m('Index outside the log', '序号超出日志范围', '所请求的序号或大小超出审计日志的范围。'),
  'merkle-frontier-invalid': m('Log frontier invalid', '日志边界无效', '审计日志的边界数据与所述大小不符。'),
  'merkle-hash-invalid': m('Hash invalid', '哈希值无效', '哈希值必须为 32 字节。'),
  'merkle-node-missing': m('Log node missing', '日志节点缺失', '审计日志缺少应有的节点。'),
  // Keys and time-stamps
  'key-not-found': m('Signing key not found', '签名密钥不存在', '该方的签名密钥不可用；请联系运维。'),
  'key-record-invalid': m('Signing key record invalid', '签名密钥记录无效', '该方的签名密钥不可用；请联系运维。'),
  'key-unseal-failed': m('Signing key could not be opened', '签名密钥无法解封', '该方的签名密钥不可用；请联系运维。'),
  'key-certificate-mismatch': m('Key and certificate differ', '密钥与证书不符', '该方的签名密钥不可用；请联系运维。'),
  'master-key-invalid': m('Master key invalid', '主密钥无效', '该方的签名密钥不可用；请联系运维。'),
  'signer-revoked': m('Signer certificate revoked', '签名证书已吊销', '该方的签名证书已被吊销；需要新证书后才能签名。'),
  'signer-expired': m('Signer certificate expired', '签名证书已过期', '该方的签名证书不在有效期内；需要新证书后才能签名。'),
  'tsa-unavailable': m('Time-stamp authority unavailable', '时间戳服务不可用', '时间戳服务暂时不可用；请稍后重试。'),
  'tsa-rejected': m('Time-stamp refused', '时间戳被拒绝', '时间戳服务拒绝了请求；请稍后重试。'),
  'tsa-response-invalid': m('Time-stamp response invalid', '时间戳响应无效', '时间戳服务的响应无效；请稍后重试。'),
  // Gate passes
  'pass-invalid': m('Pass invalid', '通行码无效', '此码不是本平台签发的有效通行码：格式不符或签名无效。'),
  'pass-unknown-key': m('Pass key unknown', '通行码密钥未知', '此码的签名密钥不在本平台公布的密钥中。'),
  'pass-key-retired': m('Pass key retired', '通行码密钥已停用', '此码由已停用的密钥在停用之后签发，不予接受。'),
  'pass-lifetime-too-long': m('Pass lifetime too long', '通行码有效期过长', '此码的有效期超过 24 小时，不是本平台签发的。'),
  'pass-expired': m('Pass expired', '通行码已过期', '按本平台时间此码已过期；请持有方刷新后重新出示。'),
  'pass-not-yet-valid': m('Pass not yet valid', '通行码尚未生效', '此码的签发时间晚于本平台当前时间，不予接受。'),
  'pass-window-not-started': m('Validity not started', '单证尚未生效', '该单证的有效期尚未开始。'),
  'pass-window-ended': m('Validity ended', '单证有效期已过', '该单证的有效期已结束。'),
  'pass-wrong-facility': m('Not for this facility', '非本场站单证', '此码的单证不在本场站使用。'),
  'revocation-unavailable': m('Revocation status unavailable', '吊销状态不可用', '证书吊销状态服务（OCSP）暂时不可用；请稍后重试。'),
  // Lifecycle refusals
  'unknown-action': m('Unknown action', '未知操作', '该单证不支持此操作。'),
  'already-released': m('Already released', '已放货', '该提货单已经放货，不能再次放货。'),
  'document-closed': m('Document closed', '单证已关闭', '该单证已结束，不能再进行任何操作。'),
  'invalid-state-transition': m('Not allowed in this state', '当前状态不允许', '单证当前的状态不允许此操作。'),
  'not-holder': m('Not the holder', '非持有方', '只有单证的当前持有方才能进行此操作。'),
  'not-issuer': m('Not the issuer', '非签发方', '只有单证的签发方才能进行此操作。'),
  'not-presentee': m('Not the presentee', '非被出示方', '只有单证被出示的一方才能进行此操作。'),
  'not-facility-operator': m('Not the facility operator', '非场站经营方', '只有单证所指定的场站才能进行此操作。'),
  'not-haulier': m('Not the haulier', '非承运车队', '只有单证所指定的车队才能进行此操作。'),
  'not-addressee': m('Not the addressee', '非收件方', '只有单证的收件方才能进行此操作。'),
  'read-only-party': m('Read-only party', '只读方', '该方只能查看单证，不能进行操作。'),
  'auditor-only': m('Auditors only', '仅限审计方', '只有审计方可以读取此内容。'),
  'system-only': m('Recorded by SDX only', '仅由平台记录', '此事件只能由平台自身记录（例如存档续期），任何一方都不能提交。'),
  'issuer-role-not-allowed': m('Issuer role not allowed', '签发方角色不符', '该方的角色不能签发此类单证。'),
  'issuer-not-named-in-payload': m('Issuer not named in the document', '单证未写明签发方', '签发方必须是单证内容中所写明的一方。'),
  'target-required': m('Target required', '需要指定对象', '此操作需要指定接收方。'),
  'target-is-holder': m('Target is the holder', '对象即持有方', '不能转给当前持有方自己。'),
  'target-role-not-allowed': m('Target role not allowed', '对象角色不符', '接收方的角色不能接收此单证。'),
  'wrong-terminal': m('Wrong terminal', '场站不符', '该单证不是在此场站使用的。'),
  'not-yet-expired': m('Not yet expired', '尚未过期', '该设备交接单仍在有效期内，尚不能按过期处理。'),
  'eir-not-yet-valid': m('EIR not yet valid', '设备交接单尚未生效', '该设备交接单的有效期尚未开始，不能记录进出闸。'),
  'eir-validity-ended': m('EIR validity ended', '设备交接单已过有效期', '该设备交接单的有效期已结束，不能记录进出闸。'),
  'guarantee-not-found': m('Guarantee not found', '电放保函不存在', '没有找到所引用的电放保函。', '没有找到电放保函 {guaranteeId}。'),
  'guarantee-not-accepted': m('Guarantee not accepted', '电放保函未被接受', '只有已被接受的电放保函才能作为电放依据。'),
  'guarantee-bl-mismatch': m('Guarantee for another B/L', '电放保函提单号不符', '该电放保函对应的提单号与提货单不一致。'),
  'guarantee-already-used': m('Guarantee already used', '电放保函已被使用', '该电放保函已用于另一份有效的提货单。'),
  'guarantee-wrong-agent': m('Guarantee names another agent', '电放保函代理不符', '该电放保函指定了其他代理放货。'),
  'held-elsewhere': m('Held on another platform', '单证已转至其他平台', '该单证已转让给其他平台上的一方，本平台不能再对其进行操作。'),
  // The HTTP layer
  'route-not-found': m('No such address', '地址不存在', '没有这个地址。', '没有 {method} {path} 这个地址。'),
  'malformed-json': m('Malformed JSON', 'JSON 格式错误', '请求体不是有效的 JSON。'),
  'body-too-large': m('Body too large', '请求体过大', '请求体超出大小限制。'),
  'bad-request': m('Bad request', '请求无法读取', '无法读取该请求。'),
  'internal-error': m('Service failed', '服务出错', '服务出错，已记录该事件。'),
  'too-many-streams': m('Too many streams', '事件流过多', '该凭据打开的事件流已达上限；请关闭一个后重试。'),
  'headers-too-large': m('Headers too large', '请求头过大', '请求行和请求头超出大小限制。'),
  'request-timeout': m('Request timeout', '请求超时', '请求未能及时到达。'),
  starting: m('Starting', '服务正在启动', '服务正在启动；请稍后重试。'),
  'malformed-request': m('Malformed request', '请求格式错误', '无法解析该 HTTP 请求。'),
  'invalid-validation-time': m('Invalid validation time', '验证时间无效', '验证时间 at 须为 ISO 8601 日期或时间，例如 2036-01-01。'),
  'invalid-report-kind': m('Unknown report kind', '报告类型无效', '报告类型 report 须为 etsi 或 etsi-xml；签名（sign=1）仅用于 etsi。'),
  'unsupported-media-type': m('Unsupported file type', '不支持的文件类型', '不支持该文件类型。'),
  'unsupported-content-type': m('Unsupported content type', '不支持的内容类型', '请以 application/json 发送请求体。'),
  'metrics-forbidden': m('Metrics forbidden', '无权查看指标', '指标仅对本机或持有令牌的请求开放。'),
  'operator-forbidden': m('For the operator only', '仅限运维人员', '此信息仅对本机或持有运维令牌的请求开放。'),
  'missing-credentials': m('Credentials missing', '缺少凭据', '请以 "Authorization: Bearer <key>" 发送 API 密钥。'),
  'invalid-credentials': m('Credentials invalid', '凭据无效', 'API 密钥不存在或已被吊销。'),
  'attachment-too-large': m('Attachment too large', '附件过大', '附件超出大小限制。'),
  'invalid-upload': m('Invalid upload', '上传无效', '请在 multipart 字段 "file" 中只发送一个文件。'),
  'malformed-multipart': m('Malformed multipart body', 'multipart 格式错误', '无法读取 multipart 请求体。'),
  'file-required': m('File required', '缺少文件', '请以 multipart/form-data 在字段 "file" 中发送文件。'),
  'rate-limited': m('Too many writes', '写入过于频繁', '该 API 密钥的写入次数超出限制；请稍后重试。', '该 API 密钥的写入次数超出限制；请 {seconds} 秒后重试。'),
};

export type ProblemParams = Readonly<Record<string, string | number>>;

function isKnown(code: string): code is ErrorCode | HttpProblemCode {
  return Object.hasOwn(refusalMessages, code);
}

/** The catalogue entry for a code; an unknown code gets a generic sentence rather than none. */
export function refusalMessage(code: string): RefusalMessage {
  return isKnown(code) ? refusalMessages[code] : m('Error', '出错', '请求未能完成。');
}

/** The Chinese detail: the template when every parameter is known, else the fixed sentence. */
export function chineseDetail(code: string, params: ProblemParams = {}): string {
  const { zh } = refusalMessage(code);
  if (!zh.detailWith) return zh.detail;
  let complete = true;
  const filled = zh.detailWith.replace(/\{(\w+)\}/g, (_whole, name: string) => {
    const value = params[name];
    if (value === undefined) complete = false;
    return String(value ?? '');
  });
  return complete ? filled : zh.detail;
}
