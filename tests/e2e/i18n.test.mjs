// Browser tests of the pages in the shopper's language (issue 16 part 3): the shopper page
// walked in Italian (a browser context with locale it-IT) from the QR to erasure with axe-core
// on every screen, its consent receipt checked against the served notice with Node's own
// SHA-256 and canonical JSON; the language switch without a reload; the staff console in
// Spanish with a waiting time formatted by Intl for es; the kiosk's notice read in German and
// French at every kiosk screen size; and a pseudo-locale run (?pseudo: every catalog string
// accented, 30% longer, wrapped in ⟦…⟧) of every screen that fails on any visible text that
// did not come from the catalog or the API, and on any clipped control.
//
//   node tests/e2e/i18n.test.mjs --daemon build/dev/firmware/optin-edged \
//        --optinctl build/dev/tools/optinctl/optinctl [--out build/dev/e2e]
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  commonSettings,
  commonFiles,
  requireFiles,
  makeWorkDir,
  optinctl,
  Daemon,
  launchChromium,
  shot as shotFile,
  checkAxe as checkAxeIn,
  apiCaller,
} from './harness.mjs';

const { daemonPath, optinctlPath, chromiumPath, outDir } = commonSettings();
requireFiles('e2e i18n', commonFiles({ daemonPath, optinctlPath, chromiumPath }));

const PHONE = { width: 390, height: 844 };
const STAFF = { id: 'lucia', role: 'associate', pin: '482913' };
const DAY = 86400;
const CATALOG = {
  version: 'i18n-1',
  offers: [
    {
      id: 'trail-shoe-fit',
      title: 'Trail shoe fitting',
      description: 'A 15-minute fitting for your first trail shoes.',
      categories: ['trail running'],
      price: { amount_minor: 1999, currency: 'EUR' },
      terms: 'One per shopper per day.',
    },
  ],
};

let workDir;
let dataDir;
let daemon;
let ctl;
let baseUrl;
let browser;

const call = apiCaller(() => baseUrl);

async function presenceCode() {
  return (await ctl(['presence-code'])).split(/\s+/)[0];
}

// The API with an Accept-Language header (apiCaller sends none).
async function getJson(route, lang, token) {
  const headers = { Accept: 'application/json' };
  if (lang) headers['Accept-Language'] = lang;
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(baseUrl + route, { headers });
  assert.equal(r.status, 200, `${route}: ${r.status}`);
  return r.json();
}

// A browser context speaking `locale` (navigator.languages and Accept-Language).
async function newLocalePage(locale, viewport = PHONE) {
  const context = await browser.newContext({ locale, viewport, deviceScaleFactor: 1, hasTouch: true });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|404|409)/.test(m.text())) {
      page.problems.push(m.text());
    }
  });
  page.on('pageerror', (e) => page.problems.push('page error: ' + e.message));
  return page;
}

const checkAxe = (page, label) => checkAxeIn(page, { outDir, label: `i18n-${label}`, screen: label });
const shot = (page, name) => shotFile(page, path.join(outDir, `i18n-${name}.png`));
const htmlLang = (page) => page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]);

// RFC 8785 for what a notice holds (objects, strings, integers): members sorted by UTF-16 code
// units, no whitespace, strings as JSON.stringify writes them. Written here from the RFC, not
// taken from the box.
function canonical(v) {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

// The signed payload of a compact JWS.
function jwsPayload(jws) {
  return JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString('utf8'));
}

