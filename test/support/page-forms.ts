import type { Express } from 'express';
import request from 'supertest';

type Agent = ReturnType<typeof request.agent>;

/** The test app's public origin (startTestApp's SDX_PUBLIC_URL), which the sign-in check accepts. */
export const TEST_ORIGIN = 'http://sdx.test';

/**
 * Posts the sign-in form as a browser on this site does: the form (and its pre-session cookie,
 * kept by the agent) first, then the fields with the form's token and this site's Origin.
 */
export async function postLogin(agent: Agent, fields: Record<string, string>, origin = TEST_ORIGIN): Promise<request.Response> {
  const form = await agent.get('/login');
  return agent.post('/login').set('Origin', origin).type('form').send({ loginToken: hiddenValue(form.text, 'loginToken'), ...fields });
}

/** Signs a demo user in through the form, as a browser does; the agent keeps the session cookie. */
export async function signedIn(app: Express, userId: string, lang = 'en'): Promise<Agent> {
  const agent = request.agent(app).set('Accept-Language', lang);
  const res = await postLogin(agent, { userId, password: 'sdx-demo' });
  if (res.status !== 303) throw new Error(`sign-in of ${userId} answered ${res.status}`);
  return agent;
}

/** The value of a hidden input in a page (the form token, a form's idempotency key). */
export function hiddenValue(page: string, name: string): string {
  const value = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(page)?.[1];
  if (value === undefined) throw new Error(`no hidden ${name} in the page`);
  return value;
}

/**
 * A urlencoded body in which a repeated name stays repeated (`a=1&a=2`), as a browser sends a
 * form's rows; superagent's own encoding would write `a[0]=1` instead.
 */
export function formBody(fields: Record<string, string | readonly string[]>): string {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const one of typeof value === 'string' ? [value] : value) body.append(name, one);
  }
  return body.toString();
}
