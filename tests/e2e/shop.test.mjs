// Browser tests of the shopper page (GET /shop?p=<presence code>) on a phone-sized screen: the
// real optin-edged (plain HTTP on an ephemeral loopback port, temporary data dir, a store
// interest list, help topics and an offer catalog), the page in Debian's Chromium through
// playwright-core with touch, staff driven through the REST API, and axe-core on every screen.
//
//   node tests/e2e/shop.test.mjs --daemon build/dev/firmware/optin-edged \
//        --optinctl build/dev/tools/optinctl/optinctl [--out build/dev/e2e]
//
// The same can come from OPTIN_EDGED, OPTINCTL, E2E_OUT_DIR and CHROMIUM. Screenshots land in
// the output dir as shop-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, readFile, readdir, rm } from 'node:fs/promises';
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
  assertPageHeaders,
} from './harness.mjs';

const { daemonPath, optinctlPath, chromiumPath, outDir } = commonSettings();
requireFiles('e2e shop', commonFiles({ daemonPath, optinctlPath, chromiumPath }));

const PHONE = { width: 390, height: 844 };
// 360 x 640 at 200% zoom: the page lays out in half the CSS pixels.
const ZOOMED = { width: 180, height: 320 };
const STAFF = { id: 'sam', role: 'associate', pin: '615243' };
const INTERESTS = ['running', 'trail running', 'hiking', 'cycling'];
const TOPICS = ['sizing and fit', 'product advice', 'find a product'];
// What an anonymous visit is asked; with the app also 'history' (an anonymous visit is linked to
// nothing, so there is nothing to remember).
const PURPOSES = ['offers', 'assistance', 'name_to_staff', 'hq_aggregates'];
const APP_PURPOSES = ['offers', 'assistance', 'name_to_staff', 'history', 'hq_aggregates'];
const SESSION_KEY = 'optin-edge.shop-visit';
const DAY = 86400;
const CATALOG = {
  version: 't1',
  offers: [
    {
      id: 'trail-shoe-fit',
      title: 'Trail shoe fitting',
      description: 'A 15-minute fitting for your first trail shoes.',
      categories: ['trail running'],
      expertise: 'beginner',
      price: { amount_minor: 1999, currency: 'EUR' },
      terms: 'One per shopper per day.',
    },
    {
      id: 'hiking-socks',
      title: 'Merino hiking socks',
      description: 'Two pairs of merino hiking socks.',
      categories: ['hiking'],
      price: { amount_minor: 2490, currency: 'EUR' },
      terms: 'While stocks last.',
    },
    {
      id: 'road-bike-service',
      title: 'Road bike service',
      description: 'A full service for your road bike.',
      categories: ['cycling'],
      expertise: 'expert',
      price: { amount_minor: 4900, currency: 'EUR' },
      terms: 'Book at the counter.',
    },
  ],
};

// ------------------------------------------------------------------------------------------
// The daemon and optinctl

let workDir;
let dataDir;
let daemon;
let ctl;
let baseUrl;

const call = apiCaller(() => baseUrl);

// The store's current presence code, from optinctl (the first word of its output).
async function presenceCode() {
  return (await ctl(['presence-code'])).split(/\s+/)[0];
}

// Every byte of the daemon's database files (main file, WAL, shared memory).
async function databaseBytes() {
  const chunks = [];
  async function walk(dir) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (/\.(db|sqlite)(-wal|-shm|-journal)?$/.test(entry.name)) chunks.push(await readFile(p));
    }
  }
  await walk(dataDir);
  assert.ok(chunks.length > 0, 'no database files found');
  return Buffer.concat(chunks).toString('latin1');
}

// ------------------------------------------------------------------------------------------
// The browser

let browser;

// A phone: touch, mobile viewport; page.problems collects console and page errors, and
// page.sent every API request with its headers.
async function newPhonePage(viewport = PHONE) {
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.problems = [];
  page.sent = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(m.text());
  });
  page.on('pageerror', (e) => page.problems.push('page error: ' + e.message));
  page.on('request', async (r) => {
    const url = new URL(r.url());
    if (!url.pathname.startsWith('/v1/')) return;
    try {
      page.sent.push({ method: r.method(), path: url.pathname + url.search, headers: await r.allHeaders() });
    } catch {
      // The page closed before its headers could be read: the test that sent it has ended.
    }
  });
  return page;
}

const checkAxe = (page, label) =>
  checkAxeIn(page, { outDir, label: `shop-${label}`, screen: `shop ${label}` });

const shot = (page, name) => shotFile(page, path.join(outDir, `shop-${name}.png`));

const sentTo = (page, method, prefix) => page.sent.filter((s) => s.method === method && s.path.startsWith(prefix));

// Everything but the HTTP errors the browser logs for refused requests the test provokes.
function unexpectedProblems(page) {
  return page.problems.filter((p) => !/Failed to load resource: the server responded with a status of (400|401|403|404|409)/.test(p));
}

