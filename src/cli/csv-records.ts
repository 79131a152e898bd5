/** One CSV record (RFC 4180) and the line of the file it starts on, counting from 1. */
export interface CsvRecord {
  line: number;
  cells: string[];
}

export interface CsvSyntaxProblem {
  line: number;
  message: string;
}

/**
 * Splits RFC 4180 text into records: comma-separated cells, a cell in double quotes may hold
 * commas, line breaks and doubled quotes; lines end in LF or CRLF; a leading byte-order mark and
 * blank lines are skipped. Reading stops at the first syntax problem (after it, where one cell
 * ends is guesswork), which is returned with the records before it.
 */
export function csvRecords(text: string): { records: CsvRecord[]; problem?: CsvSyntaxProblem } {
  const records: CsvRecord[] = [];
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = 1;
  let recordLine = 1;
  let cells: string[] = [];
  let cell = '';
  let i = 0;

  const endRecord = () => {
    cells.push(cell);
    if (cells.length > 1 || cells[0] !== '') records.push({ line: recordLine, cells });
    cells = [];
    cell = '';
  };

  while (i < source.length) {
    const ch = source.charAt(i);
    if (ch === '"' && cell === '') {
      // A quoted cell runs to the next quote that is not doubled.
      let j = i + 1;
      for (;;) {
        if (j >= source.length) return { records, problem: { line: recordLine, message: 'a quoted cell is not closed' } };
        const inner = source.charAt(j);
        if (inner === '"') {
          if (source.charAt(j + 1) !== '"') break;
          cell += '"';
          j += 2;
          continue;
        }
        if (inner === '\n') line += 1;
        cell += inner;
        j += 1;
      }
      i = j + 1;
      const after = source.charAt(i);
      if (i < source.length && after !== ',' && after !== '\n' && after !== '\r') {
        return { records, problem: { line, message: 'a closing quote must end its cell' } };
      }
      continue;
    }
    if (ch === '"') return { records, problem: { line, message: 'a quote inside an unquoted cell; quote the whole cell and double the quote' } };
    if (ch === ',') {
      cells.push(cell);
      cell = '';
      i += 1;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && source.charAt(i + 1) === '\n' ? 2 : 1;
      line += 1;
      recordLine = line;
      continue;
    }
    cell += ch;
    i += 1;
  }
  if (cell !== '' || cells.length > 0) endRecord();
  return { records };
}
