import type { ValidationIssue } from '../../../domain/shared/errors';
import { isWithinPath } from '../../../domain/shared/issue-path';
import { codePointNamedIn } from '../../../domain/shared/text';
import { html, type Html } from '../html';
import { t, type Lang } from '../i18n';
import type { FormValues } from './form-values';

/** One problem with a submitted form, located by its payload path as the API reports it. */
export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * An API issue as the desk shows it, at `path` (the API's path by default): in the page's language
 * where the catalogue has words for its code, else in the API's own message.
 */
export function fieldIssue(lang: Lang, issue: ValidationIssue, path = issue.path): FieldIssue {
  if (issue.code === 'forbidden-character') {
    return { path, message: t(lang, 'issueForbiddenCharacter', { codePoint: codePointNamedIn(issue.message) ?? '' }) };
  }
  return { path, message: issue.message };
}

/** Issues by field. A field claims every issue at or below each of its paths; `exact` claims only the path itself. */
export class FormIssues {
  constructor(readonly all: readonly FieldIssue[] = []) {}

  at(paths: readonly string[], exact = false): string[] {
    return this.all.filter((issue) => paths.some((path) => (exact ? issue.path === path : isWithinPath(issue.path, path)))).map((issue) => issue.message);
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
  const errors = ctx.issues.at(paths);
  const value = o.value ?? ctx.values.fields[o.name] ?? '';
  const described = [o.hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
  return html`<div class="field${o.wide ? ' wide' : ''}" data-paths="${paths.join(' ')}">
  <label for="${id}">${o.label}${o.required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</label>
  ${control({ id, value, described, invalid: errors.length > 0 })}
  ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
  <p class="field-error" id="${id}-error">${errors.join(' · ')}</p>
</div>`;
}

const flags = (o: FieldOptions, invalid: boolean) =>
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
  /** Extra data for the page script, e.g. the B/L a guarantee is for. */
  data?: Record<string, string>;
}

export function selectField(ctx: FieldContext, o: FieldOptions & { choices: readonly Choice[]; placeholder?: string }): Html {
  return wrap(ctx, o, ({ id, value, described, invalid }) => {
    const options = o.choices.map(
      (c) =>
        html`<option value="${c.value}"${c.value === value ? html` selected` : ''}${Object.entries(c.data ?? {}).map(([k, v]) => html` data-${k}="${v}"`)}>${c.label}</option>`,
    );
    return html`<select id="${id}" name="${o.name}" aria-describedby="${described}"${flags(o, invalid)}>${o.placeholder !== undefined ? html`<option value="">${o.placeholder}</option>` : ''}${options}</select>`;
  });
}

/** Radio buttons in a fieldset, the legend naming the group. */
export function radioGroup(ctx: FieldContext, o: Omit<FieldOptions, 'hint'> & { choices: readonly Choice[] }): Html {
  const value = o.value ?? ctx.values.fields[o.name] ?? '';
  const paths = o.paths ?? [o.name];
  const errors = ctx.issues.at(paths);
  const id = o.id ?? fieldId(o.name);
  return html`<fieldset class="choice field" data-paths="${paths.join(' ')}" aria-describedby="${id}-error">
  <legend>${o.label}${o.required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</legend>
  ${o.choices.map(
    (c) => html`<label><input type="radio" name="${o.name}" value="${c.value}"${c.value === value ? html` checked` : ''}> ${c.label}</label>`,
  )}
  <p class="field-error" id="${id}-error">${errors.join(' · ')}</p>
</fieldset>`;
}

export function checkbox(ctx: FieldContext, o: Omit<FieldOptions, 'required'>): Html {
  const checked = (o.value ?? ctx.values.fields[o.name]) === 'yes';
  const id = o.id ?? fieldId(o.name);
  return html`<div class="field check" data-paths="${(o.paths ?? [o.name]).join(' ')}">
  <label for="${id}"><input id="${id}" type="checkbox" name="${o.name}" value="yes"${checked ? html` checked` : ''}> ${o.label}</label>
  <p class="field-error" id="${id}-error">${ctx.issues.at(o.paths ?? [o.name]).join(' · ')}</p>
</div>`;
}

/** All issues at the top of a form, each a link to its field, for a screen reader to hear first. */
export function issueSummary(ctx: FieldContext, heading: string): Html {
  if (ctx.issues.all.length === 0) return html``;
  return html`<div class="alert issue-summary" role="alert" tabindex="-1" id="issue-summary">
  <p>${heading}</p>
  <ul>${ctx.issues.all.map((issue) => html`<li><span class="mono">${issue.path || '—'}</span>: ${issue.message}</li>`)}</ul>
</div>`;
}

export interface RowColumn {
  field: string;
  label: string;
  maxLength?: number;
  upper?: boolean;
  inputMode?: 'numeric' | 'decimal';
}

/**
 * The container list: one row per container, fields named `containers.<field>` so the browser sends
 * them in order. The page script adds and removes rows and renumbers them; without it the form
 * still posts the rows it was drawn with.
 */
export function containerRows(ctx: FieldContext, o: { legend: string; columns: readonly RowColumn[]; addLabel: string; removeLabel: string }): Html {
  const rows = ctx.values.rows.length > 0 ? ctx.values.rows : [{}];
  const listErrors = ctx.issues.at(['containers'], true);
  return html`<fieldset class="rows wide" data-rows="containers">
  <legend>${o.legend}<span class="req" aria-hidden="true"> *</span></legend>
  <div class="field" data-paths="containers" data-exact="true"><p class="field-error" id="f-containers-error">${listErrors.join(' · ')}</p></div>
  <ol class="container-rows">
  ${rows.map(
    (row, i) => html`<li class="container-row" data-row="${i}">
    ${o.columns.map((column) =>
      textField(ctx, {
        label: `${column.label} #${i + 1}`,
        name: `containers.${column.field}`,
        id: fieldId(`containers-${i}-${column.field}`),
        paths: [`containers[${i}].${column.field}`],
        value: row[column.field] ?? '',
        ...(column.maxLength ? { maxLength: column.maxLength } : {}),
        ...(column.upper ? { upper: true } : {}),
        ...(column.inputMode ? { inputMode: column.inputMode } : {}),
      }),
    )}
    <button type="button" class="remove-row" hidden>${o.removeLabel} #${i + 1}</button>
  </li>`,
  )}
  </ol>
  <button type="button" class="add-row" hidden>${o.addLabel}</button>
</fieldset>`;
}