// The elements that stick out past the right edge (the page would scroll sideways): none.
async function sticksOut(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out = Array.from(document.querySelectorAll('body *'))
      .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > width + 0.5)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}: ${(e.textContent || '').trim().slice(0, 40)}`);
    if (document.documentElement.scrollWidth > width && !out.length) out.push('the page scrolls sideways');
    return out;
  });
}

const choice = (page, where, purpose) => page.locator(`${where} fieldset.choice[data-purpose="${purpose}"]`);
const answerLabel = (page, where, purpose, answer) =>
  choice(page, where, purpose).locator(`input[data-answer="${answer}"] + label`);

async function labelStyle(locator) {
  return locator.evaluate((e) => {
    const s = getComputedStyle(e);
    return {
      fontWeight: s.fontWeight,
      fontSize: s.fontSize,
      fontFamily: s.fontFamily,
      color: s.color,
      backgroundColor: s.backgroundColor,
      borderColor: s.borderTopColor,
      borderWidth: s.borderTopWidth,
      padding: s.padding,
    };
  });
}

async function visitToken(page) {
  return page.evaluate((key) => JSON.parse(sessionStorage.getItem(key) || '{}').visit_token, SESSION_KEY);
}

// ------------------------------------------------------------------------------------------

before(async () => {
  await mkdir(outDir, { recursive: true });
  ({ workDir, dataDir } = await makeWorkDir('optin-shop-e2e-'));
  const now = Math.floor(Date.now() / 1000);
  for (const o of CATALOG.offers) {
    o.valid_from = now - DAY;
    o.valid_until = now + 30 * DAY;
  }
  const catalogFile = path.join(workDir, 'catalog.json');
  await writeFile(catalogFile, JSON.stringify(CATALOG, null, 2));
  const base =
    '[listen]\nplain_http = true\n[admin]\nport = 0\n' +
    `[store]\ninterests = ${JSON.stringify(INTERESTS)}\n` +
    `[assist]\ntopics = ${JSON.stringify(TOPICS)}\n`;
  const configFile = path.join(workDir, 'optin-edge.toml');
  ctl = optinctl(optinctlPath, dataDir);
  await ctl(['token', 'init-dev']);
  await ctl(['staff', 'add', '--id', STAFF.id, '--role', STAFF.role], STAFF.pin + '\n');
  await writeFile(configFile, base + `[offers]\ncatalog_file = ${JSON.stringify(catalogFile)}\n`);
  daemon = new Daemon({ daemonPath, configFile, dataDir });
  await daemon.start();
  baseUrl = daemon.baseUrl;
  browser = await launchChromium(chromiumPath);
});

after(async () => {
  if (browser) await browser.close();
  if (daemon) await daemon.stop();
  await writeFile(path.join(outDir, 'optin-edged-shop.log'), daemon ? daemon.log : '');
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

test('the shopper page is served from the binary with its security headers', async () => {
  const r = await call('GET', '/shop');
  assert.equal(r.status, 200);
  assertPageHeaders(r.headers);
  assert.doesNotMatch(r.text, /https?:\/\/(?!www\.w3\.org)/, 'no CDN or other origin');
  assert.doesNotMatch(r.text, /<script>|<style>|\sstyle=|\son[a-z]+=/i, 'no inline script or style');
  assert.match(r.text, /<script type="module" src="\/shop\/main\.js"><\/script>/);
  // The page is ES modules by screen, served by the box; none of them is the whole page.
  const modules = ['main', 'state', 'views', 'checkin', 'consent', 'offers', 'help', 'privacy'].map((m) => `/shop/${m}.js`);
  for (const [asset, type] of [
    ...modules.map((m) => [m, /^text\/javascript/]),
    ['/common/i18n.js', /^text\/javascript/],
    ['/common/api.js', /^text\/javascript/],
    ['/common/i18n/it.js', /^text\/javascript/],
    ['/shop/shop.css', /^text\/css/],
  ]) {
    const a = await call('GET', asset);
    assert.equal(a.status, 200, asset);
    assert.match(a.headers.get('content-type'), type, asset);
    assert.doesNotMatch(a.text, /document\.cookie\s*=/, `${asset} sets no cookie`);
    // Only the chosen language outlives the tab (common/i18n.js); nothing about the visit does.
    if (asset !== '/common/i18n.js') assert.doesNotMatch(a.text, /localStorage\.setItem/, `${asset} stores nothing outside the tab`);
    if (modules.includes(asset)) {
      const lines = a.text.split('\n').length;
      assert.ok(lines < 450, `${asset} has ${lines} lines: split by screen`);
    }
  }
  assert.equal((await call('GET', '/shop/shop.js')).status, 404, 'the one-file page is gone');
});

test('without a presence code, or with an odd one, the page says in words to scan the QR', async () => {
  const page = await newPhonePage();
  await page.goto(baseUrl + '/shop');
  await page.waitForSelector('body[data-view="noscan"]');
  await page.getByRole('heading', { name: 'Scan the code at the entrance' }).waitFor();
  assert.match(await page.locator('#noscan-view').innerText(), /QR code on the screen at the store entrance/);
  await checkAxe(page, 'noscan');
  await shot(page, 'noscan');

  await page.goto(baseUrl + '/shop?p=' + encodeURIComponent('<b>HELLO world</b>'));
  await page.waitForSelector('body[data-view="noscan"]');
  await page.getByRole('heading', { name: 'This link cannot check you in' }).waitFor();
  assert.match(await page.locator('#noscan-text').innerText(), /does not carry a valid check-in code/);
  assert.equal(sentTo(page, 'POST', '/v1/checkins').length, 0, 'an odd code never leaves the page');
  await checkAxe(page, 'odd-code');
  await shot(page, 'odd-code');

  // Well formed but not the store's code (an old photo of the QR): the server refuses, the
  // page says what to do in words.
  await page.goto(baseUrl + '/shop?p=ZZZZZZZZ');
  await page.waitForSelector('body[data-view="checkin"]');
  await page.getByRole('button', { name: 'Check in' }).tap();
  const alert = page.locator('#checkin-message');
  await alert.filter({ hasText: 'Scan the QR code at the entrance again' }).waitFor();
  assert.equal(await alert.getAttribute('role'), 'alert');
  assert.equal(await page.getAttribute('body', 'data-view'), 'checkin');
  await checkAxe(page, 'checkin-refused');
  await shot(page, 'checkin-refused');
  assert.deepEqual(unexpectedProblems(page), []);
  await page.context().close();
});

test('the first screen: the notice, every purpose off, "No" exactly as prominent as "Yes"', async () => {
  const page = await newPhonePage();
  await page.goto(baseUrl + '/shop?p=' + (await presenceCode()));
  await page.waitForSelector('body[data-view="checkin"]');
  // The notice is the one in force, in the page's language (English here): its own words from
  // GET /v1/store, short first, the rights a tap away; how long comes from the retention config.
  const store = (await call('GET', '/v1/store')).json;
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  const notice = await page.locator('#notice').innerText();
  for (const words of [store.notice.title, store.notice.summary, 'deleted 24 hours after it ends, whatever you choose']) {
    assert.ok(notice.includes(words), `the notice lacks '${words}'`);
  }
  assert.match(store.notice.summary, /no cameras/i);
  assert.equal(await page.locator('#notice-rights').getAttribute('open'), null, 'the rights are a tap away');
  await page.locator('#notice-rights summary').tap();
  assert.ok((await page.locator('#notice-rights').innerText()).includes(store.notice.rights.details));
  for (const p of PURPOSES) {
    const words = store.purposes.find((x) => x.purpose === p);
    const fs = choice(page, '#checkin-purposes', p);
    assert.equal(await fs.locator('legend').innerText(), words.title, `${p}: the notice's title`);
    assert.equal(await fs.locator('.explain').innerText(), words.description, `${p}: the notice's summary`);
    assert.equal(await fs.locator('details.more dd').first().isVisible(), false, `${p}: details a tap away`);
  }
  await choice(page, '#checkin-purposes', 'offers').locator('details.more summary').tap();
  assert.ok((await choice(page, '#checkin-purposes', 'offers').locator('details.more').innerText()).includes(
    store.purposes.find((x) => x.purpose === 'offers').details.how_long));
  const shown = await page.locator('#checkin-purposes fieldset.choice').evaluateAll((fs) => fs.map((f) => f.dataset.purpose));
  assert.deepEqual(shown, PURPOSES);
  for (const p of PURPOSES) {
    const fs = choice(page, '#checkin-purposes', p);
    assert.equal(await fs.locator('input[data-answer="no"]').isChecked(), true, `${p} is off by default`);
    assert.equal(await fs.locator('input[data-answer="yes"]').isChecked(), false, `${p} is off by default`);
    assert.ok((await fs.locator('.explain').innerText()).length > 10, `${p} has a plain explanation`);
    const yes = answerLabel(page, '#checkin-purposes', p, 'yes');
    const no = answerLabel(page, '#checkin-purposes', p, 'no');
    const [by, bn] = [await yes.boundingBox(), await no.boundingBox()];
    assert.ok(Math.abs(by.width - bn.width) < 0.5 && Math.abs(by.height - bn.height) < 0.5, `${p}: Yes ${by.width}x${by.height}, No ${bn.width}x${bn.height}`);
    assert.ok(by.height >= 44, `${p}: big enough for a finger`);
    const [sy, sn] = [await labelStyle(yes), await labelStyle(no)];
    assert.equal(sy.fontWeight, sn.fontWeight, `${p}: same weight`);
    assert.equal(sy.fontSize, sn.fontSize, `${p}: same size`);
    assert.equal(sy.fontFamily, sn.fontFamily, `${p}: same font`);
  }
  // The colour treatment follows the selection, not the answer: a selected Yes looks exactly
  // like a selected No, an unselected No like an unselected Yes.
  await answerLabel(page, '#checkin-purposes', 'offers', 'yes').tap();
  assert.equal(await choice(page, '#checkin-purposes', 'offers').locator('input[data-answer="yes"]').isChecked(), true);
  assert.deepEqual(
    await labelStyle(answerLabel(page, '#checkin-purposes', 'offers', 'yes')),
    await labelStyle(answerLabel(page, '#checkin-purposes', 'hq_aggregates', 'no'))
  );
  assert.deepEqual(
    await labelStyle(answerLabel(page, '#checkin-purposes', 'offers', 'no')),
    await labelStyle(answerLabel(page, '#checkin-purposes', 'hq_aggregates', 'yes'))
  );
  // Undoing a yes takes the same one tap.
  await answerLabel(page, '#checkin-purposes', 'offers', 'no').tap();
  assert.equal(await choice(page, '#checkin-purposes', 'offers').locator('input[data-answer="no"]').isChecked(), true);
  await checkAxe(page, 'checkin');
  await shot(page, 'checkin');
  assert.equal(sentTo(page, 'POST', '/v1/checkins').length, 0, 'nothing is sent before "Check in"');
  assert.deepEqual(unexpectedProblems(page), []);
  await page.context().close();
});

