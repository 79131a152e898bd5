import { importFormatOf, importRecords } from '../../src/cli/import-file';

describe('import files', () => {
  it('knows the format by the file name', () => {
    expect([importFormatOf('a.jsonl'), importFormatOf('A.NDJSON'), importFormatOf('b.csv'), importFormatOf('c.json')]).toEqual(['jsonl', 'jsonl', 'csv', undefined]);
  });

  it('reads one JSON payload per line, skipping blank lines but counting them', () => {
    expect(importRecords('{"a":1}\r\n\n{"b":\n[1]\n', 'jsonl')).toEqual([
      { line: 1, input: { a: 1 } },
      { line: 3, issues: [{ path: '', code: 'invalid-json', message: 'not valid JSON (one payload per line)' }] },
      { line: 4, input: [1] },
    ]);
  });

  it('maps CSV columns named by field paths onto nested objects and arrays, converting typed cells', () => {
    const csv = [
      'eirNumber,container.number,container.grossWeightKg:number,seals[0].number,seals[0].type,seals[1].number,seals[1].type,flag:boolean,extra:json',
      'E1,CSQU3054383,18640.5,S1,carrier,S2,customs,true,"{""k"":[1]}"',
      'E2,CSQU3054383,,,,,,false,',
    ].join('\n');
    expect(importRecords(csv, 'csv')).toEqual([
      {
        line: 2,
        input: {
          eirNumber: 'E1',
          container: { number: 'CSQU3054383', grossWeightKg: 18640.5 },
          seals: [{ number: 'S1', type: 'carrier' }, { number: 'S2', type: 'customs' }],
          flag: true,
          extra: { k: [1] },
        },
      },
      // Empty cells leave their fields out; an array a column names is there, empty.
      { line: 3, input: { eirNumber: 'E2', container: { number: 'CSQU3054383' }, seals: [], flag: false } },
    ]);
  });

  it('reports bad cells by column, a row of the wrong width and a syntax problem, each on its line', () => {
    const csv = ['n:number,b:boolean', 'x,yes', '1', '2,true', '"3,false'].join('\n');
    expect(importRecords(csv, 'csv')).toEqual([
      {
        line: 2,
        issues: [
          { path: 'n:number', code: 'csv-cell', message: '"x" is not a number' },
          { path: 'b:boolean', code: 'csv-cell', message: '"yes" is not true or false' },
        ],
      },
      { line: 3, issues: [{ path: '(row)', code: 'csv-cell-count', message: 'has 1 cells; the header has 2' }] },
      { line: 4, input: { n: 2, b: true } },
      { line: 5, issues: [{ path: '(row)', code: 'csv-syntax', message: 'a quoted cell is not closed' }] },
    ]);
  });

  it('refuses header cells that are not field paths, or that name a field twice', () => {
    const [header] = importRecords('a..b,c:date,d,d,e,e.f\n1,2,3,4,5,6\n', 'csv');
    expect(header).toEqual({
      line: 1,
      issues: [
        expect.objectContaining({ path: 'column 1 "a..b"', code: 'csv-column' }),
        expect.objectContaining({ path: 'column 2 "c:date"', code: 'csv-column' }),
        { path: 'column 4 "d"', code: 'csv-column', message: 'names the same field as (or a part of) column "d"' },
        { path: 'column 6 "e.f"', code: 'csv-column', message: 'names the same field as (or a part of) column "e"' },
      ],
    });
  });

  it('when a header names __proto__, constructor or prototype, then the column is refused and Object.prototype stays clean', () => {
    const headers = ['__proto__.polluted', 'constructor.prototype.polluted', 'a.__proto__.polluted', 'seals[0].constructor', 'x.prototype:json'];
    for (const name of headers) {
      const [header, ...rest] = importRecords(`${name},ok\n"{""v"":1}",1\n`, 'csv');
      expect(rest).toEqual([]);
      expect(header).toEqual({
        line: 1,
        issues: [{ path: `column 1 "${name}"`, code: 'csv-column', message: 'a field path may not name __proto__, constructor or prototype' }],
      });
    }
    // A :json cell may hold such keys as its own data; they stay own fields of that value.
    const [row] = importRecords('extra:json\n"{""__proto__"":{""polluted"":1}}"\n', 'csv');
    expect(row).toMatchObject({ line: 2 });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('when a record is built, then it has no prototype, so no field reads through one', () => {
    const [row] = importRecords('toString,seals[0].valueOf\nx,y\n', 'csv');
    if (!row || !('input' in row)) throw new Error('expected a payload');
    expect(Object.getPrototypeOf(row.input)).toBeNull();
    expect(row.input).toEqual({ toString: 'x', seals: [{ valueOf: 'y' }] });
  });

  it('when the header has 200,000 columns, then it is accepted or refused in one pass', () => {
    const n = 200_000;
    const names = Array.from({ length: n }, (_, i) => `f${i}.v`);
    const cells = Array.from({ length: n }, (_, i) => String(i % 10));
    const accepted = importRecords(`${names.join(',')}\n${cells.join(',')}\n`, 'csv');
    expect(accepted).toHaveLength(1);
    const [row] = accepted;
    if (!row || !('input' in row)) throw new Error('expected a payload');
    expect(Object.keys(row.input as object)).toHaveLength(n);
    expect((row.input as Record<string, { v: string }>)['f199999']).toEqual({ v: '9' });

    // The clash is with the first column, found only after every other column was added.
    const refused = importRecords(`${[...names, 'f0'].join(',')}\n${[...cells, '1'].join(',')}\n`, 'csv');
    expect(refused).toEqual([
      { line: 1, issues: [{ path: `column ${n + 1} "f0"`, code: 'csv-column', message: 'names the same field as (or a part of) column "f0.v"' }] },
    ]);
  });
});
