// Which screen of the shopper page is showing (scan the code, check in, the visit, done), its
// document title, and leaving a visit: the page forgets the visit token and shows what happened.

import { t } from '/common/i18n.js';
import { ui, state, clearStoredSession, announce } from './state.js';
import { stopPolling } from './help.js';

const TITLES = {
  noscan: 'shop.title.noscan',
  checkin: 'shop.title.checkin',
  visit: 'shop.title.visit',
};

export function setDocumentTitle() {
  const view = state.view;
  const words = view === 'done' && ui.doneTitle.textContent ? ui.doneTitle.textContent : t(TITLES[view] || 'shop.title.visit');
  const storeName = state.store && state.store.name ? state.store.name : '';
  document.title = storeName ? t('shop.title.withStore', { title: words, store: storeName }) : words;
}

export function show(view) {
  state.view = view;
  ui.body.dataset.view = view;
  ui.loading.hidden = true;
  ui.noscanView.hidden = view !== 'noscan';
  ui.checkinView.hidden = view !== 'checkin';
  ui.visitView.hidden = view !== 'visit';
  ui.doneView.hidden = view !== 'done';
  ui.badge.hidden = view !== 'visit';
  setDocumentTitle();
}

export function forgetSession() {
  clearStoredSession();
  stopPolling();
}

export function clearVisitView() {
  state.me = null;
  state.purposes.clear();
  ui.visitTitle.textContent = '';
  ui.badgeName.textContent = '';
  ui.dataView.replaceChildren();
  ui.receiptsList.replaceChildren();
  ui.offersList.replaceChildren();
  ui.whyList.replaceChildren();
  ui.whyPanel.hidden = true;
  ui.whyButton.setAttribute('aria-expanded', 'false');
}

// `done`: {titleKey, text()} so that a language switch words it again.
let done = null;

export function renderDone() {
  if (!done) return;
  ui.doneTitle.textContent = t(done.titleKey);
  ui.doneText.textContent = done.text();
  setDocumentTitle();
}

export function showDone(titleKey, text, receiptJws) {
  forgetSession();
  done = { titleKey, text };
  ui.doneReceipt.hidden = !receiptJws;
  ui.doneReceiptText.value = receiptJws || '';
  clearVisitView();
  renderDone();
  show('done');
  ui.doneTitle.focus();
  announce(ui.doneTitle.textContent + '. ' + ui.doneText.textContent);
}