test('at 200% zoom on a 360 px phone the first screen needs no sideways scrolling', async () => {
  const page = await newPhonePage(ZOOMED);
  await page.goto(baseUrl + '/shop?p=' + (await presenceCode()));
  await page.waitForSelector('body[data-view="checkin"]');
  assert.deepEqual(await sticksOut(page), [], 'nothing sticks out sideways');
  const yes = await answerLabel(page, '#checkin-purposes', 'hq_aggregates', 'yes').boundingBox();
  const no = await answerLabel(page, '#checkin-purposes', 'hq_aggregates', 'no').boundingBox();
  assert.ok(Math.abs(yes.width - no.width) < 0.5 && Math.abs(yes.height - no.height) < 0.5);
  await checkAxe(page, 'checkin-zoomed');
  await shot(page, 'checkin-zoomed');
  await page.context().close();
});

let page; // the shopper's phone, shared by the visit tests in order
let visitId;

test('the shopper grants offers and assistance and checks in anonymously', async () => {
  page = await newPhonePage();
  await page.goto(baseUrl + '/shop?p=' + (await presenceCode()));
  await page.waitForSelector('body[data-view="checkin"]');
  await answerLabel(page, '#checkin-purposes', 'offers', 'yes').tap();
  await answerLabel(page, '#checkin-purposes', 'assistance', 'yes').tap();
  await page.getByRole('button', { name: 'Check in' }).tap();
  await page.waitForSelector('body[data-view="visit"]', { timeout: 10000 });
  const title = await page.locator('#visit-title').innerText();
  assert.match(title, /^You are \S.* today$/);

  // Anonymous: no Authorization header, only the chosen purposes in the body.
  const [checkin] = sentTo(page, 'POST', '/v1/checkins');
  assert.equal(checkin.headers.authorization, undefined);
  // The visit token is in sessionStorage only; nothing in localStorage or cookies.
  const stored = await page.evaluate(() => ({
    session: Object.keys(sessionStorage),
    local: localStorage.length,
    cookies: document.cookie,
  }));
  assert.deepEqual(stored, { session: [SESSION_KEY], local: 0, cookies: '' });
  const token = await visitToken(page);
  assert.match(token, /^vt_/);
  // The code is gone from the address bar: a reload opens the visit, not a second check-in.
  assert.equal(new URL(page.url()).search, '');

  // The API agrees: exactly offers and assistance (and presence) are granted.
  const me = await call('GET', '/v1/me', { token });
  assert.equal(me.status, 200, me.text);
  const granted = me.json.purposes.filter((p) => p.state === 'granted').map((p) => p.purpose).sort();
  assert.deepEqual(granted, ['assistance', 'offers', 'presence']);
  visitId = me.json.current_visit.id;
  assert.equal(me.json.current_visit.channel, 'web');
  assert.ok(title.includes(me.json.current_visit.pseudonym));
  assert.ok(await choice(page, '#visit-purposes', 'history').isHidden(), 'an anonymous visit is not asked to be remembered');
  for (const p of PURPOSES) {
    const on = p === 'offers' || p === 'assistance';
    assert.equal(await choice(page, '#visit-purposes', p).locator('input[data-answer="yes"]').isChecked(), on, p);
  }
  // Every later call carries the visit token.
  await page.waitForFunction(() => document.querySelectorAll('#receipts-list li.receipt').length > 0);
  const later = page.sent.filter((s) => s.path.startsWith('/v1/me'));
  assert.ok(later.length > 0);
  for (const s of later) assert.equal(s.headers.authorization, `Bearer ${token}`);
  await checkAxe(page, 'visit');
  await shot(page, 'visit');

  // A reload keeps the visit (same tab).
  await page.reload();
  await page.waitForSelector('body[data-view="visit"]');
  assert.equal(await page.locator('#visit-title').innerText(), title);
});

