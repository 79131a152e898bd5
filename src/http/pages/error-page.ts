import type { Request } from 'express';
import { chineseDetail, refusalMessage, type ProblemParams } from '../refusal-messages';
import { html, type Html } from './html';
import { languageOf, t } from './i18n';
import { page } from './layout';

/**
 * A browser that asks for HTML (preferring it to JSON) outside /api/ gets a page; API clients,
 * and any request that does not say it prefers HTML, get problem+json.
 */
export function wantsPage(req: Request): boolean {
  // A router mounted under /api/v1 sees its own path; the original URL is the one asked for.
  const path = req.originalUrl.split('?')[0] ?? '';
  if (path === '/api' || path.startsWith('/api/')) return false;
  return req.accepts(['application/problem+json', 'application/json', 'text/html']) === 'text/html';
}

/** The page for a problem, in the page's language: what went wrong, the stable code, a way on. */
export function errorPage(req: Request, problem: { status: number; code: string; detail: string }, params: ProblemParams): Html {
  const lang = languageOf(req);
  const message = refusalMessage(problem.code);
  const title = lang === 'en' ? message.en.title : message.zh.title;
  const detail = lang === 'en' ? problem.detail : chineseDetail(problem.code, params);
  const body = html`<section class="error-page" data-code="${problem.code}">
<p class="alert">${detail}</p>
<p class="muted">${t(lang, 'errorPageCode', { code: problem.code, status: problem.status })}</p>
<p><a class="button" href="/">${t(lang, 'errorPageHome')}</a> <a href="/verify">${t(lang, 'errorPageVerify')}</a></p>
</section>`;
  return page({ lang, path: req.originalUrl }, title, body);
}
