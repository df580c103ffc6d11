// issuance-lab dashboard: live updates over Server-Sent Events and small form helpers.
// The server renders every fragment (already escaped); this script only places it.
'use strict';

const LEVELS = ['debug', 'info', 'warning', 'error'];

// The log: one item per request. Level switches and the search hide items; the per-level counts
// and the "shown" figure follow the search and the switches.
function logFilter() {
  const box = document.getElementById('level-filter');
  const list = document.getElementById('logs');
  if (!box || !list) return () => {};
  const search = document.getElementById('log-search');
  const apply = () => {
    const on = new Set([...box.querySelectorAll('input[name=level]:checked')].map((i) => i.value));
    const q = (search ? search.value : '').trim().toLowerCase();
    const counts = Object.fromEntries(LEVELS.map((l) => [l, 0]));
    let shown = 0;
    const items = [...list.children];
    for (const li of items) {
      const matches = !q || li.textContent.toLowerCase().includes(q) || (li.dataset.request || '').toLowerCase().includes(q);
      if (matches) {
        for (const item of [li, ...li.querySelectorAll('li[data-level-counts]')]) {
          for (const pair of (item.dataset.levelCounts || '').split(' ')) {
            const [level, n] = pair.split(':');
            if (level in counts) counts[level] += Number(n);
          }
        }
      }
      const levels = (li.dataset.levels || li.dataset.level || '').split(' ');
      li.hidden = !(matches && levels.some((l) => on.has(l)));
      if (!li.hidden) shown++;
    }
    for (const l of LEVELS) {
      const el = box.querySelector(`[data-level-count="${l}"]`);
      if (el) el.textContent = String(counts[l]);
    }
    const out = document.getElementById('log-shown');
    if (out) out.textContent = `${shown} of ${items.length} requests shown`;
  };
  box.addEventListener('change', apply);
  if (search) search.addEventListener('input', apply);
  return apply;
}

function bump(id, by = 1) {
  const el = document.getElementById(id);
  if (el) el.textContent = String(Number(el.textContent || '0') + by);
}

const repeatsOf = (li) => li.querySelector(':scope > .repeats');

function setRepeats(li, older) {
  const box = repeatsOf(li);
  if (!box) return;
  box.querySelector('ol').append(...older);
  const n = box.querySelector('ol').children.length;
  box.hidden = n === 0;
  box.querySelector('summary').textContent = `×${n + 1} the same request and answer: show the ${n} older`;
}

// A request arrives whole (server-rendered): it replaces an earlier rendering of itself, or goes on
// top, folding the previous top item into its repeats when it is the same request and answer.
function placeRequest(markup) {
  const list = document.getElementById('logs');
  if (!list) return 0;
  const tpl = document.createElement('template');
  tpl.innerHTML = markup.trim();
  const li = tpl.content.firstElementChild;
  const existing = [...list.querySelectorAll('li[data-request]')].find((el) => el.dataset.request === li.dataset.request);
  const entries = Number(li.dataset.entries || '1');
  if (existing) {
    const older = repeatsOf(existing) ? [...repeatsOf(existing).querySelector('ol').children] : [];
    const before = Number(existing.dataset.entries || '1');
    existing.replaceWith(li);
    setRepeats(li, older);
    return entries - before;
  }
  const top = list.firstElementChild;
  if (top && top.dataset.signature && top.dataset.signature === li.dataset.signature) {
    const older = repeatsOf(top) ? [...repeatsOf(top).querySelector('ol').children] : [];
    setRepeats(li, [top, ...older]);
    setRepeats(top, []);
  }
  list.prepend(li);
  return entries;
}

function liveEntries(applyFilter) {
  const live = document.getElementById('live');
  if (!live || !window.EventSource) return;
  const seen = new Set([...document.querySelectorAll('[data-id]')].map((el) => el.dataset.id));
  const after = live.dataset.after;
  const source = new EventSource(live.dataset.stream + (after ? `?after=${encodeURIComponent(after)}` : ''));
  const fresh = (msg) => {
    if (msg.lastEventId && seen.has(msg.lastEventId)) return false;
    if (msg.lastEventId) seen.add(msg.lastEventId);
    return true;
  };
  source.addEventListener('request', (msg) => {
    if (!fresh(msg)) return;
    bump('log-count', placeRequest(msg.data));
    applyFilter();
  });
  source.addEventListener('event', (msg) => {
    if (!fresh(msg)) return;
    const container = document.getElementById('events');
    if (!container) return;
    container.insertAdjacentHTML('afterbegin', msg.data);
    bump('event-count');
  });
  // Every other part of the page, re-rendered by the server after each change: {element id: HTML}.
  source.addEventListener('fragments', (msg) => {
    for (const [id, markup] of Object.entries(JSON.parse(msg.data))) {
      const el = document.getElementById(id);
      if (el) el.innerHTML = markup;
    }
  });
  source.addEventListener('open', () => document.body.classList.add('live-connected'));
  // A share link past its expiry: the server ends the stream; reconnecting would only get a 404.
  source.addEventListener('expired', () => {
    source.close();
    document.body.classList.remove('live-connected');
  });
}

