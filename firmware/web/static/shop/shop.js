// The shopper page (GET /shop?p=<presence code>), opened from the kiosk's presence QR on the
// shopper's own phone: no app, no account. It shows the privacy notice and the purposes (all
// off), checks in anonymously (or with the app token from a #t= fragment), then offers with
// their reasons, a help request with live status, and everything the store holds: download,
// receipts, "why", withdraw, end the visit, delete everything. The visit token lives in
// sessionStorage only (gone when the tab closes). No framework, no build step.
'use strict';

(() => {
  const SESSION_KEY = 'optin-edge.shop-visit';
  const POLL_MS = 3000;
  const NOTE_MAX = 280;
  const FIRST_NAME_MAX = 40;
  // What the server refuses in a note or name: C0, DEL, C1, line/paragraph separators, bidi
  // controls (text that displays differently from what it says) and BOM.
  const CONTROL_CHARS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u200E\u200F\u202A-\u202E\u2066-\u2069\u061C\uFEFF]/;

  const TITLES = {
    presence: 'Knowing you are here for this visit',
    offers: 'Offers that match your interests',
    assistance: 'Help from store staff',
    name_to_staff: 'Your first name for the person who helps you',
    history: 'Remember my visits',
    hq_aggregates: 'Anonymous totals for headquarters',
  };
  const IF_NO = {
    offers: 'If you say no: no offers are picked for you. You shop as usual.',
    assistance: 'If you say no: you can still ask anyone in the store in person.',
    name_to_staff: 'If you say no: staff see only your visit name.',
    history: 'If you say no: your interests are forgotten when this visit ends.',
    hq_aggregates: 'If you say no: your visit is not counted in anything sent to headquarters. ' +
      'A visit checked in on this page without the app is never counted either: it cannot be told apart from your other visits, so it could count you twice.',
  };
  const LEVELS = { beginner: 'Beginner', intermediate: 'Some experience', expert: 'Expert' };
  const LEVELS_FOR = { beginner: 'beginners', intermediate: 'some experience', expert: 'experts' };

  const $ = (id) => document.getElementById(id);
  const ui = {
    body: document.body,
    main: $('main'),
    storeName: $('store-name'),
    badge: $('visit-badge'),
    badgeName: $('visit-badge-name'),
    pageMessage: $('page-message'),
    loading: $('loading-view'),
    noscanView: $('noscan-view'),
    noscanTitle: $('noscan-title'),
    noscanText: $('noscan-text'),
    checkinView: $('checkin-view'),
    checkinTitle: $('checkin-title'),
    noticeRetention: $('notice-retention'),
    checkinForm: $('checkin-form'),
    checkinPurposes: $('checkin-purposes'),
    checkinMessage: $('checkin-message'),
    checkinButton: $('checkin-button'),
    visitView: $('visit-view'),
    visitTitle: $('visit-title'),
    pseudonym: $('pseudonym'),
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

  // ---------------------------------------------------------------------------------------
  // State

  let store = null; // GET /v1/store
  let session = null; // {visit_token, visit, help_id} in sessionStorage
  let appToken = null; // from #t=, in memory only, used once for the check-in
  let presenceCode = null;
  const purposeState = new Map(); // purpose -> {state, expires_at, ...} from the server
  let me = null; // GET /v1/me
  let helpRequest = null; // the shopper's latest help request
  let pollTimer = 0;
  let helpSeq = 0; // bumped by every help change, so that a poll started before it is ignored
  let interestsDirty = false;
  let busy = false;

  function loadSession() {
    try {
      const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
      if (s && typeof s.visit_token === 'string' && s.visit_token.startsWith('vt_')) return s;
    } catch (e) {
      /* a damaged entry is the same as none */
    }
    return null;
  }

  function saveSession() {
    if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  }

  function forgetSession() {
    session = null;
    appToken = null;
    stopPolling();
    try {
      sessionStorage.clear();
    } catch (e) {
      /* nothing stored */
    }
  }

  // ---------------------------------------------------------------------------------------
  // Small helpers

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function announce(text) {
    // Cleared first so that the same words twice are read twice.
    ui.status.textContent = '';
    window.setTimeout(() => {
      ui.status.textContent = text;
    }, 50);
  }

  function setMessage(box, text, kind) {
    box.textContent = text || '';
    box.classList.toggle('info', kind === 'info');
  }

  function toDate(v) {
    if (v === null || v === undefined || v === '') return null;
    if (typeof v === 'number') return new Date(v * 1000);
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  }

  const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
  const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

  function when(v) {
    const d = toDate(v);
    return d ? dateTimeFormat.format(d) : '';
  }

  function whenTime(v) {
    const d = toDate(v);
    return d ? timeFormat.format(d) : '';
  }

  function whenDay(v) {
    const d = toDate(v);
    return d ? dayFormat.format(d) : '';
  }

  function formatPrice(price) {
    if (!price || typeof price.amount_minor !== 'number' || typeof price.currency !== 'string') return '';
    try {
      const f = new Intl.NumberFormat(undefined, { style: 'currency', currency: price.currency });
      const digits = f.resolvedOptions().maximumFractionDigits;
      return f.format(price.amount_minor / Math.pow(10, digits));
    } catch (e) {
      return (price.amount_minor / 100).toFixed(2) + ' ' + price.currency;
    }
  }

  function titleOf(purpose) {
    return TITLES[purpose] || purpose;
  }

  function chars(text) {
    return Array.from(text).length;
  }

  function plural(n, one, many) {
    return n + ' ' + (n === 1 ? one : many);
  }

  // ---------------------------------------------------------------------------------------
  // Talking to the box

  class ApiError extends Error {
    constructor(status, problem, message) {
      super(message);
      this.status = status;
      this.problem = problem || {};
      this.reason = problemReason(this.problem);
      this.field = typeof this.problem.field === 'string' ? this.problem.field : '';
    }
  }

  const NETWORK_MESSAGE =
    'Cannot reach the store’s box. Check that your phone is on the store’s Wi-Fi, then try again.';

  function problemReason(problem) {
    const t = (problem && typeof problem.type === 'string' && problem.type) || '';
    return t.slice(t.lastIndexOf(':') + 1);
  }

  // Reasons whose server wording talks to developers; the rest use the server's detail.
  const FRIENDLY = {
    'presence-code-invalid':
      'The check-in code has run out. Scan the QR code at the entrance again, then check in within a few minutes.',
    'missing-field': null,
    'visit-token-invalid': 'Your visit has ended. To check in again, scan the QR code at the entrance.',
    'missing-token': 'Your visit has ended. To check in again, scan the QR code at the entrance.',
    'unknown-interest': 'This store does not offer that interest. Pick one from the list.',
    'rate-limited': 'Too many requests in a short time. Wait a minute, then try again.',
  };

  function describeProblem(status, problem) {
    const reason = problemReason(problem);
    if (FRIENDLY[reason]) return FRIENDLY[reason];
    if (problem && typeof problem.detail === 'string' && problem.detail) return problem.detail;
    switch (status) {
      case 400:
      case 422:
        return 'That was not accepted. Check what you entered and try again.';
      case 401:
        return FRIENDLY['visit-token-invalid'];
      case 403:
        return 'That needs a choice you have not turned on.';
      case 404:
        return 'That no longer exists.';
      case 409:
        return 'That changed meanwhile. The page now shows how things are.';
      case 413:
        return 'That is too long.';
      case 429:
        return FRIENDLY['rate-limited'];
      case 503:
        return 'The store’s box is busy. Try again in a few seconds.';
      default:
        return 'Something went wrong on the store’s box (' + status + '). Try again.';
    }
  }

  // fetch() with the visit token (or `token`, or none when token is null); resolves with the
  // JSON body, throws ApiError with a sentence for people.
  async function api(method, path, { body, token, raw } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const bearer = token === undefined ? session && session.visit_token : token;
    if (bearer) headers.Authorization = 'Bearer ' + bearer;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      throw new ApiError(0, null, NETWORK_MESSAGE);
    }
    if (raw && response.ok) return response;
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      const problem = data && typeof data === 'object' ? data : {};
      const error = new ApiError(response.status, problem, describeProblem(response.status, problem));
      if (response.status === 401 && session && bearer === session.visit_token) visitGone(error.message);
      throw error;
    }
    return data || {};
  }

  // One change at a time: every control on the page is disabled while it runs, so nothing is
  // sent twice or half-applied; focus goes back where it was.
  async function mutate(fn) {
    if (busy) return undefined;
    busy = true;
    const focused = document.activeElement;
    const controls = Array.from(ui.main.querySelectorAll('button, input, select, textarea')).filter(
      (c) => !c.disabled
    );
    for (const c of controls) c.disabled = true;
    ui.body.dataset.busy = 'true';
    try {
      return await fn();
    } finally {
      for (const c of controls) c.disabled = false;
      busy = false;
      ui.body.dataset.busy = 'false';
      if (focused && focused.isConnected && !focused.closest('[hidden]') &&
          (document.activeElement === document.body || document.activeElement === null)) {
        focused.focus();
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Views

  function show(view) {
    ui.body.dataset.view = view;
    ui.loading.hidden = true;
    ui.noscanView.hidden = view !== 'noscan';
    ui.checkinView.hidden = view !== 'checkin';
    ui.visitView.hidden = view !== 'visit';
    ui.doneView.hidden = view !== 'done';
    ui.badge.hidden = view !== 'visit';
    const titles = {
      noscan: 'Scan the code at the entrance',
      checkin: 'Check in – your privacy and your choices',
      visit: 'Your visit',
      done: ui.doneTitle.textContent || 'Your visit',
    };
    const storeName = store && store.name ? ' – ' + store.name : '';
    document.title = (titles[view] || 'Your visit') + storeName;
  }

  function showNoScan(message) {
    if (message) {
      ui.noscanTitle.textContent = 'This link cannot check you in';
      ui.noscanText.textContent = message;
    }
    show('noscan');
    ui.noscanTitle.focus();
  }

  // The visit token was refused (the visit ended or expired elsewhere). Opened from a fresh
  // QR code, the page offers a new check-in instead.
  function visitGone(message) {
    forgetSession();
    if (presenceCode) {
      clearVisitView();
      show('checkin');
      setMessage(ui.checkinMessage, 'Your earlier visit has ended. Choose again and check in for a new one.', 'info');
      ui.checkinTitle.focus();
      return;
    }
    showDone('Your visit has ended', message || FRIENDLY['visit-token-invalid']);
  }

  function showDone(title, text, receiptJws) {
    forgetSession();
    ui.doneTitle.textContent = title;
    ui.doneText.textContent = text;
    ui.doneReceipt.hidden = !receiptJws;
    ui.doneReceiptText.value = receiptJws || '';
    clearVisitView();
    show('done');
    ui.doneTitle.focus();
    announce(title + '. ' + text);
  }

  function clearVisitView() {
    me = null;
    helpRequest = null;
    purposeState.clear();
    ui.pseudonym.textContent = '';
    ui.badgeName.textContent = '';
    ui.dataView.replaceChildren();
    ui.receiptsList.replaceChildren();
    ui.offersList.replaceChildren();
    ui.whyList.replaceChildren();
    ui.whyPanel.hidden = true;
    ui.whyButton.setAttribute('aria-expanded', 'false');
  }

  // ---------------------------------------------------------------------------------------
  // Yes / No choices. Both answers are the same kind of control, the same size, weight and
  // colours (only the selected one is filled, whichever it is): no answer is pushed.

  const choiceControls = new Map(); // purpose -> [{fieldset, yes, no, stateLine}]
  let choiceCount = 0;

  function buildChoice(container, info, { live, compact }) {
    choiceCount += 1;
    const base = 'choice-' + choiceCount + '-' + info.purpose;
    const fieldset = el('fieldset', 'choice');
    fieldset.dataset.purpose = info.purpose;
    const legend = el('legend', 'choice-title', titleOf(info.purpose));
    fieldset.append(legend);
    const describedBy = [];
    if (!compact) {
      const explain = el('p', 'explain', info.description || '');
      explain.id = base + '-explain';
      describedBy.push(explain.id);
      fieldset.append(explain);
    }
    if (!compact && !live) {
      if (info.data_used) {
        const uses = el('p', 'uses', 'Uses: ' + info.data_used + '.');
        uses.id = base + '-uses';
        describedBy.push(uses.id);
        fieldset.append(uses);
      }
      if (IF_NO[info.purpose]) {
        const ifNo = el('p', 'uses', IF_NO[info.purpose]);
        fieldset.append(ifNo);
      }
    }
    const stateLine = el('p', 'state-line');
    stateLine.id = base + '-state';
    if (live) describedBy.push(stateLine.id);
    stateLine.hidden = !live;
    fieldset.append(stateLine);
    if (describedBy.length) fieldset.setAttribute('aria-describedby', describedBy.join(' '));

    const pair = el('div', 'yesno');
    const make = (value, text) => {
      const input = el('input');
      input.type = 'radio';
      input.name = base;
      input.id = base + '-' + value;
      input.value = value;
      input.dataset.answer = value;
      const label = el('label', 'answer', text);
      label.htmlFor = input.id;
      pair.append(input, label);
      return input;
    };
    const yes = make('yes', 'Yes');
    const no = make('no', 'No');
    no.checked = true; // off until the shopper says yes
    fieldset.append(pair);
    const error = el('p', 'field-error');
    error.id = base + '-error';
    fieldset.append(error);
    container.append(fieldset);

    const control = { fieldset, yes, no, stateLine, error };
    if (live) {
      const onChange = (event) => {
        if (!event.target.checked) return;
        setPurpose(info.purpose, event.target === yes, control);
      };
      yes.addEventListener('change', onChange);
      no.addEventListener('change', onChange);
      const list = choiceControls.get(info.purpose) || [];
      list.push(control);
      choiceControls.set(info.purpose, list);
    }
    return control;
  }

  function choosablePurposes() {
    return ((store && store.purposes) || []).filter((p) => p.purpose !== 'presence');
  }

  function isOn(purpose) {
    const s = purposeState.get(purpose);
    return !!s && s.state === 'granted';
  }

  function stateText(s) {
    if (!s) return 'Off.';
    switch (s.state) {
      case 'granted':
        return s.expires_at ? 'On, until ' + whenDay(s.expires_at) + '.' : 'On.';
      case 'withdrawn':
        return 'Off: you turned it off.';
      case 'expired':
        return 'Off: your earlier yes has lapsed.';
      case 'needs_renewal':
        return 'Off until you confirm it: the privacy notice changed since you said yes.';
      default:
        return 'Off.';
    }
  }

  function renderChoices() {
    const renew = choosablePurposes()
      .filter((p) => (purposeState.get(p.purpose) || {}).state === 'needs_renewal')
      .map((p) => titleOf(p.purpose));
    ui.renewalNote.hidden = renew.length === 0;
    ui.renewalNote.textContent = renew.length
      ? 'The privacy notice changed since you said yes. Until you confirm them again, these are off: ' + renew.join(', ') + '.'
      : '';
    const anonymous = anonymousVisit();
    for (const [purpose, controls] of choiceControls) {
      const on = isOn(purpose);
      for (const c of controls) {
        c.fieldset.hidden = !offered({ purpose }, anonymous) && !on;
        c.yes.checked = on;
        c.no.checked = !on;
        c.stateLine.textContent = stateText(purposeState.get(purpose));
      }
    }
  }

  function applyPurposes(list) {
    if (!Array.isArray(list)) return;
    purposeState.clear();
    for (const p of list) {
      if (p && typeof p.purpose === 'string') purposeState.set(p.purpose, p);
    }
    renderChoices();
  }

  async function setPurpose(purpose, granted, control) {
    if (busy) {
      renderChoices();
      return;
    }
    const box = control.fieldset.closest('#offers')
      ? ui.offersMessage
      : control.fieldset.closest('#help')
        ? ui.helpMessage
        : ui.choicesMessage;
    for (const c of choiceControls.get(purpose) || []) c.error.textContent = '';
    setMessage(box, '');
    await mutate(async () => {
      try {
        const r = await api('PUT', '/v1/me/consents/' + encodeURIComponent(purpose), { body: { granted } });
        applyPurposes(r.purposes);
        const receipt = r.receipt && r.receipt.id ? ' Receipt ' + r.receipt.id + ' added to My data.' : '';
        announce(titleOf(purpose) + (granted ? ' turned on.' : ' turned off.') + receipt);
      } catch (e) {
        renderChoices();
        if (e.status !== 401) {
          control.error.textContent = e.message;
          setMessage(box, e.message);
        }
        return;
      }
      await refresh({ offers: purpose === 'offers' || purpose === 'history' });
    });
  }

  // ---------------------------------------------------------------------------------------
  // Start

  function readFragmentToken() {
    if (!location.hash || location.hash.length < 2) return null;
    const params = new URLSearchParams(location.hash.slice(1));
    const t = params.get('t');
    // The fragment never reaches the server; drop it from the address bar and history at once.
    history.replaceState(null, '', location.pathname + location.search);
    if (t && /^[A-Za-z0-9_\-.]{16,4096}$/.test(t)) return t;
    return null;
  }

  function readPresenceCode() {
    const params = new URLSearchParams(location.search);
    if (!params.has('p')) return { code: null };
    const code = (params.get('p') || '').trim().toUpperCase();
    if (!/^[0-9A-Z]{4,16}$/.test(code)) return { code: null, odd: true };
    return { code };
  }

  // The notice's "how long", from GET /v1/store's `retention` when the store sends it, else the
  // default configuration. An anonymous visit (no app) is linked to nothing and goes whole.
  function retentionText(r, anonymous) {
    const endsAfter = r.visit_max_minutes
      ? Number.isInteger(r.visit_max_minutes / 60)
        ? plural(r.visit_max_minutes / 60, 'hour', 'hours')
        : plural(r.visit_max_minutes, 'minute', 'minutes')
      : 'a few hours';
    const hours = plural(r.ended_visit_hours || 24, 'hour', 'hours');
    if (anonymous) {
      return 'Your visit ends by itself after ' + endsAfter + '. Nothing links it to anything else, so ' +
        'everything about it is deleted ' + hours + ' after it ends, whatever you choose here.';
    }
    const months = Math.round((r.consent_days || 365) / 30.4);
    return 'Your visit ends by itself after ' + endsAfter + ' and is deleted ' + hours + ' after it ends, or after ' +
      plural(r.history_days || 180, 'day', 'days') + ' if you say yes to “remember my visits”. Each yes lasts ' +
      plural(months, 'month', 'months') + ', then lapses.';
  }

  // "Remember my visits" means nothing to an anonymous visit: there is nobody to remember.
  function offered(info, anonymous) {
    return !(anonymous && info.purpose === 'history');
  }

  function anonymousVisit() {
    return !!(session && session.visit && session.visit.channel === 'web');
  }

  function renderStore() {
    if (store.name) ui.storeName.textContent = store.name;
    const retention = store.retention && typeof store.retention === 'object' ? store.retention : {};
    ui.noticeRetention.textContent = retentionText(retention, !appToken);
    ui.checkinPurposes.replaceChildren();
    for (const info of choosablePurposes()) {
      if (offered(info, !appToken)) buildChoice(ui.checkinPurposes, info, { live: false });
    }
    choiceControls.clear();
    ui.visitPurposes.replaceChildren();
    ui.offersSwitch.replaceChildren();
    ui.helpSwitch.replaceChildren();
    for (const info of choosablePurposes()) {
      buildChoice(ui.visitPurposes, info, { live: true });
      if (info.purpose === 'offers') buildChoice(ui.offersSwitch, info, { live: true, compact: true });
      if (info.purpose === 'assistance') buildChoice(ui.helpSwitch, info, { live: true, compact: true });
    }
    renderInterestEditor();
    renderTopics();
  }

  async function start() {
    appToken = readFragmentToken();
    const presence = readPresenceCode();
    presenceCode = presence.code;
    session = loadSession();
    try {
      store = await api('GET', '/v1/store', { token: null });
    } catch (e) {
      ui.loading.hidden = true;
      setMessage(ui.pageMessage, e.message + ' Then reload this page.');
      return;
    }
    renderStore();
    if (session) {
      await enterVisit();
      return;
    }
    if (presence.odd) {
      showNoScan(
        'The link you opened does not carry a valid check-in code. Scan the QR code on the screen at the store entrance again, with your phone’s camera.'
      );
      return;
    }
    if (!presenceCode) {
      showNoScan();
      return;
    }
    show('checkin');
  }

  // ---------------------------------------------------------------------------------------
  // Check-in

  async function onCheckIn(event) {
    event.preventDefault();
    if (busy) return;
    setMessage(ui.checkinMessage, '');
    const purposes = {};
    for (const fs of ui.checkinPurposes.querySelectorAll('fieldset.choice')) {
      const yes = fs.querySelector('input[data-answer="yes"]');
      if (yes.checked) purposes[fs.dataset.purpose] = true;
      else if (appToken) purposes[fs.dataset.purpose] = false; // what was chosen here wins over the app's
    }
    const button = ui.checkinButton;
    await mutate(async () => {
      button.textContent = 'Checking in…';
      try {
        const r = await api('POST', '/v1/checkins', {
          token: appToken || null,
          body: { presence_code: presenceCode, purposes },
        });
        appToken = null;
        presenceCode = null; // used: a later refusal of the visit token ends here, not in a new check-in
        session = { visit_token: r.visit_token, visit: r.visit, help_id: null };
        saveSession();
        // A reload now opens the visit, not a second check-in with a stale code.
        history.replaceState(null, '', location.pathname);
        applyPurposes(r.purposes);
        announce('Checked in. You are ' + ((r.visit && r.visit.pseudonym) || 'checked in') + ' today.');
      } catch (e) {
        setMessage(ui.checkinMessage, e.message);
        if (e.reason === 'presence-code-invalid') presenceCode = null;
        return;
      } finally {
        button.textContent = 'Check in';
      }
    });
    if (session) await enterVisit();
    else if (!presenceCode) ui.checkinButton.disabled = true;
  }

  async function enterVisit() {
    ui.pseudonym.textContent = (session.visit && session.visit.pseudonym) || '';
    ui.badgeName.textContent = ui.pseudonym.textContent;
    show('visit');
    renderChoices();
    ui.visitTitle.focus();
    await refresh({ offers: true });
  }

  // ---------------------------------------------------------------------------------------
  // Re-reading everything after each change

  // Re-reads what the store holds. Offers are fetched again only when `offers` is true: the
  // store records every showing (the frequency cap and "why" count them), so unrelated changes
  // must not show them again.
  async function refresh({ offers = false } = {}) {
    if (!session) return;
    let data;
    try {
      data = await api('GET', '/v1/me');
    } catch (e) {
      if (session) setMessage(ui.dataMessage, e.message);
      return;
    }
    setMessage(ui.dataMessage, '');
    me = data;
    if (me.current_visit && me.current_visit.pseudonym) {
      session.visit = me.current_visit;
      saveSession();
      ui.pseudonym.textContent = me.current_visit.pseudonym;
      ui.badgeName.textContent = me.current_visit.pseudonym;
    }
    applyPurposes(me.purposes);
    renderData();
    syncInterestEditor();
    await Promise.all([
      offers || !isOn('offers') ? loadOffers() : null,
      loadReceipts(),
      syncHelp(),
      ui.whyPanel.hidden ? null : loadWhy(),
    ]);
  }

  // ---------------------------------------------------------------------------------------
  // Offers and interests

  function renderInterestEditor() {
    ui.interestsList.replaceChildren();
    const topics = (store && store.interests) || [];
    topics.forEach((topic, i) => {
      const li = el('li', 'interest');
      li.dataset.topic = topic;
      const box = el('input');
      box.type = 'checkbox';
      box.id = 'interest-' + i;
      box.value = topic;
      const label = el('label', 'interest-name', topic);
      label.htmlFor = box.id;
      const level = el('select', 'interest-level');
      level.id = 'interest-' + i + '-level';
      level.setAttribute('aria-label', 'How much you know about ' + topic);
      level.append(new Option('Any level', ''));
      for (const [value, text] of Object.entries(LEVELS)) level.append(new Option(text, value));
      level.hidden = true;
      box.addEventListener('change', () => {
        level.hidden = !box.checked;
        interestsDirty = true;
      });
      level.addEventListener('change', () => {
        interestsDirty = true;
      });
      const head = el('div', 'interest-head');
      head.append(box, label);
      li.append(head, level);
      ui.interestsList.append(li);
    });
  }

  function syncInterestEditor() {
    if (interestsDirty || !me) return;
    const declared = new Map();
    for (const i of Array.isArray(me.interests) ? me.interests : []) {
      if (i && typeof i.topic === 'string') declared.set(i.topic, i.expertise || '');
    }
    for (const li of ui.interestsList.children) {
      const box = li.querySelector('input');
      const level = li.querySelector('select');
      box.checked = declared.has(li.dataset.topic);
      box.removeAttribute('aria-invalid');
      level.value = declared.get(li.dataset.topic) || '';
      level.hidden = !box.checked;
    }
  }

  async function onSaveInterests(event) {
    event.preventDefault();
    if (busy) return;
    setMessage(ui.interestsMessage, '');
    const chosen = [];
    for (const li of ui.interestsList.children) {
      const box = li.querySelector('input');
      box.removeAttribute('aria-invalid');
      if (!box.checked) continue;
      const level = li.querySelector('select').value;
      chosen.push({ li, value: level ? { topic: li.dataset.topic, expertise: level } : li.dataset.topic });
    }
    await mutate(async () => {
      try {
        await api('PUT', '/v1/me/interests', { body: { interests: chosen.map((c) => c.value) } });
        interestsDirty = false;
        announce(chosen.length ? 'Interests saved: ' + plural(chosen.length, 'interest', 'interests') + '.' : 'Interests cleared.');
      } catch (e) {
        const m = /^\/interests\/(\d+)/.exec(e.field);
        let text = e.message;
        if (m && chosen[Number(m[1])]) {
          const li = chosen[Number(m[1])].li;
          li.querySelector('input').setAttribute('aria-invalid', 'true');
          text = li.dataset.topic + ': ' + text;
        }
        setMessage(ui.interestsMessage, text);
        return;
      }
      await refresh({ offers: true });
    });
  }

  function renderOffers(data) {
    const offers = Array.isArray(data.offers) ? data.offers : [];
    ui.offersList.replaceChildren();
    for (const o of offers) {
      const li = el('li', 'offer');
      li.dataset.id = o.id;
      const article = el('article');
      const titleId = 'offer-' + String(o.id).replace(/[^A-Za-z0-9_-]/g, '_');
      const h = el('h3', 'offer-title', o.title);
      h.id = titleId;
      article.setAttribute('aria-labelledby', titleId);
      article.append(h);
      const price = formatPrice(o.price);
      if (price) article.append(el('p', 'price', price));
      if (o.description) article.append(el('p', 'offer-description', o.description));
      if (o.reason) {
        const reason = el('p', 'reason');
        reason.append(el('strong', '', 'Why you see this: '), document.createTextNode(o.reason));
        article.append(reason);
      }
      const meta = [];
      if (Array.isArray(o.categories) && o.categories.length) meta.push(o.categories.join(', '));
      if (o.expertise && LEVELS_FOR[o.expertise]) meta.push('for ' + LEVELS_FOR[o.expertise]);
      if (meta.length) article.append(el('p', 'meta', meta.join(' · ')));
      if (o.terms) article.append(el('p', 'terms', 'Terms: ' + o.terms));
      if (o.valid_until) article.append(el('p', 'terms', 'Valid until ' + whenDay(o.valid_until) + '.'));
      li.append(article);
      ui.offersList.append(li);
    }
    const note = typeof data.note === 'string' ? data.note : '';
    const declared = Array.isArray(me && me.interests) && me.interests.length > 0;
    ui.offersEmpty.hidden = offers.length > 0;
    ui.offersEmpty.textContent = offers.length
      ? ''
      : note ||
        (declared
          ? 'No offer matches your interests right now.'
          : 'Tick some interests above and save them: offers are picked only from what you tell us.');
    const notes = [];
    if (offers.length && note) notes.push(note);
    if (typeof data.catalog_version === 'string' && data.catalog_version) {
      notes.push('From the store’s offer catalog, version ' + data.catalog_version + '.');
    }
    ui.offersNote.textContent = notes.join(' ');
  }

  async function loadOffers() {
    setMessage(ui.offersMessage, '');
    if (!isOn('offers')) {
      ui.offersOff.hidden = false;
      ui.offersOn.hidden = true;
      ui.offersList.replaceChildren();
      return;
    }
    ui.offersOff.hidden = true;
    ui.offersOn.hidden = false;
    try {
      renderOffers(await api('GET', '/v1/offers'));
    } catch (e) {
      if (e.reason === 'consent-required') {
        ui.offersOff.hidden = false;
        ui.offersOn.hidden = true;
        return;
      }
      if (session) setMessage(ui.offersMessage, 'Offers could not be loaded. ' + e.message);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Help

  function renderTopics() {
    const topics = (store && Array.isArray(store.assist_topics) && store.assist_topics) || [];
    ui.helpTopic.replaceChildren(new Option('Choose a topic', ''));
    for (const t of topics) ui.helpTopic.append(new Option(t.charAt(0).toUpperCase() + t.slice(1), t));
  }

  function clearFieldErrors(form) {
    for (const p of form.querySelectorAll('.field-error')) p.textContent = '';
    for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  }

  function fieldError(pointer, text) {
    const p = ui.helpForm.querySelector('.field-error[data-field="' + pointer + '"]');
    if (!p) return false;
    p.textContent = text;
    const field = p.closest('.field');
    const control = field && field.querySelector('select, textarea, input[type="text"]');
    if (control) control.setAttribute('aria-invalid', 'true');
    if (pointer === '/expertise') {
      for (const r of ui.helpForm.querySelectorAll('input[name="help-expertise"]')) r.setAttribute('aria-invalid', 'true');
    }
    return true;
  }

  function focusFirstError() {
    const p = Array.from(ui.helpForm.querySelectorAll('.field-error')).find((x) => x.textContent);
    if (!p) return;
    const field = p.closest('.field');
    const control = field && field.querySelector('select, textarea, input');
    if (control) control.focus();
  }

  function updateNoteCount() {
    const n = chars(ui.helpNote.value);
    const over = n - NOTE_MAX;
    ui.helpNoteCount.textContent =
      n + ' of ' + NOTE_MAX + ' characters' + (over > 0 ? ': ' + plural(over, 'character', 'characters') + ' too many' : '');
    ui.helpNoteCount.classList.toggle('over', over > 0);
  }

  // The page's own checks (the server checks again and has the last word).
  function checkNote(note) {
    if (chars(note) > NOTE_MAX) {
      return 'Your note is ' + chars(note) + ' characters long. Keep it to ' + NOTE_MAX + ' characters.';
    }
    if (CONTROL_CHARS.test(note) || (typeof note.isWellFormed === 'function' && !note.isWellFormed())) {
      return 'Your note contains a line break, a tab or another invisible control character. Write it on one line, as plain text.';
    }
    return '';
  }

  function checkName(name) {
    if (chars(name) > FIRST_NAME_MAX) return 'Keep your first name to ' + FIRST_NAME_MAX + ' characters.';
    if (CONTROL_CHARS.test(name)) return 'Your first name contains an invisible control character. Type it again.';
    return '';
  }

  async function onAskHelp(event) {
    event.preventDefault();
    if (busy) return;
    clearFieldErrors(ui.helpForm);
    setMessage(ui.helpMessage, '');
    const topic = ui.helpTopic.value;
    const level = ui.helpForm.querySelector('input[name="help-expertise"]:checked');
    const note = ui.helpNote.value;
    const name = ui.helpNameField.hidden ? '' : ui.helpName.value.trim();
    let bad = false;
    if (!topic) bad = fieldError('/topic', 'Choose what you need help with.') || true;
    if (!level) bad = fieldError('/expertise', 'Choose how much you know about it.') || true;
    const noteProblem = note ? checkNote(note) : '';
    if (noteProblem) bad = fieldError('/note', noteProblem) || true;
    const nameProblem = name ? checkName(name) : '';
    if (nameProblem) bad = fieldError('/first_name', nameProblem) || true;
    if (bad) {
      setMessage(ui.helpMessage, 'Your request was not sent. Check the marked fields.');
      focusFirstError();
      return;
    }
    const body = { topic, expertise: level.value };
    if (note.trim()) body.note = note.trim();
    if (name) body.first_name = name;
    await mutate(async () => {
      helpSeq += 1;
      try {
        const r = await api('POST', '/v1/assist', { body });
        helpRequest = r.request;
        session.help_id = r.request.id;
        saveSession();
        ui.helpNote.value = '';
        ui.helpName.value = '';
        updateNoteCount();
        announce('Help requested. ' + helpStateText(helpRequest));
      } catch (e) {
        if (e.reason === 'consent-required') {
          setMessage(ui.helpMessage, e.message);
        } else if (!(e.field && fieldError(e.field, e.message))) {
          setMessage(ui.helpMessage, e.message);
        } else {
          setMessage(ui.helpMessage, 'Your request was not sent. Check the marked fields.');
          focusFirstError();
        }
        return;
      }
      renderHelp();
      ui.helpState.focus();
      await refresh();
    });
  }

  function roleWords(role) {
    return role === 'manager' ? 'The store manager' : 'A member of staff';
  }

  function helpStateText(r) {
    switch (r && r.state) {
      case 'waiting':
        return 'Waiting for a member of staff.';
      case 'claimed':
        return roleWords(r.staff_role) + ' is on the way to you.';
      case 'resolved':
        return 'Done: staff marked your request as resolved.';
      case 'cancelled':
        return 'You cancelled your request.';
      case 'retracted':
        return 'Your request was withdrawn: help was turned off, or your visit ended.';
      default:
        return '';
    }
  }

  function helpDetailText(r) {
    const parts = [];
    if (r.state === 'waiting') {
      if (typeof r.queue_position === 'number') {
        parts.push(r.queue_position <= 1 ? 'You are next.' : 'You are number ' + r.queue_position + ' in the queue.');
      }
      if (typeof r.estimated_wait_minutes === 'number') {
        parts.push(
          r.estimated_wait_minutes < 1
            ? 'Rough wait: under a minute.'
            : 'Rough wait: about ' + plural(r.estimated_wait_minutes, 'minute', 'minutes') + '.'
        );
      }
    }
    if (r.state === 'claimed') {
      const name = session && session.visit && session.visit.pseudonym;
      parts.push(
        (r.claimed_at ? 'Accepted at ' + whenTime(r.claimed_at) + '. ' : '') +
          (name ? 'They will ask for ' + name + '.' : '')
      );
    }
    parts.push('Topic: ' + r.topic + ' (' + (LEVELS[r.expertise] || r.expertise).toLowerCase() + ').');
    if (r.created_at) parts.push('Asked at ' + whenTime(r.created_at) + '.');
    return parts.filter(Boolean).join(' ');
  }

  function isOpen(r) {
    return !!r && (r.state === 'waiting' || r.state === 'claimed');
  }

  function renderHelp() {
    const allowed = isOn('assistance');
    const open = isOpen(helpRequest);
    ui.helpOff.hidden = allowed || open;
    ui.helpNameField.hidden = !isOn('name_to_staff');
    if (helpRequest && (open || helpRequest.id === (session && session.help_id))) {
      ui.helpStatus.hidden = false;
      ui.helpStatus.dataset.state = helpRequest.state;
      ui.helpState.textContent = helpStateText(helpRequest);
      ui.helpDetail.textContent = helpDetailText(helpRequest);
      ui.helpCancel.hidden = !open;
      ui.helpAgain.hidden = open || !allowed;
      ui.helpForm.hidden = true;
    } else {
      ui.helpStatus.hidden = true;
      ui.helpForm.hidden = !allowed;
    }
    if (open) schedulePoll();
    else stopPolling();
  }

  function showHelpForm() {
    if (session) session.help_id = null;
    saveSession();
    helpRequest = null;
    renderHelp();
    ui.helpTopic.focus();
  }

  // The latest request: the one this tab made, else any open one in the export.
  async function syncHelp() {
    let id = session && session.help_id;
    if (!id && me && Array.isArray(me.help_requests)) {
      const open = me.help_requests.filter((r) => r && isOpen(r) && typeof r.id === 'string');
      if (open.length) id = open[open.length - 1].id;
    }
    if (id) {
      const seq = helpSeq;
      try {
        const r = await api('GET', '/v1/assist/' + encodeURIComponent(id));
        if (seq === helpSeq) helpRequest = r.request;
      } catch (e) {
        if (seq === helpSeq) helpRequest = null;
        if (session && session.help_id === id) {
          session.help_id = null;
          saveSession();
        }
      }
    } else {
      helpRequest = null;
    }
    if (session) renderHelp();
  }

  function stopPolling() {
    if (pollTimer) window.clearTimeout(pollTimer);
    pollTimer = 0;
  }

  function schedulePoll() {
    if (pollTimer || !session) return;
    pollTimer = window.setTimeout(poll, POLL_MS);
  }

  async function poll() {
    pollTimer = 0;
    if (!session || !helpRequest || !isOpen(helpRequest)) return;
    const seq = helpSeq;
    const before = helpRequest.state;
    try {
      const r = await api('GET', '/v1/assist/' + encodeURIComponent(helpRequest.id));
      if (seq !== helpSeq || !session) return;
      helpRequest = r.request;
      setMessage(ui.helpMessage, '');
    } catch (e) {
      if (!session) return;
      if (e.status === 404) {
        helpRequest = null;
      } else {
        setMessage(ui.helpMessage, 'The status could not be updated. ' + e.message);
      }
    }
    if (busy) {
      schedulePoll();
      return;
    }
    renderHelp();
    if (helpRequest && helpRequest.state !== before) announce(helpStateText(helpRequest));
  }

  async function onCancelHelp() {
    if (busy || !helpRequest) return;
    const id = helpRequest.id;
    setMessage(ui.helpMessage, '');
    await mutate(async () => {
      helpSeq += 1;
      try {
        const r = await api('DELETE', '/v1/assist/' + encodeURIComponent(id));
        helpRequest = r.request;
        announce(helpStateText(helpRequest));
      } catch (e) {
        setMessage(ui.helpMessage, e.message);
      }
      renderHelp();
      await refresh();
    });
  }

  // ---------------------------------------------------------------------------------------
  // My data

  const SECTION_TITLES = {
    current_visit: 'This visit',
    purposes: 'Your choices',
    interests: 'Your interests',
    help_requests: 'Your help requests',
    visits: 'Your visits',
    consents: 'Your choices, as recorded',
    receipts: 'Receipts (summary)',
    access_log: 'Access log: who used your data',
    subject: 'How the store knows you',
  };
  const ORDER = ['current_visit', 'purposes', 'interests', 'help_requests', 'visits', 'consents', 'access_log', 'subject'];
  // receipts: their own list below; purposes: the same as consents, shown under Your choices.
  const SKIP = new Set(['renewal_required', 'receipts', 'purposes']);
  const EVENTS = {
    'consent.changed': 'Your choice was recorded',
    'staff.viewed': 'A member of staff saw your help request',
    'staff.claimed': 'A member of staff accepted your help request',
    'staff.resolved': 'Staff marked your help request as resolved',
  };
  const FIELD_LABELS = {
    id: 'Id',
    pseudonym: 'Name',
    channel: 'Checked in with',
    started_at: 'Started',
    expires_at: 'Ends by itself',
    ended_at: 'Ended',
    purpose: 'Purpose',
    state: 'State',
    description: 'What it allows',
    policy_version: 'Notice version',
    topic: 'Topic',
    expertise: 'Expertise',
    note: 'Note',
    first_name: 'First name',
    created_at: 'Asked',
    claimed_at: 'Accepted by staff',
    resolved_at: 'Resolved',
    closed_at: 'Closed',
    at: 'When',
    event: 'What',
    detail: 'Details',
    known_since: 'Known since',
    granted: 'Granted',
    granted_at: 'Given',
    withdrawn_at: 'Withdrawn',
    issued_at: 'Issued',
  };

  const STATE_WORDS = {
    granted: 'on',
    not_asked: 'off (never turned on)',
    withdrawn: 'off (you turned it off)',
    expired: 'off (lapsed)',
    needs_renewal: 'off until you confirm it (the notice changed)',
    waiting: 'waiting for staff',
    claimed: 'staff on the way',
    resolved: 'resolved',
    cancelled: 'cancelled by you',
    retracted: 'withdrawn',
  };

  const CHANNEL_WORDS = { web: 'this web page', app: 'the store app', loyalty_scan: 'your loyalty QR at the kiosk' };

  function isTimeKey(key) {
    return key === 'at' || key.endsWith('_at') || key === 'known_since' || key.endsWith('_until');
  }

  function labelFor(key) {
    if (FIELD_LABELS[key]) return FIELD_LABELS[key];
    const s = key.replace(/_/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function valueText(key, v) {
    if (v === null || v === undefined) return '—';
    if (isTimeKey(key) && (typeof v === 'number' || typeof v === 'string')) return when(v) || String(v);
    if (key === 'purpose' && typeof v === 'string') return titleOf(v) + ' (' + v + ')';
    if (key === 'state' && typeof v === 'string' && STATE_WORDS[v]) return STATE_WORDS[v];
    if (key === 'channel' && typeof v === 'string' && CHANNEL_WORDS[v]) return CHANNEL_WORDS[v];
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') || '—';
    if (typeof v === 'object') {
      return Object.entries(v)
        .map(([k, x]) => labelFor(k) + ': ' + (typeof x === 'object' && x !== null ? JSON.stringify(x) : valueText(k, x)))
        .join('; ') || '—';
    }
    return String(v);
  }

  function renderObject(obj) {
    const dl = el('dl', 'facts');
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'jws' || k === 'payload') continue;
      dl.append(el('dt', '', labelFor(k)), el('dd', '', valueText(k, v)));
    }
    return dl;
  }

  function renderAccessLog(entries) {
    if (!entries.length) return el('p', 'empty-line', 'Nobody has used your data yet.');
    const ul = el('ul', 'records');
    for (const e of entries) {
      if (!e || typeof e !== 'object') continue;
      const li = el('li', 'record');
      const words = EVENTS[e.event] || String(e.event || 'Use');
      li.append(el('p', 'statement-head', when(e.at)));
      li.append(el('p', 'statement-text', words + (e.detail && typeof e.detail === 'object' ? ': ' + valueText('detail', e.detail) : '') + '.'));
      ul.append(li);
    }
    return ul;
  }

  function renderValue(key, v) {
    if (key === 'access_log' && Array.isArray(v)) return renderAccessLog(v);
    if (Array.isArray(v)) {
      if (!v.length) return el('p', 'empty-line', 'None.');
      const ul = el('ul', 'records');
      for (const item of v) {
        const li = el('li', 'record');
        if (item && typeof item === 'object') li.append(renderObject(item));
        else li.textContent = valueText(key, item);
        ul.append(li);
      }
      return ul;
    }
    if (v && typeof v === 'object') return renderObject(v);
    return el('p', '', valueText(key, v));
  }

  function renderData() {
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
      const h = el('h3', '', SECTION_TITLES[key] || labelFor(key));
      h.id = id;
      section.setAttribute('aria-labelledby', id);
      section.append(h);
      if (key === 'subject') {
        section.append(
          el('p', 'hint', 'A random key that stands for you in this store’s records. It is not your name, phone number or loyalty number.')
        );
      }
      section.append(renderValue(key, me[key]));
      ui.dataView.append(section);
    }
    const facts = [];
    if (me.store_id) facts.push('Store: ' + me.store_id);
    if (me.policy_version) facts.push('privacy notice version ' + me.policy_version);
    if (facts.length) ui.dataView.append(el('p', 'hint', facts.join(', ') + '.'));
  }

  async function loadReceipts() {
    let data;
    try {
      data = await api('GET', '/v1/me/receipts');
    } catch (e) {
      if (session) setMessage(ui.dataMessage, 'Receipts could not be loaded. ' + e.message);
      return;
    }
    const receipts = Array.isArray(data.receipts) ? data.receipts.slice() : [];
    receipts.sort((a, b) => (b.issued_at || 0) - (a.issued_at || 0));
    ui.receiptsList.replaceChildren();
    if (!receipts.length) ui.receiptsList.append(el('li', 'empty-line', 'No receipts yet.'));
    receipts.forEach((r, i) => {
      const li = el('li', 'receipt');
      li.dataset.id = r.id;
      li.append(el('p', 'receipt-head', 'Receipt ' + r.id + ', ' + when(r.issued_at)));
      const summary = receiptSummary(r.payload);
      if (summary) li.append(el('p', 'hint', summary));
      const details = el('details', 'jws');
      details.append(el('summary', '', 'Show the signed receipt'));
      const label = el('label', 'visually-hidden', 'Signed receipt ' + r.id + ' (JWS)');
      const area = el('textarea');
      area.id = 'receipt-jws-' + i;
      area.readOnly = true;
      area.rows = 5;
      area.value = r.jws || '';
      label.htmlFor = area.id;
      const copy = el('button', 'button button-secondary button-small', 'Copy');
      copy.append(el('span', 'visually-hidden', ' receipt ' + r.id));
      copy.type = 'button';
      copy.addEventListener('click', () => copyText(area));
      details.append(label, area, copy);
      li.append(details);
      ui.receiptsList.append(li);
    });
  }

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
      const state = typeof c.state === 'string' ? c.state.replace(/_/g, ' ') : '';
      words.push(titleOf(c.purposeId) + (state ? ': ' + state : ''));
    }
    return words.length ? 'Changed: ' + words.join('; ') + '.' : '';
  }

  async function copyText(area) {
    try {
      await navigator.clipboard.writeText(area.value);
    } catch (e) {
      area.focus();
      area.select();
      announce('Selected. Use your phone’s copy command.');
      return;
    }
    announce('Receipt copied.');
  }

  async function onDownload() {
    if (busy) return;
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
        announce('Your data was saved as my-data.json.');
      } catch (e) {
        setMessage(ui.dataMessage, 'Your data could not be downloaded. ' + e.message);
      }
    });
  }

  const WHY_KINDS = {
    visit: 'Visit',
    purpose: 'Allowed',
    consent: 'Your choice',
    interests: 'Your interests',
    offer: 'Offer',
    staff: 'Staff',
  };

  async function loadWhy() {
    let data;
    try {
      data = await api('GET', '/v1/me/why');
    } catch (e) {
      if (session) setMessage(ui.dataMessage, 'The explanations could not be loaded. ' + e.message);
      return;
    }
    const statements = Array.isArray(data.statements) ? data.statements : [];
    ui.whyList.replaceChildren();
    for (const s of statements) {
      const li = el('li', 'statement');
      if (s.kind) li.dataset.kind = s.kind;
      const head = el('p', 'statement-head');
      head.append(el('span', 'kind', WHY_KINDS[s.kind] || 'Use'));
      if (s.at) head.append(document.createTextNode(' · ' + when(s.at)));
      li.append(head, el('p', 'statement-text', s.text || ''));
      ui.whyList.append(li);
    }
    ui.whyEmpty.hidden = statements.length > 0;
  }

  async function onWhy(event) {
    if (busy) return;
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

  async function onEndVisit() {
    if (busy) return;
    setMessage(ui.dataMessage, '');
    const keepHistory = isOn('history') && !anonymousVisit();
    let ended = null;
    await mutate(async () => {
      try {
        ended = await api('POST', '/v1/checkins/current/end');
      } catch (e) {
        if (session) setMessage(ui.dataMessage, 'Your visit could not be ended. ' + e.message);
      }
    });
    if (!ended) return;
    const at = ended.visit && ended.visit.ended_at;
    const r = store && store.retention;
    let kept;
    if (keepHistory) {
      kept = 'Because you said yes to “remember my visits”, the store keeps your interests and this visit' +
        (r && r.history_days ? ' for ' + plural(r.history_days, 'day', 'days') : '') + ', then deletes them by itself.';
    } else {
      kept = 'What the store holds about this visit is deleted by itself ' +
        plural((r && r.ended_visit_hours) || 24, 'hour', 'hours') + ' after the end.';
    }
    showDone('Your visit has ended', 'Ended at ' + (when(at) || whenTime(Date.now() / 1000)) + '. ' + kept);
  }

  async function onDeleteEverything() {
    if (busy) return;
    setMessage(ui.dataMessage, '');
    let erased = null;
    await mutate(async () => {
      try {
        erased = await api('DELETE', '/v1/me');
      } catch (e) {
        if (session) setMessage(ui.dataMessage, 'Nothing was deleted. ' + e.message);
      }
    });
    if (!erased) return;
    let count = 0;
    if (erased.deleted && typeof erased.deleted === 'object') {
      for (const n of Object.values(erased.deleted)) if (typeof n === 'number') count += n;
    }
    showDone(
      'Everything about you is deleted',
      'Every record about you on this store’s box was deleted on ' + when(erased.erased_at) +
        (count ? ' (' + plural(count, 'record', 'records') + ')' : '') +
        '. The box signed a receipt of the erasure: it carries no identifier of you.',
      erased.receipt && erased.receipt.jws
    );
  }

  // ---------------------------------------------------------------------------------------

  ui.checkinForm.addEventListener('submit', onCheckIn);
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
  updateNoteCount();
  start();
})();
