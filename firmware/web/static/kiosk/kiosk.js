// The kiosk screen: the rotating presence QR (drawn by the box as SVG), the result of each
// loyalty scan for ~10 s, and a privacy notice. Only a screen the store paired (its browser
// holds the kiosk cookie from `optinctl kiosk pair`) or the box's own browser gets the code:
// GET /v1/kiosk/session says which, otherwise the page says how to pair. One WebSocket,
// /v1/kiosk/stream, reconnected with backoff; nothing stored by this script. It speaks the
// store's default language (or the screen browser's, among the store's languages); a passer-by
// can read the notice in theirs with one tap on its name, and after a minute without a tap the
// screen goes back to the default language for the next person.
import { setup, useLanguage, renderSwitch, t, formatDuration, formatList, currentLanguage } from '/common/i18n.js';

{
  const SCAN_SHOWN_MS = 10000;
  const PING_MS = 15000;
  const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
  const PAIRING_RECHECK_MS = 15000;
  const CLOSE_NOT_PAIRED = 4001;
  const LANGUAGE_IDLE_MS = 60000;

  // Each refusal in words a shopper understands, with what to do next (kiosk.refusal.<reason>).
  const REFUSALS = new Set([
    'token-expired', 'token-not-yet-valid', 'token-lifetime', 'token-replayed', 'token-audience', 'no-store',
    'token-issuer', 'token-claims', 'not-a-loyalty-code', 'not-provisioned',
  ]);
  const refusalText = (reason) => t(REFUSALS.has(reason) ? 'kiosk.refusal.' + reason : 'kiosk.refusal.other');

  let store = null; // GET /v1/store in the screen's language: the notice and the purposes' titles
  let defaultLanguage = 'en';
  let languageTimer = 0;
  let codeMinutes = 10;
  let lastScan = null;
  const purposeTitle = (p) => {
    const info = ((store && store.purposes) || []).find((x) => x.purpose === p);
    return (info && info.title) || p;
  };

  const $ = (id) => document.getElementById(id);
  const body = document.body;
  const qrImage = $('qr-image');
  const qrPlaceholder = $('qr-placeholder');
  const countdown = $('countdown');
  const connectionText = $('connection-text');
  const live = $('scan-live');

  let socket = null;
  let attempt = 0;
  let reconnectTimer = 0;
  let pingTimer = 0;
  let backTimer = 0;
  let backTick = 0;
  let presenceDeadline = 0;
  let presenceUrl = '';

  // ---------------------------------------------------------------------------------------
  // Presence QR

  function setCodeMinutes(value) {
    const minutes = Number(value);
    if (Number.isInteger(minutes) && minutes > 0) codeMinutes = minutes;
    $('code-rule').textContent = t('kiosk.codeRule', { minutes: formatDuration(codeMinutes, 'minute') });
  }

  function showPresence(msg) {
    if (typeof msg.svg !== 'string' || !msg.svg.startsWith('<svg')) return;
    setCodeMinutes(msg.web_code_minutes);
    qrImage.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(msg.svg);
    qrImage.hidden = false;
    qrPlaceholder.hidden = true;
    presenceUrl = String(msg.url || '');
    $('qr').dataset.url = presenceUrl;
    const seconds = Number(msg.seconds_remaining);
    presenceDeadline = Date.now() + (Number.isFinite(seconds) ? seconds : 30) * 1000;
    renderCountdown();
  }

  function renderCountdown() {
    if (!presenceDeadline) return;
    const left = Math.max(0, Math.ceil((presenceDeadline - Date.now()) / 1000));
    countdown.textContent = left > 0 ? t('kiosk.newCodeIn', { seconds: left }) : t('kiosk.newCodeSoon');
  }
  setInterval(renderCountdown, 1000);

  // ---------------------------------------------------------------------------------------
  // Scan results

  function renderScan() {
    const msg = lastScan;
    if (!msg) return;
    const accepted = msg.accepted === true;
    const title = $('scan-title');
    const message = $('scan-message');
    const details = $('scan-details');
    if (accepted) {
      const pseudonym = String(msg.pseudonym || '');
      const purposes = Array.isArray(msg.purposes) ? msg.purposes.map(String) : [];
      const shown = purposes.filter((p) => p !== 'presence');
      title.textContent = t('kiosk.welcome');
      message.textContent = t('kiosk.welcomeText');
      $('scan-pseudonym').textContent = pseudonym;
      const list = $('scan-purposes');
      list.replaceChildren(
        ...shown.map((p) => {
          const li = document.createElement('li');
          li.textContent = purposeTitle(p);
          li.dataset.purpose = p;
          li.dataset.text = 'api';
          return li;
        })
      );
      $('scan-no-purposes').hidden = shown.length > 0;
      details.hidden = false;
      return shown.length
        ? t('kiosk.spokenWelcome', { name: pseudonym, purposes: formatList(shown.map(purposeTitle)) })
        : t('kiosk.spokenWelcomeNothing', { name: pseudonym });
    }
    const reason = String(msg.reason || '');
    title.textContent = t('kiosk.sorry');
    message.textContent = refusalText(reason);
    message.dataset.reason = reason;
    details.hidden = true;
    return t('kiosk.sorry') + ' ' + message.textContent;
  }

  function showScan(msg) {
    clearTimeout(backTimer);
    clearInterval(backTick);
    const accepted = msg.accepted === true;
    body.dataset.scan = accepted ? 'accepted' : 'refused';
    body.dataset.view = 'scan';
    $('presence-view').hidden = true;
    $('scan-view').hidden = false;
    lastScan = msg;
    live.textContent = renderScan();

    const until = Date.now() + SCAN_SHOWN_MS;
    const back = $('scan-back');
    const tick = () => {
      const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
      back.textContent = t('kiosk.backIn', { seconds: left });
    };
    tick();
    backTick = setInterval(tick, 1000);
    backTimer = setTimeout(showPresenceView, SCAN_SHOWN_MS);
  }

  function showPresenceView() {
    clearInterval(backTick);
    body.dataset.view = 'presence';
    delete body.dataset.scan;
    lastScan = null;
    $('scan-view').hidden = true;
    $('pairing-view').hidden = true;
    $('presence-view').hidden = false;
    live.textContent = '';
  }

  // Not paired: no code, and how to pair, in words for the staff who set the screen up.
  function showPairingView() {
    clearTimeout(backTimer);
    clearInterval(backTick);
    body.dataset.view = 'pairing';
    delete body.dataset.scan;
    $('presence-view').hidden = true;
    $('scan-view').hidden = true;
    $('pairing-view').hidden = false;
    $('pairing-failed').hidden = new URLSearchParams(location.search).get('pairing') !== 'failed';
    qrImage.hidden = true;
    qrImage.removeAttribute('src');
    qrPlaceholder.hidden = false;
    presenceDeadline = 0;
    countdown.textContent = '';
  }

  // ---------------------------------------------------------------------------------------
  // The notice, in the screen's language (GET /v1/store: the notice in force)

  function describeDays(days) {
    if (days % 365 === 0) return formatDuration((days / 365) * 12, 'month');
    if (days % 30 === 0 && days >= 60) return formatDuration(days / 30, 'month');
    return formatDuration(days, 'day');
  }

  async function loadStore() {
    try {
      const r = await fetch('/v1/store', {
        headers: { accept: 'application/json', 'accept-language': currentLanguage() },
        cache: 'no-store',
      });
      if (r.ok) store = await r.json();
    } catch {
      // The words of the catalog stay.
    }
  }

  function renderNotice() {
    const notice = store && store.notice;
    const title = $('privacy-title');
    title.textContent = (notice && notice.title) || t('kiosk.privacy');
    if (notice && notice.title) title.dataset.text = 'api';
    else delete title.dataset.text;
    $('notice-summary').textContent = (notice && notice.summary) || '';
    $('notice-rights').textContent = (notice && notice.rights && notice.rights.summary) || '';
    const retention = (store && store.retention) || {};
    const hours = Number.isInteger(retention.ended_visit_hours) ? retention.ended_visit_hours : 24;
    const days = Number.isInteger(retention.consent_days) && retention.consent_days > 0 ? retention.consent_days : 365;
    $('notice-retention').textContent = t('kiosk.retention', {
      hours: formatDuration(hours, 'hour'),
      choices: describeDays(days),
    });
  }

  // Everything on screen in the current language.
  function renderAll() {
    document.title = t('kiosk.pageTitle');
    renderNotice();
    setCodeMinutes(codeMinutes);
    renderCountdown();
    setConnection(body.dataset.connection || 'connecting');
    if (lastScan) renderScan();
  }

  // A passer-by's tap on a language: the screen in it until nobody has tapped for a minute.
  async function onSwitch(code) {
    clearTimeout(languageTimer);
    await loadStore();
    renderAll();
    if (code !== defaultLanguage) {
      languageTimer = setTimeout(async () => {
        await useLanguage(defaultLanguage);
        for (const b of $('languages').querySelectorAll('button')) {
          b.setAttribute('aria-pressed', String(b.dataset.lang === defaultLanguage));
        }
        await loadStore();
        renderAll();
      }, LANGUAGE_IDLE_MS);
    }
  }

  async function startLanguages() {
    let languages = ['en'];
    try {
      const r = await fetch('/v1/store', { headers: { accept: 'application/json' }, cache: 'no-store' });
      if (r.ok) {
        const first = await r.json();
        if (Array.isArray(first.languages) && first.languages.length) languages = first.languages;
      }
    } catch {
      // English only until the box answers.
    }
    defaultLanguage = await setup({ available: languages, remember: false });
    await loadStore();
    renderSwitch($('languages'), languages, { onSwitch });
    $('languages-box').hidden = languages.length < 2;
    renderAll();
  }

  // ---------------------------------------------------------------------------------------
  // The stream

  function setConnection(state) {
    body.dataset.connection = state;
    if (state === 'reconnecting') {
      connectionText.textContent = t(navigator.onLine === false ? 'kiosk.offline' : 'kiosk.reconnecting');
    } else if (state === 'connecting') {
      connectionText.textContent = t('kiosk.connecting');
    } else {
      connectionText.textContent = t('kiosk.connected');
    }
  }

  function streamUrl() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/v1/kiosk/stream`;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    let ws;
    try {
      ws = new WebSocket(streamUrl());
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      clearInterval(pingTimer);
      pingTimer = setInterval(() => {
        if (ws.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}');
      }, PING_MS);
    };
    ws.onmessage = (event) => {
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!msg || typeof msg !== 'object') return;
      if (msg.type === 'presence') {
        setConnection('live');
        showPresence(msg);
      } else if (msg.type === 'scan') {
        showScan(msg);
      }
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      clearInterval(pingTimer);
      if (event.code === CLOSE_NOT_PAIRED) {
        start();  // revoked: the session check shows how to pair again
        return;
      }
      scheduleReconnect();
    };
    ws.onerror = () => {
      // onclose follows.
    };
  }

  function scheduleReconnect() {
    setConnection('reconnecting');
    const base = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
    attempt += 1;
    const delay = base / 2 + Math.random() * base / 2;  // jitter: kiosks do not reconnect in step
    // The stream refuses an unpaired screen before the upgrade (401), which a WebSocket cannot
    // see: every few failures ask the session again.
    reconnectTimer = setTimeout(attempt % 3 === 0 ? start : connect, delay);
  }

  // Asks whether this screen may show the code, then follows the stream or shows how to pair.
  async function start() {
    clearTimeout(reconnectTimer);
    let r;
    try {
      r = await fetch('/v1/kiosk/session', {
        headers: { accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      scheduleReconnect();
      return;
    }
    if (r.status === 401) {
      showPairingView();
      reconnectTimer = setTimeout(start, PAIRING_RECHECK_MS);
      return;
    }
    if (!r.ok) {
      scheduleReconnect();
      return;
    }
    try {
      setCodeMinutes((await r.json()).web_code_minutes);
    } catch {
      // keep the default
    }
    if (body.dataset.view === 'pairing') showPresenceView();
    if (!socket) connect();
  }

  window.addEventListener('online', () => {
    if (!socket) {
      attempt = 0;
      start();
    }
  });

  startLanguages().then(() => {
    setConnection(body.dataset.connection === 'live' ? 'live' : 'connecting');
    start();
  });
}
