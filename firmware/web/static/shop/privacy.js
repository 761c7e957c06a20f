// "My data" on the shopper page: everything GET /v1/me holds, readably and in the page's
// language (choices, interests, help requests, visits, the access log), the download, each
// signed receipt with the notice version and language it was given under, "Why am I seeing
// this?" (GET /v1/me/why, in the API's words), ending the visit and deleting everything.

import { t, formatDateTime, formatTime, formatDuration, languageName } from '/common/i18n.js';
import { ui, state, el, fromApi, announce, setMessage, api, mutate, titleOf, isOn, anonymousVisit } from './state.js';
import { showDone } from './views.js';

const ORDER = ['current_visit', 'purposes', 'interests', 'help_requests', 'visits', 'consents', 'access_log', 'subject'];
// receipts: their own list below; purposes: the same as consents, shown under Your choices.
const SKIP = new Set(['renewal_required', 'receipts', 'purposes']);
const SECTIONS = new Set(['current_visit', 'interests', 'help_requests', 'visits', 'consents', 'access_log', 'subject']);
const EVENTS = new Set(['consent.changed', 'staff.viewed', 'staff.claimed', 'staff.resolved']);
const FIELDS = new Set([
  'id', 'pseudonym', 'channel', 'started_at', 'expires_at', 'ended_at', 'purpose', 'state', 'description',
  'policy_version', 'notice_version', 'language', 'topic', 'expertise', 'note', 'first_name', 'created_at',
  'claimed_at', 'resolved_at', 'closed_at', 'at', 'event', 'detail', 'known_since', 'granted', 'granted_at',
  'withdrawn_at', 'issued_at',
]);
const STATES = new Set([
  'granted', 'not_asked', 'withdrawn', 'expired', 'needs_renewal', 'waiting', 'claimed', 'resolved', 'cancelled', 'retracted',
]);
const CHANNELS = new Set(['web', 'app', 'loyalty_scan']);
const WHY_KINDS = new Set(['visit', 'purpose', 'consent', 'interests', 'offer', 'staff']);

function isTimeKey(key) {
  return key === 'at' || key.endsWith('_at') || key === 'known_since' || key.endsWith('_until');
}

// A field's label: the catalog's words, or the field's own name for one the page does not know.
function label(key) {
  if (FIELDS.has(key)) return { text: t('shop.field.' + key), from: '' };
  const s = key.replace(/_/g, ' ');
  return { text: s.charAt(0).toUpperCase() + s.slice(1), from: 'api' };
}

// A value in words, and where its words come from ('' for the catalog).
function value(key, v) {
  if (v === null || v === undefined) return { text: '—', from: '' };
  if (isTimeKey(key) && (typeof v === 'number' || typeof v === 'string')) return { text: formatDateTime(v) || String(v), from: 'intl' };
  if (key === 'purpose' && typeof v === 'string') return { text: titleOf(v), from: 'api' };
  if (key === 'state' && typeof v === 'string' && STATES.has(v)) return { text: t('shop.stateWord.' + v), from: '' };
  if (key === 'channel' && typeof v === 'string' && CHANNELS.has(v)) return { text: t('shop.channel.' + v), from: '' };
  if (key === 'language' && typeof v === 'string') return { text: languageName(v), from: 'intl' };
  if (typeof v === 'boolean') return { text: t(v ? 'shop.choice.yes' : 'shop.choice.no'), from: '' };
  if (Array.isArray(v)) {
    return { text: v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') || '—', from: 'api' };
  }
  if (typeof v === 'object') {
    const text = Object.entries(v)
      .map(([k, x]) => label(k).text + ': ' + (typeof x === 'object' && x !== null ? JSON.stringify(x) : value(k, x).text))
      .join('; ');
    return { text: text || '—', from: 'api' };
  }
  return { text: String(v), from: 'api' };
}

function sourced(tag, className, { text, from }) {
  const e = el(tag, className, text);
  if (from) e.dataset.text = from;
  return e;
}

function renderObject(obj) {
  const dl = el('dl', 'facts');
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'jws' || k === 'payload') continue;
    dl.append(sourced('dt', '', label(k)), sourced('dd', '', value(k, v)));
  }
  return dl;
}

function renderAccessLog(entries) {
  if (!entries.length) return el('p', 'empty-line', t('shop.data.nobodyUsed'));
  const ul = el('ul', 'records');
  for (const e of entries) {
    if (!e || typeof e !== 'object') continue;
    const li = el('li', 'record');
    li.append(sourced('p', 'statement-head', { text: formatDateTime(e.at), from: 'intl' }));
    const p = el('p', 'statement-text');
    p.append(EVENTS.has(e.event) ? el('span', '', t('shop.event.' + e.event)) : fromApi('span', '', String(e.event || '')));
    if (e.detail && typeof e.detail === 'object') p.append(sourced('span', '', { text: ': ' + value('detail', e.detail).text, from: 'api' }));
    li.append(p);
    ul.append(li);
  }
  return ul;
}