test('the shopper picks interests and sees offers, each with its reason', async () => {
  // No interests yet: the page says how offers are chosen.
  await page.locator('#offers-on').waitFor();
  const interest = page.locator('#interests-list li', { hasText: /^trail running/ });
  await interest.getByRole('checkbox').tap();
  await interest.getByRole('combobox').selectOption('beginner');
  await page.locator('#interests-list li', { hasText: /^hiking/ }).getByRole('checkbox').tap();
  // The page asks for offers again after saving (each showing is recorded by the store, so
  // the test reads the page's own answer instead of asking a second time).
  const answered = page.waitForResponse(
    (r) => new URL(r.url()).pathname === '/v1/offers' && r.request().method() === 'GET'
  );
  await page.getByRole('button', { name: 'Save my interests' }).tap();
  await page.locator('#status', { hasText: 'Interests saved: 2 interests' }).waitFor();
  const token = await visitToken(page);
  const me = await call('GET', '/v1/me', { token });
  assert.deepEqual(
    me.json.interests.map((i) => [i.topic, i.expertise ?? null]).sort(),
    [
      ['hiking', null],
      ['trail running', 'beginner'],
    ]
  );
  const response = await answered;
  const offersRoute = { status: response.status(), json: await response.json().catch(() => null) };
  assert.equal(offersRoute.status, 200, JSON.stringify(offersRoute.json));
  assert.equal(offersRoute.json.catalog_version, CATALOG.version);
  assert.equal(response.request().headers().authorization, `Bearer ${token}`);
  await page.locator('#offers-list li.offer').first().waitFor({ timeout: 5000 });
  const cards = page.locator('#offers-list li.offer');
  const ids = await cards.evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.deepEqual([...ids].sort(), offersRoute.json.offers.map((o) => o.id).sort());
  assert.ok(ids.includes('trail-shoe-fit'), `offers shown: ${ids.join(', ')}`);
  assert.ok(!ids.includes('road-bike-service'), 'an offer outside the interests is not picked');
  for (const id of ids) {
    const card = page.locator(`#offers-list li.offer[data-id="${id}"]`);
    const reason = await card.locator('.reason').innerText();
    assert.match(reason, /^Why you see this: \S/, `${id} shows its reason`);
    const offer = CATALOG.offers.find((o) => o.id === id);
    const expected = await page.evaluate(
      (p) => new Intl.NumberFormat(undefined, { style: 'currency', currency: p.currency }).format(p.amount_minor / 100),
      offer.price
    );
    assert.equal(await card.locator('.price').innerText(), expected, `${id}: the catalog's price, formatted`);
  }
  await checkAxe(page, 'offers');
  await shot(page, 'offers');
  // "Why these offers?" opens the same explanations as My data, naming each offer shown.
  await page.getByRole('button', { name: 'Why these offers?' }).tap();
  await page.locator('#why-list li[data-kind="offer"]', { hasText: 'Trail shoe fitting' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'why-title');
  await page.getByRole('button', { name: 'Why am I seeing this?' }).tap();
  await page.locator('#why-panel').waitFor({ state: 'hidden' });
});

test('bad input in the help form is refused in words and never sent', async () => {
  const form = page.locator('#help-form');
  await form.waitFor();
  assert.ok(await page.locator('#help-name-field').isHidden(), 'no name field without name_to_staff');
  const options = await page.locator('#help-topic option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  if (options.length === 0) {
    throw new Error('GET /v1/store lists no assist_topics: the help form cannot offer topics');
  }
  assert.deepEqual(options, TOPICS);
  // Nothing chosen: each field says what is missing.
  await page.getByRole('button', { name: 'Ask for help' }).tap();
  await page.locator('#help-topic-error', { hasText: 'Choose what you need help with' }).waitFor();
  await page.locator('#help-expertise-error', { hasText: 'Choose how much you know' }).waitFor();
  assert.equal(await page.locator('#help-topic').getAttribute('aria-invalid'), 'true');

  await page.locator('#help-topic').selectOption('sizing and fit');
  await page.locator('label[for="help-level-beginner"]').tap();
  // Over 280 characters: the live count says so, and the page refuses in words.
  await page.locator('#help-note').fill('a'.repeat(281));
  assert.equal(await page.locator('#help-note-count').innerText(), '281 of 280 characters: 1 character too many');
  await page.getByRole('button', { name: 'Ask for help' }).tap();
  await page.locator('#help-note-error', { hasText: 'Keep it to 280 characters' }).waitFor();
  assert.equal(await page.locator('#help-note').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#help-message').innerText(), /not sent/);
  await checkAxe(page, 'help-refused');
  await shot(page, 'help-refused');
  // Control characters (a line break, a right-to-left override) are refused too.
  for (const note of ['Size 42\nor 43?', 'Size 42 \u202Eor 43']) {
    await page.locator('#help-note').fill(note);
    await page.getByRole('button', { name: 'Ask for help' }).tap();
    await page.locator('#help-note-error', { hasText: 'control character' }).waitFor();
  }
  // The page's limit is the server's too: 280 exactly is fine.
  await page.locator('#help-note').fill('b'.repeat(280));
  assert.equal(await page.locator('#help-note-count').innerText(), '280 of 280 characters');
  assert.equal(await page.locator('#help-note-error').innerText(), '');
  assert.equal(sentTo(page, 'POST', '/v1/assist').length, 0, 'nothing was sent');

  // What only the server knows: a first name that is not a name. It appears once the shopper
  // allows their name to be shown (one tap); the refusal lands next to the field.
  await answerLabel(page, '#visit-purposes', 'name_to_staff', 'yes').tap();
  await page.locator('#help-name-field').waitFor();
  await page.locator('#help-note').fill('Trail shoes: size 42 or 43?');
  await page.locator('#help-name').fill('R2-D2');
  await page.getByRole('button', { name: 'Ask for help' }).tap();
  await page.locator('#help-name-error', { hasText: 'only letters' }).waitFor();
  assert.equal(await page.locator('#help-name').getAttribute('aria-invalid'), 'true');
  assert.equal(sentTo(page, 'POST', '/v1/assist').length, 1);
  await checkAxe(page, 'help-name-refused');
  // Nothing half-applied: no help request exists.
  const me = await call('GET', '/v1/me', { token: await visitToken(page) });
  assert.deepEqual(me.json.help_requests, []);
  await page.locator('#help-name').fill('');
  await answerLabel(page, '#visit-purposes', 'name_to_staff', 'no').tap();
  await page.locator('#help-name-field').waitFor({ state: 'hidden' });
});

let requestId;

test('the shopper asks for help and sees staff claim it', async () => {
  await page.locator('#help-note').fill('Trail shoes: size 42 or 43?');
  await page.getByRole('button', { name: 'Ask for help' }).tap();
  await page.locator('#help-state', { hasText: 'Waiting for a member of staff' }).waitFor({ timeout: 5000 });
  const token = await visitToken(page);
  const sent = sentTo(page, 'POST', '/v1/assist').at(-1);
  assert.equal(sent.headers.authorization, `Bearer ${token}`);
  requestId = await page.evaluate((key) => JSON.parse(sessionStorage.getItem(key)).help_id, SESSION_KEY);
  assert.match(requestId, /^h_/);
  assert.match(await page.locator('#help-detail').innerText(), /in the queue|You are next/);
  assert.ok(await page.getByRole('button', { name: 'Cancel my request' }).isVisible());
  await checkAxe(page, 'help-waiting');
  await shot(page, 'help-waiting');

  // A member of staff claims it through the API; the page hears within a poll or two.
  const login = await call('POST', '/v1/staff/login', { body: { staff_id: STAFF.id, pin: STAFF.pin } });
  assert.equal(login.status, 200, login.text);
  const claim = await call('POST', `/v1/staff/prompts/${requestId}/claim`, { token: login.json.token });
  assert.equal(claim.status, 200, claim.text);
  await page.locator('#help-state', { hasText: 'A member of staff is on the way to you' }).waitFor({ timeout: 8000 });
  await page.locator('#status', { hasText: 'on the way' }).waitFor({ timeout: 2000 });
  assert.equal(await page.getAttribute('#help-status', 'data-state'), 'claimed');
  await checkAxe(page, 'help-claimed');
  await shot(page, 'help-claimed');
});

test('my data: the download holds the visit; receipts and "why" are shown', async () => {
  const token = await visitToken(page);
  // Everything the store holds, readably.
  await page.locator('#data-view section[data-part="current_visit"]').waitFor();
  for (const part of ['current_visit', 'consents', 'interests', 'help_requests', 'visits', 'access_log']) {
    assert.equal(await page.locator(`#data-view section[data-part="${part}"]`).count(), 1, part);
  }
  assert.ok((await page.locator('#data-view').innerText()).includes('Trail shoes: size 42 or 43?'));

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download my data' }).tap(),
  ]);
  assert.equal(download.suggestedFilename(), 'my-data.json');
  const saved = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.equal(saved.current_visit.id, visitId);
  assert.ok(saved.visits.some((v) => v.id === visitId), 'the downloaded data holds the visit');
  assert.ok(saved.help_requests.some((h) => h.id === requestId));
  const [dl] = sentTo(page, 'GET', '/v1/me?download=1');
  assert.equal(dl.headers.authorization, `Bearer ${token}`);

  // Each receipt with its id, date and signed JWS, as the API has them.
  const receipts = await call('GET', '/v1/me/receipts', { token });
  assert.equal(receipts.status, 200);
  const shownIds = await page.locator('#receipts-list li.receipt').evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.deepEqual([...shownIds].sort(), receipts.json.receipts.map((r) => r.id).sort());
  const first = page.locator('#receipts-list li.receipt').first();
  await first.locator('summary').tap();
  const jws = await first.locator('textarea').inputValue();
  assert.equal(jws.split('.').length, 3);
  assert.ok(receipts.json.receipts.some((r) => r.jws === jws));
  await checkAxe(page, 'my-data');
  await shot(page, 'my-data');

  const why = await call('GET', '/v1/me/why', { token });
  assert.equal(why.status, 200, why.text);
  await page.getByRole('button', { name: 'Why am I seeing this?' }).tap();
  await page.locator('#why-panel').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Why am I seeing this?' }).getAttribute('aria-expanded'), 'true');
  const texts = await page.locator('#why-list .statement-text').allInnerTexts();
  assert.ok(texts.length > 0);
  for (const s of why.json.statements) assert.ok(texts.includes(s.text), `"why" shows: ${s.text}`);
  // The staff member's claim is among them, by role.
  assert.ok(why.json.statements.some((s) => s.kind === 'staff'), 'the claim is explained');
  await checkAxe(page, 'why');
  await shot(page, 'why');
});

