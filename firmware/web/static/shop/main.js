// The shopper page (GET /shop?p=<presence code>), opened from the kiosk's presence QR on the
// shopper's own phone: no app, no account. It speaks the shopper's language (the browser's
// preferences among the store's languages, or the one picked in the switch), shows the privacy
// notice in it and the purposes (all off), checks in anonymously (or with the app token from a
// #t= fragment), then the visit: choices, offers, help, my data. This module starts the page and
// wires the screens (checkin.js, consent.js, offers.js, help.js, privacy.js) together; the
// visit token lives in sessionStorage only (gone when the tab closes).

import { setup, renderSwitch, onLanguageChange, t, currentLanguage } from '/common/i18n.js';
import { ui, state, hooks, LANGUAGE_KEY, $, setMessage, api, loadSession, saveSession, fromApi } from './state.js';
import { show, setDocumentTitle, clearVisitView, renderDone, showDone, forgetSession } from './views.js';
import { renderCheckin, renderNoScan, showNoScan, onCheckIn, offerNewCheckin } from './checkin.js';
import { applyPurposes, buildLiveChoices, renderChoices } from './consent.js';
import { renderInterestEditor, syncInterestEditor, onSaveInterests, loadOffers, renderOffers } from './offers.js';
import { renderTopics, renderHelp, syncHelp, updateNoteCount, checkNote, onAskHelp, onCancelHelp, showHelpForm, forgetHelp } from './help.js';
import { renderData, loadReceipts, loadWhy, onWhy, onDownload, onEndVisit, onDeleteEverything } from './privacy.js';

function readFragmentToken() {
  if (!location.hash || location.hash.length < 2) return null;
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('t');
  // The fragment never reaches the server; drop it from the address bar and history at once.
  history.replaceState(null, '', location.pathname + location.search);
  if (token && /^[A-Za-z0-9_\-.]{16,4096}$/.test(token)) return token;
  return null;
}

function readPresenceCode() {
  const params = new URLSearchParams(location.search);
  if (!params.has('p')) return { code: null };
  const code = (params.get('p') || '').trim().toUpperCase();
  if (!/^[0-9A-Z]{4,16}$/.test(code)) return { code: null, odd: true };
  return { code };
}

// The visit name in the title ("You are Amber Heron today") and the badge.
function renderPseudonym() {
  const name = (state.session && state.session.visit && state.session.visit.pseudonym) || '';
  ui.visitTitle.textContent = name ? t('shop.visit.title', { name }) : '';
  ui.badgeName.textContent = name;
}

function renderStore() {
  const name = state.store.name || '';
  ui.storeName.replaceChildren(name ? fromApi('span', '', name) : document.createTextNode(t('shop.brand')));
  renderCheckin();
  buildLiveChoices();
  renderInterestEditor();
  renderTopics();
}

// Re-reads what the store holds. Offers are fetched again only when `offers` is true: the store
// records every showing (the frequency cap and "why" count them), so unrelated changes must not
// show them again.
async function refresh({ offers = false } = {}) {
  if (!state.session) return;
  let data;
  try {
    data = await api('GET', '/v1/me');
  } catch (e) {
    if (state.session) setMessage(ui.dataMessage, e.message);
    return;
  }
  setMessage(ui.dataMessage, '');
  state.me = data;
  if (data.current_visit && data.current_visit.pseudonym) {
    state.session.visit = data.current_visit;
    saveSession();
    renderPseudonym();
  }
  applyPurposes(data.purposes);
  renderData();
  syncInterestEditor();
  await Promise.all([
    offers || !state.purposes.has('offers') || state.purposes.get('offers').state !== 'granted' ? loadOffers() : null,
    loadReceipts(),
    syncHelp(),
    ui.whyPanel.hidden ? null : loadWhy(),
  ]);
}

// The visit token was refused (the visit ended or expired elsewhere). Opened from a fresh QR
// code, the page offers a new check-in instead.
function visitGone(message) {
  forgetSession();
  forgetHelp();
  if (state.presenceCode) {
    clearVisitView();
    offerNewCheckin();
    return;
  }
  showDone('shop.end.title', () => message || t('shop.problem.visitEnded'));
}

async function enterVisit() {
  renderPseudonym();
  show('visit');
  renderChoices();
  ui.visitTitle.focus();
  await refresh({ offers: true });
}

// The store in the page's language: the notice's words come from GET /v1/store.
async function loadStore() {
  state.store = await api('GET', '/v1/store', { token: null });
}

// A language switch: the same screen, every word again in the new language, without a reload.
async function onSwitch() {
  try {
    await loadStore();
  } catch (e) {
    setMessage(ui.pageMessage, e.message);
    return;
  }
  renderStore();
  renderNoScan();
  renderDone();
  renderPseudonym();
  updateNoteCount();
  setDocumentTitle();
  if (state.session && state.view === 'visit') {
    renderChoices();
    renderOffers();
    renderHelp();
    renderData();
    await Promise.all([loadReceipts(), ui.whyPanel.hidden ? null : loadWhy()]);
  }
}

async function start() {
  state.appToken = readFragmentToken();
  const presence = readPresenceCode();
  state.presenceCode = presence.code;
  state.session = loadSession();
  let first;
  try {
    // The browser's own Accept-Language: the store says which languages it has.
    const r = await fetch('/v1/store', { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'omit' });
    if (!r.ok) throw new Error(String(r.status));
    first = await r.json();
  } catch (e) {
    await setup({ available: ['en'] });
    ui.loading.hidden = true;
    setMessage(ui.pageMessage, t('shop.problem.network') + ' ' + t('shop.problem.reload'));
    return;
  }
  const languages = Array.isArray(first.languages) && first.languages.length ? first.languages : [first.language || 'en'];
  await setup({ available: languages, storageKey: LANGUAGE_KEY });
  state.store = first;
  if (first.language !== currentLanguage()) {
    try {
      await loadStore();
    } catch (e) {
      /* the first answer's words stay */
    }
  }
  renderSwitch(ui.languages, languages, { storageKey: LANGUAGE_KEY, onSwitch });
  onLanguageChange(() => ui.languages.setAttribute('aria-label', t('common.language')));
  ui.languages.setAttribute('aria-label', t('common.language'));
  renderStore();
  if (state.session) {
    await enterVisit();
    return;
  }
  if (presence.odd) {
    showNoScan('odd');
    return;
  }
  if (!state.presenceCode) {
    showNoScan();
    return;
  }
  show('checkin');
}

hooks.refresh = refresh;
hooks.visitGone = visitGone;
ui.checkinForm.addEventListener('submit', (event) => onCheckIn(event, enterVisit));
ui.interestsForm.addEventListener('submit', onSaveInterests);
ui.helpForm.addEventListener('submit', onAskHelp);
ui.helpNote.addEventListener('input', () => {
  updateNoteCount();
  const p = $('help-note-error');
  if (p.textContent && !checkNote(ui.helpNote.value)) {
    p.textContent = '';
    ui.helpNote.removeAttribute('aria-invalid');
  }
});
ui.helpCancel.addEventListener('click', onCancelHelp);
ui.helpAgain.addEventListener('click', showHelpForm);
ui.downloadButton.addEventListener('click', onDownload);
ui.whyButton.addEventListener('click', onWhy);
ui.whyOffersButton.addEventListener('click', onWhy);
ui.endButton.addEventListener('click', onEndVisit);
ui.deleteButton.addEventListener('click', onDeleteEverything);
start().then(updateNoteCount);
