import { parseContainerList } from '../domain/shared/container-list.js';
import { isWithinPath } from '../domain/shared/issue-path.js';
import { containerCheckDigit, containerNumberProblem } from '../domain/shared/iso6346.js';

/**
 * The desk's forms in the browser: one submission per form, container rows, the release basis,
 * live checks that show the exchange's own messages, and ISO 6346 checks on a pasted container
 * list. Every form still works without this script; it only tells the clerk sooner.
 */

interface Issue {
  path: string;
  message: string;
}

const VALIDATE_DELAY_MS = 350;
const MAX_ROWS = 200;

/** A second press of Submit (or Enter) while the first is on its way sends nothing. */
function submitOnce(): void {
  for (const form of document.querySelectorAll<HTMLFormElement>('form')) {
    form.addEventListener('submit', (event) => {
      if (form.dataset['submitting'] === 'true') {
        event.preventDefault();
        return;
      }
      form.dataset['submitting'] = 'true';
    });
  }
  window.addEventListener('pageshow', () => {
    for (const form of document.querySelectorAll<HTMLFormElement>('form')) delete form.dataset['submitting'];
  });
}

function renumberRows(list: HTMLElement, prefix: string): void {
  const rows = [...list.querySelectorAll<HTMLElement>('.entry-row')];
  rows.forEach((row, i) => {
    row.dataset['row'] = String(i);
    for (const field of row.querySelectorAll<HTMLElement>('.field')) {
      const control = field.querySelector<HTMLInputElement | HTMLSelectElement>('input, select');
      const label = field.querySelector<HTMLLabelElement>('label');
      const error = field.querySelector<HTMLElement>('.field-error');
      if (!control || !label || !error) continue;
      const column = control.name.slice(control.name.indexOf('.') + 1);
      const id = `f-${prefix}-${i}-${column}`;
      control.id = id;
      label.htmlFor = id;
      error.id = `${id}-error`;
      control.setAttribute('aria-describedby', error.id);
      label.textContent = (label.textContent ?? '').replace(/#\d+$/, `#${i + 1}`);
      field.dataset['paths'] = `${prefix}[${i}].${column}`;
    }
    const remove = row.querySelector<HTMLButtonElement>('.remove-row');
    if (remove) {
      remove.hidden = rows.length < 2;
      remove.textContent = (remove.textContent ?? '').replace(/#\d+$/, `#${i + 1}`);
    }
  });
}

/** Repeated rows (containers, seals): add one like the last, empty; remove any but the last one left. */
function entryRows(): void {
  for (const set of document.querySelectorAll<HTMLElement>('[data-rows]')) {
    const prefix = set.dataset['rows'] ?? '';
    const list = set.querySelector<HTMLElement>('.entry-rows');
    const add = set.querySelector<HTMLButtonElement>('.add-row');
    if (!list || !add) continue;
    add.hidden = false;
    add.addEventListener('click', () => {
      const rows = list.querySelectorAll<HTMLElement>('.entry-row');
      const last = rows[rows.length - 1];
      if (!last || rows.length >= MAX_ROWS) return;
      const copy = last.cloneNode(true) as HTMLElement;
      for (const input of copy.querySelectorAll('input')) {
        input.value = '';
        input.removeAttribute('aria-invalid');
      }
      for (const select of copy.querySelectorAll('select')) {
        select.selectedIndex = 0;
        select.removeAttribute('aria-invalid');
      }
      for (const error of copy.querySelectorAll('.field-error')) error.textContent = '';
      list.append(copy);
      renumberRows(list, prefix);
      copy.querySelector<HTMLElement>('input, select')?.focus();
    });
    list.addEventListener('click', (event) => {
      const remove = (event.target as Element).closest('.remove-row');
      const row = remove?.closest('.entry-row');
      if (!row || list.querySelectorAll('.entry-row').length < 2) return;
      row.remove();
      renumberRows(list, prefix);
      add.focus();
    });
    renumberRows(list, prefix);
  }
}

/**
 * A facility picker fills its location field (UN/LOCODE) with the facility's own, unless the clerk
 * typed another: a value the picker put there is replaced when the choice changes, a typed one kept.
 */
function fillFromChoice(form: HTMLFormElement): void {
  for (const select of form.querySelectorAll<HTMLSelectElement>('select[data-fills]')) {
    const target = form.querySelector<HTMLInputElement>(`input[name="${select.dataset['fills'] ?? ''}"]`);
    if (!target) continue;
    const codeOf = () => select.selectedOptions[0]?.dataset['unlocode'] ?? '';
    let filled = codeOf();
    select.addEventListener('change', () => {
      const code = codeOf();
      if (target.value.trim() === '' || target.value.trim().toUpperCase() === filled) {
        target.value = code;
        target.dispatchEvent(new Event('input', { bubbles: true }));
      }
      filled = code;
    });
  }
}

/** Shows the fields for the chosen release basis, and only the guarantees for the B/L typed. */
function releaseBasis(form: HTMLFormElement): void {
  const radios = [...form.querySelectorAll<HTMLInputElement>('input[name="releaseBasis.type"]')];
  if (radios.length === 0) return;
  const show = () => {
    const chosen = radios.find((r) => r.checked)?.value;
    for (const part of form.querySelectorAll<HTMLElement>('[data-basis]')) part.hidden = part.dataset['basis'] !== chosen;
  };
  for (const radio of radios) radio.addEventListener('change', show);
  show();
  const bl = form.querySelector<HTMLInputElement>('input[name="billOfLadingNumber"]');
  const filter = () => {
    const wanted = (bl?.value ?? '').trim().toUpperCase();
    for (const option of form.querySelectorAll<HTMLOptionElement>('select[name="releaseBasis.guaranteeId"] option[data-bl]')) {
      option.hidden = wanted !== '' && option.dataset['bl'] !== wanted;
    }
  };
  bl?.addEventListener('input', filter);
  filter();
}

/** Keeps the standard indemnity's count in step with the originals issued, until the shipper edits the text. */
function indemnityTemplate(form: HTMLFormElement): void {
  const group = form.querySelector<HTMLElement>('[data-indemnity-template]');
  const issued = form.querySelector<HTMLInputElement>('input[name="originals.issued"]');
  const text = form.querySelector<HTMLTextAreaElement>('textarea[name="indemnityText"]');
  const template = group?.dataset['indemnityTemplate'];
  if (!issued || !text || !template) return;
  const fill = (n: string) => template.replace(/\{n\}/g, n);
  let shown = issued.value;
  issued.addEventListener('input', () => {
    if (text.value === fill(shown) && /^\d{1,2}$/.test(issued.value)) text.value = fill(issued.value);
    shown = issued.value;
  });
}

/**
 * Asks the exchange to check the form as typed (the same validation as the API) and shows its
 * messages beside the fields the clerk has already been through.
 */
function liveValidation(form: HTMLFormElement): void {
  const kind = form.dataset['validate'];
  if (!kind) return;
  const touched = new WeakSet<Element>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;

  const show = (issues: readonly Issue[]) => {
    for (const field of form.querySelectorAll<HTMLElement>('.field[data-paths]')) {
      if (!touched.has(field)) continue;
      const paths = (field.dataset['paths'] ?? '').split(' ').filter(Boolean);
      const exact = field.dataset['exact'] === 'true';
      const messages = issues.filter((i) => paths.some((p) => (exact ? i.path === p : isWithinPath(i.path, p)))).map((i) => i.message);
      const error = field.querySelector<HTMLElement>('.field-error');
      if (error) error.textContent = messages.join(' · ');
      const marked = field.matches('fieldset') ? [field] : [...field.querySelectorAll('input:not([type=radio]), select, textarea')];
      for (const control of marked) {
        if (messages.length > 0) control.setAttribute('aria-invalid', 'true');
        else control.removeAttribute('aria-invalid');
      }
    }
  };

  const validate = async () => {
    const mine = (asked += 1);
    const body = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (typeof value === 'string') body.append(name, value);
    try {
      const response = await fetch(`/desk/validate/${encodeURIComponent(kind)}`, {
        method: 'POST',
        body,
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
      });
      if (!response.ok || mine !== asked) return;
      const { issues } = (await response.json()) as { issues: Issue[] };
      show(issues);
      form.dataset['checked'] = String(mine);
    } catch {
      // Offline or the session ended: the server checks again on submit.
    }
  };

  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void validate(), VALIDATE_DELAY_MS);
  };
  form.addEventListener('change', (event) => {
    const field = (event.target as Element).closest('.field');
    if (field) touched.add(field);
    schedule();
  });
  form.addEventListener('input', (event) => {
    const field = (event.target as Element).closest('.field');
    if (field && touched.has(field)) schedule();
  });
  // Fields the server already marked stay checked as they are corrected.
  for (const field of form.querySelectorAll('.field')) {
    if (field.querySelector('[aria-invalid="true"]') || field.querySelector('.field-error:not(:empty)')) touched.add(field);
  }
}

