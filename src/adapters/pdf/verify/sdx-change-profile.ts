import { arrayItems, changedKeys, diffViews, growth, isSignatureDictionary, isSignatureField, isVisibleWidget, pageObjects, redefinableDssNums, refNum } from './changes-after-signature';
import type { DocumentView } from './pdf-revisions';
import { dictOf, nameOf, sameValue, type PdfDict, type PdfValue } from './pdf-syntax';

/**
 * The strict change profile of SDX documents (DESIGN.md section 5): between one signature and the
 * next, the only change allowed is the next expected signature filling its reserved field (its
 * appearance is drawn inside the field's fixed rectangle), plus validation data (/DSS) and document
 * timestamps without an appearance. Every other change has its own code.
 */
export type SdxChangeCode =
  | 'field-added-after-signature'
  | 'annotation-added-after-signature'
  | 'appearance-changed-after-signature'
  | 'signature-outside-reserved-field'
  | 'reserved-field-changed'
  | 'page-content-changed-after-signature'
  | 'modified-after-signature';

export interface SdxChangeProblem {
  code: SdxChangeCode;
  reason: string;
}

export interface SdxStep {
  /** The signature dictionary this step adds (the next signature), if any. */
  nextSignature?: { num: number; isTimestamp: boolean };
  /** The reserved field (widget object number and name) the next signature must fill. */
  expectedField?: { num: number; name: string };
  /** Every reserved field of the document: widget object number → field name. */
  reservedFields: ReadonlyMap<number, string>;
}

const MAX_WALK = 100_000;
/** Keys of a widget that its own signature sets when it fills the field. */
const FILL_KEYS = new Set(['V', 'AP']);

