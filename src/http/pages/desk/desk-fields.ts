import type { ValidationIssue } from '../../../domain/shared/errors';
import { isWithinPath } from '../../../domain/shared/issue-path';
import { containerCheckDigit } from '../../../domain/shared/iso6346';
import { codePointNamedIn } from '../../../domain/shared/text';
import { html, type Html } from '../html';
import { t, type Lang, type TextKey } from '../i18n';
import type { FormValues } from './form-values';

/** One problem with a submitted form, located by its payload path, said in the page's language. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Issue codes whose words need nothing but the code. */
const fixedTexts: Record<string, TextKey> = {
  'container-number-format': 'issueContainerFormat',
  'duplicate-container': 'issueDuplicateContainer',
  'size-type-code': 'issueSizeType',
  'un-locode': 'issueUnLocode',
  scac: 'issueScac',
  uscc: 'issueUscc',
  'imo-number': 'issueImo',
  'invalid-window': 'issueInvalidWindow',
  'originals-not-surrendered': 'issueOriginalsNotSurrendered',
  'same-agent': 'issueSameAgent',
  'unknown-party': 'issueUnknownParty',
  'party-role-mismatch': 'issuePartyRole',
  'unknown-field': 'issueUnknownField',
  'invalid-value': 'issueChoose',
};

const numberParam = (issue: ValidationIssue, name: string): number | undefined => {
  const value = issue.params?.[name];
  return typeof value === 'number' ? value : undefined;
};

/**
 * The desk's words for a validation issue, from the catalogue in the page's language: by its code,
 * and for the generic codes by what the check wanted (a list, a number, a length). Never the API's
 * English message, which an unknown code does not fall back to either.
 */
export function issueText(lang: Lang, issue: ValidationIssue): string {
  const { code, params } = issue;
  const origin = params?.['origin'];
  const minimum = numberParam(issue, 'minimum');
  const maximum = numberParam(issue, 'maximum');
  switch (code) {
    case 'required':
      // The EIR's one cross-field requirement: a booking number or a B/L number.
      return t(lang, issue.path === 'bookingNumber' ? 'issueBookingOrBl' : 'issueRequired');
    case 'forbidden-character':
      return t(lang, 'issueForbiddenCharacter', { codePoint: codePointNamedIn(issue.message) ?? '' });
    case 'container-check-digit': {
      const number = typeof params?.['number'] === 'string' ? params['number'] : undefined;
      const digit = number ? containerCheckDigit(number.slice(0, 10)) : undefined;
      return number && digit !== undefined ? t(lang, 'issueCheckDigit', { number, digit }) : t(lang, 'issueCheckDigitBare');
    }
    case 'too-small':
      if (origin === 'array') return minimum !== undefined && minimum > 1 ? t(lang, 'issueListTooShort', { minimum }) : t(lang, 'issueListEmpty');
      if (origin === 'string') return minimum !== undefined && minimum > 1 ? t(lang, 'issueTooShort', { minimum }) : t(lang, 'issueEmpty');
      if (origin === 'number') {
        return params?.['inclusive'] === false && minimum === 0 ? t(lang, 'issuePositive') : t(lang, 'issueAtLeast', { minimum: minimum ?? 0 });
      }
      return t(lang, 'issueInvalid');
    case 'too-big':
      if (origin === 'array') return t(lang, 'issueListTooLong', { maximum: maximum ?? 0 });
      if (origin === 'string') return t(lang, 'issueTooLong', { maximum: maximum ?? 0 });
      if (origin === 'number') return t(lang, 'issueAtMost', { maximum: maximum ?? 0 });
      return t(lang, 'issueInvalid');
    case 'invalid-type':
      if (params?.['expected'] === 'int') return t(lang, 'issueWholeNumber');
      if (params?.['expected'] === 'number') return t(lang, 'issueNumber');
      return t(lang, 'issueInvalid');
    case 'invalid-format':
      if (params?.['format'] === 'datetime') return t(lang, 'issueDateTime');
      if (/(^|\.)mobile$/.test(issue.path)) return t(lang, 'issuePhone');
      return t(lang, 'issueFormat');
    default: {
      const key = fixedTexts[code];
      return t(lang, key ?? 'issueInvalid');
    }
  }
}

