import { html } from './html';
import { t } from './i18n';
import { page, type PageContext } from './layout';

/**
 * The sign-in form. `token` is bound to the pre-session cookie set with this page; `code` is the
 * stable code of a refusal, for scripts and tests (the words are for people).
 */
export function loginView(ctx: PageContext, form: { token: string; userId?: string; next?: string; error?: string; code?: string }) {
  // A wrong name or password is about both fields: each is marked and points to the message.
  const invalid = form.code === 'wrong-password' ? html` aria-invalid="true" aria-describedby="login-error"` : '';
  return page(
    ctx,
    t(ctx.lang, 'signIn'),
    html`<form class="card stack" method="post" action="/login">
  ${form.error ? html`<p class="alert" role="alert" id="login-error" data-code="${form.code ?? ''}">${form.error}</p>` : ''}
  <input type="hidden" name="loginToken" value="${form.token}">
  <input type="hidden" name="next" value="${form.next ?? ''}">
  <label>${t(ctx.lang, 'userId')}<input name="userId" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="100" value="${form.userId ?? ''}"${invalid}></label>
  <label>${t(ctx.lang, 'password')}<input name="password" type="password" autocomplete="current-password" required maxlength="1024"${invalid}></label>
  <button class="primary" type="submit">${t(ctx.lang, 'signIn')}</button>
</form>`,
    // Registers the offline worker, so this page opens without a network too.
    { scripts: ['/static/web/signin.js'] },
  );
}

export function messageView(ctx: PageContext, title: string, message: string) {
  return page(ctx, title, html`<p class="alert" role="alert">${message}</p><p><a href="/">${t(ctx.lang, 'back')}</a></p>`);
}
