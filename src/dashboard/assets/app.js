// issuance-lab dashboard: live updates over Server-Sent Events and small form helpers.
// The server renders every fragment (already escaped); this script only places it.
'use strict';

function levelFilter() {
  const box = document.getElementById('level-filter');
  if (!box) return () => {};
  const apply = () => {
    const shown = new Set([...box.querySelectorAll('input[name=level]:checked')].map((i) => i.value));
    for (const li of document.querySelectorAll('#logs > li.log')) li.hidden = !shown.has(li.dataset.level);
  };
  box.addEventListener('change', apply);
  return apply;
}

function bump(id) {
  const el = document.getElementById(id);
  if (el) el.textContent = String(Number(el.textContent || '0') + 1);
}

function liveEntries(applyFilter) {
  const live = document.getElementById('live');
  if (!live || !window.EventSource) return;
  const seen = new Set([...document.querySelectorAll('[data-id]')].map((el) => el.dataset.id));
  const after = live.dataset.after;
  const source = new EventSource(live.dataset.stream + (after ? `?after=${encodeURIComponent(after)}` : ''));
  const place = (containerId, countId) => (msg) => {
    if (msg.lastEventId && seen.has(msg.lastEventId)) return;
    if (msg.lastEventId) seen.add(msg.lastEventId);
    const container = document.getElementById(containerId);
    if (!container) return;
    container.insertAdjacentHTML('afterbegin', msg.data);
    bump(countId);
    applyFilter();
  };
  source.addEventListener('log', place('logs', 'log-count'));
  source.addEventListener('event', place('events', 'event-count'));
  // Every other part of the page, re-rendered by the server after each change: {element id: HTML}.
  source.addEventListener('fragments', (msg) => {
    for (const [id, markup] of Object.entries(JSON.parse(msg.data))) {
      const el = document.getElementById(id);
      if (el && el.innerHTML !== markup) el.innerHTML = markup;
    }
  });
  source.addEventListener('open', () => document.body.classList.add('live-connected'));
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

document.addEventListener('DOMContentLoaded', () => {
  const applyFilter = levelFilter();
  applyFilter();
  liveEntries(applyFilter);
  liveList();
  offerForm();
  presentationForm();
  claimsForm();
});
