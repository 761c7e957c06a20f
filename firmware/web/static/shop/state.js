// The shopper page's shared state and small helpers: the elements it drives, what the box said
// (store, the caller's data, purposes), the visit token in sessionStorage only, talking to the
// box in the page's language, and "one change at a time". Every screen module imports this.

import { t } from '/common/i18n.js';
import { request, problemReason } from '/common/api.js';

const SESSION_KEY = 'optin-edge.shop-visit';
export const LANGUAGE_KEY = 'optin-edge.shop-language';

export const $ = (id) => document.getElementById(id);

export const ui = {
  body: document.body,
  main: $('main'),
  storeName: $('store-name'),
  badge: $('visit-badge'),
  badgeName: $('visit-badge-name'),
  languages: $('languages'),
  pageMessage: $('page-message'),
  loading: $('loading-view'),
  noscanView: $('noscan-view'),
  noscanTitle: $('noscan-title'),
  noscanText: $('noscan-text'),
  checkinView: $('checkin-view'),
  checkinTitle: $('checkin-title'),
  noticeTitle: $('notice-title'),
  noticeSummary: $('notice-summary'),
  noticeRetention: $('notice-retention'),
  noticeRights: $('notice-rights'),
  noticeRightsText: $('notice-rights-text'),
  noticeController: $('notice-controller'),
  noticeLink: $('notice-link'),
  checkinForm: $('checkin-form'),
  checkinPurposes: $('checkin-purposes'),
  checkinMessage: $('checkin-message'),
  checkinButton: $('checkin-button'),
  visitView: $('visit-view'),
  visitTitle: $('visit-title'),
  choicesMessage: $('choices-message'),
  renewalNote: $('renewal-note'),
  visitPurposes: $('visit-purposes'),
  offersMessage: $('offers-message'),
  offersOff: $('offers-off'),
  offersSwitch: $('offers-switch'),
  offersOn: $('offers-on'),
  interestsForm: $('interests-form'),
  interestsMessage: $('interests-message'),
  interestsList: $('interests-list'),
  offersEmpty: $('offers-empty'),
  offersList: $('offers-list'),
  offersNote: $('offers-note'),
  helpMessage: $('help-message'),
  helpOff: $('help-off'),
  helpSwitch: $('help-switch'),
  helpForm: $('help-form'),
  helpTopic: $('help-topic'),
  helpNote: $('help-note'),
  helpNoteCount: $('help-note-count'),
  helpNameField: $('help-name-field'),
  helpName: $('help-name'),
  helpStatus: $('help-status'),
  helpState: $('help-state'),
  helpDetail: $('help-detail'),
  helpCancel: $('help-cancel'),
  helpAgain: $('help-again'),
  dataMessage: $('data-message'),
  downloadButton: $('download-button'),
  whyButton: $('why-button'),
  whyOffersButton: $('why-offers-button'),
  whyPanel: $('why-panel'),
  whyTitle: $('why-title'),
  whyList: $('why-list'),
  whyEmpty: $('why-empty'),
  dataView: $('data-view'),
  receiptsList: $('receipts-list'),
  endButton: $('end-button'),
  deleteButton: $('delete-button'),
  doneView: $('done-view'),
  doneTitle: $('done-title'),
  doneText: $('done-text'),
  doneReceipt: $('done-receipt'),
  doneReceiptText: $('done-receipt-text'),
  status: $('status'),
};

// What the page knows. `store`: GET /v1/store (in the page's language); `session`: {visit_token,
// visit, help_id} in sessionStorage; `appToken`: from #t=, in memory only, used once.
export const state = {
  store: null,
  session: null,
  appToken: null,
  presenceCode: null,
  purposes: new Map(), // purpose -> {state, expires_at, ...} from the server
  me: null, // GET /v1/me
  busy: false,
  view: 'loading',
};

// Set by main.js: the page's reactions that screens trigger (re-read everything, visit gone).
export const hooks = {
  refresh: async () => {},
  visitGone: () => {},
};

export function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    if (s && typeof s.visit_token === 'string' && s.visit_token.startsWith('vt_')) return s;
  } catch (e) {
    /* a damaged entry is the same as none */
  }
  return null;
}

export function saveSession() {
  if (state.session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(state.session));
}

export function clearStoredSession() {
  state.session = null;
  state.appToken = null;
  try {
    sessionStorage.clear();
  } catch (e) {
    /* nothing stored */
  }
}