// Every visible text on the page that is neither from the catalog (⟦…⟧ under ?pseudo) nor
// marked as the box's or Intl's words (data-text), and every clipped control.
async function pseudoProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const PUNCT = /^[\s·:;,.()–—\-/…]*$/;
    const FROM_CATALOG = /^[\s·:;,.()–—\-]*(⟦[^⟧]*⟧[\s·:;,.()–—\-]*)+$/;
    // A catalog text inside another ("Claimed ⟦just now⟧ by you") is still the catalog's.
    const unnest = (t) => {
      let prev;
      do {
        prev = t;
        t = t.replace(/⟦([^⟦⟧]*)⟦[^⟦⟧]*⟧/g, '⟦$1');
      } while (t !== prev);
      return t;
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim();
      const e = n.parentElement;
      if (!text || !e || PUNCT.test(text)) continue;
      if (e.closest('[data-text], script, style, noscript, option, textarea')) continue;
      if (!e.getClientRects().length || getComputedStyle(e).visibility === 'hidden') continue;
      if (!FROM_CATALOG.test(unnest(text))) out.push(`text not from the catalog: "${text.slice(0, 70)}" in <${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}>`);
    }
    for (const e of document.querySelectorAll('[aria-label], img[alt], [placeholder]')) {
      if (e.closest('[data-text]') || !e.getClientRects().length) continue;
      for (const attr of ['aria-label', 'alt', 'placeholder']) {
        const v = e.getAttribute(attr);
        if (v && !FROM_CATALOG.test(unnest(v))) out.push(`${attr} not from the catalog: "${v.slice(0, 70)}"`);
      }
    }
    const width = document.documentElement.clientWidth;
    for (const e of document.querySelectorAll('button, a, label, summary, legend, h1, h2, h3, .lang-button')) {
      if (!e.getClientRects().length || e.closest('.visually-hidden')) continue;
      const r = e.getBoundingClientRect();
      const s = getComputedStyle(e);
      const clipped =
        r.right > width + 0.5 ||
        (s.overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1) ||
        (s.overflowY !== 'visible' && e.scrollHeight > e.clientHeight + 1);
      if (clipped) out.push(`clipped: <${e.tagName.toLowerCase()}> "${(e.textContent || '').trim().slice(0, 50)}"`);
    }
    return out;
  });
}

before(async () => {
  await mkdir(outDir, { recursive: true });
  ({ workDir, dataDir } = await makeWorkDir('optin-i18n-e2e-'));
  const now = Math.floor(Date.now() / 1000);
  for (const o of CATALOG.offers) {
    o.valid_from = now - DAY;
    o.valid_until = now + 30 * DAY;
  }
  const catalogFile = path.join(workDir, 'catalog.json');
  await writeFile(catalogFile, JSON.stringify(CATALOG, null, 2));
  const configFile = path.join(workDir, 'optin-edge.toml');
  await writeFile(
    configFile,
    '[listen]\nplain_http = true\n[admin]\nport = 0\n[kiosk]\nallow_loopback = true\n' +
      '[store]\ninterests = ["trail running", "hiking"]\n' +
      '[assist]\ntopics = ["sizing and fit", "product advice"]\n' +
      `[offers]\ncatalog_file = ${JSON.stringify(catalogFile)}\n`
  );
  ctl = optinctl(optinctlPath, dataDir);
  await ctl(['token', 'init-dev']);
  await ctl(['staff', 'add', '--id', STAFF.id, '--role', STAFF.role], STAFF.pin + '\n');
  daemon = new Daemon({ daemonPath, configFile, dataDir });
  await daemon.start();
  baseUrl = daemon.baseUrl;
  browser = await launchChromium(chromiumPath);
});

