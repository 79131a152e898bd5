import { csvRecords } from '../../src/cli/csv-records';

describe('csvRecords (RFC 4180)', () => {
  it('splits cells at commas and records at LF or CRLF, and numbers each record by the line it starts on', () => {
    const text = '\uFEFFa,b,c\r\n1,"two, with comma","line one\nline two"\n\n"say ""hi""",,x\n';
    expect(csvRecords(text)).toEqual({
      records: [
        { line: 1, cells: ['a', 'b', 'c'] },
        { line: 2, cells: ['1', 'two, with comma', 'line one\nline two'] },
        { line: 5, cells: ['say "hi"', '', 'x'] },
      ],
    });
  });

  it('reads a last record without a line end, and keeps empty cells', () => {
    expect(csvRecords('a,b\n,').records).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['', ''] },
    ]);
  });

  it('stops at an unclosed quote, naming the line its record starts on, and keeps the records before', () => {
    expect(csvRecords('a\n1\n"open\nstill open')).toEqual({
      records: [{ line: 1, cells: ['a'] }, { line: 2, cells: ['1'] }],
      problem: { line: 3, message: 'a quoted cell is not closed' },
    });
  });

  it('refuses a quote inside an unquoted cell and text after a closing quote', () => {
    expect(csvRecords('a\nab"c\n').problem).toEqual({ line: 2, message: 'a quote inside an unquoted cell; quote the whole cell and double the quote' });
    expect(csvRecords('a\n"ab"c\n').problem).toEqual({ line: 2, message: 'a closing quote must end its cell' });
  });
});
