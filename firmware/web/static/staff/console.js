// Staff console: log in with staff id + PIN, then follow the live help queue over the
// WebSocket at /v1/staff/stream; claims and resolutions go through the REST API.
// Each prompt shows only what staff may see: the visit's pseudonym, topic, expertise, note,
// waiting time and, when the shopper shared it, the first name. The staff token lives in
// sessionStorage only (gone when the tab closes). It speaks the language chosen in its switch
// (kept in localStorage) or the browser's, among the store's languages, and formats waiting
// times with Intl for it. No framework, no build step.
import {
  setup, renderSwitch, t, formatDuration, formatAgo, currentLanguage,
} from '/common/i18n.js';

{
  const LANGUAGE_KEY = 'optin-edge.staff-language';
  const SESSION_KEY = 'optin-edge.staff-session';
  const STREAM_PATH = '/v1/staff/stream';
  const PING_EVERY_MS = 20000;
  const PONG_WITHIN_MS = 8000;
  const SNAPSHOT_WITHIN_MS = 8000;
  const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
  const LONG_WAIT_SECONDS = 300;

  const $ = (id) => document.getElementById(id);
  const ui = {
    body: document.body,
    main: $('main'),
    who: $('who'),
    whoText: $('who-text'),
    logout: $('logout-button'),
    banner: $('connection-banner'),
    bannerText: $('connection-text'),
    loginView: $('login-view'),
    loginTitle: $('login-title'),
    loginMessage: $('login-message'),
    loginForm: $('login-form'),
    loginButton: $('login-button'),
    staffId: $('staff-id'),
    pin: $('pin'),
    queueView: $('queue-view'),
    queueTitle: $('queue-title'),
    queueCount: $('queue-count'),
    queueMessage: $('queue-message'),
    queueEmpty: $('queue-empty'),
    queue: $('queue'),
    announcer: $('announcer'),
  };

  // ---------------------------------------------------------------------------------------
  // Session (sessionStorage only)

  function loadSession() {
    try {
      const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
      if (s && typeof s.token === 'string' && s.token) return s;
    } catch (e) {
      /* a damaged entry is the same as none */
    }
    return null;
  }

  function saveSession(s) {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  }

  function clearSession() {
    sessionStorage.removeItem(SESSION_KEY);
  }

  let session = null;

  // ---------------------------------------------------------------------------------------
  // Screen reader announcements: one polite live region. Messages within a second of each
  // other are joined, so that a burst (a reconnect, two prompts at once) is read in full.
  let lastAnnouncedAt = 0;
  function announce(text) {
    const now = Date.now();
    const current = ui.announcer.textContent;
    ui.announcer.textContent = now - lastAnnouncedAt < 1000 && current ? current + ' ' + text : text;
    lastAnnouncedAt = now;
  }

  // ---------------------------------------------------------------------------------------
  // Talking to the box

  class ApiError extends Error {
    constructor(status, problem, message) {
      super(message);
      this.status = status;
      this.problem = problem || {};
    }
  }


  async function api(method, path, body) {
    const headers = { Accept: 'application/json', 'Accept-Language': currentLanguage() };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (session && session.token) headers.Authorization = 'Bearer ' + session.token;
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
      throw new ApiError(0, null, t('staff.problem.network'));
    }
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      const problem = data && typeof data === 'object' ? data : {};
      throw new ApiError(response.status, problem, describeProblem(response.status, problem));
    }
    return data || {};
  }

  function problemKind(problem) {
    const type = (problem && typeof problem.type === 'string' && problem.type) || '';
    return type.slice(type.lastIndexOf(':') + 1);
  }

  // A sentence for people: the server's own detail when it gave one, else one by status.
  function describeProblem(status, problem) {
    if (problem && typeof problem.detail === 'string' && problem.detail) return problem.detail;
    switch (status) {
      case 400:
      case 422:
        return t('staff.problem.notAccepted');
      case 401:
        return t('staff.problem.sessionEnded');
      case 403:
        return t('staff.problem.forbidden');
      case 404:
        return t('staff.problem.gone');
      case 409:
        return t('staff.problem.changed');
      case 429:
        return t('staff.problem.tooMany');
      case 503:
        return t('staff.problem.busy');
      default:
        return t('staff.problem.other', { status: String(status) });
    }
  }

  // ---------------------------------------------------------------------------------------
  // Views

  function setMessage(el, text, kind) {
    el.textContent = text || '';
    el.classList.toggle('info', kind === 'info');
  }

  function showLogin(message, kind) {
    stopStream();
    clearQueue();
    ui.body.dataset.view = 'login';
    ui.body.dataset.connection = 'none';
    ui.banner.hidden = true;
    ui.queueView.hidden = true;
    ui.who.hidden = true;
    ui.loginView.hidden = false;
    document.title = t('staff.title.login');
    ui.pin.value = '';
    setMessage(ui.queueMessage, '');
    setMessage(ui.loginMessage, message || '', kind);
    setLoginBusy(false);
    if (session && session.staff_id && !ui.staffId.value) ui.staffId.value = session.staff_id;
    ui.staffId.focus();
  }

  function showQueue() {
    ui.body.dataset.view = 'queue';
    ui.loginView.hidden = true;
    ui.queueView.hidden = false;
    ui.who.hidden = false;
    ui.whoText.textContent = t('staff.who', { id: session.staff_id, role: roleWord(session.role) });
    document.title = t('staff.title.queue');
    setMessage(ui.loginMessage, '');
    renderCount();
    ui.queueTitle.focus();
    startStream();
  }

  // ---------------------------------------------------------------------------------------
  // Login and logout

  function setLoginBusy(busy) {
    ui.loginButton.disabled = busy;
    ui.loginButton.textContent = t(busy ? 'staff.login.sending' : 'staff.login.button');
    ui.loginForm.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  function markInvalid(input, invalid) {
    if (invalid) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  async function onLogin(event) {
    event.preventDefault();
    const staffId = ui.staffId.value.trim();
    const pin = ui.pin.value;
    markInvalid(ui.staffId, false);
    markInvalid(ui.pin, false);
    if (!staffId) {
      markInvalid(ui.staffId, true);
      setMessage(ui.loginMessage, t('staff.login.needId'));
      ui.staffId.focus();
      return;
    }
    if (!/^[0-9]{4,12}$/.test(pin)) {
      markInvalid(ui.pin, true);
      setMessage(ui.loginMessage, t('staff.login.needPin'));
      ui.pin.focus();
      return;
    }
    setMessage(ui.loginMessage, '');
    setLoginBusy(true);
    session = null;
    try {
      const r = await api('POST', '/v1/staff/login', { staff_id: staffId, pin: pin });
      session = {
        token: r.token,
        staff_id: r.staff_id || staffId,
        role: r.role || 'associate',
        expires_at: r.expires_at || 0,
      };
      saveSession(session);
      ui.pin.value = '';
      setLoginBusy(false);
      showQueue();
    } catch (e) {
      setLoginBusy(false);
      ui.pin.value = '';
      const kind = problemKind(e.problem);
      let text = e.message;
      if (e.status === 401 || kind === 'staff-login-failed') {
        // The box answers a wrong PIN, an unknown id and a locked account alike; its detail
        // states the lockout rule (how many wrong PINs, for how long).
        const detail = e.problem && typeof e.problem.detail === 'string' ? e.problem.detail : '';
        text = detail || t('staff.login.wrong');
        markInvalid(ui.pin, true);
      } else if (e.status === 0) {
        text = e.message;
      }
      setMessage(ui.loginMessage, text);
      ui.pin.focus();
    }
  }

  async function onLogout() {
    const ending = session;
    clearSession();
    stopStream();
    if (ending) {
      try {
        await api('POST', '/v1/staff/logout');
      } catch (e) {
        /* the token expires by itself; locally it is gone already */
      }
    }
    session = null;
    ui.staffId.value = '';
    showLogin(t('staff.login.loggedOut'), 'info');
  }

  function sessionEnded(detail) {
    clearSession();
    const id = session && session.staff_id;
    session = null;
    ui.staffId.value = id || '';
    showLogin(detail || t('staff.problem.sessionEnded'));
  }

  // ---------------------------------------------------------------------------------------
  // The queue: id -> entry {prompt, startedAt (ms, local clock), el, refs}

  const entries = new Map();
  let lostRaces = new Map(); // id -> claimed_by, after our claim lost

  function clearQueue() {
    entries.clear();
    lostRaces = new Map();
    ui.queue.replaceChildren();
    renderCount();
  }

  function startedAtFor(prompt, previous) {
    const waited = Number(prompt.waiting_seconds) || 0;
    const started = Date.now() - waited * 1000;
    // Keep the first estimate so that cards do not jitter between updates.
    return previous !== undefined ? Math.min(previous, started) : started;
  }

  // When the prompt was claimed, on this tablet's clock: the box's "now" is created_at +
  // waiting_seconds (both its own clock), so the claim happened that long before our now.
  // Nothing when it is not claimed or the box did not say when.
  function claimedAtFor(prompt, previous) {
    const claimedAt = Number(prompt.claimed_at);
    const createdAt = Number(prompt.created_at);
    if (!prompt.claimed_by || !Number.isFinite(claimedAt) || !Number.isFinite(createdAt)) return undefined;
    const boxNow = createdAt + (Number(prompt.waiting_seconds) || 0);
    const local = Date.now() - Math.max(0, boxNow - claimedAt) * 1000;
    return previous !== undefined ? Math.min(previous, local) : local;
  }

  function isClaimed(p) {
    return p.state === 'claimed' || !!p.claimed_by;
  }

  function isMine(p) {
    return !!(p.claimed_by && session && p.claimed_by.staff_id === session.staff_id);
  }

  // "you", or the role and id the box gives for another staff member.
  function claimer(p, lost) {
    if (isMine(p)) return null;
    const by = p.claimed_by || lost || {};
    return roleWord(by.role || 'staff') + (by.staff_id ? ' ' + by.staff_id : '');
  }

  function roleWord(role) {
    return ['associate', 'manager'].includes(role) ? t('staff.role.' + role) : role;
  }

  // "Claimed 2 minutes ago by you": the time ago by Intl.RelativeTimeFormat.
  function claimedText(entry, now) {
    const who = claimer(entry.prompt, lostRaces.get(entry.prompt.id));
    if (entry.claimedAt === undefined) return who === null ? t('staff.claimedByYou') : t('staff.claimedBy', { who });
    const seconds = (now - entry.claimedAt) / 1000;
    const ago = seconds < 60 ? t('staff.justNow') : formatAgo(seconds);
    return who === null ? t('staff.claimedAgoByYou', { ago }) : t('staff.claimedAgoBy', { ago, who });
  }

  // A live waiting time in short units for the locale: "45 s", "3 min 05 s", "1 h 02 min".
  function waitingText(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return formatDuration(s, 'second', 'short');
    const m = Math.floor(s / 60);
    if (m < 60) return formatDuration(m, 'minute', 'short') + ' ' + formatDuration(s % 60, 'second', 'short');
    return formatDuration(Math.floor(m / 60), 'hour', 'short') + ' ' + formatDuration(m % 60, 'minute', 'short');
  }

  function levelWord(level) {
    return ['beginner', 'intermediate', 'expert'].includes(level) ? t('staff.level.' + level) : level;
  }

  function describeForSpeech(p) {
    return p.first_name
      ? t('staff.speech.promptFor', { topic: topicWord(p.topic), name: p.first_name, pseudonym: p.pseudonym })
      : t('staff.speech.prompt', { topic: topicWord(p.topic), pseudonym: p.pseudonym });
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function detailRow(dl, label, value, valueClass) {
    const dt = el('dt', '', label);
    const dd = el('dd', valueClass || '', value);
    if (valueClass === 'wait') dd.dataset.text = 'intl';
    else if (valueClass !== 'expertise') dd.dataset.text = 'api';
    dl.append(dt, dd);
    return dd;
  }

  function domId(id) {
    return 'prompt-' + String(id).replace(/[^A-Za-z0-9_-]/g, '_');
  }

  // Builds (or rebuilds) a card from the staff view. Only the allowed fields are read.
  function renderCard(entry) {
    const p = entry.prompt;
    const mine = isMine(p);
    const claimed = isClaimed(p);
    const lost = lostRaces.get(p.id);
    const hadFocus = entry.el && entry.el.contains(document.activeElement);
    const focusedAction = hadFocus && document.activeElement.dataset.action;

    const li = entry.el || el('li', 'prompt');
    li.dataset.id = p.id;
    li.className = 'prompt' + (claimed ? ' is-claimed' : '') + (mine ? ' is-mine' : '');
    const titleId = domId(p.id) + '-title';
    const card = el('article', 'prompt-card');
    card.setAttribute('aria-labelledby', titleId);

    const h = el('h2', '', topicWord(p.topic));
    h.dataset.text = 'api';
    h.id = titleId;
    card.append(h);

    const dl = el('dl', 'details');
    detailRow(dl, t('staff.card.visitor'), p.pseudonym, 'pseudonym');
    if (p.first_name) detailRow(dl, t('staff.card.firstName'), p.first_name, 'first-name');
    detailRow(dl, t('staff.card.expertise'), levelWord(p.expertise), 'expertise');
    // Once claimed, the wait is over: the row says how long it was and stops counting.
    const wait = detailRow(dl, t(claimed ? 'staff.card.waited' : 'staff.card.waiting'), '', 'wait');
    if (p.note) detailRow(dl, t('staff.card.note'), p.note, 'note');
    card.append(dl);

    let status = null;
    if (claimed) {
      let cls = 'status';
      if (mine) cls += ' mine';
      else if (lost) cls += ' lost';
      status = el('p', cls);
      card.append(status);
    }

    const error = el('p', 'card-error');
    error.setAttribute('role', 'alert');
    error.hidden = true;
    card.append(error);

    const actions = el('div', 'actions');
    const describedBy = titleId;
    if (!claimed) {
      const b = el('button', 'button button-primary', t('staff.card.claim'));
      b.type = 'button';
      b.dataset.action = 'claim';
      b.setAttribute('aria-describedby', describedBy);
      actions.append(b);
    }
    if (claimed && (mine || (session && session.role === 'manager'))) {
      const b = el('button', 'button button-ok', t('staff.card.resolve'));
      b.type = 'button';
      b.dataset.action = 'resolve';
      b.setAttribute('aria-describedby', describedBy);
      actions.append(b);
    }
    card.append(actions);

    li.replaceChildren(card);
    entry.el = li;
    entry.refs = { wait, error, status };
    tickOne(entry, Date.now());
    if (hadFocus) {
      const again = li.querySelector('[data-action="' + focusedAction + '"]') || li.querySelector('button');
      if (again) again.focus();
      else focusAfterRemoval(li);
    }
  }

  // Called four times a second, so each card turns over within a quarter second of its own
  // second; the DOM is touched only when the text changes.
  function tickOne(entry, now) {
    const claimed = isClaimed(entry.prompt);
    // A claimed prompt's wait ended at its claim (or, if the box did not say when, at the
    // moment this tablet learnt of it).
    if (claimed && entry.waitEndedAt === undefined) entry.waitEndedAt = entry.claimedAt !== undefined ? entry.claimedAt : now;
    if (!claimed) entry.waitEndedAt = undefined;
    const end = claimed ? entry.waitEndedAt : now;
    const seconds = Math.max(0, (end - entry.startedAt) / 1000);
    const text = waitingText(seconds);
    if (entry.refs.wait.textContent !== text) entry.refs.wait.textContent = text;
    const long = !claimed && seconds >= LONG_WAIT_SECONDS;
    if (entry.refs.wait.classList.contains('long') !== long) entry.refs.wait.classList.toggle('long', long);
    if (entry.refs.status) {
      const status = claimedText(entry, now);
      if (entry.refs.status.textContent !== status) entry.refs.status.textContent = status;
    }
  }

  function tick() {
    const now = Date.now();
    for (const entry of entries.values()) tickOne(entry, now);
  }

  // What to do next comes first: unclaimed requests, then the ones claimed by me, then the
  // others'; within each, longest waiting first.
  function group(entry) {
    if (!isClaimed(entry.prompt)) return 0;
    return isMine(entry.prompt) ? 1 : 2;
  }

  function order(a, b) {
    return group(a) - group(b) || a.startedAt - b.startedAt || (a.prompt.id < b.prompt.id ? -1 : 1);
  }

  // Inserts an entry's card at its place. A card moves only when its group changes (a claim),
  // and keeps keyboard focus when it does.
  function place(entry) {
    let before = null;
    for (const other of entries.values()) {
      if (other === entry || !other.el || !other.el.isConnected) continue;
      if (order(entry, other) < 0 && (!before || order(other, before) < 0)) before = other;
    }
    const target = before ? before.el : null;
    if (entry.el.isConnected && entry.el.nextElementSibling === target) return;
    const focused = entry.el.contains(document.activeElement) ? document.activeElement : null;
    ui.queue.insertBefore(entry.el, target);
    if (focused && document.activeElement !== focused) focused.focus();
  }

  function renderCount() {
    const n = entries.size;
    let inProgress = 0;
    for (const entry of entries.values()) if (isClaimed(entry.prompt)) inProgress += 1;
    const waiting = n - inProgress;
    ui.queueEmpty.hidden = n > 0;
    ui.queueCount.dataset.waiting = String(waiting);
    ui.queueCount.dataset.inProgress = String(inProgress);
    ui.queueCount.textContent = n === 0 ? '' : t('staff.count', { waiting, inProgress });
    document.title = (waiting > 0 ? '(' + waiting + ') ' : '') + t('staff.title.queue');
  }

  function upsert(prompt, announceIt) {
    if (!prompt || typeof prompt.id !== 'string') return;
    const existing = entries.get(prompt.id);
    if (existing) {
      const wasGroup = group(existing);
      existing.prompt = prompt;
      existing.startedAt = startedAtFor(prompt, existing.startedAt);
      existing.claimedAt = claimedAtFor(prompt, existing.claimedAt);
      if (existing.claimedAt !== undefined && existing.waitEndedAt !== undefined) {
        existing.waitEndedAt = Math.min(existing.waitEndedAt, existing.claimedAt);
      }
      renderCard(existing);
      if (group(existing) !== wasGroup) place(existing);
      renderCount();
      return;
    }
    const entry = { prompt, startedAt: startedAtFor(prompt), claimedAt: claimedAtFor(prompt), el: null, refs: null };
    entries.set(prompt.id, entry);
    renderCard(entry);
    place(entry);
    renderCount();
    if (announceIt) {
      announce(t('staff.speech.new', { prompt: describeForSpeech(prompt), count: entries.size }));
    }
  }

  // Where focus goes when the card holding it disappears: the next card, else the previous,
  // else the queue heading.
  function focusAfterRemoval(li) {
    const target = li.nextElementSibling || li.previousElementSibling;
    const button = target && target.querySelector('button');
    if (button) button.focus();
    else ui.queueTitle.focus();
  }

  function remove(id, why) {
    const entry = entries.get(id);
    if (!entry) return;
    const li = entry.el;
    const hadFocus = li && li.contains(document.activeElement);
    if (hadFocus) focusAfterRemoval(li);
    if (li) li.remove();
    entries.delete(id);
    lostRaces.delete(id);
    renderCount();
    if (why) announce(t('staff.speech.removed', { why: t(why), prompt: describeForSpeech(entry.prompt), count: entries.size }));
  }

  function live(prompt) {
    return prompt && (prompt.state === undefined || prompt.state === 'waiting' || prompt.state === 'claimed');
  }

  // A full list (stream snapshot or REST): brings the cards in line with it.
  function applyList(prompts, announceChanges) {
    const seen = new Set();
    for (const p of prompts || []) {
      if (!live(p)) continue;
      seen.add(p.id);
      upsert(p, announceChanges);
    }
    for (const id of Array.from(entries.keys())) {
      if (!seen.has(id)) remove(id, announceChanges ? 'staff.why.noLonger' : '');
    }
  }

  function applyEvent(msg) {
    const p = msg.prompt;
    switch (msg.type) {
      case 'added':
        if (live(p)) upsert(p, true);
        break;
      case 'updated':
      case 'claimed':
        if (!live(p)) {
          remove(msg.id, 'staff.why.noLonger');
          break;
        }
        if (msg.type === 'claimed' && p.claimed_by && session && p.claimed_by.staff_id !== session.staff_id) {
          const was = entries.get(msg.id);
          if (was && !was.prompt.claimed_by) {
            announce(t('staff.speech.claimedBy', { topic: topicWord(p.topic), who: roleWord(p.claimed_by.role) + ' ' + p.claimed_by.staff_id }));
          }
        }
        upsert(p, !entries.has(msg.id));
        break;
      case 'resolved':
        remove(msg.id, 'staff.why.resolved');
        break;
      case 'retracted':
        remove(msg.id, 'staff.why.withdrawn');
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Claim and resolve (REST)

  async function onQueueClick(event) {
    const button = event.target.closest('button[data-action]');
    if (!button || !ui.queue.contains(button)) return;
    const li = button.closest('li.prompt');
    const id = li && li.dataset.id;
    const entry = id && entries.get(id);
    if (!entry || button.disabled) return;
    const action = button.dataset.action;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    const label = button.textContent;
    button.textContent = t(action === 'claim' ? 'staff.card.claiming' : 'staff.card.resolving');
    entry.refs.error.hidden = true;
    try {
      const r = await api('POST', '/v1/staff/prompts/' + encodeURIComponent(id) + '/' + action);
      if (action === 'claim') {
        if (r.prompt && entries.has(id)) upsert(r.prompt, false);
        announce(t('staff.speech.youClaimed', { prompt: describeForSpeech(entry.prompt) }));
        const resolve = entry.el && entry.el.querySelector('[data-action="resolve"]');
        if (resolve) resolve.focus();
      } else {
        remove(id, 'staff.why.youResolved');
      }
    } catch (e) {
      if (e.status === 401) return sessionEnded(e.message);
      const current = entries.get(id);
      if (!current) return;
      if (e.status === 409 && e.problem && e.problem.claimed_by) {
        // Lost the race: show who has it.
        const by = e.problem.claimed_by;
        lostRaces.set(id, by);
        current.prompt = Object.assign({}, current.prompt, { state: 'claimed', claimed_by: by });
        renderCard(current);
        place(current);
        renderCount();
        announce(t('staff.speech.alreadyClaimed', { who: roleWord(by.role) + ' ' + by.staff_id }));
        const next = current.el.querySelector('button') || ui.queueTitle;
        if (current.el.contains(document.activeElement) === false) next.focus();
        return;
      }
      if (e.status === 404) {
        remove(id, 'staff.why.noLonger');
        setMessage(ui.queueMessage, t('staff.noLongerWaiting'));
        return;
      }
      button.disabled = false;
      button.removeAttribute('aria-busy');
      button.textContent = label;
      current.refs.error.textContent = e.message;
      current.refs.error.hidden = false;
    }
  }

  // ---------------------------------------------------------------------------------------
  // The live stream: auth, snapshot, events, ping; reconnect with backoff on loss.

  let ws = null;
  let attempt = 0;
  let retryTimer = null;
  let pingTimer = null;
  let pongTimer = null;
  let snapshotTimer = null;
  let wanted = false;

  function setConnection(state, text) {
    ui.body.dataset.connection = state;
    const showBanner = state === 'reconnecting' || state === 'offline';
    ui.banner.hidden = !showBanner;
    if (text) ui.bannerText.textContent = text;
    ui.queue.setAttribute('aria-busy', state === 'live' ? 'false' : 'true');
  }

  function clearTimers() {
    clearTimeout(retryTimer);
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    clearTimeout(snapshotTimer);
    retryTimer = pingTimer = pongTimer = snapshotTimer = null;
  }

  function stopStream() {
    wanted = false;
    clearTimers();
    if (ws) {
      const old = ws;
      ws = null;
      old.onopen = old.onmessage = old.onclose = old.onerror = null;
      try {
        old.close(1000, 'bye');
      } catch (e) {
        /* already closed */
      }
    }
  }

  function startStream() {
    stopStream();
    wanted = true;
    attempt = 0;
    setConnection('connecting');
    connect();
  }

  function streamUrl() {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + STREAM_PATH;
  }

  function connect() {
    if (!wanted || !session) return;
    if (session.expires_at && Date.now() / 1000 >= session.expires_at) {
      sessionEnded(t('staff.shiftEnded'));
      return;
    }
    let socket;
    try {
      socket = new WebSocket(streamUrl());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    ws = socket;
    let gotSnapshot = false;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'auth', token: session.token }));
      snapshotTimer = setTimeout(() => {
        if (!gotSnapshot) socket.close(4000, 'no snapshot');
      }, SNAPSHOT_WITHIN_MS);
    };
    socket.onmessage = (event) => {
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (!msg || typeof msg.type !== 'string') return;
      clearTimeout(pongTimer);
      pongTimer = null;
      if (msg.type === 'snapshot') {
        gotSnapshot = true;
        clearTimeout(snapshotTimer);
        const reconnected = attempt > 0;
        attempt = 0;
        if (msg.staff && msg.staff.id) {
          session.staff_id = msg.staff.id;
          session.role = msg.staff.role || session.role;
          saveSession(session);
        }
        applyList(msg.prompts, reconnected);
        setConnection('live');
        if (reconnected) announce(t('staff.speech.reconnected'));
        startPings(socket);
      } else if (msg.type === 'error') {
        const p = msg.problem || {};
        socket.pendingError = describeProblem(p.status || 401, p);
      } else if (msg.type === 'pong') {
        /* the connection is alive */
      } else {
        applyEvent(msg);
      }
    };
    socket.onerror = () => {
      /* onclose follows and decides */
    };
    socket.onclose = (event) => {
      if (ws !== socket) return;
      ws = null;
      clearTimers();
      if (event.code === 4001) {
        sessionEnded(socket.pendingError);
        return;
      }
      scheduleReconnect();
    };
  }

  function startPings(socket) {
    clearInterval(pingTimer);
    pingTimer = setInterval(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(JSON.stringify({ type: 'ping' }));
      clearTimeout(pongTimer);
      pongTimer = setTimeout(() => socket.close(4000, 'no pong'), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  function scheduleReconnect() {
    if (!wanted) return;
    const offline = navigator.onLine === false;
    setConnection(
      offline ? 'offline' : 'reconnecting',
      t(offline ? 'staff.reconnectingOffline' : 'staff.reconnecting')
    );
    const base = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
    attempt += 1;
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      refreshOverRest().finally(connect);
    }, delay);
  }

  // While the stream is down, the list is refreshed over REST on each retry, so the cards do
  // not go stale; a 401 there means the session is over.
  async function refreshOverRest() {
    if (!session) return;
    try {
      const r = await api('GET', '/v1/staff/prompts');
      if (ui.body.dataset.connection !== 'live' && session) applyList(r.prompts, true);
    } catch (e) {
      if (e.status === 401) sessionEnded(e.message);
    }
  }

  window.addEventListener('online', () => {
    if (wanted && !ws) {
      clearTimeout(retryTimer);
      attempt = 0;
      connect();
    }
  });
  window.addEventListener('offline', () => {
    if (wanted && ws) ws.close(4000, 'offline');
  });

  // ---------------------------------------------------------------------------------------
  // Start

  ui.loginForm.addEventListener('submit', onLogin);
  ui.logout.addEventListener('click', onLogout);
  ui.queue.addEventListener('click', onQueueClick);
  for (const input of [ui.staffId, ui.pin]) {
    input.addEventListener('input', () => markInvalid(input, false));
  }
  setInterval(tick, 250);

  // How each help topic reads in the console's language (GET /v1/store's assist_topic_labels);
  // a topic without a label, or before the box answers, reads as itself.
  let topicLabels = {};
  const topicWord = (topic) => (typeof topicLabels[topic] === 'string' && topicLabels[topic]) || topic;
  async function loadTopicLabels() {
    try {
      const r = await fetch('/v1/store', {
        headers: { Accept: 'application/json', 'Accept-Language': currentLanguage() },
        cache: 'no-store',
        credentials: 'omit',
      });
      if (r.ok) {
        const store = await r.json();
        topicLabels = store.assist_topic_labels && typeof store.assist_topic_labels === 'object' ? store.assist_topic_labels : {};
      }
    } catch (e) {
      /* the topics as the box names them until it answers */
    }
  }

  // The store's languages (GET /v1/store), the page's language among them, then the screen.
  async function start() {
    let languages = ['en'];
    try {
      const r = await fetch('/v1/store', { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'omit' });
      if (r.ok) {
        const store = await r.json();
        if (Array.isArray(store.languages) && store.languages.length) languages = store.languages;
      }
    } catch (e) {
      /* English until the box answers */
    }
    await setup({ available: languages, storageKey: LANGUAGE_KEY });
    const box = $('languages');
    box.setAttribute('aria-label', t('common.language'));
    renderSwitch(box, languages, { storageKey: LANGUAGE_KEY, onSwitch: rerender });
    await loadTopicLabels();
    session = loadSession();
    if (session) showQueue();
    else showLogin();
  }

  // A language switch: every card and line again in the new language, nothing reloaded.
  async function rerender() {
    $('languages').setAttribute('aria-label', t('common.language'));
    await loadTopicLabels();
    if (ui.body.dataset.view === 'queue' && session) {
      ui.whoText.textContent = t('staff.who', { id: session.staff_id, role: roleWord(session.role) });
      for (const entry of entries.values()) renderCard(entry);
      renderCount();
      if (!ui.banner.hidden) {
        ui.bannerText.textContent = t(ui.body.dataset.connection === 'offline' ? 'staff.reconnectingOffline' : 'staff.reconnecting');
      }
    } else {
      document.title = t('staff.title.login');
      setLoginBusy(ui.loginButton.disabled);
    }
  }

  start();
}