test('withdrawing a purpose is one tap, as granting is', async () => {
  const token = await visitToken(page);
  const before = (await call('GET', '/v1/me/receipts', { token })).json.receipts.length;
  const tapsBefore = sentTo(page, 'PUT', '/v1/me/consents/').length;
  await answerLabel(page, '#visit-purposes', 'assistance', 'no').tap();
  await page.locator('#status', { hasText: 'Help from staff turned off' }).waitFor({ timeout: 5000 });
  assert.equal(sentTo(page, 'PUT', '/v1/me/consents/').length, tapsBefore + 1);
  const me = await call('GET', '/v1/me', { token });
  assert.equal(me.json.purposes.find((p) => p.purpose === 'assistance').state, 'withdrawn');
  assert.equal((await call('GET', '/v1/me/receipts', { token })).json.receipts.length, before + 1);
  // The open help request went with it, and the page says so.
  await page.locator('#help-off').waitFor();
  assert.equal((await call('GET', `/v1/assist/${requestId}`, { token })).json.request.state, 'retracted');

  // Offers off: the page says so in words, with the switch right there; one tap brings them back.
  await answerLabel(page, '#visit-purposes', 'offers', 'no').tap();
  await page.locator('#offers-off', { hasText: 'Offers are off. Turn them on to see offers picked for you.' }).waitFor();
  const offers = await call('GET', '/v1/offers', { token });
  assert.equal(offers.status, 403, offers.text);
  assert.match(offers.json.type, /consent-required$/);
  await checkAxe(page, 'withdrawn');
  await shot(page, 'withdrawn');
  await answerLabel(page, '#offers-switch', 'offers', 'yes').tap();
  await page.locator('#offers-on').waitFor();
  assert.equal(await choice(page, '#visit-purposes', 'offers').locator('input[data-answer="yes"]').isChecked(), true);
});

