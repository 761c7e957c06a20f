// The dashboard's entry module: the texts of the frame, the router over the address's hash
// (#/chain, #/store/ID, #/stores, #/privacy, each with ?from=&to=&by=), the login screen when
// there is no session, and logging out. Module state: whether a screen is being drawn.
import { get, onSessionEnded, post } from './api.js';
import { chartsAvailable } from './charts.js';
import { el } from './dom.js';
import { renderChain } from './chain.js';
import { renderLogin } from './login.js';
import { t } from './messages.js';
import { renderPrivacy } from './privacy.js';
import { rangeFrom } from './range.js';
import { renderStore } from './store.js';
import { renderStores } from './stores.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const logout = document.getElementById('logout');
const banner = document.getElementById('banner');
const who = document.getElementById('who');

function frameTexts() {
  document.getElementById('brand').textContent = t('brand');
  document.getElementById('skip-link').textContent = t('skip');
  for (const k of ['chain', 'stores', 'privacy']) document.getElementById(`nav-${k}`).textContent = t(`nav.${k}`);
  logout.textContent = t('logout');
  document.getElementById('footer-note').textContent = t('footer');
}

let hadSession = false;

function showLogin(expired) {
  if (document.body.dataset.screen === 'login') return;
  nav.hidden = true;
  logout.hidden = true;
  document.body.dataset.screen = 'login';
  document.body.dataset.ready = 'true';
  who.hidden = true;
  renderLogin(main, { expired, onDone: (session) => { showWho(session); route(); } });
}

function showWho(session) {
  who.textContent = t('who', { user: session.user, role: session.role });
  who.hidden = false;
}

let drawing = 0;

async function route() {
  const hash = location.hash.replace(/^#/, '') || '/chain';
  const [path, query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  const range = rangeFrom(params);
  const parts = path.split('/').filter(Boolean);
  const screen = parts[0] ?? 'chain';
  const serial = ++drawing;
  document.body.dataset.screen = screen;
  document.body.dataset.ready = 'false';
  nav.hidden = false;
  logout.hidden = false;
  for (const a of nav.querySelectorAll('a')) {
    if (a.id === `nav-${screen === 'store' ? 'chain' : screen}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.replaceChildren(el('p', { class: 'loading', text: t('loading') }));
  try {
    if (screen === 'store' && parts[1]) await renderStore(main, decodeURIComponent(parts[1]), range);
    else if (screen === 'stores') await renderStores(main);
    else if (screen === 'privacy') await renderPrivacy(main, range);
    else await renderChain(main, range);
    hadSession = true;
    if (serial === drawing) {
      document.body.dataset.ready = 'true';
      document.getElementById('screen-title')?.focus();
    }
  } catch (e) {
    if (e.status === 401) return;  // the login screen is up
    main.replaceChildren(el('p', { class: 'message', role: 'alert', text: t('error.network', { detail: e.message }) }));
    document.body.dataset.ready = 'true';
  }
}

frameTexts();
if (!chartsAvailable()) {
  banner.textContent = t('error.chart');
  banner.hidden = false;
}
onSessionEnded(() => showLogin(hadSession));
logout.addEventListener('click', async () => {
  try {
    await post('/v1/logout', {});
  } finally {
    showLogin(false);
  }
});
window.addEventListener('hashchange', route);
// Ask whether the cookie opens a session before drawing anything (no 401 on a fresh load).
get('/v1/session').then((session) => {
  if (session.logged_in) {
    showWho(session);
    route();
  } else {
    showLogin(false);
  }
}, (e) => {
  main.replaceChildren(el('p', { class: 'message', role: 'alert', text: t('error.network', { detail: e.message }) }));
});
