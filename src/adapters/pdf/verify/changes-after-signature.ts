import type { DocumentView } from './pdf-revisions';
import { dictOf, nameOf, numberOf, sameValue, type PdfDict, type PdfValue } from './pdf-syntax';

/**
 * What changed between a signed revision and the final document, and whether each change is one a
 * later signature may make (DESIGN.md section 5): new signature dictionaries, signature fields and
 * their widgets (with appearances), the AcroForm's /Fields and /SigFlags, a page's /Annots growing
 * by those widgets, and a DSS. Everything else is a modification of the signed document.
 */
export type AllowedChangeKind = 'signature' | 'signature-field' | 'acroform' | 'page-annots' | 'catalog' | 'dss' | 'structure';

export interface ChangeAnalysis {
  /** Object numbers whose value differs (new, redefined or deleted). */
  changedObjects: number[];
  allowed: { num: number; kind: AllowedChangeKind }[];
  disallowed: { num: number; reason: string }[];
  /**
   * Changes a foreign document's rules may allow but that draw something new: a new or replaced
   * appearance of a widget or annotation. `form`: a field filled or signed; `annotation`: a new
   * annotation or widget.
   */
  visible: { num: number; reason: string; kind: 'form' | 'annotation' }[];
}

const MAX_WALK = 100_000;

export type ObjectChanges = Map<number, { before: PdfValue | undefined; after: PdfValue | undefined }>;

/**
 * Objects whose value differs between two revisions (new, redefined or deleted), and those the later
 * revision names but cannot be read.
 */
export function diffViews(signed: DocumentView, final: DocumentView): { changes: ObjectChanges; unreadable: { num: number; reason: string }[] } {
  const changes: ObjectChanges = new Map();
  const unreadable: { num: number; reason: string }[] = [];
  const nums = new Set([...signed.entries.keys(), ...final.entries.keys()]);
  for (const num of [...nums].sort((a, b) => a - b)) {
    if (num === 0 || signed.locationOf(num) === final.locationOf(num)) continue;
    let before: PdfValue | undefined;
    let after: PdfValue | undefined;
    try {
      before = signed.object(num);
    } catch {
      before = undefined;
    }
    try {
      after = final.object(num);
    } catch (error) {
      unreadable.push({ num, reason: `object ${num} cannot be read in the later revision (${(error as Error).message})` });
      continue;
    }
    if (!sameValue(before, after)) changes.set(num, { before, after });
  }
  return { changes, unreadable };
}

