import { html, type Html } from './html';
import { t, type Lang } from './i18n';

export interface PageUser {
  userId: string;
  userName: string;
  partyId: string;
  partyName: { en: string; zh: string };
  roles: readonly string[];
  csrfToken: string;
  /** Names the session (not a credential), e.g. to count its open streams. */
  sessionKey: string;
}

export interface PageContext {
  lang: Lang;
  /** The path and query this page was asked for, for the language switch to come back to. */
  path: string;
  user?: PageUser;
}

function switchHref(ctx: PageContext): string {
  const other = ctx.lang === 'en' ? 'zh-CN' : 'en';
  return `/lang?to=${other}&back=${encodeURIComponent(ctx.path)}`;
}

/**
 * Every module each page script imports, however deep, so the browser asks for them all at once
 * instead of one level of imports per round trip (on a 300 ms link, three levels cost a second).
 * Kept in step with src/web by test/pages/page-scripts.test.ts.
 */
export const MODULE_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  '/static/web/gate.js': ['/static/web/live.js', '/static/web/offline.js', '/static/web/pass-check.js', '/static/domain/gate/gate-pass.js'],
  '/static/web/wallet.js': ['/static/web/live.js', '/static/web/offline.js'],
  '/static/web/signin.js': ['/static/web/offline.js'],
  '/static/web/desk.js': ['/static/domain/shared/container-list.js', '/static/domain/shared/issue-path.js', '/static/domain/shared/iso6346.js'],
  '/static/web/gate-record.js': [],
};

/** The shell of every page: no inline script or style, so `script-src 'self'` holds. */
export function page(ctx: PageContext, title: string, body: Html, options: { scripts?: string[]; bodyClass?: string } = {}): Html {
  const user = ctx.user;
  return html`<!doctype html>
<html lang="${ctx.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="light">
<title>${title} · ${t(ctx.lang, 'appName')}</title>
<link rel="stylesheet" href="/static/app.css">
<link rel="manifest" href="/static/manifest.webmanifest">
${(options.scripts ?? []).map((src) => html`<script type="module" src="${src}"></script>`)}
${[...new Set((options.scripts ?? []).flatMap((src) => MODULE_IMPORTS[src] ?? []))].map((src) => html`<link rel="modulepreload" href="${src}">`)}
</head>
<body class="${options.bodyClass ?? ''}">
<a class="skip-link" href="#main">${t(ctx.lang, 'skipToContent')}</a>
<header class="bar">
  <a class="brand" href="/">SDX</a>
  <a class="lang" href="${switchHref(ctx)}" hreflang="${ctx.lang === 'en' ? 'zh-CN' : 'en'}">${t(ctx.lang, 'switchLanguage')}</a>
  ${user
    ? html`<form class="signout" method="post" action="/logout"><input type="hidden" name="csrf" value="${user.csrfToken}"><button type="submit">${t(ctx.lang, 'signOut')}</button></form>`
    : ''}
</header>
<main id="main" tabindex="-1">
${user ? html`<p class="who">${t(ctx.lang, 'signedInAs', { user: user.userName, party: ctx.lang === 'en' ? user.partyName.en : user.partyName.zh })}</p>` : ''}
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}
