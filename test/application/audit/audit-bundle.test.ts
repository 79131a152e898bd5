import {
  BundleLineReader,
  bundleHeader,
  bundleLines,
  parseAuditBundle,
  parseSignedTreeHead,
  type LoggedEvent,
} from '../../../src/application/audit/audit-bundle';
import type { SignedTreeHead } from '../../../src/application/audit/tree-head';
import { ValidationError } from '../../../src/domain/shared/errors';

// Shape only: these envelopes are not real signatures; the audit tests use real ones.
const head: SignedTreeHead = { size: 2, rootHash: 'a'.repeat(64), timestamp: '2026-11-28T10:00:00.000Z', signature: 'h.p.s' };
const events: LoggedEvent[] = [
  { logIndex: 0, documentId: 'doc-1', seq: 1, envelope: 'e.one.sig' },
  { logIndex: 1, documentId: 'doc-1', seq: 2, envelope: 'e.two.sig' },
];

async function text(rows: LoggedEvent[]): Promise<string> {
  let out = '';
  for await (const chunk of bundleLines(bundleHeader(head, [], new Date('2026-11-28T11:00:00Z')), rows)) out += chunk;
  return out;
}

function readLines(bundle: string): { header: unknown; events: LoggedEvent[] } {
  const reader = new BundleLineReader();
  const [first = '', ...rest] = bundle.split('\n');
  const header = reader.header(first);
  const read: LoggedEvent[] = [];
  for (const line of rest) {
    const event = reader.next(line);
    if (event !== undefined && event !== 'blank') read.push(event);
  }
  reader.finish();
  return { header, events: read };
}

describe('audit bundle format', () => {
  it('when written, then it is plain JSON that the schema accepts, one event per line', async () => {
    const bundle = await text(events);
    expect(bundle.split('\n')).toHaveLength(5);
    const parsed = parseAuditBundle(JSON.parse(bundle));
    expect(parsed).toEqual({
      ok: true,
      value: { format: 'sdx-audit-bundle', version: 2, exportedAt: '2026-11-28T11:00:00.000Z', treeHead: head, parties: [], events },
    });
  });

  it('when read line by line, then the same header and events come back, also for an empty log', async () => {
    expect(readLines(await text(events))).toEqual({ header: expect.objectContaining({ treeHead: head }), events });
    expect(readLines(await text([])).events).toEqual([]);
    expect(parseAuditBundle(JSON.parse(await text([]))).ok).toBe(true);
  });

  it('when a bundle is cut short, then the line reader says so', async () => {
    const lines = (await text(events)).split('\n').slice(0, 2).join('\n');
    expect(() => readLines(lines)).toThrow(/cut short/);
  });

  it('when an event line is broken, then the error names its line and field', async () => {
    const bundle = (await text(events)).replace('"seq":2', '"seq":"2"');
    expect(() => readLines(bundle)).toThrow(ValidationError);
    expect(() => readLines(bundle)).toThrow(/line 3: event\.seq/);
  });

  it('when another layout is given, then the line reader declines and the whole-file schema names the path', () => {
    expect(new BundleLineReader().header('{')).toBeUndefined();
    const parsed = parseAuditBundle({ format: 'sdx-audit-bundle', version: 3, exportedAt: 'x', treeHead: head, parties: [], events: [{ ...events[0], envelope: 3 }] });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.map((i) => i.path)).toEqual(['version', 'events[0].envelope']);
    expect(parsed.issues[0]?.message).toMatch(/newer sdx/);
  });

  it('when a saved head has a malformed root, then it is refused', () => {
    const parsed = parseSignedTreeHead({ ...head, rootHash: 'ABC' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues[0]?.path).toBe('rootHash');
  });
});