after(async () => {
  if (browser) await browser.close();
  if (daemon) await daemon.stop();
  await writeFile(path.join(outDir, 'optin-edged-i18n.log'), daemon ? daemon.log : '');
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------------
// The shopper page in Italian

test('in Italian from the QR to erasure: the page, the notice and the receipt all in it, the receipt proves the text', async () => {
  const store = await getJson('/v1/store', 'it');
  assert.equal(store.language, 'it');
  const page = await newLocalePage('it-IT');
  const sent = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/v1/')) sent.push({ path: new URL(r.url()).pathname, lang: r.headers()['accept-language'] });
  });
  await page.goto(baseUrl + '/shop?p=' + (await presenceCode()));
  await page.waitForSelector('body[data-view="checkin"]');
  assert.deepEqual(await htmlLang(page), ['it', 'ltr']);
  await page.getByRole('heading', { name: 'Registrati per una visita su misura' }).waitFor();
  // The consent texts are the Italian notice's, not page strings.
  assert.equal(await page.locator('#notice-title').innerText(), store.notice.title);
  assert.equal(await page.locator('#notice-summary').innerText(), store.notice.summary);
  const offers = store.purposes.find((p) => p.purpose === 'offers');
  const fs = page.locator('#checkin-purposes fieldset[data-purpose="offers"]');
  assert.equal(await fs.locator('legend').innerText(), offers.title);
  assert.equal(await fs.locator('.explain').innerText(), offers.description);
  await fs.locator('details.more summary').tap();
  assert.ok((await fs.locator('details.more').innerText()).includes(offers.details.how_long));
  assert.match(await page.locator('#notice-retention').innerText(), /24 ore dopo la fine/);
  // The switch names each language in itself; Italian is the one pressed.
  const names = await page.locator('#languages button').allInnerTexts();
  assert.deepEqual(names, ['English', 'Italiano', 'Español', 'Deutsch', 'Français']);
  assert.equal(await page.locator('#languages button[aria-pressed="true"]').innerText(), 'Italiano');
  await checkAxe(page, 'shop-it-checkin');
  await shot(page, 'shop-it-checkin');

  for (const p of ['offers', 'assistance']) {
    await page.locator(`#checkin-purposes fieldset[data-purpose="${p}"] input[data-answer="yes"] + label`).tap();
  }
  await page.getByRole('button', { name: 'Registrati' }).tap();
  await page.waitForSelector('body[data-view="visit"]', { timeout: 10000 });
  assert.match(await page.locator('#visit-title').innerText(), /^Oggi sei \S.*$/);
  const checkin = sent.find((s) => s.path === '/v1/checkins');
  assert.equal(checkin.lang, 'it', 'the check-in says which language the shopper read');

  // The receipt names the Italian notice; its hash is the SHA-256 of the served bytes.
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('optin-edge.shop-visit')).visit_token);
  const me = await getJson('/v1/me', 'it', token);
  assert.ok(Array.isArray(me.receipts) && me.receipts.length >= 1, 'a receipt in GET /v1/me');
  const receipt = me.receipts[0];
  const payload = typeof receipt.payload === 'string' ? JSON.parse(receipt.payload) : receipt.payload;
  assert.deepEqual(jwsPayload(receipt.jws).notice_sha256, payload.notice_sha256, 'the signed payload carries it');
  assert.equal(payload.language, 'it');
  assert.equal(payload.notice_version, store.notice.version);
  const served = await fetch(`${baseUrl}/v1/notices/${payload.notice_version}?lang=it`);
  assert.equal(served.status, 200);
  const bytes = Buffer.from(await served.arrayBuffer());
  const sha = createHash('sha256').update(bytes).digest('hex');
  assert.equal(sha, payload.notice_sha256, 'SHA-256 of the served notice = the receipt\'s notice_sha256');
  const text = JSON.parse(bytes.toString('utf8'));
  assert.equal(canonical(text), bytes.toString('utf8'), 'the served bytes are canonical JSON (RFC 8785)');
  assert.equal(text.purposes.offers.title, offers.title, 'and are the words the page showed');
  console.log(`receipt ${receipt.id}: notice ${payload.notice_version} it sha256 ${sha}`);

  // Offers: a price for the Italian locale.
  // The store's interests and topics read in Italian (the built-in labels); the values sent stay
  // the API's words.
  assert.equal(await page.locator('#interests-list li[data-topic="trail running"] label').textContent(), 'corsa in montagna');
  assert.equal(await page.locator('#help-topic option[value="sizing and fit"]').textContent(), 'Taglie e vestibilità');
  await page.locator('#interests-list li[data-topic="trail running"] input[type="checkbox"]').tap();
  await page.getByRole('button', { name: 'Salva i miei interessi' }).tap();
  await page.locator('#offers-list li[data-id="trail-shoe-fit"]').waitFor({ timeout: 5000 });
  const price = await page.locator('#offers-list li[data-id="trail-shoe-fit"] .price').innerText();
  assert.equal(price, new Intl.NumberFormat('it', { style: 'currency', currency: 'EUR' }).format(19.99));
  // The receipts list says which notice and language each receipt was given under.
  await page.locator('#receipts-list li.receipt').first().waitFor();
  assert.match(await page.locator('#receipts-list').innerText(), /Informativa sulla privacy versione \d+, in Italiano/);
  // Help in Italian: the form, its refusal in words, then the live status with the wait.
  await page.getByRole('button', { name: 'Chiedi aiuto' }).tap();
  await page.locator('#help-topic-error', { hasText: 'Scegli per cosa ti serve aiuto.' }).waitFor();
  await page.locator('#help-topic').selectOption('sizing and fit');
  await page.locator('#help-level-beginner + label').tap();
  await page.getByRole('button', { name: 'Chiedi aiuto' }).tap();
  await page.locator('#help-state', { hasText: 'In attesa di un addetto.' }).waitFor({ timeout: 5000 });
  const detail = await page.locator('#help-detail').innerText();
  assert.match(detail, /Argomento: taglie e vestibilità \(principiante\)\./);
  const asked = /Richiesta alle (\S+)\./.exec(detail);
  assert.ok(asked, detail);
  assert.match(asked[1], /^\d{2}:\d{2}$/, 'a time as Italians write it');
  assert.match(detail, /Attesa stimata: (meno di un minuto|circa \d+ minut[oi])\./);
  await checkAxe(page, 'shop-it-visit');
  await shot(page, 'shop-it-visit');

  await page.getByRole('button', { name: 'Cancella subito tutto ciò che mi riguarda' }).tap();
  await page.getByRole('heading', { name: 'Tutto ciò che ti riguarda è stato cancellato' }).waitFor({ timeout: 10000 });
  assert.match(await page.locator('#done-text').innerText(), /è stato cancellato il .+\d/);
  await checkAxe(page, 'shop-it-erased');
  await shot(page, 'shop-it-erased');
  // Every call of the page carried the chosen language.
  assert.deepEqual(sent.filter((s) => s.path !== '/v1/store' && s.lang !== 'it'), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the switch changes the language without a reload, is remembered, and the notice follows', async () => {
  const page = await newLocalePage('it-IT');
  await page.goto(baseUrl + '/shop?p=' + (await presenceCode()));
  await page.waitForSelector('body[data-view="checkin"]');
  assert.deepEqual(await htmlLang(page), ['it', 'ltr']);
  await page.locator('#checkin-purposes fieldset[data-purpose="assistance"] input[data-answer="yes"] + label').tap();
  await page.evaluate(() => {
    window.notReloaded = true;
  });
  await page.getByRole('button', { name: 'Deutsch' }).tap();
  await page.waitForFunction(() => document.documentElement.lang === 'de');
  const de = await getJson('/v1/store', 'de');
  await page.locator('#notice-title', { hasText: de.notice.title }).waitFor();
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'the same page, not reloaded');
  assert.equal(await page.locator('#checkin-title').innerText(), 'Für einen persönlichen Besuch anmelden');
  const fs = page.locator('#checkin-purposes fieldset[data-purpose="assistance"]');
  assert.equal(await fs.locator('legend').innerText(), de.purposes.find((p) => p.purpose === 'assistance').title);
  assert.equal(await fs.locator('input[data-answer="yes"]').isChecked(), true, 'the answers given are kept');
  assert.equal(await page.locator('#languages button[aria-pressed="true"]').innerText(), 'Deutsch');
  await checkAxe(page, 'shop-de-switched');
  // Remembered for the page: a reload stays in German.
  await page.reload();
  await page.waitForFunction(() => document.documentElement.lang === 'de');
  assert.equal(await page.evaluate(() => localStorage.getItem('optin-edge.shop-language')), 'de');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a browser asking for a language the store lacks gets the store\'s default; it-CH gets Italian', async () => {
  for (const [locale, expected] of [['pt-BR', 'en'], ['it-CH', 'it'], ['fr-BE', 'fr']]) {
    const page = await newLocalePage(locale);
    await page.goto(baseUrl + '/shop');
    await page.waitForSelector('body[data-view="noscan"]');
    assert.equal((await htmlLang(page))[0], expected, locale);
    await page.context().close();
  }
});