test('delete everything: one tap, a plain confirmation, and nothing remains', async () => {
  const token = await visitToken(page);
  const me = await call('GET', '/v1/me', { token });
  const subject = me.json.subject.pseudonym;
  assert.ok((await databaseBytes()).includes(subject), 'the subject is there before (the check is not vacuous)');
  await page.getByRole('button', { name: 'Delete everything about me now' }).tap();
  await page.waitForSelector('body[data-view="done"]', { timeout: 10000 });
  await page.getByRole('heading', { name: 'Everything about you is deleted' }).waitFor();
  assert.match(await page.locator('#done-text').innerText(), /deleted on .+\d/);
  const receipt = await page.locator('#done-receipt-text').inputValue();
  assert.equal(receipt.split('.').length, 3, 'the erasure receipt is shown');
  assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0);
  // Through the API: the visit token is refused, and the database files hold no byte of it.
  const after = await call('GET', '/v1/me', { token });
  assert.equal(after.status, 401, after.text);
  const bytes = await databaseBytes();
  for (const needle of [subject, visitId, requestId]) {
    assert.ok(!bytes.includes(needle), `still in the database files: ${needle}`);
  }
  await checkAxe(page, 'deleted');
  await shot(page, 'deleted');
  // A reload does not bring anything back.
  await page.goto(baseUrl + '/shop');
  await page.waitForSelector('body[data-view="noscan"]');
  const csp = page.problems.filter((p) => /Content Security Policy/i.test(p));
  assert.deepEqual(csp, [], 'no CSP violations');
  assert.deepEqual(unexpectedProblems(page), []);
  await page.context().close();
});

