// The grid of stills: tiles blurred until revealed (recorded in results, one request at a time), many selected, one key
// decides them all. A selected tile nobody looked at is refused unless the batch is marked blind.
(() => {
  'use strict';
  const form = document.getElementById('grid-form');
  if (!form) return;
  const token = document.querySelector('input[name="__RequestVerificationToken"]')?.value ?? '';
  const refusal = document.getElementById('refusal');
  const tiles = [...form.querySelectorAll('.tile')];
  let reports = Promise.resolve();

  function reveal(tile) {
    const thumb = tile.querySelector('.thumb');
    tiles.forEach(t => { if (t !== tile) t.querySelector('.thumb').classList.add('blurred'); });
    thumb.classList.remove('blurred');
    if (tile.dataset.reported) return;
    tile.dataset.reported = '1';
    reports = reports.then(async () => {
      const response = await fetch('/exposure/reveal', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
        body: JSON.stringify({ taskId: tile.dataset.task, frameIndex: 0 }),
      });
      if (response.ok) tile.classList.add('looked'); else delete tile.dataset.reported;
    }).catch(() => { delete tile.dataset.reported; });
  }

  tiles.forEach(tile => {
    const thumb = tile.querySelector('.thumb');
    let timer = 0;
    thumb.addEventListener('mouseenter', () => { timer = setTimeout(() => reveal(tile), 350); });
    thumb.addEventListener('mouseleave', () => { clearTimeout(timer); thumb.classList.add('blurred'); });
    thumb.addEventListener('click', () => reveal(tile));
    thumb.addEventListener('keydown', e => {
      if (e.key === ' ') { e.preventDefault(); const box = tile.querySelector('input[type=checkbox]'); box.checked = !box.checked; }
    });
  });
  form.querySelector('[data-action=all]')?.addEventListener('click', () => tiles.forEach(t => { t.querySelector('input[type=checkbox]').checked = true; }));

  form.addEventListener('submit', e => {
    if (form.dataset.checked) return;
    e.preventDefault();
    const submitter = e.submitter;
    reports.then(() => {
      const selected = tiles.filter(t => t.querySelector('input[type=checkbox]').checked);
      const blind = form.querySelector('input[name=blind]').checked;
      const unseen = selected.filter(t => !t.classList.contains('looked'));
      const why = selected.length === 0 ? 'Select the tiles to decide first.'
        : unseen.length > 0 && !blind ? `${unseen.length} selected tile(s) not looked at: reveal them, or tick "Decide blind".`
        : null;
      if (why) { refusal.textContent = why; refusal.hidden = false; return; }
      form.dataset.checked = '1';
      form.requestSubmit(submitter);
    });
  });

  document.addEventListener('keydown', e => {
    const t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || (t instanceof HTMLElement && ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName) && t.type !== 'checkbox')) return;
    const key = e.key.toLowerCase();
    if (key === 'a' || key === 'b') {
      e.preventDefault();
      form.requestSubmit(form.querySelector(`button[data-key="${key}"]`));
    }
  });
})();