interface CheckWords {
  ok: string;
  checkDigit: string;
  format: string;
  duplicate: string;
  blocked: string;
  count: string;
}

/** Checks each pasted container number (ISO 6346) as it is typed; a wrong one stops the form from being sent. */
function containerListCheck(): void {
  const out = document.getElementById('container-check');
  const list = document.getElementById(out?.dataset['for'] ?? '') as HTMLTextAreaElement | null;
  const wordsText = document.getElementById('container-check-words')?.textContent;
  if (!out || !list || !wordsText) return;
  const words = JSON.parse(wordsText) as CheckWords;
  const check = () => {
    const seen = new Set<string>();
    let bad = 0;
    const items = parseContainerList(list.value).map((entry) => {
      const problem = containerNumberProblem(entry.number);
      const twice = seen.has(entry.number);
      seen.add(entry.number);
      const why =
        problem === 'check-digit'
          ? words.checkDigit.replace('{digit}', String(containerCheckDigit(entry.number.slice(0, 10))))
          : problem === 'format'
            ? words.format
            : twice
              ? words.duplicate
              : words.ok;
      const valid = !problem && !twice;
      if (!valid) bad += 1;
      const item = document.createElement('li');
      item.dataset['valid'] = String(valid);
      item.dataset['line'] = String(entry.line);
      item.textContent = `${valid ? '✓' : '✗'} ${entry.number}${entry.sizeType ? ` ${entry.sizeType}` : ''} — ${why}`;
      return item;
    });
    if (items.length > 0 && bad === 0) {
      const total = document.createElement('li');
      total.className = 'total';
      total.textContent = words.count.replace(/\{count\}/g, String(items.length));
      items.push(total);
    }
    out.replaceChildren(...items);
    list.setCustomValidity(bad > 0 ? words.blocked : '');
    // The server's mark (a list it refused) stays until the clerk changes the list.
    if (bad > 0) {
      list.setAttribute('aria-invalid', 'true');
      list.dataset['checkMarked'] = 'true';
    } else if (list.dataset['checkMarked'] === 'true') {
      list.removeAttribute('aria-invalid');
      delete list.dataset['checkMarked'];
    }
  };
  list.addEventListener('input', () => {
    if (list.dataset['checkMarked'] !== 'true') list.dataset['checkMarked'] = 'true';
    check();
  });
  check();
}

submitOnce();
entryRows();
containerListCheck();
for (const form of document.querySelectorAll<HTMLFormElement>('form[data-validate]')) {
  fillFromChoice(form);
  releaseBasis(form);
  indemnityTemplate(form);
  liveValidation(form);
}
document.getElementById('issue-summary')?.focus();
