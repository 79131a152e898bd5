import request from 'supertest';
import { errorCodes, refusalCodes } from '../../src/domain/shared/errors';
import { chineseDetail, httpProblemCodes, refusalMessages } from '../../src/http/refusal-messages';
import { API, Client, P, expectProblem, payloadOf, useExchange } from './exchange-client';
import type { TestApp } from '../support/test-app';

const han = /[\u4e00-\u9fff]/;
const asciiOnly = /^[\x20-\x7e]+$/;

describe('the refusal message catalogue', () => {
  // The lifecycle refusal codes, as the domain writes them, must each be in RefusalCode's run-time list.
  it('lists every refusal code the lifecycles and issuance rules use', () => {
    for (const code of ['already-released', 'document-closed', 'not-yet-expired', 'guarantee-not-found', 'issuer-role-not-allowed', 'issuer-not-named-in-payload']) {
      expect(refusalCodes).toContain(code);
    }
    expect(new Set(errorCodes).size).toBe(errorCodes.length);
    for (const code of refusalCodes) expect(errorCodes).toContain(code);
  });

  const allCodes: readonly string[] = [...errorCodes, ...httpProblemCodes];
  it.each(allCodes)('%s has an English title and a Chinese title and detail', (code) => {
    const entry = (refusalMessages as Record<string, (typeof refusalMessages)['not-found'] | undefined>)[code];
    expect(entry).toBeDefined();
    if (!entry) return;
    expect(entry.en.title).toMatch(asciiOnly);
    expect(entry.en.title.trim()).not.toBe('');
    expect(entry.zh.title).toMatch(han);
    expect(entry.zh.detail).toMatch(han);
    if (entry.zh.detailWith) expect(entry.zh.detailWith).toMatch(/\{\w+\}/);
  });

  it('fills a Chinese template only when every value is known', () => {
    expect(chineseDetail('guarantee-not-found', { guaranteeId: 'doc-1' })).toBe('没有找到电放保函 doc-1。');
    expect(chineseDetail('guarantee-not-found')).toBe('没有找到所引用的电放保函。');
    expect(chineseDetail('no-such-code')).toMatch(han);
  });
});

describe('problems in Chinese for Accept-Language: zh, in English otherwise', () => {
  let t: TestApp;
  let c: Client;
  useExchange((app, client) => {
    t = app;
    c = client;
  });

  function body(res: request.Response): { title: string; detail: string; code: string; type: string } {
    return res.body as { title: string; detail: string; code: string; type: string };
  }

  it('404 not-found', async () => {
    const zh = await c.get(P.consignee, '/documents/doc-does-not-exist').set('Accept-Language', 'zh-CN,zh;q=0.9,en;q=0.8');
    expectProblem(zh, 404, 'not-found');
    expect(body(zh)).toMatchObject({ title: '未找到', detail: '没有找到所请求的对象，或您无权查看。', type: 'https://sdx.dev/problems/not-found' });
    expect(zh.headers['content-language']).toBe('zh');

    const en = await c.get(P.consignee, '/documents/doc-does-not-exist').set('Accept-Language', 'en-GB,en;q=0.9,zh;q=0.5');
    expectProblem(en, 404, 'not-found');
    expect(body(en).title).toBe('Not Found');
    expect(body(en).detail).toMatch(asciiOnly);
    expect(en.headers['content-language']).toBe('en');

    const none = await c.get(P.consignee, '/documents/doc-does-not-exist');
    expect(body(none)).toEqual(body(en));
  });

  it('409 already-released', async () => {
    const d = await c.deliveryOrder();
    await c.acted(P.consignee, d.id, { type: 'present', to: P.terminal });
    await c.acted(P.terminal, d.id, { type: 'release' });
    const zh = await c.act(P.terminal, d.id, { type: 'release' }, { 'Accept-Language': 'zh' });
    expectProblem(zh, 409, 'already-released');
    expect(body(zh)).toMatchObject({ title: '已放货', detail: '该提货单已经放货，不能再次放货。' });
    const en = await c.act(P.terminal, d.id, { type: 'release' }, { 'Accept-Language': 'en' });
    expectProblem(en, 409, 'already-released');
    expect(body(en)).toMatchObject({ title: 'Conflict', detail: 'this delivery order has already been released' });
  });

  it('422 validation-failed keeps its errors and names the first field', async () => {
    const bad = payloadOf('delivery-order', (p) => {
      delete p['deliveryOrderNumber'];
    });
    const zh = await c.issue(P.agentSha, 'delivery-order', bad, { 'Accept-Language': 'zh-CN' });
    expectProblem(zh, 422, 'validation-failed');
    const errors = (zh.body as { errors: { path: string }[] }).errors;
    expect(errors.length).toBeGreaterThan(0);
    expect(body(zh).title).toBe('输入有误');
    expect(body(zh).detail).toBe(`请求内容有 ${errors.length} 处不符合要求，第一处在 ${errors[0]?.path}；各处问题见 errors。`);
    const en = await c.issue(P.agentSha, 'delivery-order', bad);
    expectProblem(en, 422, 'validation-failed');
    expect(body(en).title).toBe('Unprocessable Content');
    expect(body(en).detail).toMatch(asciiOnly);
    expect((en.body as { errors: unknown }).errors).toEqual(errors);
  });

  it('a refusal with a value names it in Chinese too (422 guarantee-not-found)', async () => {
    const payload = payloadOf('delivery-order', (p) => {
      p['releaseBasis'] = { type: 'telex-release', guaranteeId: 'doc-no-such-guarantee' };
    });
    const zh = await c.issue(P.agentSha, 'delivery-order', payload, { 'Accept-Language': 'zh' });
    expectProblem(zh, 422, 'guarantee-not-found');
    expect(body(zh)).toMatchObject({ title: '电放保函不存在', detail: '没有找到电放保函 doc-no-such-guarantee。' });
  });

  it('routing and credential problems speak Chinese as well, and keep their code', async () => {
    const missing = await request(t.app).get(`${API}/no-such-route`).set('Accept-Language', 'zh');
    expectProblem(missing, 401, 'missing-credentials');
    expect(body(missing).title).toBe('缺少凭据');
    const route = await request(t.app).get(`${API}/no-such-route`).set('Authorization', c.auth(P.consignee)).set('Accept-Language', 'zh');
    expectProblem(route, 404, 'route-not-found');
    expect(body(route).detail).toBe(`没有 GET ${API}/no-such-route 这个地址。`);
  });
});