/** An API issue as the desk shows it, at `path` (the API's path by default), in the page's words. */
export function fieldIssue(lang: Lang, issue: ValidationIssue, path = issue.path): FieldIssue {
  return { path, message: issueText(lang, { ...issue, path }) };
}

/** A field as drawn: the payload paths it answers for, its label and the id of its control. */
interface DrawnField {
  paths: readonly string[];
  exact: boolean;
  label: string;
  id: string;
}

/** One line of the summary above a form: the field's label (and where it is) and what is wrong. */
export interface SummaryLine {
  label?: string;
  id?: string;
  message: string;
}

/**
 * Issues by field. A field claims every issue at or below each of its paths; `exact` claims only
 * the path itself. Fields are noted as they are drawn, so the summary drawn after them names each
 * issue by its field's label, never by its path.
 */
export class FormIssues {
  private readonly drawn: DrawnField[] = [];

  constructor(readonly all: readonly FieldIssue[] = []) {}

  private claims(field: Pick<DrawnField, 'paths' | 'exact'>, issue: FieldIssue): boolean {
    return field.paths.some((path) => (field.exact ? issue.path === path : isWithinPath(issue.path, path)));
  }

  /** The messages for a field, each once; a labelled field is noted for the summary. */
  at(paths: readonly string[], exact = false, drawn?: { label: string; id: string }): string[] {
    if (drawn) this.drawn.push({ paths, exact, ...drawn });
    return [...new Set(this.all.filter((issue) => this.claims({ paths, exact }, issue)).map((issue) => issue.message))];
  }