function renderValue(key, v) {
  if (key === 'access_log' && Array.isArray(v)) return renderAccessLog(v);
  if (Array.isArray(v)) {
    if (!v.length) return el('p', 'empty-line', t('shop.data.none'));
    const ul = el('ul', 'records');
    for (const item of v) {
      const li = el('li', 'record');
      if (item && typeof item === 'object') li.append(renderObject(item));
      else li.append(sourced('span', '', value(key, item)));
      ul.append(li);
    }
    return ul;
  }
  if (v && typeof v === 'object') return renderObject(v);
  return sourced('p', '', value(key, v));
}

export function renderData() {
  const me = state.me;
  ui.dataView.replaceChildren();
  if (!me) return;
  const keys = Object.keys(me).filter((k) => !SKIP.has(k) && typeof me[k] === 'object' && me[k] !== null);
  keys.sort((a, b) => {
    const ia = ORDER.indexOf(a) < 0 ? ORDER.length : ORDER.indexOf(a);
    const ib = ORDER.indexOf(b) < 0 ? ORDER.length : ORDER.indexOf(b);
    return ia - ib || a.localeCompare(b);
  });
  for (const key of keys) {
    const section = el('section', 'data-part');
    section.dataset.part = key;
    const id = 'data-' + key.replace(/[^A-Za-z0-9_-]/g, '_');
    const h = SECTIONS.has(key) ? el('h3', '', t('shop.section.' + key)) : sourced('h3', '', label(key));
    h.id = id;
    section.setAttribute('aria-labelledby', id);
    section.append(h);
    if (key === 'subject') section.append(el('p', 'hint', t('shop.data.subjectHint')));
    section.append(renderValue(key, me[key]));
    ui.dataView.append(section);
  }
  if (me.store_id) {
    ui.dataView.append(el('p', 'hint', t('shop.data.storeLine', { store: me.store_id, version: String(me.policy_version || '') })));
  }
}

export async function loadReceipts() {
  let data;
  try {
    data = await api('GET', '/v1/me/receipts');
  } catch (e) {
    if (state.session) setMessage(ui.dataMessage, t('shop.receipts.loadFailed', { problem: e.message }));
    return;
  }
  const receipts = Array.isArray(data.receipts) ? data.receipts.slice() : [];
  receipts.sort((a, b) => (b.issued_at || 0) - (a.issued_at || 0));
  ui.receiptsList.replaceChildren();
  if (!receipts.length) ui.receiptsList.append(el('li', 'empty-line', t('shop.receipts.none')));
  receipts.forEach((r, i) => {
    const li = el('li', 'receipt');
    li.dataset.id = r.id;
    li.append(el('p', 'receipt-head', t('shop.receipts.head', { id: r.id, when: formatDateTime(r.issued_at) })));
    const summary = receiptSummary(r.payload);
    if (summary) li.append(el('p', 'hint', summary));
    const details = el('details', 'jws');
    details.append(el('summary', '', t('shop.receipts.show')));
    const area = el('textarea');
    area.id = 'receipt-jws-' + i;
    area.readOnly = true;
    area.rows = 5;
    area.value = r.jws || '';
    area.dataset.text = 'api';
    const lbl = el('label', 'visually-hidden', t('shop.receipts.label', { id: r.id }));
    lbl.htmlFor = area.id;
    const copy = el('button', 'button button-secondary button-small', t('shop.receipts.copy'));
    copy.setAttribute('aria-label', t('shop.receipts.copyLabel', { id: r.id }));
    copy.type = 'button';
    copy.addEventListener('click', () => copyText(area));
    details.append(lbl, area, copy);
    li.append(details);
    ui.receiptsList.append(li);
  });
}

// "Changed: Offers for you: granted (notice 3, Italiano)."
function receiptSummary(payload) {
  let p = payload;
  if (typeof p === 'string') {
    try {
      p = JSON.parse(p);
    } catch (e) {
      return '';
    }
  }
  if (!p || typeof p !== 'object' || !Array.isArray(p.changes)) return '';
  const words = [];
  for (const c of p.changes) {
    if (!c || typeof c.purposeId !== 'string') continue;
    const s = typeof c.state === 'string' && STATES.has(c.state) ? t('shop.stateWord.' + c.state) : String(c.state || '');
    words.push(titleOf(c.purposeId) + (s ? ': ' + s : ''));
  }
  if (!words.length) return '';
  const notice =
    p.notice_version !== undefined && typeof p.language === 'string'
      ? ' ' + t('shop.receipts.notice', { version: String(p.notice_version), language: languageName(p.language) })
      : '';
  return t('shop.receipts.changed', { changes: words.join('; ') }) + notice;
}

