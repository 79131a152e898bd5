/** Adds damage lines to the gate record form; without script the form still has one. */
const container = document.getElementById('damage-lines');
const add = document.getElementById('add-damage');

add?.addEventListener('click', () => {
  const lines = container?.querySelectorAll<HTMLFieldSetElement>('fieldset.damage-line');
  const last = lines?.[lines.length - 1];
  if (!container || !last || (lines?.length ?? 0) >= 50) return;
  const index = lines?.length ?? 0;
  const copy = last.cloneNode(true) as HTMLFieldSetElement;
  copy.dataset['index'] = String(index);
  const legend = copy.querySelector('legend');
  if (legend) legend.textContent = `#${index + 1}`;
  // Names, ids and the labels and messages tied to them follow the new line's number; no error is copied.
  const renumber = (value: string) => value.replace(/^damages\[\d+\]/, `damages[${index}]`).replace(/damages-\d+-/g, `damages-${index}-`);
  for (const input of copy.querySelectorAll('input')) {
    input.name = renumber(input.name);
    input.id = renumber(input.id);
    input.setAttribute('aria-describedby', renumber(input.getAttribute('aria-describedby') ?? ''));
    input.removeAttribute('aria-invalid');
    input.value = '';
  }
  for (const label of copy.querySelectorAll('label')) label.htmlFor = renumber(label.htmlFor);
  for (const message of copy.querySelectorAll<HTMLElement>('.field-error')) {
    message.id = renumber(message.id);
    message.textContent = '';
  }
  for (const field of copy.querySelectorAll<HTMLElement>('[data-paths]')) field.dataset['paths'] = (field.dataset['paths'] ?? '').replace(/damages\[\d+\]/g, `damages[${index}]`);
  container.append(copy);
  copy.querySelector('input')?.focus();
});

const damaged = document.querySelector<HTMLInputElement>('input[name="condition"][value="damaged"]');
document.getElementById('record-form')?.addEventListener('change', () => {
  container?.classList.toggle('muted', !damaged?.checked);
});