  /**
   * Every issue, each named by the first drawn field that claims it; an issue about a whole group
   * (`vessel`) by the first field inside it; one no field answers for by its message alone.
   */
  summary(): SummaryLine[] {
    const lines: SummaryLine[] = [];
    const seen = new Set<string>();
    for (const issue of this.all) {
      const field =
        this.drawn.find((f) => this.claims(f, issue)) ?? (issue.path ? this.drawn.find((f) => f.paths.some((p) => isWithinPath(p, issue.path))) : undefined);
      const key = `${field?.id ?? ''}\u0000${issue.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(field ? { label: field.label, id: field.id, message: issue.message } : { message: issue.message });
    }
    return lines;
  }
}

/** What every field of one form needs: the values to show and the issues to mark. */
export interface FieldContext {
  lang: Lang;
  values: FormValues;
  issues: FormIssues;
}

interface FieldOptions {
  label: string;
  name: string;
  /** Payload paths whose issues belong to this field; the name by default. */
  paths?: readonly string[];
  required?: boolean;
  hint?: string;
  /** Row fields carry their own value; others read it from the form. */
  value?: string;
  id?: string;
  wide?: boolean;
}

export const fieldId = (name: string) => `f-${name.replace(/[^A-Za-z0-9]+/g, '-')}`;

function wrap(ctx: FieldContext, o: FieldOptions, control: (a: { id: string; value: string; described: string; invalid: boolean }) => Html): Html {
  const id = o.id ?? fieldId(o.name);
  const paths = o.paths ?? [o.name];
  const errors = ctx.issues.at(paths, false, { label: o.label, id });
  const value = o.value ?? ctx.values.fields[o.name] ?? '';
  const described = [o.hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
  return html`<div class="field${o.wide ? ' wide' : ''}" data-paths="${paths.join(' ')}">
  <label for="${id}">${o.label}${o.required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</label>
  ${control({ id, value, described, invalid: errors.length > 0 })}
  ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
  <p class="field-error" id="${id}-error">${errors.join(' · ')}</p>
</div>`;
}

const flags = (o: { required?: boolean }, invalid: boolean) =>
  html`${o.required ? html` aria-required="true"` : ''}${invalid ? html` aria-invalid="true"` : ''}`;

export function textField(
  ctx: FieldContext,
  o: FieldOptions & { type?: 'text' | 'datetime-local' | 'number'; inputMode?: 'numeric' | 'decimal'; maxLength?: number; upper?: boolean },
): Html {
  return wrap(
    ctx,
    o,
    ({ id, value, described, invalid }) =>
      html`<input id="${id}" name="${o.name}" type="${o.type === 'datetime-local' ? 'datetime-local' : 'text'}" value="${value}"${o.inputMode ? html` inputmode="${o.inputMode}"` : ''}${o.upper ? html` autocapitalize="characters" spellcheck="false"` : ''} maxlength="${o.maxLength ?? 200}" autocomplete="off" aria-describedby="${described}"${flags(o, invalid)}>`,
  );
}

export function textArea(ctx: FieldContext, o: FieldOptions & { rows?: number; maxLength?: number; spellcheck?: boolean }): Html {
  return wrap(
    ctx,
    o,
    ({ id, value, described, invalid }) =>
      html`<textarea id="${id}" name="${o.name}" rows="${o.rows ?? 3}" maxlength="${o.maxLength ?? 2000}"${o.spellcheck === false ? html` spellcheck="false" autocapitalize="characters"` : ''} aria-describedby="${described}"${flags(o, invalid)}>${value}</textarea>`,
  );
}

export interface Choice {
  value: string;
  label: string;
  /** Extra data for the page script, e.g. the B/L a guarantee is for, a facility's UN/LOCODE. */
  data?: Record<string, string>;
}

export function selectField(ctx: FieldContext, o: FieldOptions & { choices: readonly Choice[]; placeholder?: string; fills?: string }): Html {
  return wrap(ctx, o, ({ id, value, described, invalid }) => {
    const options = o.choices.map(
      (c) =>
        html`<option value="${c.value}"${c.value === value ? html` selected` : ''}${Object.entries(c.data ?? {}).map(([k, v]) => html` data-${k}="${v}"`)}>${c.label}</option>`,
    );
    return html`<select id="${id}" name="${o.name}"${o.fills ? html` data-fills="${o.fills}"` : ''} aria-describedby="${described}"${flags(o, invalid)}>${o.placeholder !== undefined ? html`<option value="">${o.placeholder}</option>` : ''}${options}</select>`;
  });
}

/** Radio buttons in a fieldset, the legend naming the group. */
export function radioGroup(ctx: FieldContext, o: Omit<FieldOptions, 'hint'> & { choices: readonly Choice[] }): Html {
  const value = o.value ?? ctx.values.fields[o.name] ?? '';
  const paths = o.paths ?? [o.name];
  const id = o.id ?? fieldId(o.name);
  const errors = ctx.issues.at(paths, false, { label: o.label, id });
  return html`<fieldset class="choice field" id="${id}" role="radiogroup" data-paths="${paths.join(' ')}" aria-describedby="${id}-error"${flags(o, errors.length > 0)}>
  <legend>${o.label}${o.required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</legend>
  ${o.choices.map(
    (c) => html`<label><input type="radio" name="${o.name}" value="${c.value}"${c.value === value ? html` checked` : ''}> ${c.label}</label>`,
  )}
  <p class="field-error" id="${id}-error">${errors.join(' · ')}</p>
</fieldset>`;
}

/** A file picker (gate photos): nothing to draw back, but its problems are marked and summarised like any field's. */
export function fileField(ctx: FieldContext, o: Omit<FieldOptions, 'value'>): Html {
  return wrap(
    ctx,
    o,
    ({ id, described, invalid }) =>
      html`<input id="${id}" type="file" name="${o.name}" accept="image/jpeg,image/png" capture="environment" multiple aria-describedby="${described}"${flags(o, invalid)}>`,
  );
}

export function checkbox(ctx: FieldContext, o: Omit<FieldOptions, 'required'>): Html {
  const checked = (o.value ?? ctx.values.fields[o.name]) === 'yes';
  const id = o.id ?? fieldId(o.name);
  const errors = ctx.issues.at(o.paths ?? [o.name], false, { label: o.label, id });
  return html`<div class="field check" data-paths="${(o.paths ?? [o.name]).join(' ')}">
  <label for="${id}"><input id="${id}" type="checkbox" name="${o.name}" value="yes"${checked ? html` checked` : ''} aria-describedby="${id}-error"${flags({}, errors.length > 0)}> ${o.label}</label>
  <p class="field-error" id="${id}-error">${errors.join(' · ')}</p>
</div>`;
}

/**
 * All issues at the top of a form, each naming its field by the field's label and linking to it,
 * for a screen reader to hear first. Drawn after the form's fields, which note their labels.
 */
export function issueSummary(ctx: FieldContext, heading: string): Html {
  if (ctx.issues.all.length === 0) return html``;
  const colon = ctx.lang === 'en' ? ': ' : '：';
  return html`<div class="alert issue-summary" role="alert" tabindex="-1" id="issue-summary">
  <p>${heading}</p>
  <ul>${ctx.issues
    .summary()
    .map((line) => html`<li>${line.label && line.id ? html`<a href="#${line.id}">${line.label}</a>${colon}` : ''}${line.message}</li>`)}</ul>
</div>`;
}

export interface RowColumn {
  field: string;
  label: string;
  maxLength?: number;
  upper?: boolean;
  inputMode?: 'numeric' | 'decimal';
  /** A list to choose from instead of a text box; the first choice is the default. */
  choices?: readonly Choice[];
}

/**
 * Repeated rows (the containers of a D/O, the seals of an EIR): one row per entry, fields named
 * `<prefix>.<field>` so the browser sends them in order. The page script adds and removes rows and
 * renumbers them; without it the form still posts the rows it was drawn with.
 */
export function rowsField(
  ctx: FieldContext,
  o: { prefix: string; legend: string; columns: readonly RowColumn[]; addLabel: string; removeLabel: string; required?: boolean },
): Html {
  const rows = ctx.values.rows.length > 0 ? ctx.values.rows : [{}];
  const listId = fieldId(`${o.prefix}-list`);
  const listErrors = ctx.issues.at([o.prefix], true, { label: o.legend, id: listId });
  return html`<fieldset class="rows wide" data-rows="${o.prefix}" id="${listId}" aria-describedby="${listId}-error"${listErrors.length > 0 ? html` aria-invalid="true"` : ''}>
  <legend>${o.legend}${o.required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</legend>
  <div class="field" data-paths="${o.prefix}" data-exact="true"><p class="field-error" id="${listId}-error">${listErrors.join(' · ')}</p></div>
  <ol class="entry-rows">
  ${rows.map(
    (row, i) => html`<li class="entry-row" data-row="${i}">
    ${o.columns.map((column) => {
      const options = {
        label: `${column.label} #${i + 1}`,
        name: `${o.prefix}.${column.field}`,
        id: fieldId(`${o.prefix}-${i}-${column.field}`),
        paths: [`${o.prefix}[${i}].${column.field}`],
        value: row[column.field] ?? '',
      };
      return column.choices
        ? selectField(ctx, { ...options, value: row[column.field] || (column.choices[0]?.value ?? ''), choices: column.choices })
        : textField(ctx, {
            ...options,
            ...(column.maxLength ? { maxLength: column.maxLength } : {}),
            ...(column.upper ? { upper: true } : {}),
            ...(column.inputMode ? { inputMode: column.inputMode } : {}),
          });
    })}
    <button type="button" class="remove-row" hidden>${o.removeLabel} #${i + 1}</button>
  </li>`,
  )}
  </ol>
  <button type="button" class="add-row" hidden>${o.addLabel}</button>
</fieldset>`;
}

/** The container list of a D/O or a guarantee. */
export function containerRows(ctx: FieldContext, o: { legend: string; columns: readonly RowColumn[]; addLabel: string; removeLabel: string }): Html {
  return rowsField(ctx, { prefix: 'containers', required: true, ...o });
}
