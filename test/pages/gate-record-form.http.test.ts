// The gate record form refused: what the clerk typed comes back, every field at fault is marked
// (aria-invalid, its message beside it) and listed in a summary that links to it, in the page's
// language, never by a field path or the API's English. Nothing is recorded.
import { Client, P, payloadOf, useExchange } from '../http/exchange-client';
import { hiddenValue, signedIn } from '../support/page-forms';
import type { TestApp } from '../support/test-app';

let t: TestApp;
let c: Client;
useExchange((app, client) => {
  t = app;
  c = client;
});

const PNG_1x1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

/**
 * A gate clerk in `lang` opens the record form of a new EIR and posts `fields` (and `photo`) with
 * the form's token, as the browser does.
 */
async function recordForm(lang: string, fields: Record<string, string>, photo?: { bytes: Buffer; filename: string; contentType: string }) {
  const eir = await c.issued(P.terminal, 'eir', payloadOf('eir'));
  const clerk = await signedIn(t.app, 'demo-terminal-gate', lang);
  const page = await clerk.get(`/gate/record/${eir.id}`).expect(200);
  let post = clerk.post(`/gate/record/${eir.id}`).set('Origin', 'http://sdx.test').field('csrf', hiddenValue(page.text, 'csrf'));
  for (const [name, value] of Object.entries(fields)) post = post.field(name, value);
  if (photo) post = post.attach('photos', photo.bytes, { filename: photo.filename, contentType: photo.contentType });
  return { eir, res: await post };
}

/** The ids of the controls marked invalid, and the ids the summary links to. */
function marks(text: string): { invalid: string[]; linked: string[] } {
  const invalid = [...text.matchAll(/<(?:input|textarea|select|fieldset)\b[^>]*\bid="([^"]+)"[^>]*aria-invalid="true"/g)].map((m) => m[1] as string);
  const summary = /<div class="alert issue-summary"[\s\S]*?<\/div>/.exec(text)?.[0] ?? '';
  const linked = [...summary.matchAll(/href="#([^"]+)"/g)].map((m) => m[1] as string);
  return { invalid, linked };
}

describe('the gate record form, refused', () => {
  it('when a damage line lacks its component and the remarks hide a control character, then 422 in 中文: values kept, both fields marked and linked, nothing recorded', async () => {
    const { eir, res } = await recordForm('zh-CN', {
      condition: 'damaged',
      'damages[0][component]': '',
      'damages[0][location]': '左侧第三格',
      'damages[0][damage]': '凹陷',
      seals: 'SL-7788',
      remarks: 'ok\u200bthen',
    });
    expect(res.status).toBe(422);
    const { invalid, linked } = marks(res.text);
    expect(invalid).toEqual(expect.arrayContaining(['f-damages-0-component', 'f-remarks']));
    expect(linked).toEqual(expect.arrayContaining(['f-damages-0-component', 'f-remarks']));
    for (const id of linked) expect(res.text).toContain(`id="${id}"`);
    // As typed: the damage line, the condition, the seals.
    expect(res.text).toContain('value="左侧第三格"');
    expect(res.text).toContain('value="凹陷"');
    expect(res.text).toMatch(/value="damaged" checked/);
    expect(res.text).toContain('value="SL-7788"');
    // What a person reads names no path and has no English message.
    const visible = res.text.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ');
    expect(visible).not.toMatch(/gateRecord|damages|component|Required|Invalid|[a-z]{4,} [a-z]{4,}/);
    await expect(c.document(P.terminal, eir.id)).resolves.toMatchObject({ status: 'issued' });
  });

  it('when a photo is not an image, then 415 with the photo field marked and the form as typed', async () => {
    const { eir, res } = await recordForm(
      'en',
      { condition: 'sound', remarks: 'left door sticks' },
      { bytes: Buffer.from('%PDF-1.7 not a photo'), filename: 'photo.jpg', contentType: 'image/jpeg' },
    );
    expect(res.status).toBe(415);
    expect(marks(res.text)).toEqual({ invalid: ['f-photos'], linked: ['f-photos'] });
    expect(res.text).toContain('left door sticks');
    await expect(c.document(P.terminal, eir.id)).resolves.toMatchObject({ status: 'issued' });
  });

  it('when the form is right, then the move is recorded with the damage line and the photo', async () => {
    const { eir, res } = await recordForm(
      'zh-CN',
      { condition: 'damaged', 'damages[0][component]': '侧板', 'damages[0][location]': '左侧', 'damages[0][damage]': '凹陷' },
      { bytes: PNG_1x1, filename: 'p.png', contentType: 'image/png' },
    );
    expect(res.status).toBe(303);
    const recorded = await c.document(P.terminal, eir.id);
    expect(recorded.status).toBe('gate-recorded');
    const data = recorded.events.at(-1)?.data as { gateRecord?: { damages?: unknown[]; photoSha256?: unknown[] } } | undefined;
    expect(data?.gateRecord?.damages).toEqual([{ component: '侧板', location: '左侧', damage: '凹陷' }]);
    expect(data?.gateRecord?.photoSha256).toHaveLength(1);
  });
});
