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
  for (const input of copy.querySelectorAll('input')) {
    input.name = input.name.replace(/^damages\[\d+\]/, `damages[${index}]`);
    input.value = '';
  }
  container.append(copy);
  copy.querySelector('input')?.focus();
});

const damaged = document.querySelector<HTMLInputElement>('input[name="condition"][value="damaged"]');
document.getElementById('record-form')?.addEventListener('change', () => {
  container?.classList.toggle('muted', !damaged?.checked);
});
