import { pager } from '../../src/http/pages/document-list.view';

const hrefs = (page: string) => [...page.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] ?? '').replaceAll('&amp;', '&'));

describe('the pager of a list', () => {
  it('of one of several lists: its links name the list, keep the terms and come back to its anchor', () => {
    const page = String(pager('zh-CN', '/desk/facility', { q: 'MSCU', status: 'countersigned' }, { shown: 50, nextCursor: 'c2', total: { count: 120, capped: false } }, 50, 'recorded'));
    expect(page).toContain('第 51-100 条，共 120 条');
    expect(hrefs(page)).toEqual([
      '/desk/facility?list=recorded&q=MSCU&status=countersigned#recorded',
      '/desk/facility?list=recorded&q=MSCU&status=countersigned&cursor=c2&at=100#recorded',
    ]);
  });

  it('of the page\'s main list: plain links, the first page without a "first" link, a capped count said as such', () => {
    const page = String(pager('en', '/desk/agent', { q: 'COSU' }, { shown: 50, nextCursor: 'c1', total: { count: 10_000, capped: true } }, 0));
    expect(page).toContain('1–50 of more than 10,000');
    expect(hrefs(page)).toEqual(['/desk/agent?q=COSU&cursor=c1&at=50']);
  });
});