export function analyseChanges(signed: DocumentView, final: DocumentView): ChangeAnalysis {
  const { changes, unreadable } = diffViews(signed, final);
  const disallowed: ChangeAnalysis['disallowed'] = [...unreadable];
  const allowed: ChangeAnalysis['allowed'] = [];
  const visible: ChangeAnalysis['visible'] = [];

  const catalogNum = refNum(final.trailer.get('Root'));
  const finalCatalog = final.catalog();
  const acroFormNum = refNum(finalCatalog?.get('AcroForm'));
  const dssNums = redefinableDssNums(signed, final);
  const annotsArrayNums = new Set<number>();
  for (const { dict: page } of pageObjects(final)) {
    const annots = refNum(page.get('Annots'));
    if (annots !== undefined) annotsArrayNums.add(annots);
  }

  // Values from which new objects may hang: what the allowed redefinitions added.
  const roots: PdfValue[] = [];
  const isNew = (num: number): boolean => changes.has(num) && changes.get(num)?.before === undefined;

  // Additions to /Fields or /Annots: an invisible signature field is only structure; anything else
  // may paint over what the signer saw, so a person must look.
  const checkAdditions = (added: PdfValue[], where: string): string | undefined => {
    for (const item of added) {
      const dict = final.dict(item);
      if (!dict) return `${where} gained ${describe(item)}, which is not a dictionary`;
      roots.push(item);
      const num = item.kind === 'ref' ? item.num : -1;
      if (isSignatureField(final, dict) && !isVisibleWidget(final, dict)) continue;
      if (visible.some((v) => v.num === num && num >= 0)) continue;
      const what = isSignatureField(final, dict) ? 'a visible signature widget' : dict.has('FT') || nameOf(dict.get('Subtype')) === 'Widget' ? 'a form field' : `an annotation (${nameOf(dict.get('Subtype')) ?? 'no subtype'})`;
      // A signature widget counts as signing (allowed by DocMDP P=2) though it may still paint over the page.
      visible.push({ num, reason: `${where} gained ${describe(item)}, ${what}, drawn over the page after the signature`, kind: isSignatureField(final, dict) ? 'form' : 'annotation' });
    }
    return undefined;
  };

  const acroFormChange = (before: PdfDict | undefined, after: PdfDict | undefined): string | undefined => {
    if (!after) return 'the AcroForm was removed';
    for (const key of changedKeys(before ?? new Map(), after, signed, final)) {
      if (key === 'SigFlags') continue;
      if (key !== 'Fields') return `the AcroForm's /${key} changed`;
      const grown = growth(signed, before?.get('Fields'), final, after.get('Fields'));
      if (grown === undefined) return "the AcroForm's /Fields lost or reordered fields";
      const problem = checkAdditions(grown, 'the AcroForm /Fields');
      if (problem) return problem;
    }
    return undefined;
  };

  for (const [num, { before, after }] of changes) {
    if (after === undefined) {
      disallowed.push({ num, reason: `object ${num} (${describeValue(before)}) was deleted` });
      continue;
    }
    if (before === undefined) {
      if (after.kind === 'stream' && ['XRef', 'ObjStm'].includes(nameOf(after.entries.get('Type')) ?? '')) {
        allowed.push({ num, kind: 'structure' });
      }
      continue;
    }
    const beforeDict = dictOf(before);
    const afterDict = dictOf(after);
    let problem: string | undefined;
    let kind: AllowedChangeKind | undefined;
    if (beforeDict && isSignatureDictionary(beforeDict)) {
      problem = `signature dictionary ${num} was redefined`;
    } else if (num === catalogNum && beforeDict && afterDict) {
      kind = 'catalog';
      const keys = changedKeys(beforeDict, afterDict, signed, final);
      for (const key of keys) {
        if (key === 'DSS' || key === 'Extensions') {
          roots.push(afterDict.get(key) ?? { kind: 'null' });
        } else if (key === 'AcroForm') {
          const formProblem = acroFormChange(signed.dict(beforeDict.get('AcroForm')), final.dict(afterDict.get('AcroForm')));
          if (formProblem) problem = formProblem;
          else roots.push(afterDict.get('AcroForm') ?? { kind: 'null' });
        } else {
          problem = `the document catalog's /${key} changed`;
        }
        if (problem) break;
      }
      if (!problem && keys.every((k) => k === 'DSS' || k === 'Extensions')) kind = 'dss';
    } else if (num === acroFormNum && beforeDict) {
      kind = 'acroform';
      problem = acroFormChange(beforeDict, afterDict);
    } else if (dssNums.has(num)) {
      kind = 'dss';
      roots.push(after);
    } else if (beforeDict && afterDict && nameOf(beforeDict.get('Type')) === 'Page') {
      kind = 'page-annots';
      for (const key of changedKeys(beforeDict, afterDict, signed, final)) {
        if (key !== 'Annots') {
          problem = `page object ${num} had its /${key} changed`;
          break;
        }
        const grown = growth(signed, beforeDict.get('Annots'), final, afterDict.get('Annots'));
        problem = grown === undefined ? `page object ${num} lost or reordered annotations` : checkAdditions(grown, `page ${num} /Annots`);
      }
    } else if (annotsArrayNums.has(num) && before.kind === 'array') {
      kind = 'page-annots';
      const grown = growth(signed, before, final, after);
      problem = grown === undefined ? `annotation array ${num} lost or reordered annotations` : checkAdditions(grown, `annotation array ${num}`);
    } else if (beforeDict && afterDict && isSignatureField(final, afterDict) && isSignatureField(signed, beforeDict)) {
      kind = 'signature-field';
      const wasEmpty = beforeDict.get('V') === undefined || beforeDict.get('V')?.kind === 'null';
      for (const key of changedKeys(beforeDict, afterDict, signed, final)) {
        if (key === 'V' && wasEmpty) {
          roots.push(afterDict.get('V') ?? { kind: 'null' });
        } else if (key === 'AP') {
          roots.push(afterDict.get('AP') ?? { kind: 'null' });
          // A pre-existing empty field's rectangle was on the page the signer saw; anything else repaints.
          if (!wasEmpty || !changedKeys(beforeDict, afterDict, signed, final).includes('V')) {
            visible.push({ num, reason: `the appearance of signature field ${num} was replaced`, kind: 'form' });
          }
        } else {
          problem = `signature field ${num} had its /${key} changed${key === 'V' ? ' (an existing signature was replaced)' : ''}`;
          break;
        }
      }
    } else if (beforeDict && afterDict && isAnnotation(beforeDict)) {
      kind = 'signature-field';
      for (const key of changedKeys(beforeDict, afterDict, signed, final)) {
        if (key === 'AP' || key === 'V' || key === 'AS' || key === 'M') {
          if (key === 'AP' || key === 'V') roots.push(afterDict.get(key) ?? { kind: 'null' });
          if (!visible.some((v) => v.num === num)) visible.push({ num, reason: `${describeValue(before)} ${num} was filled in or given a new appearance`, kind: 'form' });
        } else {
          problem = `${describeValue(before)} ${num} had its /${key} changed`;
          break;
        }
      }
    } else {
      problem = `object ${num} (${describeValue(before)}) was redefined`;
    }
    if (problem) disallowed.push({ num, reason: problem });
    else if (kind) allowed.push({ num, kind });
  }

  // New objects are allowed only when they hang off an allowed change, and only through new objects.
  const reached = new Set<number>();
  const queue: PdfValue[] = [...roots];
  for (const [num, { before, after }] of changes) {
    if (before === undefined && after && dictOf(after) && isSignatureDictionary(dictOf(after) as PdfDict)) queue.push({ kind: 'ref', num, gen: 0 });
  }
  let steps = 0;
  while (queue.length > 0 && steps++ < MAX_WALK) {
    const value = queue.pop() as PdfValue;
    if (value.kind === 'ref') {
      if (!isNew(value.num) || reached.has(value.num)) continue;
      const target = changes.get(value.num)?.after;
      const dict = dictOf(target);
      if (dict && (dict.has('AA') || nameOf(dict.get('S')) === 'JavaScript') ) {
        disallowed.push({ num: value.num, reason: `new object ${value.num} carries an action` });
        reached.add(value.num);
        continue;
      }
      reached.add(value.num);
      if (target) queue.push(target);
    } else if (value.kind === 'array') {
      queue.push(...value.items);
    } else if (value.kind === 'dict' || value.kind === 'stream') {
      for (const [key, item] of value.entries) if (key !== 'P' && key !== 'Parent') queue.push(item);
    }
  }
  for (const [num, { before, after }] of changes) {
    if (before !== undefined || !after) continue;
    if (allowed.some((a) => a.num === num)) continue;
    if (reached.has(num)) {
      const dict = dictOf(after);
      allowed.push({ num, kind: dict && isSignatureDictionary(dict) ? 'signature' : 'signature-field' });
    } else {
      disallowed.push({ num, reason: `new object ${num} (${describeValue(after)}) is not part of a signature, signature field or DSS` });
    }
  }
  // Objects hung off the DSS count as DSS changes (for "only a DSS was added" after the last signature).
  const dssRoot = finalCatalog?.get('DSS');
  if (dssRoot) {
    // Through the DSS and VRI a later update redefined, too: a second DSS update rewrites both.
    const dssReach = reach(final, dssRoot, (num) => isNew(num) || dssNums.has(num));
    for (const entry of allowed) if (dssReach.has(entry.num)) entry.kind = 'dss';
  }
  return { changedObjects: [...changes.keys()], allowed, disallowed, visible };
}