// ------------------------------------------------------------------------------------------
// The staff console in Spanish

test('the staff console in Spanish: its words, lang, and the waiting time formatted by Intl for es', async () => {
  const checkin = await call('POST', '/v1/checkins', { body: { presence_code: await presenceCode(), purposes: { assistance: true } } });
  assert.equal(checkin.status, 201, checkin.text);
  const ask = await call('POST', '/v1/assist', { token: checkin.json.visit_token, body: { topic: 'sizing and fit', expertise: 'beginner' } });
  assert.equal(ask.status, 201, ask.text);

  const page = await newLocalePage('es-ES', { width: 1024, height: 768 });
  await page.goto(baseUrl + '/staff');
  await page.getByRole('heading', { name: 'Iniciar sesión' }).waitFor();
  assert.deepEqual(await htmlLang(page), ['es', 'ltr']);
  await page.getByLabel('ID de empleado').fill(STAFF.id);
  await page.getByLabel('PIN').fill(STAFF.pin);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByRole('heading', { name: 'Solicitudes de ayuda' }).waitFor();
  const card = page.locator('#queue li.prompt').first();
  await card.waitFor({ timeout: 5000 });
  assert.deepEqual(await card.locator('dt').allInnerTexts(), ['Cliente', 'Nivel', 'Esperando']);
  assert.equal(await card.locator('h2').textContent(), 'tallas y ajuste', 'the topic in Spanish');
  assert.equal(await card.locator('dd.expertise').innerText(), 'principiante');
  const wait = await card.locator('dd.wait').innerText();
  const seconds = Number(/\d+/.exec(wait)[0]);
  assert.equal(wait, new Intl.NumberFormat('es', { style: 'unit', unit: 'second', unitDisplay: 'short' }).format(seconds));
  assert.match(await page.locator('#queue-count').innerText(), /^1 esperando · 0 en curso$/);
  await card.getByRole('button', { name: 'Atender' }).click();
  await card.getByText(/^Aceptada (justo ahora|hace \d+ minutos?) por ti$/).waitFor({ timeout: 3000 });
  await checkAxe(page, 'staff-es');
  await shot(page, 'staff-es');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

// ------------------------------------------------------------------------------------------
// The kiosk's notice in German (and French), at every kiosk size

async function kioskFits(page, label) {
  const fit = await page.evaluate(() => {
    const inside = (sel) => {
      const r = document.querySelector(sel).getBoundingClientRect();
      return r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
    };
    return {
      parts: ['#qr', '#countdown', '#code-rule', '#privacy', '#languages'].filter((s) => !inside(s)),
      scrolls: document.documentElement.scrollHeight > innerHeight || document.documentElement.scrollWidth > innerWidth,
    };
  });
  assert.deepEqual(fit.parts, [], `${label}: not inside the screen`);
  assert.equal(fit.scrolls, false, `${label}: the kiosk scrolls`);
}

test('a passer-by reads the kiosk notice in German by tapping "Deutsch"; it fits every kiosk screen', async () => {
  const de = await getJson('/v1/store', 'de');
  const fr = await getJson('/v1/store', 'fr');
  const page = await newLocalePage('en-US', { width: 1920, height: 1080 });
  await page.goto(baseUrl + '/kiosk');
  await page.waitForSelector('body[data-connection="live"] #qr-image:not([hidden])', { timeout: 10000 });
  assert.equal((await htmlLang(page))[0], 'en');
  assert.deepEqual(await page.locator('#languages button').allInnerTexts(), ['English', 'Italiano', 'Español', 'Deutsch', 'Français']);
  await page.getByRole('button', { name: 'Deutsch' }).click();
  await page.waitForFunction(() => document.documentElement.lang === 'de');
  await page.locator('#privacy-title', { hasText: de.notice.title }).waitFor();
  const notice = await page.locator('#privacy').innerText();
  for (const words of [de.notice.summary, de.notice.rights.summary, '24 Stunden', '12 Monate']) {
    assert.ok(notice.includes(words), `the German notice lacks '${words}'`);
  }
  await page.getByText(/Neuer Code in \d+ s/).waitFor({ timeout: 3000 });
  assert.match(await page.locator('#code-rule').innerText(), /10 Minuten/);
  await checkAxe(page, 'kiosk-de');
  for (const [width, height] of [[1920, 1080], [1280, 800], [1080, 1920]]) {
    await page.setViewportSize({ width, height });
    await kioskFits(page, `de ${width}x${height}`);
    await shot(page, `kiosk-de-${width}x${height}`);
  }
  await page.getByRole('button', { name: 'Français' }).click();
  await page.locator('#privacy-title', { hasText: fr.notice.title }).waitFor();
  for (const [width, height] of [[1920, 1080], [1280, 800], [1080, 1920]]) {
    await page.setViewportSize({ width, height });
    await kioskFits(page, `fr ${width}x${height}`);
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the kiosk goes back to the store\'s language a minute after the last tap, for the next person', async () => {
  const page = await newLocalePage('en-US', { width: 1280, height: 800 });
  await page.clock.install();
  await page.goto(baseUrl + '/kiosk');
  await page.waitForSelector('body[data-connection="live"] #qr-image:not([hidden])', { timeout: 10000 });
  await page.getByRole('button', { name: 'Español' }).click();
  await page.waitForFunction(() => document.documentElement.lang === 'es');
  await page.clock.runFor(30000);
  assert.equal((await htmlLang(page))[0], 'es', 'still Spanish after 30 s');
  await page.clock.runFor(31000);
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await page.locator('#languages button[aria-pressed="true"]').innerText(), 'English');
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'the kiosk remembers nobody\'s language');
  await page.context().close();
});

// ------------------------------------------------------------------------------------------
// The pseudo-locale: every word on every screen from the catalog (or the box), nothing clipped

test('pseudo-locale: on every shopper screen all visible text is from the catalog or the box, no control clipped', async () => {
  const page = await newLocalePage('en-US');
  await page.goto(baseUrl + '/shop?pseudo');
  await page.waitForSelector('body[data-view="noscan"]');
  assert.deepEqual(await pseudoProblems(page), [], 'scan screen');
  await page.goto(baseUrl + '/shop?pseudo&p=' + (await presenceCode()));
  await page.waitForSelector('body[data-view="checkin"]');
  await page.locator('#checkin-purposes details.more summary').first().tap();
  assert.deepEqual(await pseudoProblems(page), [], 'check-in screen');
  await shot(page, 'pseudo-checkin');
  for (const p of ['offers', 'assistance', 'name_to_staff']) {
    await page.locator(`#checkin-purposes fieldset[data-purpose="${p}"] input[data-answer="yes"] + label`).tap();
  }
  await page.locator('#checkin-button').tap();
  await page.waitForSelector('body[data-view="visit"]', { timeout: 10000 });
  await page.locator('#receipts-list li').first().waitFor();
  await page.locator('#interests-list input[type="checkbox"]').first().tap();
  await page.locator('#interests-button').tap();
  await page.locator('#offers-list li').first().waitFor({ timeout: 5000 });
  await page.locator('#why-button').tap();
  await page.locator('#why-panel:not([hidden])').waitFor();
  await page.locator('#help-button').tap(); // refused on the page: the field errors show
  await page.locator('#help-topic-error:not(:empty)').waitFor();
  assert.deepEqual(await pseudoProblems(page), [], 'visit screen');
  await shot(page, 'pseudo-visit');
  await page.locator('#end-button').tap();
  await page.waitForSelector('body[data-view="done"]', { timeout: 10000 });
  assert.deepEqual(await pseudoProblems(page), [], 'done screen');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('pseudo-locale: the kiosk and the staff console are all catalog words too', async () => {
  const kiosk = await newLocalePage('en-US', { width: 1280, height: 800 });
  await kiosk.goto(baseUrl + '/kiosk?pseudo');
  await kiosk.waitForSelector('body[data-connection="live"] #qr-image:not([hidden])', { timeout: 10000 });
  await kiosk.getByText(/⟦.*\d+.*⟧/).first().waitFor();
  assert.deepEqual(await pseudoProblems(kiosk), [], 'kiosk');
  await shot(kiosk, 'pseudo-kiosk');
  // 30% longer words still fit every kiosk screen.
  for (const [width, height] of [[1920, 1080], [1280, 800], [1080, 1920]]) {
    await kiosk.setViewportSize({ width, height });
    await kioskFits(kiosk, `pseudo ${width}x${height}`);
  }
  await kiosk.context().close();

  const staff = await newLocalePage('en-US', { width: 1024, height: 768 });
  await staff.goto(baseUrl + '/staff?pseudo');
  await staff.waitForSelector('body[data-view="login"] #login-title:not(:empty)');
  assert.deepEqual(await pseudoProblems(staff), [], 'staff login');
  await staff.locator('#staff-id').fill(STAFF.id);
  await staff.locator('#pin').fill(STAFF.pin);
  await staff.locator('#login-button').click();
  await staff.waitForSelector('body[data-view="queue"]');
  const checkin = await call('POST', '/v1/checkins', { body: { presence_code: await presenceCode(), purposes: { assistance: true } } });
  await call('POST', '/v1/assist', { token: checkin.json.visit_token, body: { topic: 'product advice', expertise: 'expert' } });
  await staff.locator('#queue li.prompt').first().waitFor({ timeout: 5000 });
  assert.deepEqual(await pseudoProblems(staff), [], 'staff queue');
  await shot(staff, 'pseudo-staff');
  assert.deepEqual(staff.problems, []);
  await staff.context().close();
});
