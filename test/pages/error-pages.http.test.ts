import express from 'express';
import request from 'supertest';
import { SdxError } from '../../src/domain/shared/errors';
import { passView } from '../../src/http/pages/gate.view';
import { problemHandler } from '../../src/http/problem';
import { startTestApp, type TestApp } from '../support/test-app';

/** What Chromium sends for a page it navigates to. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const han = /[\u4e00-\u9fff]/;

function textOf(markup: string): string {
  return markup.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');
}

describe('browsers get pages for problems; API clients keep problem+json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    expect(t.unexpected).toEqual([]);
    await t.close();
  });

  it('a mistyped URL is a Chinese page by default', async () => {
    const res = await request(t.app).get('/wallett').set('Accept', BROWSER_ACCEPT);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<html lang="zh-CN">');
    expect(res.text).toContain('<h1>地址不存在</h1>');
    expect(res.text).toContain('没有 GET /wallett 这个地址。');
    expect(res.text).toContain('错误代码 route-not-found（HTTP 404）');
    expect(res.text).toContain('href="/"');
    // The page's own switch leads back to the same address, in English.
    expect(res.text).toContain('href="/lang?to=en&amp;back=%2Fwallett"');
  });

  it('in English for a browser that prefers English, or after the switch', async () => {
    const byHeader = await request(t.app).get('/wallett').set('Accept', BROWSER_ACCEPT).set('Accept-Language', 'en-GB,en;q=0.9');
    expect(byHeader.status).toBe(404);
    expect(byHeader.text).toContain('<html lang="en">');
    expect(byHeader.text).toContain('<h1>No such address</h1>');
    expect(byHeader.text).toContain('no route for GET /wallett');
    expect(textOf(byHeader.text).replace('中文', '')).not.toMatch(han); // the switch to Chinese says 中文

    const byCookie = await request(t.app).get('/wallett').set('Accept', BROWSER_ACCEPT).set('Cookie', 'sdx_lang=en');
    expect(byCookie.text).toContain('<html lang="en">');
  });

  it('escapes the address it names', async () => {
    const res = await request(t.app).get('/%3Cscript%3Ealert(1)%3C%2Fscript%3E').set('Accept', BROWSER_ACCEPT);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('<script>alert');
  });

  it('API clients, and anything under /api/, keep problem+json', async () => {
    for (const accept of ['application/json', 'application/problem+json', '*/*']) {
      const res = await request(t.app).get('/wallett').set('Accept', accept);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((res.body as { code: string }).code).toBe('route-not-found');
    }
    const none = await request(t.app).get('/wallett');
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    const api = await request(t.app).get('/api/v1/documents').set('Accept', BROWSER_ACCEPT);
    expect(api.status).toBe(401);
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('a server error asked for as HTML', () => {
  const unexpected: unknown[] = [];
  const app = express();
  app.get('/boom', () => {
    throw new Error('secret path /var/lib/sdx failed');
  });
  app.get('/down', () => {
    throw new SdxError('store-unavailable', 'cannot open /var/lib/sdx/sdx.sqlite');
  });
  app.use(problemHandler((error) => unexpected.push(error)));

  it('is a 500 page in Chinese or English that tells nothing of the failure', async () => {
    const zh = await request(app).get('/boom').set('Accept', BROWSER_ACCEPT);
    expect(zh.status).toBe(500);
    expect(zh.headers['content-type']).toMatch(/^text\/html/);
    expect(zh.text).toContain('<h1>服务出错</h1>');
    expect(zh.text).toContain('服务出错，已记录该事件。');
    expect(zh.text).not.toContain('/var/lib');
    const en = await request(app).get('/boom?lang=en').set('Accept', BROWSER_ACCEPT);
    expect(en.status).toBe(500);
    expect(en.text).toContain('<h1>Service failed</h1>');
    expect(en.text).toContain('the service failed; the incident is logged');
    expect(en.text).not.toContain('/var/lib');
    expect(unexpected).toHaveLength(2);
  });

  it('a 503 page keeps Retry-After and names no file', async () => {
    const res = await request(app).get('/down').set('Accept', BROWSER_ACCEPT);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.text).toContain('存储不可用');
    expect(res.text).not.toContain('/var/lib');
    const json = await request(app).get('/down').set('Accept', 'application/json').set('Accept-Language', 'zh');
    expect(json.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(json.body).toMatchObject({ code: 'store-unavailable', title: '存储不可用', detail: '服务暂时不可用；请稍后重试。' });
  });
});

describe('no-JavaScript notices', () => {
  const keys = { keys: [], at: 0 };
  it('are in the page language', () => {
    const zh = passView({ lang: 'zh-CN', path: '/v/x' }, keys, 'x').text;
    const en = passView({ lang: 'en', path: '/v/x' }, keys, 'x').text;
    const notice = (markup: string) => /<noscript>([\s\S]*?)<\/noscript>/.exec(markup)?.[1] ?? '';
    expect(textOf(notice(zh))).toMatch(han);
    expect(textOf(notice(zh))).not.toMatch(/JavaScript is needed/);
    expect(textOf(notice(en))).toContain('JavaScript is needed to check the signature on this phone.');
    expect(textOf(notice(en))).not.toMatch(han);
  });
});