test('from the app: the token is read from the fragment, cleared, used once; then the visit ends', async () => {
  const appToken = await ctl(['token', 'mint', '--sub', 'shop-e2e-app-shopper']);
  const phone = await newPhonePage();
  await phone.goto(baseUrl + '/shop?p=' + (await presenceCode()) + '#t=' + appToken);
  await phone.waitForSelector('body[data-view="checkin"]');
  assert.equal(new URL(phone.url()).hash, '', 'the token is gone from the address bar');
  const shown = await phone.locator('#checkin-purposes fieldset.choice').evaluateAll((fs) => fs.map((f) => f.dataset.purpose));
  assert.deepEqual(shown, APP_PURPOSES);
  assert.match(await phone.locator('#notice').innerText(), /after 180 days if you say yes to “Remember me”/);
  assert.ok(!(await phone.content()).includes(appToken));
  await answerLabel(phone, '#checkin-purposes', 'history', 'yes').tap();
  await phone.getByRole('button', { name: 'Check in' }).tap();
  await phone.waitForSelector('body[data-view="visit"]', { timeout: 10000 });
  const [checkin] = sentTo(phone, 'POST', '/v1/checkins');
  assert.equal(checkin.headers.authorization, `Bearer ${appToken}`);
  const token = await visitToken(phone);
  assert.match(token, /^vt_/);
  const stored = await phone.evaluate(() => JSON.stringify(sessionStorage) + JSON.stringify(localStorage));
  assert.ok(!stored.includes(appToken), 'the app token is not stored');
  const me = await call('GET', '/v1/me', { token });
  assert.equal(me.json.current_visit.channel, 'app');
  const granted = me.json.purposes.filter((p) => p.state === 'granted').map((p) => p.purpose).sort();
  assert.deepEqual(granted, ['history', 'presence'], 'what was chosen on the page, nothing else');

  // At 200% zoom the visit screen needs no sideways scrolling either.
  await phone.setViewportSize(ZOOMED);
  assert.deepEqual(await sticksOut(phone), [], 'nothing on the visit screen sticks out sideways');
  await checkAxe(phone, 'visit-zoomed');
  await shot(phone, 'visit-zoomed');
  await phone.setViewportSize(PHONE);

  await phone.getByRole('button', { name: 'End my visit' }).tap();
  await phone.waitForSelector('body[data-view="done"]', { timeout: 10000 });
  await phone.getByRole('heading', { name: 'Your visit has ended' }).waitFor();
  assert.match(await phone.locator('#done-text').innerText(), /Remember me/);
  assert.equal(await phone.evaluate(() => sessionStorage.length), 0);
  assert.equal((await call('GET', '/v1/me', { token })).status, 401);
  await checkAxe(phone, 'ended');
  await shot(phone, 'ended');
  assert.deepEqual(unexpectedProblems(phone), []);
  await phone.context().close();
});