/**
 * The DSS and VRI objects a later revision may redefine: only those that already were the DSS (or
 * its VRI) and still are. A later catalog naming, say, a page's content stream as its /DSS must not
 * make rewriting that stream pass as validation data; new DSS objects are judged by what reaches them.
 */
export function redefinableDssNums(before: DocumentView, after: DocumentView): Set<number> {
  const nums = (view: DocumentView): (number | undefined)[] => {
    const dss = view.catalog()?.get('DSS');
    return [refNum(dss), refNum(view.dict(dss)?.get('VRI'))];
  };
  const prior = new Set(nums(before));
  return new Set(nums(after).filter((n): n is number => n !== undefined && prior.has(n)));
}

/** An annotation dictionary (widgets included). */
export function isAnnotation(dict: PdfDict): boolean {
  return nameOf(dict.get('Type')) === 'Annot' || (dict.has('Subtype') && dict.has('Rect'));
}

/** A widget that shows on the page: a rectangle with area, not hidden (/F bit 2) or no-view (bit 6). */
export function isVisibleWidget(view: DocumentView, dict: PdfDict): boolean {
  const rect = view.resolve(dict.get('Rect'));
  const numbers = rect?.kind === 'array' ? rect.items.map((item) => numberOf(view.resolve(item))) : [];
  const [x1, y1, x2, y2] = numbers;
  if (numbers.length !== 4 || x1 === undefined || y1 === undefined || x2 === undefined || y2 === undefined) return false;
  const flags = numberOf(view.resolve(dict.get('F'))) ?? 0;
  if ((flags & 2) !== 0 || (flags & 32) !== 0) return false;
  return Math.abs(x2 - x1) > 0 && Math.abs(y2 - y1) > 0;
}