/** What changed between `before` (a signed revision) and `after` that the strict profile does not allow. */
export function checkSdxStep(before: DocumentView, after: DocumentView, step: SdxStep): SdxChangeProblem[] {
  const { changes, unreadable } = diffViews(before, after);
  const problems: SdxChangeProblem[] = unreadable.map((u) => ({ code: 'modified-after-signature', reason: u.reason }));
  const roots: PdfValue[] = [];
  const add = (code: SdxChangeCode, reason: string): void => {
    problems.push({ code, reason });
  };
  const sigNum = step.nextSignature?.num;
  const isNew = (num: number): boolean => changes.get(num)?.before === undefined && changes.has(num);

  const beforeRoot = refNum(before.trailer.get('Root'));
  const afterRoot = refNum(after.trailer.get('Root'));
  if (beforeRoot !== afterRoot) add('modified-after-signature', 'the trailer names another document catalog');
  if (!sameValue(before.trailer.get('Info'), after.trailer.get('Info'))) add('modified-after-signature', 'the trailer names another /Info dictionary');

  const pages = pageObjects(before);
  const pageNums = new Set(pages.map((p) => p.num));
  const annotArrayNums = new Set<number>();
  const contentNums = new Set<number>();
  const annotationNums = new Set<number>();
  for (const page of pages) {
    const annots = page.dict.get('Annots');
    if (annots?.kind === 'ref') annotArrayNums.add(annots.num);
    for (const item of arrayItems(before, annots)) if (item.kind === 'ref') annotationNums.add(item.num);
    const contents = page.dict.get('Contents');
    if (contents?.kind === 'ref') contentNums.add(contents.num);
    for (const item of arrayItems(before, contents)) if (item.kind === 'ref') contentNums.add(item.num);
  }
  const fieldNums = formFieldNums(before);
  const acroFormNum = refNum(before.catalog()?.get('AcroForm'));
  const dssNums = redefinableDssNums(before, after);
  let reservedFilled = false;

  /** An added /Fields or /Annots item: only an invisible document-timestamp field is allowed. */
  const checkAddition = (item: PdfValue, where: string): void => {
    const dict = after.dict(item);
    const label = item.kind === 'ref' ? `object ${item.num}` : 'an inline dictionary';
    if (dict && isTimestampField(after, dict, step)) {
      roots.push(item);
      return;
    }
    if (dict && (dict.has('FT') || nameOf(dict.get('Subtype')) === 'Widget' || dict.has('Parent'))) {
      const signed = sigNum !== undefined && refNum(dict.get('V')) === sigNum;
      add('field-added-after-signature', `${where} gained ${label}, a new ${isSignatureField(after, dict) ? 'signature ' : ''}field${isVisibleWidget(after, dict) ? ' drawn on the page' : ''}`);
      if (signed) add('signature-outside-reserved-field', `the signature in revision's new field ${label} is not in the reserved field ${step.expectedField?.name ?? '(none left)'}`);
    } else {
      add('annotation-added-after-signature', `${where} gained ${label}, ${dict ? `an annotation (${nameOf(dict.get('Subtype')) ?? 'no subtype'})` : 'not a dictionary'}`);
    }
  };

  const checkGrowth = (beforeValue: PdfValue | undefined, afterValue: PdfValue | undefined, where: string): void => {
    const grown = growth(before, beforeValue, after, afterValue);
    if (grown === undefined) {
      add('modified-after-signature', `${where} lost or reordered entries`);
      return;
    }
    for (const item of grown) checkAddition(item, where);
  };

  const checkAcroForm = (beforeForm: PdfDict | undefined, afterForm: PdfDict | undefined): void => {
    if (!afterForm) {
      add('modified-after-signature', 'the AcroForm was removed');
      return;
    }
    for (const key of changedKeys(beforeForm ?? new Map(), afterForm, before, after)) {
      if (key === 'SigFlags') continue;
      if (key === 'Fields') checkGrowth(beforeForm?.get('Fields'), afterForm.get('Fields'), 'the AcroForm /Fields');
      // /NeedAppearances makes viewers redraw every field; /DA, /DR change how fields look.
      else add('modified-after-signature', `the AcroForm's /${key} changed`);
    }
  };

  for (const [num, { before: was, after: now }] of changes) {
    if (now === undefined) {
      add('modified-after-signature', `object ${num} (${describe(was)}) was deleted`);
      continue;
    }
    if (was === undefined) continue; // new objects: judged by what reaches them, below
    const wasDict = dictOf(was);
    const nowDict = dictOf(now);
    if (wasDict && isSignatureDictionary(wasDict)) {
      add('modified-after-signature', `signature dictionary ${num} was redefined`);
    } else if (step.reservedFields.has(num) && wasDict && nowDict) {
      const name = step.reservedFields.get(num) ?? '';
      const keys = changedKeys(wasDict, nowDict, before, after);
      const fills = sigNum !== undefined && refNum(nowDict.get('V')) === sigNum;
      if (fills && step.expectedField?.num !== num) {
        add('signature-outside-reserved-field', `the signature fills reserved field ${name}, but the next expected field is ${step.expectedField?.name ?? '(none: every reserved field is signed)'}`);
      } else if (fills && !step.nextSignature?.isTimestamp && keys.every((k) => FILL_KEYS.has(k)) && isEmpty(wasDict.get('V'))) {
        reservedFilled = true;
        roots.push(nowDict.get('AP') ?? { kind: 'null' });
      } else if (keys.every((k) => k === 'AP') && !isEmpty(wasDict.get('V'))) {
        add('appearance-changed-after-signature', `the appearance of the signed field ${name} was replaced`);
      } else {
        const what = keys.filter((k) => !FILL_KEYS.has(k));
        add(
          'reserved-field-changed',
          what.length > 0
            ? `reserved field ${name} had its /${what.join(', /')} changed`
            : `reserved field ${name} changed (${keys.map((k) => `/${k}`).join(', ')}) without the next signature filling it`,
        );
      }
    } else if (num === beforeRoot && wasDict && nowDict) {
      for (const key of changedKeys(wasDict, nowDict, before, after)) {
        if (key === 'DSS' || key === 'Extensions') roots.push(nowDict.get(key) ?? { kind: 'null' });
        else if (key === 'AcroForm' && refNum(nowDict.get('AcroForm')) === undefined) checkAcroForm(before.dict(wasDict.get('AcroForm')), after.dict(nowDict.get('AcroForm')));
        else add('modified-after-signature', `the document catalog's /${key} changed`);
      }
    } else if (num === acroFormNum) {
      checkAcroForm(wasDict, nowDict);
    } else if (dssNums.has(num)) {
      roots.push(now);
    } else if (pageNums.has(num) && wasDict && nowDict) {
      for (const key of changedKeys(wasDict, nowDict, before, after)) {
        if (key === 'Annots') checkGrowth(wasDict.get('Annots'), nowDict.get('Annots'), `page object ${num} /Annots`);
        else add('page-content-changed-after-signature', `page object ${num} had its /${key} changed`);
      }
    } else if (annotArrayNums.has(num)) {
      checkGrowth(was, now, `annotation array ${num}`);
    } else if (contentNums.has(num)) {
      add('page-content-changed-after-signature', `content stream ${num} of a page was rewritten`);
    } else if ((annotationNums.has(num) || fieldNums.has(num)) && wasDict && nowDict) {
      const keys = changedKeys(wasDict, nowDict, before, after);
      const fills = sigNum !== undefined && refNum(nowDict.get('V')) === sigNum;
      if (fills) add('signature-outside-reserved-field', `the signature fills ${describe(was)} ${num}, which is not the reserved field ${step.expectedField?.name ?? ''}`);
      else if (keys.includes('AP')) add('appearance-changed-after-signature', `the appearance of ${describe(was)} ${num} was replaced`);
      else add('modified-after-signature', `${describe(was)} ${num} had its /${keys.join(', /')} changed`);
    } else {
      add('modified-after-signature', `object ${num} (${describe(was)}) was redefined`);
    }
  }

  if (step.nextSignature && !step.nextSignature.isTimestamp && !reservedFilled && !problems.some((p) => p.code === 'signature-outside-reserved-field')) {
    add('signature-outside-reserved-field', `the next signature does not fill the reserved field ${step.expectedField?.name ?? '(none left: every reserved field is signed)'}`);
  }

  // New objects are allowed only when an allowed change reaches them, through new objects only.
  if (sigNum !== undefined && isNew(sigNum)) roots.push({ kind: 'ref', num: sigNum, gen: 0 });
  const reached = new Set<number>();
  const queue = [...roots];
  for (let steps = 0; queue.length > 0 && steps < MAX_WALK; steps++) {
    const value = queue.pop() as PdfValue;
    if (value.kind === 'ref') {
      if (!isNew(value.num) || reached.has(value.num)) continue;
      reached.add(value.num);
      const target = changes.get(value.num)?.after;
      const dict = dictOf(target);
      if (dict && (dict.has('AA') || dict.has('A') || nameOf(dict.get('S')) === 'JavaScript')) {
        add('modified-after-signature', `new object ${value.num} carries an action`);
        continue;
      }
      if (target) queue.push(target);
    } else if (value.kind === 'array') queue.push(...value.items);
    else if (value.kind === 'dict' || value.kind === 'stream') {
      for (const [key, item] of value.entries) if (key !== 'P' && key !== 'Parent') queue.push(item);
    }
  }
  if (problems.length === 0) {
    for (const [num, { before: was, after: now }] of changes) {
      if (was !== undefined || !now || reached.has(num)) continue;
      const type = nameOf(dictOf(now)?.get('Type'));
      if (now.kind === 'stream' && (type === 'XRef' || type === 'ObjStm')) continue;
      add('modified-after-signature', `new object ${num} (${describe(now)}) is not part of the next signature or of validation data`);
    }
  }
  return problems;
}