// ------------------------------------------------------------------------------------------
// Small helpers

export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

// An element whose text comes from the box (the notice, an offer, a visit name), not the catalog.
export function fromApi(tag, className, text) {
  const e = el(tag, className, text);
  e.dataset.text = 'api';
  return e;
}

export function announce(text) {
  // Cleared first so that the same words twice are read twice.
  ui.status.textContent = '';
  window.setTimeout(() => {
    ui.status.textContent = text;
  }, 50);
}

export function setMessage(box, text, kind) {
  box.textContent = text || '';
  box.classList.toggle('info', kind === 'info');
}

export function chars(text) {
  return Array.from(text).length;
}

// A purpose's title in the page's language, from the notice (GET /v1/store).
export function titleOf(purpose) {
  const p = ((state.store && state.store.purposes) || []).find((x) => x.purpose === purpose);
  return (p && p.title) || purpose;
}

// How one of the store's interests or help topics reads in the page's language (GET /v1/store's
// interest_labels / assist_topic_labels); the word itself where the store gave no label.
export function interestLabel(word) {
  const labels = state.store && state.store.interest_labels;
  return (labels && typeof labels[word] === 'string' && labels[word]) || word;
}
export function topicLabel(word) {
  const labels = state.store && state.store.assist_topic_labels;
  return (labels && typeof labels[word] === 'string' && labels[word]) || word;
}

export function isOn(purpose) {
  const s = state.purposes.get(purpose);
  return !!s && s.state === 'granted';
}

export function anonymousVisit() {
  const s = state.session;
  return !!(s && s.visit && s.visit.channel === 'web');
}

// ------------------------------------------------------------------------------------------
// Talking to the box

// Reasons whose server wording talks to developers; the rest use the server's detail.
const FRIENDLY = {
  'presence-code-invalid': 'shop.problem.codeExpired',
  'visit-token-invalid': 'shop.problem.visitEnded',
  'missing-token': 'shop.problem.visitEnded',
  'unknown-interest': 'shop.problem.unknownInterest',
  'rate-limited': 'shop.problem.rateLimited',
};

export function describeProblem(status, problem) {
  const reason = problemReason(problem);
  if (FRIENDLY[reason]) return t(FRIENDLY[reason]);
  if (problem && typeof problem.detail === 'string' && problem.detail) return problem.detail;
  switch (status) {
    case 400:
    case 422:
      return t('shop.problem.notAccepted');
    case 401:
      return t('shop.problem.visitEnded');
    case 403:
      return t('shop.problem.needsChoice');
    case 404:
      return t('shop.problem.gone');
    case 409:
      return t('shop.problem.changed');
    case 413:
      return t('shop.problem.tooLong');
    case 429:
      return t('shop.problem.rateLimited');
    case 503:
      return t('shop.problem.busy');
    default:
      return t('shop.problem.other', { status: String(status) });
  }
}

// The box with the visit token (or `token`, or none when token is null); resolves with the JSON
// body, throws ApiError with a sentence for people. A refused visit token ends the visit.
export async function api(method, path, { body, token, raw } = {}) {
  const bearer = token === undefined ? state.session && state.session.visit_token : token;
  try {
    return await request(method, path, {
      body,
      bearer,
      raw,
      describe: describeProblem,
      networkMessage: () => t('shop.problem.network'),
    });
  } catch (error) {
    if (error.status === 401 && state.session && bearer === state.session.visit_token) hooks.visitGone(error.message);
    throw error;
  }
}

// One change at a time: every control on the page is disabled while it runs, so nothing is
// sent twice or half-applied; focus goes back where it was.
export async function mutate(fn) {
  if (state.busy) return undefined;
  state.busy = true;
  const focused = document.activeElement;
  const controls = Array.from(ui.main.querySelectorAll('button, input, select, textarea')).filter((c) => !c.disabled);
  for (const c of controls) c.disabled = true;
  ui.body.dataset.busy = 'true';
  try {
    return await fn();
  } finally {
    for (const c of controls) c.disabled = false;
    state.busy = false;
    ui.body.dataset.busy = 'false';
    if (
      focused &&
      focused.isConnected &&
      !focused.closest('[hidden]') &&
      (document.activeElement === document.body || document.activeElement === null)
    ) {
      focused.focus();
    }
  }
}
