// The reviewer's desk: keyboard-first decisions, one-at-a-time reveal of blurred frames, the exposure counter and the
// undo countdown. Served as a file (the Content-Security-Policy forbids inline script).
(() => {
  'use strict';
  const desk = document.getElementById('desk');
  const token = document.querySelector('input[name="__RequestVerificationToken"]')?.value ?? '';
  const started = performance.now();

  // ----- undo countdown -----
  const undo = document.getElementById('undo');
  if (undo) {
    const until = Number(undo.dataset.until);
    const countdown = undo.querySelector('.countdown');
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) { undo.remove(); return; }
      countdown.textContent = `${left} s`;
      setTimeout(tick, 250);
    };
    tick();
  }

  if (!desk) {
    document.addEventListener('keydown', e => {
      if (e.key.toLowerCase() === 'u' && document.getElementById('undo') && !isTyping(e)) { e.preventDefault(); submit(document.getElementById('undo')); }
    });
    return;
  }

  const mediaId = desk.dataset.media;
  const itemId = desk.dataset.task || mediaId;
  const focus = desk.querySelector('.thumb.focus');
  const strip = [...desk.querySelectorAll('.strip .thumb')];
  const points = [...document.querySelectorAll('#timeline .frame-point')];
  const order = points.length > 0
    ? points.map(p => Number(p.dataset.frame))
    : strip.length > 0 ? strip.map(t => Number(t.dataset.frame)) : [Number(desk.dataset.focus)];
  const times = new Map(points.map(p => [Number(p.dataset.frame), Number(p.dataset.time)]));
  const counted = new Set();
  const moving = ['Video', 'Animation'].includes(desk.dataset.kind);
  // Set once results has recorded a look at this task (now, or before an undo): a decision needs one, results refuses it
  // otherwise; allowing a video needs a frame or the player.
  let looked = (desk.dataset.looked ?? '').includes('any');
  let lookedMoving = (desk.dataset.looked ?? '').includes('moving');
  let revealed = null;

  // ----- heatmap overlay: the class activation map of the frame in focus, blurred with it -----
  const heatmaps = new Map((desk.dataset.heatmaps || '').split(' ').filter(p => p).map(p => {
    const at = p.indexOf(':');
    return [Number(p.substring(0, at)), p.substring(at + 1)];
  }));
  const heatmapToggle = document.getElementById('heatmap-toggle');
  // The overlay exists only on pages of media with heatmaps, laid over the focus frame.
  const overlay = heatmapToggle && focus ? focus.appendChild(Object.assign(document.createElement('img'), {
    className: 'heatmap', alt: '', hidden: true, draggable: false, decoding: 'async',
  })) : null;
  overlay?.setAttribute('data-testid', 'heatmap');
  let heatmapShown = false;
  function showHeatmap() {
    if (!overlay) return;
    const frame = Number(focus.dataset.frame);
    const cls = heatmaps.get(frame);
    const label = document.querySelector('.heatmap-class');
    if (label) label.textContent = cls ? `${cls}, frame ${frame}` : 'no heatmap for this frame';
    if (!heatmapShown || !cls) { overlay.hidden = true; return; }
    overlay.src = `/thumbnails/${mediaId}/${frame}/heatmap/${encodeURIComponent(cls)}`;
    overlay.alt = `Heatmap of ${cls} on frame ${frame}`;
    overlay.hidden = false;
    placeHeatmap();
  }
  // The map covers the picture the model saw (the whole frame, stretched), so it goes over the frame's letterboxed box.
  function placeHeatmap() {
    const img = focus?.querySelector('img.frame');
    if (!overlay || !img || !img.naturalWidth) return;
    const [width, height] = [focus.clientWidth, focus.clientHeight];
    const scale = Math.min(width / img.naturalWidth, height / img.naturalHeight);
    const [w, h] = [img.naturalWidth * scale, img.naturalHeight * scale];
    Object.assign(overlay.style, { width: `${w}px`, height: `${h}px`, left: `${(width - w) / 2}px`, top: `${(height - h) / 2}px` });
  }
  focus?.querySelector('img.frame')?.addEventListener('load', placeHeatmap);
  function toggleHeatmap() {
    heatmapShown = !heatmapShown;
    heatmapToggle?.setAttribute('aria-pressed', String(heatmapShown));
    showHeatmap();
  }
  heatmapToggle?.addEventListener('click', toggleHeatmap);

  function isTyping(e) {
    const t = e.target;
    // A radio button or check box takes no text: the decision keys still work on it.
    const typing = t instanceof HTMLInputElement ? !['radio', 'checkbox'].includes(t.type) : ['TEXTAREA', 'SELECT'].includes(t?.tagName);
    return e.ctrlKey || e.metaKey || e.altKey || (t instanceof HTMLElement && (t.isContentEditable || typing));
  }

  function submit(form, button) {
    if (form.dataset.sent) return;
    form.dataset.sent = '1';
    form.requestSubmit(button);
  }

  function blurAll() {
    desk.querySelectorAll('.thumb').forEach(t => t.classList.add('blurred'));
    revealed = null;
  }

  // Reports each newly unblurred frame, one request at a time so the counter cookie is never overwritten by a racing answer.
  let reports = Promise.resolve();
  function count(frame) {
    if (counted.has(frame)) return;
    counted.add(frame);
    reports = reports.then(async () => {
      const response = await fetch('/exposure/reveal', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
        body: JSON.stringify({ taskId: itemId, frameIndex: frame }),
      });
      if (!response.ok) { counted.delete(frame); return; }
      looked = true;
      lookedMoving = true;
      const state = await response.json();
      const set = (id, value) => document.querySelectorAll(`[data-testid="${id}"]`).forEach(e => { e.textContent = value; });
      set('exposure-items', state.items);
      set('exposure-reveals', state.reveals);
      if (state.breakReminder) {
        const exposure = document.getElementById('exposure');
        if (exposure && !exposure.querySelector('.break-due')) {
          const note = document.createElement('p');
          note.className = 'break-due';
          note.textContent = `${state.breakReminder} A break will be offered after this item.`;
          exposure.append(note);
        }
      }
    }).catch(() => { counted.delete(frame); });
  }

  function reveal(thumb) {
    desk.querySelectorAll('.thumb').forEach(t => { if (t !== thumb) t.classList.add('blurred'); });
    thumb.classList.remove('blurred');
    revealed = thumb;
    count(Number(thumb.dataset.frame));
  }

  function select(frame) {
    if (!focus) return;
    const img = focus.querySelector('img');
    focus.dataset.frame = String(frame);
    focus.dataset.testid = `thumb-${frame}`;
    img.src = `/thumbnails/${mediaId}/${frame}`;
    img.alt = `Frame ${frame} (blurred)`;
    const caption = focus.querySelector('.caption');
    if (caption && times.has(frame)) caption.textContent = formatTime(times.get(frame));
    focus.classList.add('blurred');
    if (revealed === focus) revealed = null;
    points.forEach(p => p.classList.toggle('selected', Number(p.dataset.frame) === frame));
    strip.forEach(t => t.classList.toggle('selected', Number(t.dataset.frame) === frame));
    showHeatmap();
  }

  function formatTime(seconds) {
    if (seconds >= 3600) return new Date(seconds * 1000).toISOString().substring(11, 19);
    if (seconds >= 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
    return `${Math.round(seconds * 10) / 10} s`;
  }

  function step(delta) {
    const current = order.indexOf(Number(focus?.dataset.frame));
    const next = order[Math.min(order.length - 1, Math.max(0, (current < 0 ? 0 : current + delta)))];
    if (next !== undefined) select(next);
  }

  // R: reveal the frame in focus; pressed again, move on to the next of the worst frames and reveal that.
  function revealNext() {
    if (!focus) return;
    if (revealed !== focus) { reveal(focus); return; }
    const worst = strip.map(t => Number(t.dataset.frame));
    const list = worst.length > 0 ? worst : order;
    const at = list.indexOf(Number(focus.dataset.frame));
    select(list[(at + 1) % list.length]);
    reveal(focus);
  }

  // Hover reveals after a short dwell, so sweeping the pointer across the strip does not flash every picture.
  desk.querySelectorAll('.thumb').forEach(thumb => {
    let timer = 0;
    thumb.addEventListener('mouseenter', () => { timer = setTimeout(() => reveal(thumb), 350); });
    thumb.addEventListener('mouseleave', () => { clearTimeout(timer); thumb.classList.add('blurred'); if (revealed === thumb) revealed = null; });
    thumb.addEventListener('click', () => {
      if (thumb !== focus) select(Number(thumb.dataset.frame));
      reveal(focus ?? thumb);
    });
    thumb.querySelector('img')?.addEventListener('error', () => thumb.classList.add('missing'));
  });

  points.forEach(point => {
    const go = () => select(Number(point.dataset.frame));
    point.addEventListener('click', go);
    point.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); } });
  });
  desk.querySelectorAll('.jump').forEach(b => b.addEventListener('click', () => select(Number(b.dataset.frame))));

  const states = ['', 'true', 'false'];
  const stateText = { '': 'not judged', true: 'applies', false: 'does not apply' };
  function cycle(chip) {
    const next = states[(states.indexOf(chip.dataset.state) + 1) % states.length];
    chip.dataset.state = next;
    chip.querySelector('.state').textContent = stateText[next];
    chip.setAttribute('aria-label', `Label for ${chip.dataset.class}: ${stateText[next]}`);
    const input = document.querySelector(`input[data-label-for="${CSS.escape(chip.dataset.class)}"]`);
    if (input) input.value = next;
  }
  const chips = [...desk.querySelectorAll('.label-chip')];
  chips.forEach(chip => chip.addEventListener('click', () => cycle(chip)));

  const form = document.getElementById('decide');
  const refusal = document.getElementById('refusal');
  const blind = document.getElementById('blind');
  const reasons = document.getElementById('reasons');
  const chosenReason = () => form?.querySelector('input[name="reasonCode"]:checked')?.value ?? '';
  // C: into the policy's reason codes, on the one chosen; the arrow keys move between them.
  function focusReasons() {
    (reasons?.querySelector('input[name="reasonCode"]:checked') ?? reasons?.querySelector('input[name="reasonCode"]'))?.focus();
  }

  // A decision needs a look: refused here (and by results) until a frame was revealed, unless the reviewer ticks "blind";
  // a video or animation is never allowed blind. Waits for reveal reports still on their way, so R then A is not refused.
  function refusalFor(decision) {
    if (decision === 'Allow' && moving && !lookedMoving) return 'A video is allowed only after a look: reveal a frame first (R, or hover one).';
    if (!looked && !blind?.checked) return 'Look first: reveal a frame (R, or hover one), or tick "Decide blind" to record a decision taken without looking.';
    if (decision === 'Block' && reasons?.dataset.requiredForBlock === 'true' && !chosenReason()) {
      return 'This policy needs a reason code to block: choose one (C, then the arrow keys).';
    }
    return null;
  }
  form?.addEventListener('submit', e => {
    form.querySelector('input[name="timeSpentSeconds"]').value = ((performance.now() - started) / 1000).toFixed(1);
    const submitter = e.submitter;
    const decision = submitter?.name === 'decision' ? submitter.value : null;
    if (!decision || form.dataset.checked) return;
    e.preventDefault();
    reports.then(() => {
      const why = refusalFor(decision);
      if (why) {
        refusal.textContent = why;
        refusal.hidden = false;
        delete form.dataset.sent;
        if (why.includes('reason code')) focusReasons();
        return;
      }
      form.dataset.checked = '1';
      form.requestSubmit(submitter);
    });
  });
  const button = key => form?.querySelector(`button[data-key="${key}"]`);

  document.addEventListener('keydown', e => {
    if (isTyping(e)) {
      if (e.key === 'Escape' && e.target instanceof HTMLElement) e.target.blur();
      return;
    }
    const key = e.key.toLowerCase();
    if (e.target instanceof HTMLInputElement && e.target.type === 'radio') {
      // The arrows move between reason codes; Enter would submit the form with its first button (allow).
      if (key.startsWith('arrow')) return;
      if (key === 'enter') { e.preventDefault(); return; }
    }
    if (key === 'a' || key === 'b' || key === 's') { e.preventDefault(); if (form && button(key)) submit(form, button(key)); }
    else if (key === 'u') { const u = document.getElementById('undo'); if (u) { e.preventDefault(); submit(u); } }
    else if (key === 'r') { e.preventDefault(); revealNext(); }
    else if (key === 'c' && reasons) { e.preventDefault(); focusReasons(); }
    else if (key === 'h' && heatmapToggle) { e.preventDefault(); toggleHeatmap(); }
    else if (key === 'escape') { blurAll(); }
    else if (key === 'arrowright') { e.preventDefault(); step(1); }
    else if (key === 'arrowleft') { e.preventDefault(); step(-1); }
    else if (/^[1-9]$/.test(key)) { const chip = chips.find(c => c.dataset.key === key); if (chip) { e.preventDefault(); cycle(chip); } }
  });

  select(Number(desk.dataset.focus));
})();