export function isSignatureDictionary(dict: PdfDict): boolean {
  const type = nameOf(dict.get('Type'));
  return type === 'Sig' || type === 'DocTimeStamp' || (dict.has('ByteRange') && dict.has('Contents'));
}

/** A field (or widget) whose field type, possibly inherited through /Parent, is /Sig. */
export function isSignatureField(view: DocumentView, dict: PdfDict): boolean {
  let current: PdfDict | undefined = dict;
  for (let depth = 0; current && depth < 32; depth++) {
    const ft = nameOf(current.get('FT'));
    if (ft) return ft === 'Sig';
    current = view.dict(current.get('Parent'));
  }
  return false;
}

/** Page dictionaries with their object numbers, from the page tree. */
export function pageObjects(view: DocumentView): { num: number; dict: PdfDict }[] {
  const pages: { num: number; dict: PdfDict }[] = [];
  const seen = new Set<number>();
  const walk = (value: PdfValue | undefined, depth: number): void => {
    if (depth > 64 || value?.kind !== 'ref' || seen.has(value.num)) return;
    seen.add(value.num);
    let dict: PdfDict | undefined;
    try {
      dict = view.dict(value);
    } catch {
      return;
    }
    if (!dict) return;
    if (nameOf(dict.get('Type')) === 'Page' || !dict.has('Kids')) pages.push({ num: value.num, dict });
    else for (const kid of arrayItems(view, dict.get('Kids'))) walk(kid, depth + 1);
  };
  walk(view.catalog()?.get('Pages'), 0);
  return pages;
}

export function arrayItems(view: DocumentView, value: PdfValue | undefined): PdfValue[] {
  try {
    const resolved = view.resolve(value);
    return resolved?.kind === 'array' ? resolved.items : [];
  } catch {
    return [];
  }
}

/** Keys whose values differ (comparing resolved arrays/dicts by content when inline vs referenced). */
export function changedKeys(before: PdfDict, after: PdfDict, beforeView: DocumentView, afterView: DocumentView): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((key) => {
    const a = before.get(key);
    const b = after.get(key);
    if (sameValue(a, b)) return false;
    // The same object number on both sides is compared where that object itself is compared.
    if (a?.kind === 'ref' && b?.kind === 'ref' && a.num === b.num) return false;
    return !sameValue(beforeView.resolve(a), afterView.resolve(b));
  });
}

/**
 * The items an array gained, when every earlier item is still there in the same order (by
 * reference); undefined when something was removed or reordered.
 */
export function growth(beforeView: DocumentView, before: PdfValue | undefined, afterView: DocumentView, after: PdfValue | undefined): PdfValue[] | undefined {
  const old = arrayItems(beforeView, before);
  const now = arrayItems(afterView, after);
  let i = 0;
  const added: PdfValue[] = [];
  for (const item of now) {
    if (i < old.length && sameValue(item, old[i])) i++;
    else added.push(item);
  }
  return i === old.length ? added : undefined;
}

function reach(view: DocumentView, root: PdfValue, include: (num: number) => boolean): Set<number> {
  const seen = new Set<number>();
  const queue = [root];
  let steps = 0;
  while (queue.length > 0 && steps++ < MAX_WALK) {
    const value = queue.pop() as PdfValue;
    if (value.kind === 'ref') {
      if (seen.has(value.num) || !include(value.num)) continue;
      seen.add(value.num);
      const target = view.object(value.num);
      if (target) queue.push(target);
    } else if (value.kind === 'array') queue.push(...value.items);
    else if (value.kind === 'dict' || value.kind === 'stream') queue.push(...value.entries.values());
  }
  return seen;
}

export function refNum(value: PdfValue | undefined): number | undefined {
  return value?.kind === 'ref' ? value.num : undefined;
}

function describe(value: PdfValue): string {
  return value.kind === 'ref' ? `object ${value.num}` : `an inline ${value.kind}`;
}

function describeValue(value: PdfValue | undefined): string {
  const dict = dictOf(value);
  if (!dict) return value?.kind ?? 'nothing';
  const type = nameOf(dict.get('Type'));
  const subtype = nameOf(dict.get('Subtype'));
  const parts = [type && `/Type /${type}`, subtype && `/Subtype /${subtype}`].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : value?.kind === 'stream' ? 'a stream' : 'a dictionary';
}