/** A document timestamp's field: its value is the step's DocTimeStamp, and it shows nothing. */
function isTimestampField(view: DocumentView, dict: PdfDict, step: SdxStep): boolean {
  if (!step.nextSignature?.isTimestamp || !isSignatureField(view, dict)) return false;
  const value = dict.get('V');
  if (value?.kind !== 'ref' || value.num !== step.nextSignature.num) return false;
  const signature = view.dict(value);
  return !!signature && isSignatureDictionary(signature) && !isVisibleWidget(view, dict);
}

function isEmpty(value: PdfValue | undefined): boolean {
  return value === undefined || value.kind === 'null';
}

/** Object numbers of every form field and widget reachable from the AcroForm's /Fields. */
function formFieldNums(view: DocumentView): Set<number> {
  const nums = new Set<number>();
  const walk = (value: PdfValue, depth: number): void => {
    if (depth > 32 || value.kind !== 'ref' || nums.has(value.num)) return;
    nums.add(value.num);
    for (const kid of arrayItems(view, view.dict(value)?.get('Kids'))) walk(kid, depth + 1);
  };
  for (const field of arrayItems(view, view.dict(view.catalog()?.get('AcroForm'))?.get('Fields'))) walk(field, 0);
  return nums;
}

function describe(value: PdfValue | undefined): string {
  const dict = dictOf(value);
  if (!dict) return value?.kind ?? 'nothing';
  const type = nameOf(dict.get('Type'));
  const subtype = nameOf(dict.get('Subtype'));
  if (type === 'Annot' || (subtype && dict.has('Rect'))) return `annotation /${subtype ?? '?'}`;
  const parts = [type && `/Type /${type}`, subtype && `/Subtype /${subtype}`].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : value?.kind === 'stream' ? 'a stream' : 'a dictionary';
}

