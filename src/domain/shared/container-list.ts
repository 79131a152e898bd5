/**
 * A pasted list of containers, as clerks copy it from a spreadsheet or an e-mail: one container per
 * line, or several separated by commas, each number optionally followed by its size-type code
 * (`CSQU3054383 45G1`). Parsing only splits the text; whether each number is valid ISO 6346 is for
 * the caller to check. No imports, so the browser runs the very same code as the server.
 */
export interface ListedContainer {
  /** 1-based line of the text the number came from. */
  line: number;
  number: string;
  sizeType?: string;
}

const MAX_LISTED = 200;

/** A size-type code is four characters with a digit first (22G1, 45R1, L5G1); a number is longer. */
const SIZE_TYPE = /^[0-9A-Z][0-9A-Z][A-Z][0-9]$/;

export function parseContainerList(text: string): ListedContainer[] {
  const listed: ListedContainer[] = [];
  text.split(/\r?\n/).forEach((lineText, index) => {
    let last: ListedContainer | undefined;
    for (const token of lineText.toUpperCase().split(/[\s,;，；]+/).filter(Boolean)) {
      if (last && last.sizeType === undefined && SIZE_TYPE.test(token)) {
        last.sizeType = token;
        continue;
      }
      if (listed.length >= MAX_LISTED) return;
      last = { line: index + 1, number: token };
      listed.push(last);
    }
  });
  return listed;
}
