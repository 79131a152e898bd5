// DocumentView, the verifier's reading of one revision: an object it cannot read stays unreadable.
import { DocumentView } from '../../../../src/adapters/pdf/verify/pdf-revisions';

/** A classic PDF of these object bodies (object i + 1 is bodies[i]) with a correct cross-reference table. */
function pdfOf(bodies: readonly string[]): Uint8Array {
  let text = '%PDF-1.7\n';
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(text.length);
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = text.length;
  text += `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  text += `trailer\n<< /Root 1 0 R /Size ${bodies.length + 1} >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

describe('an object the view cannot read', () => {
  const file = pdfOf(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [ 3 0 R } /Count 1 >>', '<< /Type /Page /Parent 2 0 R >>']);

  it('when it is read twice, then both reads fail alike, so no later check finds it merely missing', () => {
    const view = DocumentView.open(file);
    const first = (() => {
      try {
        view.object(2);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(first).toBeInstanceOf(Error);
    expect(() => view.object(2)).toThrow((first as Error).message);
    expect(() => view.resolve({ kind: 'ref', num: 2, gen: 0 })).toThrow((first as Error).message);
  });

  it('when objects around it are read, then they are unaffected', () => {
    const view = DocumentView.open(file);
    expect(() => view.object(2)).toThrow();
    expect(view.catalog()?.get('Type')).toEqual({ kind: 'name', value: 'Catalog' });
    expect(view.dict(view.object(3) ?? undefined)?.get('Type')).toEqual({ kind: 'name', value: 'Page' });
  });
});