function liveList() {
  const live = document.getElementById('live-list');
  const rows = document.getElementById('session-rows');
  if (!live || !rows || !window.EventSource) return;
  let timer;
  const source = new EventSource(live.dataset.stream);
  source.addEventListener('changed', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const res = await fetch(rows.dataset.rows, { credentials: 'same-origin' });
      if (res.ok) rows.innerHTML = await res.text();
    }, 150);
  });
  source.addEventListener('open', () => document.body.classList.add('live-connected'));
}

function jsonEditor(textarea, status) {
  if (!textarea || !status) return;
  const check = () => {
    if (textarea.disabled) return void (status.textContent = '');
    try {
      const value = JSON.parse(textarea.value || '{}');
      status.textContent = value && typeof value === 'object' && !Array.isArray(value) ? 'Valid JSON object.' : 'Claims must be a JSON object.';
      status.className = 'muted small';
    } catch (e) {
      status.textContent = `Not valid JSON: ${e.message}`;
      status.className = 'small error-text';
    }
  };
  textarea.addEventListener('input', check);
  check();
  return check;
}

function sampleClaims() {
  const el = document.getElementById('sample-claims');
  return el ? JSON.parse(el.textContent) : {};
}

function offerForm() {
  const form = document.getElementById('offer-form');
  if (!form) return;
  const textarea = document.getElementById('offer-claims');
  const check = jsonEditor(textarea, document.getElementById('offer-claims-status'));
  const samples = sampleClaims();
  let edited = false;
  textarea.addEventListener('input', () => (edited = true));
  const refill = () => {
    const ids = [...form.querySelectorAll('input[name=credential_configuration_ids]:checked')].map((i) => i.value);
    if (!edited) {
      const value = ids.length === 1 ? samples[ids[0]] : Object.fromEntries(ids.map((id) => [id, samples[id]]));
      textarea.value = JSON.stringify(value ?? {}, null, 2);
    }
    textarea.disabled = form.querySelector('input[name=deferred]').checked;
    check();
  };
  form.addEventListener('change', (e) => {
    if (e.target.name === 'credential_configuration_ids' || e.target.name === 'deferred') refill();
  });
  textarea.disabled = form.querySelector('input[name=deferred]').checked;
}

function presentationForm() {
  const form = document.getElementById('presentation-form');
  if (!form) return;
  const textarea = document.getElementById('dcql-query');
  const status = document.getElementById('dcql-query-status');
  const presets = JSON.parse(document.getElementById('presets').textContent);
  let edited = false;
  textarea.addEventListener('input', () => {
    edited = true;
    form.querySelector('input[name=source][value=dcql]').checked = true;
    try {
      const q = JSON.parse(textarea.value);
      status.textContent = q && Array.isArray(q.credentials) ? 'JSON with credentials: validated when you create the request.' : 'A DCQL query is an object with credentials (OpenID4VP 1.0 §6).';
      status.className = 'muted small';
    } catch (e) {
      status.textContent = `Not valid JSON: ${e.message}`;
      status.className = 'small error-text';
    }
  });
  // Picking a preset shows its query, as a start for a typed one.
  form.addEventListener('change', (e) => {
    if (e.target.name !== 'preset') return;
    form.querySelector('input[name=source][value=preset]').checked = true;
    if (!edited) textarea.value = JSON.stringify(presets[e.target.value] ?? {}, null, 2);
  });
}

function claimsForm() {
  const select = document.getElementById('claims-configuration');
  const textarea = document.getElementById('claims-json');
  if (!select || !textarea) return;
  const check = jsonEditor(textarea, document.getElementById('claims-json-status'));
  const samples = sampleClaims();
  select.addEventListener('change', () => {
    textarea.value = JSON.stringify(samples[select.value] ?? {}, null, 2);
    check();
  });
}

// The navigation marks the page it is on (a session page belongs to Sessions, an offer to Create offer).
function markNavigation() {
  const base = document.body.dataset.base || '';
  const path = location.pathname.slice(base.length) || '/';
  let best = null;
  let bestLength = -1;
  for (const a of document.querySelectorAll('header nav a')) {
    const target = new URL(a.href).pathname.slice(base.length) || '/';
    const section = target === '/' ? ['/', '/ui/sessions'] : target === '/ui/offers/new' ? ['/ui/offers'] : target === '/ui/presentations/new' ? ['/ui/presentations'] : [target];
    const hit = section.some((p) => path === p || (p !== '/' && path.startsWith(`${p}/`)));
    if (hit && target.length > bestLength) {
      best = a;
      bestLength = target.length;
    }
  }
  if (best) best.setAttribute('aria-current', 'page');
}

// Revoking or suspending a credential reaches every relying party: ask first.
function confirmations() {
  document.addEventListener('submit', (e) => {
    const button = e.submitter;
    const question = button && button.dataset.confirm;
    if (question && !window.confirm(question)) e.preventDefault();
  });
}

document.addEventListener('DOMContentLoaded', () => {
  markNavigation();
  confirmations();
  const applyFilter = logFilter();
  applyFilter();
  liveEntries(applyFilter);
  liveList();
  offerForm();
  presentationForm();
  claimsForm();
});
