/** Width of a string in points at the size the caller measures for. */
export type Measure = (text: string) => number;

// Han, kana, CJK punctuation and full-width forms: a line may break before or after any of them.
const CJK = '\u2E80-\u9FFF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF';
// A run of CJK is one token, so a short name (集装箱码头, 东海运输（演示）) moves to the next line whole;
// a run too long for a line breaks between characters, keeping a short bracketed part together.
const TOKEN = new RegExp(`[${CJK}]+|[^\\s${CJK}]+|[^\\S\\n]+`, 'gu');
const CJK_RUN = new RegExp(`^[${CJK}]+$`, 'u');
const CJK_PIECE = /（[^（）]{1,6}）|\([^()]{1,6}\)|./gsu;
/** The longest CJK run kept whole: a name or a short phrase, not a sentence. */
const MAX_CJK_UNIT = 12;
// Closing punctuation stays on the line it closes (a light form of the CJK kinsoku rule).
const NO_LINE_START = /^[，。、；：！？）》」』】〉,.;:!?)\]}%]/u;

/**
 * Breaks text into lines no wider than `maxWidth`: at spaces for Latin text, before or after a short
 * CJK run (or between its characters when it is long), and inside a single over-long word (hashes,
 * URLs) only where nothing else fits. Latin words and numbers are never split otherwise.
 * Explicit newlines are kept.
 */
export function wrapText(text: string, maxWidth: number, measure: Measure): string[] {
  return text.split('\n').flatMap((paragraph) => wrapParagraph(paragraph, maxWidth, measure));
}

function wrapParagraph(paragraph: string, maxWidth: number, measure: Measure): string[] {
  const tokens = paragraph.match(TOKEN) ?? [];
  const lines: string[] = [];
  let line = '';
  const flush = () => {
    lines.push(line.trimEnd());
    line = '';
  };
  const units = tokens.flatMap((token) => {
    if (!CJK_RUN.test(token)) return [token];
    const length = Array.from(token).length;
    // A short run stays whole when it fits a line of its own; otherwise it breaks between characters.
    if (length <= MAX_CJK_UNIT && measure(token) <= maxWidth) return [token];
    return token.match(CJK_PIECE) ?? [token];
  });
  for (const token of units) {
    const isSpace = token.trim() === '';
    if (isSpace) {
      if (line !== '') line += token;
      continue;
    }
    if (line === '' || measure(line + token) <= maxWidth || NO_LINE_START.test(token)) {
      if (line === '' && measure(token) > maxWidth) {
        for (const piece of splitLongWord(token, maxWidth, measure)) {
          if (line !== '') flush();
          line = piece;
        }
      } else {
        line += token;
      }
      continue;
    }
    flush();
    if (measure(token) > maxWidth) {
      const pieces = splitLongWord(token, maxWidth, measure);
      pieces.forEach((piece, index) => {
        line = piece;
        if (index < pieces.length - 1) flush();
      });
    } else {
      line = token;
    }
  }
  if (line !== '' || lines.length === 0) flush();
  return lines;
}

// Where an over-long word (URL, path, code) breaks most readably: after one of these characters.
// Not after a hyphen: text extractors (pdftotext) join a line ending in "-" to the next and drop it.
const SOFT_BREAK_AFTER = /[/?&=_.]/u;

function splitLongWord(word: string, maxWidth: number, measure: Measure): string[] {
  const pieces: string[] = [];
  let rest = word;
  while (rest !== '') {
    const chars = Array.from(rest);
    // The longest prefix that fits (at least one character). A prefix only grows wider as it gets
    // longer, so a binary search finds it with a few measurements rather than one per character.
    let fit = 1;
    let tooLong = chars.length + 1;
    while (tooLong - fit > 1) {
      const middle = (fit + tooLong) >> 1;
      if (measure(chars.slice(0, middle).join('')) <= maxWidth) fit = middle;
      else tooLong = middle;
    }
    let piece = chars.slice(0, fit).join('');
    if (fit < chars.length) {
      // Back up to the last soft break in the second half of the piece, if there is one.
      const pieceChars = Array.from(piece);
      for (let i = pieceChars.length - 1; i >= pieceChars.length / 2; i--) {
        if (SOFT_BREAK_AFTER.test(pieceChars[i] ?? '')) {
          piece = pieceChars.slice(0, i + 1).join('');
          break;
        }
      }
    }
    // For the same reason a piece never ends in a hyphen: it moves to the start of the next piece.
    if (fit < chars.length && piece.length > 1 && piece.endsWith('-')) piece = piece.slice(0, -1);
    pieces.push(piece);
    rest = rest.slice(piece.length);
  }
  return pieces;
}
