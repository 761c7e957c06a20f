// The first screens of the shopper page: "scan the code" when opened without a valid presence
// code, then the privacy notice in the page's language (the notice's own words from GET
// /v1/store: short first, details a tap away), every purpose off, and "Check in".

import { t, formatDuration } from '/common/i18n.js';
import { ui, state, fromApi, announce, setMessage, api, mutate, saveSession } from './state.js';
import { buildChoice, choosablePurposes, offered, applyPurposes, purposeDetails } from './consent.js';
import { show } from './views.js';

// ------------------------------------------------------------------------------------------
// No code

let noscanReason = ''; // '' (no code), 'odd' (a damaged link)

export function renderNoScan() {
  ui.noscanTitle.textContent = t(noscanReason ? 'shop.noscan.badTitle' : 'shop.noscan.title');
  ui.noscanText.textContent = t(noscanReason ? 'shop.noscan.badText' : 'shop.noscan.text');
}

export function showNoScan(reason = '') {
  noscanReason = reason;
  renderNoScan();
  show('noscan');
  ui.noscanTitle.focus();
}

// ------------------------------------------------------------------------------------------
// The notice

function hours(n) {
  return formatDuration(n, 'hour');
}

// "How long", from GET /v1/store's `retention`. An anonymous visit (no app) is linked to
// nothing and goes whole.
function retentionText(r, anonymous) {
  const ends = r.visit_max_minutes
    ? Number.isInteger(r.visit_max_minutes / 60)
      ? hours(r.visit_max_minutes / 60)
      : formatDuration(r.visit_max_minutes, 'minute')
    : hours(4);
  const deleted = hours(r.ended_visit_hours || 24);
  if (anonymous) return t('shop.notice.retentionAnonymous', { ends, deleted });
  const months = Math.round((r.consent_days || 365) / 30.4);
  return t('shop.notice.retentionApp', {
    ends,
    deleted,
    days: formatDuration(r.history_days || 180, 'day'),
    history: titleOfHistory(),
    months: formatDuration(months, 'month'),
  });
}

function titleOfHistory() {
  const p = ((state.store && state.store.purposes) || []).find((x) => x.purpose === 'history');
  return (p && p.title) || 'history';
}

function renderNotice() {
  const store = state.store;
  const notice = store.notice && typeof store.notice === 'object' ? store.notice : null;
  ui.noticeTitle.textContent = (notice && notice.title) || t('shop.notice.fallbackTitle');
  ui.noticeTitle.dataset.text = notice && notice.title ? 'api' : '';
  ui.noticeSummary.textContent = (notice && notice.summary) || '';
  ui.noticeSummary.hidden = !(notice && notice.summary);
  const retention = store.retention && typeof store.retention === 'object' ? store.retention : {};
  ui.noticeRetention.textContent = retentionText(retention, !state.appToken);
  const rights = notice && notice.rights && typeof notice.rights === 'object' ? notice.rights : null;
  ui.noticeRights.hidden = !rights;
  ui.noticeRightsText.replaceChildren();
  if (rights) {
    ui.noticeRights.querySelector('summary').textContent = rights.title || t('shop.notice.rights');
    ui.noticeRights.querySelector('summary').dataset.text = rights.title ? 'api' : '';
    if (rights.summary) ui.noticeRightsText.append(fromApi('p', '', rights.summary));
    if (rights.details) ui.noticeRightsText.append(fromApi('p', 'hint', rights.details));
  }
  const c = notice && notice.controller && typeof notice.controller === 'object' ? notice.controller : null;
  ui.noticeController.hidden = !c;
  if (c) {
    const who = [c.store, c.chain].filter((x) => typeof x === 'string' && x).join(', ');
    ui.noticeController.textContent = c.contact
      ? t('shop.notice.controllerContact', { who, contact: c.contact })
      : t('shop.notice.controller', { who });
  }
  ui.noticeLink.hidden = !(notice && notice.url);
  if (notice && notice.url) {
    ui.noticeLink.href = notice.url;
    ui.noticeLink.textContent = t('shop.notice.exactText', { version: String(notice.version) });
  }
}

// The purposes to answer, keeping the answers given so far (a language switch rebuilds them).
function renderCheckinChoices() {
  const yes = new Set(
    Array.from(ui.checkinPurposes.querySelectorAll('fieldset.choice'))
      .filter((fs) => fs.querySelector('input[data-answer="yes"]').checked)
      .map((fs) => fs.dataset.purpose)
  );
  const open = new Set(
    Array.from(ui.checkinPurposes.querySelectorAll('fieldset.choice details[open]')).map((d) => d.closest('fieldset').dataset.purpose)
  );
  ui.checkinPurposes.replaceChildren();
  for (const info of choosablePurposes()) {
    if (!offered(info, !state.appToken)) continue;
    const c = buildChoice(ui.checkinPurposes, info, { live: false });
    if (yes.has(info.purpose)) {
      c.yes.checked = true;
      c.no.checked = false;
    }
    if (open.has(info.purpose)) c.fieldset.querySelector('details').open = true;
  }
  const presence = ((state.store && state.store.purposes) || []).find((p) => p.purpose === 'presence');
  const line = document.getElementById('presence-line');
  line.replaceChildren();
  if (presence) {
    line.append(fromApi('strong', '', presence.title || ''), document.createTextNode(' '), fromApi('span', '', presence.description || ''));
    const more = purposeDetails(presence);
    if (more) line.append(more);
  }
}

export function renderCheckin() {
  renderNotice();
  renderCheckinChoices();
}

// ------------------------------------------------------------------------------------------
// Check in

export async function onCheckIn(event, enterVisit) {
  event.preventDefault();
  if (state.busy) return;
  setMessage(ui.checkinMessage, '');
  const purposes = {};
  for (const fs of ui.checkinPurposes.querySelectorAll('fieldset.choice')) {
    const yes = fs.querySelector('input[data-answer="yes"]');
    if (yes.checked) purposes[fs.dataset.purpose] = true;
    else if (state.appToken) purposes[fs.dataset.purpose] = false; // what was chosen here wins over the app's
  }
  const button = ui.checkinButton;
  await mutate(async () => {
    button.textContent = t('shop.checkin.sending');
    try {
      const r = await api('POST', '/v1/checkins', {
        token: state.appToken || null,
        body: { presence_code: state.presenceCode, purposes },
      });
      state.appToken = null;
      state.presenceCode = null; // used: a later refusal of the visit token ends here, not in a new check-in
      state.session = { visit_token: r.visit_token, visit: r.visit, help_id: null };
      saveSession();
      // A reload now opens the visit, not a second check-in with a stale code.
      history.replaceState(null, '', location.pathname + (location.search.includes('pseudo') ? '?pseudo' : ''));
      applyPurposes(r.purposes);
      announce(t('shop.checkin.done', { name: (r.visit && r.visit.pseudonym) || '' }));
    } catch (e) {
      setMessage(ui.checkinMessage, e.message);
      if (e.reason === 'presence-code-invalid') state.presenceCode = null;
      return;
    } finally {
      button.textContent = t('shop.checkin.button');
    }
  });
  if (state.session) await enterVisit();
  else if (!state.presenceCode) ui.checkinButton.disabled = true;
}

// The earlier visit's token was refused but the page was opened from a fresh code: check in anew.
export function offerNewCheckin() {
  show('checkin');
  setMessage(ui.checkinMessage, t('shop.checkin.earlierEnded'), 'info');
  ui.checkinTitle.focus();
}