async function copyText(area) {
  try {
    await navigator.clipboard.writeText(area.value);
  } catch (e) {
    area.focus();
    area.select();
    announce(t('shop.receipts.selected'));
    return;
  }
  announce(t('shop.receipts.copied'));
}

export async function onDownload() {
  if (state.busy) return;
  setMessage(ui.dataMessage, '');
  await mutate(async () => {
    try {
      const r = await api('GET', '/v1/me?download=1', { raw: true });
      const blob = new Blob([await r.text()], { type: 'application/json' });
      const url = URL.createObjectURL(blob);
      const a = el('a');
      a.href = url;
      a.download = 'my-data.json';
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10000);
      announce(t('shop.data.downloaded'));
    } catch (e) {
      setMessage(ui.dataMessage, t('shop.data.downloadFailed', { problem: e.message }));
    }
  });
}

export async function loadWhy() {
  let data;
  try {
    data = await api('GET', '/v1/me/why');
  } catch (e) {
    if (state.session) setMessage(ui.dataMessage, t('shop.why.loadFailed', { problem: e.message }));
    return;
  }
  const statements = Array.isArray(data.statements) ? data.statements : [];
  ui.whyList.replaceChildren();
  for (const s of statements) {
    const li = el('li', 'statement');
    if (s.kind) li.dataset.kind = s.kind;
    const head = el('p', 'statement-head');
    head.append(el('span', 'kind', t(WHY_KINDS.has(s.kind) ? 'shop.why.kind.' + s.kind : 'shop.why.kind.other')));
    if (s.at) head.append(sourced('span', '', { text: ' · ' + formatDateTime(s.at), from: 'intl' }));
    li.append(head, fromApi('p', 'statement-text', s.text || ''));
    ui.whyList.append(li);
  }
  ui.whyEmpty.hidden = statements.length > 0;
}

export async function onWhy(event) {
  if (state.busy) return;
  const open = ui.whyPanel.hidden || event.currentTarget === ui.whyOffersButton;
  if (!open) {
    ui.whyPanel.hidden = true;
    ui.whyButton.setAttribute('aria-expanded', 'false');
    return;
  }
  await mutate(loadWhy);
  ui.whyPanel.hidden = false;
  ui.whyButton.setAttribute('aria-expanded', 'true');
  ui.whyTitle.focus();
}

export async function onEndVisit() {
  if (state.busy) return;
  setMessage(ui.dataMessage, '');
  const keepHistory = isOn('history') && !anonymousVisit();
  const history = titleOf('history');
  let ended = null;
  await mutate(async () => {
    try {
      ended = await api('POST', '/v1/checkins/current/end');
    } catch (e) {
      if (state.session) setMessage(ui.dataMessage, t('shop.end.failed', { problem: e.message }));
    }
  });
  if (!ended) return;
  const at = (ended.visit && ended.visit.ended_at) || Date.now() / 1000;
  const r = (state.store && state.store.retention) || {};
  showDone('shop.end.title', () => {
    const when = formatDateTime(at) || formatTime(Date.now() / 1000);
    const kept = keepHistory
      ? t('shop.end.keptHistory', { history, days: formatDuration(r.history_days || 180, 'day') })
      : t('shop.end.kept', { hours: formatDuration(r.ended_visit_hours || 24, 'hour') });
    return t('shop.end.text', { when, kept });
  });
}

export async function onDeleteEverything() {
  if (state.busy) return;
  setMessage(ui.dataMessage, '');
  let erased = null;
  await mutate(async () => {
    try {
      erased = await api('DELETE', '/v1/me');
    } catch (e) {
      if (state.session) setMessage(ui.dataMessage, t('shop.erase.failed', { problem: e.message }));
    }
  });
  if (!erased) return;
  let count = 0;
  if (erased.deleted && typeof erased.deleted === 'object') {
    for (const n of Object.values(erased.deleted)) if (typeof n === 'number') count += n;
  }
  const at = erased.erased_at;
  showDone(
    'shop.erase.title',
    () => t(count ? 'shop.erase.textCount' : 'shop.erase.text', { when: formatDateTime(at), count }),
    erased.receipt && erased.receipt.jws
  );
}
