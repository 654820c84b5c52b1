// Small page helpers shared by every page (no inline script: the Content-Security-Policy forbids it).
(() => {
  'use strict';
  // "/" jumps to the search box, as on most sites.
  document.addEventListener('keydown', e => {
    const t = e.target;
    if (e.key !== '/' || e.ctrlKey || e.metaKey || (t instanceof HTMLElement && ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
    const search = document.querySelector('.quick-search input');
    if (search) { e.preventDefault(); search.focus(); }
  });
  // An empty queue looks again by itself while the page is visible (data-refresh-seconds on the empty-queue card).
  const refresh = document.querySelector('[data-refresh-seconds]');
  if (refresh) {
    const seconds = Number(refresh.dataset.refreshSeconds);
    const again = () => { if (document.visibilityState === 'visible') window.location.reload(); else setTimeout(again, seconds * 1000); };
    setTimeout(again, seconds * 1000);
  }
  // The reviewer's blur strength and greyscale (kept by results) for every blurred picture of the page; the range shows its value as it moves.
  const pictures = document.querySelector('[data-desk-blur]');
  if (pictures) {
    const apply = (blur, grey) => {
      document.documentElement.style.setProperty('--desk-blur', `${Number(blur)}px`);
      document.documentElement.style.setProperty('--desk-grey', grey ? '1' : '0');
    };
    apply(pictures.dataset.deskBlur, pictures.dataset.deskGreyscale === 'true');
    const range = pictures.querySelector('input[type=range]');
    const grey = pictures.querySelector('input[name=greyscale]');
    const preview = () => {
      pictures.querySelector('output').textContent = `${range.value} px`;
      apply(range.value, grey.checked);
    };
    range?.addEventListener('input', preview);
    grey?.addEventListener('change', preview);
  }
  // Forms that change things for everyone ask first.
  document.addEventListener('submit', e => {
    const form = e.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
  });
})();