test('a visit ended elsewhere: the page says so and a fresh code checks in anew', async () => {
  const phone = await newPhonePage();
  await phone.goto(baseUrl + '/shop?p=' + (await presenceCode()));
  await phone.getByRole('button', { name: 'Check in' }).tap();
  await phone.waitForSelector('body[data-view="visit"]', { timeout: 10000 });
  const token = await visitToken(phone);
  // Nothing was granted: the check-in asked only for presence.
  const me = await call('GET', '/v1/me', { token });
  const granted = me.json.purposes.filter((p) => p.state === 'granted').map((p) => p.purpose);
  assert.deepEqual(granted, ['presence']);
  assert.equal((await call('POST', '/v1/checkins/current/end', { token })).status, 200);

  // The same tab scans the entrance QR again.
  await phone.goto(baseUrl + '/shop?p=' + (await presenceCode()));
  await phone.waitForSelector('body[data-view="checkin"]', { timeout: 10000 });
  await phone.locator('#checkin-message', { hasText: 'Your earlier visit has ended' }).waitFor();
  assert.equal(await phone.evaluate(() => sessionStorage.length), 0, 'the refused token is forgotten');
  await phone.getByRole('button', { name: 'Check in' }).tap();
  await phone.waitForSelector('body[data-view="visit"]', { timeout: 10000 });
  assert.notEqual(await visitToken(phone), token);
  assert.deepEqual(unexpectedProblems(phone), []);
  await phone.context().close();
});
