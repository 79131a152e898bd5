// The byte scans against the regular expressions they replaced, run over the latin1 text of the
// same bytes: on crafted fragments that sit on every edge of the patterns, and on real signed PDFs
// and seeded mutants of them. Any difference is a signature dictionary the verifier could miss or
// invent, so the comparison is exact, offset by offset.
import { nextEndobj, nextObjectHeader, nextSignatureKey } from '../../../../src/adapters/pdf/verify/byte-scan';
import { DocumentView, findSignatureDictionaries } from '../../../../src/adapters/pdf/verify/pdf-revisions';
import { nameOf, sameValue } from '../../../../src/adapters/pdf/verify/pdf-syntax';
import { demoDocuments } from '../../../support/forgery-sources';
import { FuzzRandom, fuzzInput, type FuzzSeed } from '../../../support/pdf-fuzz';

const text = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

interface Scans {
  header(from: number): { start: number; end: number; num: number; gen: number } | undefined;
  signatureKey(from: number): number;
  endobj(from: number): number;
}

/** The scans as the verifier ran them before: regular expressions over the latin1 text. */
function regexScans(bytes: Uint8Array): Scans {
  const whole = text(bytes);
  const headers = /(?<!\d)(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+obj\b/g;
  const keys = /\/ByteRange|\/Type\s*\/(?:Sig|DocTimeStamp)\b/g;
  return {
    header(from) {
      headers.lastIndex = from;
      const match = headers.exec(whole);
      return match ? { start: match.index, end: match.index + match[0].length, num: Number(match[1]), gen: Number(match[2]) } : undefined;
    },
    signatureKey(from) {
      keys.lastIndex = from;
      return keys.exec(whole)?.index ?? bytes.length;
    },
    endobj(from) {
      const at = whole.indexOf('endobj', from);
      return at < 0 ? bytes.length : at;
    },
  };
}

function byteScans(bytes: Uint8Array): Scans {
  return {
    header: (from) => nextObjectHeader(bytes, from),
    signatureKey: (from) => nextSignatureKey(bytes, from),
    endobj: (from) => nextEndobj(bytes, from),
  };
}

/** Every header from the start, each search starting where the last match ended (as the verifier walks them), and each scan from each offset. */
function resultsOf(scans: Scans, offsets: readonly number[]) {
  const headers: number[] = [];
  for (let match = scans.header(0); match; match = scans.header(match.end)) headers.push(match.start);
  const from = offsets.map((at) => {
    const header = scans.header(at);
    return [header?.start ?? -1, header?.end ?? -1, header?.num ?? -1, header?.gen ?? -1, scans.signatureKey(at), scans.endobj(at)];
  });
  return { headers, from };
}

function expectSameScans(bytes: Uint8Array, label: string, offsets: readonly number[]): void {
  const expected = resultsOf(regexScans(bytes), offsets);
  const actual = resultsOf(byteScans(bytes), offsets);
  if (JSON.stringify(actual) !== JSON.stringify(expected)) expect({ label, ...actual }).toEqual({ label, ...expected });
}

const headersOf = (bytes: Uint8Array) => resultsOf(regexScans(bytes), []).headers;

const latin1Bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

/** Fragments on the edges of both patterns: digit runs at and past their limits, every kind of space, word characters after keywords. */
const FRAGMENTS = [
  'obj', 'endobj', 'objx', 'obj_', 'obj9', 'obj<<', 'obj\xa0', 'obj\x80',
  '0', '7', '12', '12345', '123456', '1234567890', '12345678901', 'x1', '_',
  ' ', '  ', '\n', '\r\n', '\0', '\t', '\f', '\v', '\xa0', '\x85',
  '<<', '>>', ']', ')', '}', '(', '[', '/',
  '/ByteRange', '/ByteRang', '/Type', '/Type/Sig', '/Type /Sig', '/Type\v/Sig', '/Type\xa0/Sig', '/Type\0/Sig',
  '/Sig', '/SigFlags', '/Sig_', '/Sig ', '/DocTimeStamp', '/DocTimeStamps', '/DocTimeStamp>>', '/TypeSig', '/Types /Sig',
];

function craftedInput(random: FuzzRandom): Uint8Array {
  let s = '';
  const parts = random.int(1, 40);
  for (let i = 0; i < parts; i++) s += random.pick(FRAGMENTS);
  return latin1Bytes(s);
}

describe('byte scans match the regular expressions they replaced', () => {
  it('when 3,000 inputs are built from fragments on the edges of the patterns, then every scan agrees at every offset', () => {
    const random = new FuzzRandom(0x5ca11ed);
    for (let i = 0; i < 3000; i++) {
      const bytes = craftedInput(random);
      expectSameScans(bytes, `crafted #${i}: ${JSON.stringify(text(bytes))}`, Array.from({ length: bytes.length + 1 }, (_, at) => at));
    }
  });

  it.each([
    ['a header at the very start', '1 0 obj'],
    ['a number of 10 digits', '1234567890 0 obj'],
    ['a number of 11 digits', '12345678901 0 obj'],
    ['a generation of 5 digits', '1 12345 obj'],
    ['a generation of 6 digits', '1 123456 obj'],
    ['a word character after obj', '1 0 objects'],
    ['a no-break space inside a header', '1\xa00 obj'],
    ['a vertical tab between /Type and its value', '/Type\v/Sig'],
    ['a key with a longer name', '/Type /Signature'],
    ['nothing at all', ''],
  ])('when the input is %s, then the scans agree', (_label, input) => {
    const bytes = latin1Bytes(input);
    expectSameScans(bytes, input, Array.from({ length: bytes.length + 1 }, (_, at) => at));
  });

  it('when a key straddles the edge of a search window (256, 768, 1,792 bytes in), then it is found where the expression finds it', () => {
    const keys = ['/ByteRange', '/Type /Sig', '/Type  \xa0/DocTimeStamp', '/Type /Sigs'];
    for (const edge of [256, 768, 1792]) {
      for (let pad = edge - 14; pad <= edge + 2; pad++) {
        for (const key of keys) {
          const bytes = latin1Bytes(`${'x'.repeat(pad)}${key} ${'y'.repeat(40)}/ByteRange`);
          expectSameScans(bytes, `${key} at ${pad}`, [0, 1, pad]);
        }
      }
    }
  });

  it('when runs of a million digits, spaces and keywords are scanned, then each scan ends and agrees', () => {
    const runs = [
      `${'9'.repeat(1_000_000)} 0 obj`,
      `1${' '.repeat(1_000_000)}0 obj`,
      `${'1 '.repeat(300_000)}obj`,
      `${'/Type '.repeat(100_000)}/Sig`,
      `${'obj '.repeat(200_000)}`,
    ];
    for (const run of runs) expectSameScans(latin1Bytes(run), `${run.slice(0, 12)}… (${run.length})`, [0, 1, run.length - 3]);
  });

  it('when a file holds 100,000 objects, each followed by a signature key after its endobj and no /ByteRange anywhere, then the scan for signature dictionaries stays linear', () => {
    // Looking for /ByteRange through the whole rest of the file at each of these objects would
    // read it 100,000 times over (hours); the scan reads it about once.
    const file = latin1Bytes(`%PDF-1.7\n${Array.from({ length: 100_000 }, (_, i) => `${i + 1} 0 obj\n<< >>\nendobj\n/Type /Sig\n`).join('')}%%EOF\n`);
    expect(findSignatureDictionaries(file)).toEqual([]);
  });

  it('when a damaged file has no trailer keyword, then the repair takes its trailer from an xref stream found by its header', () => {
    const file = latin1Bytes(
      '%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n' +
        '7 0 obj\n<< /Type\n/XRef /Root 1 0 R /Size 8 /W [1 1 1] /Length 0 >>\nstream\n\nendstream\nendobj\nstartxref\n999999\n%%EOF\n',
    );
    expect(() => DocumentView.open(file)).toThrow();
    const rebuilt = DocumentView.reconstruct(file);
    expect([...rebuilt.entries.keys()]).toEqual([1, 2, 7]);
    expect(nameOf(rebuilt.catalog()?.get('Type'))).toBe('Catalog');
    expect(rebuilt.entries.get(7)).toEqual({ type: 'offset', offset: Buffer.from(file).indexOf('7 0 obj'), gen: 0 });
  });

  describe('on signed PDFs and mutants of them', () => {
    let seeds: FuzzSeed[];
    beforeAll(async () => {
      const documents = await demoDocuments();
      seeds = documents.flatMap((d) => [
        { name: `${d.kind} first signed`, bytes: d.firstSigned },
        ...(d.complete ? [{ name: `${d.kind} complete`, bytes: d.complete }] : []),
      ]);
    }, 60_000);

    it('when each real PDF is scanned, then headers, keys and endobj agree from every object header on', () => {
      for (const seed of seeds) {
        const headers = headersOf(seed.bytes);
        expect(headers.length).toBeGreaterThan(10);
        expectSameScans(seed.bytes, seed.name, [0, ...headers, ...headers.map((at) => at + 1)]);
        expect(findSignatureDictionaries(seed.bytes).length).toBeGreaterThan(0);
      }
    });

    it('when a real PDF is rebuilt from its object headers (the damaged-xref repair), then every object and the catalog are those its cross-reference names', () => {
      for (const seed of seeds) {
        const opened = DocumentView.open(seed.bytes);
        const rebuilt = DocumentView.reconstruct(seed.bytes);
        expect(sameValue(rebuilt.trailer.get('Root'), opened.trailer.get('Root'))).toBe(true);
        expect(rebuilt.catalog()?.size).toBeGreaterThan(1);
        let compared = 0;
        for (const [num, entry] of opened.entries) {
          if (entry.type !== 'offset') continue;
          expect(rebuilt.entries.get(num)).toEqual(entry);
          expect(sameValue(rebuilt.object(num), opened.object(num))).toBe(true);
          compared++;
        }
        expect(compared).toBeGreaterThan(10);
      }
    });

    it('when 300 seeded mutants are scanned, then the scans agree on each', () => {
      for (let index = 0; index < 300; index++) {
        const input = fuzzInput(seeds, index);
        const headers = headersOf(input.bytes);
        const random = new FuzzRandom(index);
        // Every scan from every header would be quadratic in the 5,000-object mutants (for the
        // expressions too); a sample of the headers keeps this test's own cost down.
        const sampled = headers.filter((_, i) => i % Math.ceil(headers.length / 100) === 0);
        const offsets = [0, ...sampled, ...Array.from({ length: 20 }, () => random.int(0, input.bytes.length))];
        expectSameScans(input.bytes, input.id, offsets);
      }
    });
  });
});
