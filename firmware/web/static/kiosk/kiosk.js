// The kiosk screen: the rotating presence QR (drawn by the box as SVG), the result of each
// loyalty scan for ~10 s, and a privacy notice. Only a screen the store paired (its browser
// holds the kiosk cookie from `optinctl kiosk pair`) or the box's own browser gets the code:
// GET /v1/kiosk/session says which, otherwise the page says how to pair. One WebSocket,
// /v1/kiosk/stream, reconnected with backoff; nothing stored by this script.
'use strict';

(() => {
  const SCAN_SHOWN_MS = 10000;
  const PING_MS = 15000;
  const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
  const PAIRING_RECHECK_MS = 15000;
  const CLOSE_NOT_PAIRED = 4001;

  const PURPOSES = {
    presence: 'Check-in for this visit',
    offers: 'Offers that match your interests',
    assistance: 'Help from store staff',
    name_to_staff: 'Your first name shown to the staff who help you',
    history: 'Remember my visits',
    hq_aggregates: 'Anonymous totals for headquarters',
  };

  // Each refusal in words a shopper understands, with what to do next.
  const REFUSALS = {
    'token-expired': 'Your code has expired — refresh it in the app, then scan again.',
    'token-not-yet-valid': 'Your code is not valid yet. Check your phone’s clock, refresh the code in the app and scan again.',
    'token-lifetime': 'Your code is not valid. Refresh it in the app and scan again.',
    'token-replayed': 'This code has already been used. Refresh it in the app to get a new one.',
    'token-audience': 'This code is for another store. In the app, choose this store and scan again.',
    'no-store': 'This code is for another store. In the app, choose this store and scan again.',
    'token-issuer': 'This code was not issued by our app. Open the store app and show its loyalty code.',
    'token-claims': 'This code could not be read. Refresh it in the app and scan again.',
    'not-a-loyalty-code': 'That is not a loyalty code. Open the store app and show your loyalty QR.',
    'not-provisioned': 'Loyalty check-in is not available at this store right now. Please use the code on the screen, or ask a member of staff.',
  };
  const REFUSAL_FALLBACK = 'We could not check you in with this code. Refresh it in the app and try again, or ask a member of staff.';

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
    if (Number.isInteger(minutes) && minutes > 0) $('code-minutes').textContent = String(minutes);
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
    countdown.textContent = left > 0 ? `New code in ${left} s` : 'New code coming…';
  }
  setInterval(renderCountdown, 1000);

  // ---------------------------------------------------------------------------------------
  // Scan results

  function showScan(msg) {
    clearTimeout(backTimer);
    clearInterval(backTick);
    const accepted = msg.accepted === true;
    body.dataset.scan = accepted ? 'accepted' : 'refused';
    body.dataset.view = 'scan';
    $('presence-view').hidden = true;
    $('scan-view').hidden = false;

    const title = $('scan-title');
    const message = $('scan-message');
    const details = $('scan-details');
    let spoken;
    if (accepted) {
      const pseudonym = String(msg.pseudonym || '');
      const purposes = Array.isArray(msg.purposes) ? msg.purposes.map(String) : [];
      const shown = purposes.filter((p) => p !== 'presence');
      title.textContent = 'Welcome! You are checked in.';
      message.textContent = 'Enjoy your visit. Staff only see what you turned on.';
      $('scan-pseudonym').textContent = pseudonym;
      const list = $('scan-purposes');
      list.replaceChildren(
        ...shown.map((p) => {
          const li = document.createElement('li');
          li.textContent = PURPOSES[p] || p;
          li.dataset.purpose = p;
          return li;
        })
      );
      $('scan-no-purposes').hidden = shown.length > 0;
      details.hidden = false;
      spoken =
        `Welcome! You are checked in as ${pseudonym}. ` +
        (shown.length
          ? `Turned on: ${shown.map((p) => PURPOSES[p] || p).join(', ')}.`
          : 'Nothing is turned on beyond your check-in.') +
        ' Change them at any time in the app.';
    } else {
      const reason = String(msg.reason || '');
      title.textContent = 'Sorry, that did not work';
      message.textContent = REFUSALS[reason] || REFUSAL_FALLBACK;
      message.dataset.reason = reason;
      details.hidden = true;
      spoken = `Sorry, that did not work. ${message.textContent}`;
    }
    live.textContent = spoken;

    const until = Date.now() + SCAN_SHOWN_MS;
    const back = $('scan-back');
    const tick = () => {
      const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
      back.textContent = `Back to the check-in code in ${left} s.`;
    };
    tick();
    backTick = setInterval(tick, 1000);
    backTimer = setTimeout(showPresenceView, SCAN_SHOWN_MS);
  }

  function showPresenceView() {
    clearInterval(backTick);
    body.dataset.view = 'presence';
    delete body.dataset.scan;
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
  // The store's retention, for the notice (GET /v1/store)

  function describeDays(days) {
    if (days % 365 === 0) {
      const months = (days / 365) * 12;
      return `${months} months`;
    }
    if (days % 30 === 0 && days >= 60) return `${days / 30} months`;
    return days === 1 ? '1 day' : `${days} days`;
  }

  async function loadRetention() {
    try {
      const r = await fetch('/v1/store', { headers: { accept: 'application/json' } });
      if (!r.ok) return;
      const store = await r.json();
      const retention = store && store.retention;
      if (!retention) return;
      const hours = Number(retention.ended_visit_hours);
      if (Number.isInteger(hours) && hours >= 0) {
        $('ended-hours').textContent = hours === 1 ? '1 hour' : `${hours} hours`;
      }
      const days = Number(retention.consent_days);
      if (Number.isInteger(days) && days > 0) $('consent-time').textContent = describeDays(days);
    } catch {
      // The built-in defaults stay.
    }
  }

  // ---------------------------------------------------------------------------------------
  // The stream

  function setConnection(state) {
    body.dataset.connection = state;
    if (state === 'reconnecting') {
      connectionText.textContent = navigator.onLine === false
        ? 'Offline — reconnecting… The code on screen may be out of date.'
        : 'Reconnecting… The code on screen may be out of date.';
    } else if (state === 'connecting') {
      connectionText.textContent = 'Connecting…';
    } else {
      connectionText.textContent = 'Connected';
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

  setConnection('connecting');
  loadRetention();
  start();
})();
