// Browser tests of the staff console: the real optin-edged (plain HTTP on an ephemeral
// loopback port, temporary data dir), staff accounts made with optinctl, shoppers driven
// through the REST API, and the page driven in Debian's Chromium through playwright-core.
//
//   node tests/e2e/run.mjs --daemon build/dev/firmware/optin-edged \
//        --optinctl build/dev/tools/optinctl/optinctl [--out build/dev/e2e]
//
// The same can come from OPTIN_EDGED, OPTINCTL, E2E_OUT_DIR and CHROMIUM (default
// /usr/bin/chromium). Screenshots land in the output dir (default: next to the daemon's
// build dir, <build>/e2e).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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
  newPage,
  shot as shotFile,
  checkAxe as checkAxeIn,
  apiCaller,
  assertPageHeaders,
} from './harness.mjs';

// ------------------------------------------------------------------------------------------
// Settings

const { daemonPath, optinctlPath, chromiumPath, outDir } = commonSettings();
requireFiles('e2e', commonFiles({ daemonPath, optinctlPath, chromiumPath }));

const STAFF = { id: 'anna', role: 'associate', pin: '482913' };
const MANAGER = { id: 'marek', role: 'manager', pin: '731905' };
const TOPIC = 'sizing and fit';

// ------------------------------------------------------------------------------------------
// The daemon and optinctl

let workDir;
let dataDir;
let configFile;
let daemon;
let ctl;
let baseUrl;
let port = 0;

// Starts optin-edged and resolves once it listens (baseUrl and port from its log line).
async function startDaemon(listen = '127.0.0.1:0') {
  await daemon.start(listen);
  ({ baseUrl, port } = daemon);
}

const stopDaemon = (signal) => daemon.stop(signal);

const call = apiCaller(() => baseUrl);

// A shopper checked in with the given purposes; returns the app token.
let shopperCount = 0;
async function checkIn(purposes) {
  shopperCount += 1;
  const token = await ctl(['token', 'mint', '--sub', `e2e-shopper-${shopperCount}`]);
  const code = (await ctl(['presence-code'])).split('\n')[0];
  const r = await call('POST', '/v1/checkins', {
    token,
    body: { presence_code: code, purposes },
  });
  assert.equal(r.status, 201, `check-in: ${r.text}`);
  return { token, pseudonym: r.json.visit && r.json.visit.pseudonym };
}

// ------------------------------------------------------------------------------------------
// The browser

let browser;

const newTabletPage = (viewport = { width: 1280, height: 800 }) =>
  newPage(browser, { viewport, hasTouch: true });

const checkAxe = (page, label) => checkAxeIn(page, { outDir, label });

const shot = (page, name) => shotFile(page, path.join(outDir, `${name}.png`));

async function logIn(page, who) {
  await page.goto(baseUrl + '/staff');
  await page.getByLabel('Staff ID').fill(who.id);
  await page.getByLabel('PIN').fill(who.pin);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForSelector('body[data-view="queue"][data-connection="live"]', { timeout: 10000 });
}

function card(page, promptId) {
  return page.locator(`#queue li[data-id="${promptId}"]`);
}

// ------------------------------------------------------------------------------------------

before(async () => {
  await mkdir(outDir, { recursive: true });
  ({ workDir, dataDir } = await makeWorkDir('optin-e2e-'));
  configFile = path.join(workDir, 'optin-edge.toml');
  await writeFile(configFile, '[listen]\nplain_http = true\n[admin]\nport = 0\n');
  ctl = optinctl(optinctlPath, dataDir);
  await ctl(['token', 'init-dev']);
  for (const s of [STAFF, MANAGER]) {
    await ctl(['staff', 'add', '--id', s.id, '--role', s.role], s.pin + '\n');
  }
  daemon = new Daemon({ daemonPath, configFile, dataDir });
  await startDaemon();
  browser = await launchChromium(chromiumPath);
});

after(async () => {
  if (browser) await browser.close();
  if (daemon) await stopDaemon();
  await writeFile(path.join(outDir, 'optin-edged.log'), daemon ? daemon.log : '');
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

test('the console is served from the binary with its security headers', async () => {
  const r = await call('GET', '/staff');
  assert.equal(r.status, 200);
  assertPageHeaders(r.headers);
  const js = await call('GET', '/staff/console.js');
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  const css = await call('GET', '/staff/console.css');
  assert.match(css.headers.get('content-type'), /^text\/css/);
});

test('login screen: readable errors, no serious axe violations', async () => {
  const page = await newTabletPage();
  await page.goto(baseUrl + '/staff');
  await page.waitForSelector('body[data-view="login"]');
  await checkAxe(page, 'login');
  await shot(page, 'staff-login');

  // Nothing typed: the message names what is missing.
  await page.getByRole('button', { name: 'Log in' }).click();
  await assert.doesNotReject(page.getByRole('alert').filter({ hasText: 'Enter your staff ID' }).waitFor());
  // A PIN that is not digits never leaves the page.
  await page.getByLabel('Staff ID').fill(STAFF.id);
  await page.getByLabel('PIN').fill('12ab');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: '4 to 12 digits' }).waitFor();
  // A wrong PIN: the server refuses, the page says so in words and states the lockout rule
  // (the same words for an unknown id or a locked account).
  await page.getByLabel('PIN').fill('000000');
  await page.getByRole('button', { name: 'Log in' }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'The staff id or PIN is not right' });
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /After 5 wrong PINs in a row an account is locked for 15 minutes/);
  assert.equal(await page.getByLabel('PIN').getAttribute('aria-invalid'), 'true');
  await shot(page, 'staff-login-wrong-pin');
  await checkAxe(page, 'login-error');
  assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0);
  assert.deepEqual(page.problems.filter((p) => !/status of 401/.test(p)), []);
  await page.context().close();
});

let page; // the logged-in staff tablet, shared by the queue tests in order

test('staff logs in and sees an empty queue over the live stream', async () => {
  page = await newTabletPage();
  await logIn(page, STAFF);
  assert.equal(await page.locator('#queue li').count(), 0);
  assert.ok(await page.locator('#queue-empty').isVisible());
  assert.ok(await page.locator('#connection-banner').isHidden());
  await assert.doesNotReject(
    page.getByText(`Logged in as ${STAFF.id} (${STAFF.role})`).waitFor({ timeout: 2000 })
  );
  // The token is in sessionStorage only.
  const stored = await page.evaluate(() => ({
    session: Object.keys(sessionStorage),
    local: localStorage.length,
    cookies: document.cookie,
  }));
  assert.equal(stored.session.length, 1);
  assert.equal(stored.local, 0);
  assert.equal(stored.cookies, '');
  await checkAxe(page, 'queue-empty');
  await shot(page, 'staff-queue-empty');
});

let asker; // the shopper who asks for help
let promptId;

test('a shopper asks for help: the prompt appears with topic and first name only', async () => {
  asker = await checkIn({ assistance: true, name_to_staff: true });
  const r = await call('POST', '/v1/assist', {
    token: asker.token,
    body: { topic: TOPIC, expertise: 'beginner', note: 'Trail shoes, size 42 or 43?', first_name: 'Ada' },
  });
  assert.equal(r.status, 201, r.text);
  promptId = r.json.request.id;
  const c = card(page, promptId);
  await c.waitFor({ timeout: 3000 });
  const text = await c.innerText();
  assert.equal(await c.locator('h2').textContent(), TOPIC);
  assert.match(text, /Ada/);
  assert.match(text, /beginner/);
  assert.match(text, /Trail shoes, size 42 or 43\?/);
  if (asker.pseudonym) assert.ok(text.includes(asker.pseudonym), 'the pseudonym is shown');
  // Exactly the allowed fields, nothing else.
  const labels = await c.locator('dt').allInnerTexts();
  assert.deepEqual(labels, ['Visitor', 'First name', 'Expertise', 'Waiting', 'Note']);
  // The screen reader hears about it.
  await page.locator('#announcer', { hasText: 'New help request' }).waitFor({ timeout: 2000 });
  // The waiting time ticks.
  const w1 = await c.locator('dd.wait').innerText();
  await page.waitForTimeout(1600);
  const w2 = await c.locator('dd.wait').innerText();
  assert.notEqual(w1, w2, 'waiting time should tick');
  await checkAxe(page, 'queue-with-prompt');
  await shot(page, 'staff-queue-prompt');
});

test('the prompts are sorted longest waiting first', async () => {
  const second = await checkIn({ assistance: true });
  const r = await call('POST', '/v1/assist', {
    token: second.token,
    body: { topic: 'checkout', expertise: 'expert' },
  });
  assert.equal(r.status, 201, r.text);
  const id2 = r.json.request.id;
  await card(page, id2).waitFor({ timeout: 3000 });
  const ids = await page.locator('#queue li').evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.deepEqual(ids, [promptId, id2]);
  // No name without name_to_staff.
  const labels = await card(page, id2).locator('dt').allInnerTexts();
  assert.deepEqual(labels, ['Visitor', 'Expertise', 'Waiting']);
  // This one leaves again (the shopper cancels), so the queue holds only the first.
  const cancel = await call('DELETE', `/v1/assist/${id2}`, { token: second.token });
  assert.equal(cancel.status, 200, cancel.text);
  await card(page, id2).waitFor({ state: 'detached', timeout: 2000 });
});

test('staff claims the prompt through the page', async () => {
  const c = card(page, promptId);
  await c.getByRole('button', { name: 'Claim' }).click();
  await c.getByText(/^Claimed (just now|\d+ minutes? ago) by you$/).waitFor({ timeout: 3000 });
  // Focus moves to the next thing to do.
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Resolve');
  const mine = await call('GET', `/v1/assist/${promptId}`, { token: asker.token });
  assert.equal(mine.json.request.state, 'claimed');
  await shot(page, 'staff-queue-claimed');
});

test('withdrawing assistance drops the prompt from the page within 1 second', async () => {
  // The page itself notes when the card leaves the document (a MutationObserver, on the same
  // system clock as this process), so the figure is the console's and not the test's polling.
  await page.evaluate((id) => {
    window.__cardGoneAt = undefined;
    const observer = new MutationObserver(() => {
      if (!document.querySelector(`#queue li[data-id="${id}"]`)) {
        window.__cardGoneAt = Date.now();
        observer.disconnect();
      }
    });
    observer.observe(document.body, { childList: true, subtree: true });
  }, promptId);
  assert.equal(await card(page, promptId).count(), 1);
  const sent = Date.now();  // the shopper withdraws: counted from the request, not its answer
  const r = await call('PUT', '/v1/me/consents/assistance', {
    token: asker.token,
    body: { granted: false },
  });
  assert.equal(r.status, 200, r.text);
  await card(page, promptId).waitFor({ state: 'detached', timeout: 5000 });
  const goneAt = await page.evaluate(() => window.__cardGoneAt);
  assert.equal(typeof goneAt, 'number', 'the page saw the card leave');
  const took = goneAt - sent;
  console.log(`withdrawal: prompt gone from the page ${took} ms after the shopper's request`);
  assert.ok(took >= 0 && took <= 1000, `the prompt stayed ${took} ms`);
  await page.locator('#announcer', { hasText: 'Withdrawn' }).waitFor({ timeout: 2000 });
  assert.ok(await page.locator('#queue-empty').isVisible());
});

test('a shopper who did not ask never appears', async () => {
  // Checked in with assistance granted, but never asks.
  await checkIn({ assistance: true, name_to_staff: true });
  // Checked in without assistance: asking is refused, so nothing reaches staff.
  const quiet = await checkIn({ offers: true });
  const refused = await call('POST', '/v1/assist', {
    token: quiet.token,
    body: { topic: TOPIC, expertise: 'beginner', first_name: 'Zed' },
  });
  assert.equal(refused.status, 403, refused.text);
  // A marker that does ask: events are delivered in order, so once it shows, anything about
  // the others would have shown before it.
  const marker = await checkIn({ assistance: true });
  const r = await call('POST', '/v1/assist', {
    token: marker.token,
    body: { topic: 'find a product', expertise: 'intermediate' },
  });
  assert.equal(r.status, 201, r.text);
  const markerId = r.json.request.id;
  await card(page, markerId).waitFor({ timeout: 3000 });
  const ids = await page.locator('#queue li').evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.deepEqual(ids, [markerId]);
  assert.ok(!(await page.locator('#queue').innerText()).includes('Zed'));
  // A fresh page (snapshot) shows the same single prompt.
  const other = await newTabletPage({ width: 800, height: 1280 });
  await logIn(other, MANAGER);
  const otherIds = await other.locator('#queue li').evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.deepEqual(otherIds, [markerId]);
  await shot(other, 'staff-queue-portrait-manager');
  await other.context().close();
});

test('a lost claim race says who has the prompt', async () => {
  const ids = await page.locator('#queue li').evaluateAll((els) => els.map((e) => e.dataset.id));
  const id = ids[0];
  // A second tablet whose stream never hears about claims (as if its events were late), so
  // it still offers Claim after the manager got there first.
  const slow = await newTabletPage();
  await slow.context().routeWebSocket('**/v1/staff/stream', (ws) => {
    const server = ws.connectToServer();
    server.onMessage((m) => {
      if (JSON.parse(m).type !== 'claimed') ws.send(m);
    });
    ws.onMessage((m) => server.send(m));
  });
  await logIn(slow, STAFF);
  const claimButton = card(slow, id).getByRole('button', { name: 'Claim' });
  await claimButton.waitFor({ timeout: 3000 });
  const login = await call('POST', '/v1/staff/login', {
    body: { staff_id: MANAGER.id, pin: MANAGER.pin },
  });
  assert.equal(login.status, 200, login.text);
  const won = await call('POST', `/v1/staff/prompts/${id}/claim`, { token: login.json.token });
  assert.equal(won.status, 200, won.text);
  await claimButton.click();
  const expected = new RegExp(`^Claimed (just now |\\d+ minutes? ago )?by ${MANAGER.role} ${MANAGER.id}$`);
  await card(slow, id).getByText(expected).waitFor({ timeout: 3000 });
  assert.equal(await card(slow, id).getByRole('button', { name: 'Claim' }).count(), 0);
  await shot(slow, 'staff-queue-lost-race');
  await slow.context().close();
  // The first tablet heard the claim over its stream.
  await card(page, id).getByText(expected).waitFor({ timeout: 3000 });
});

// Asks for help as a new shopper; returns the request id.
async function ask(topic) {
  const shopper = await checkIn({ assistance: true });
  const r = await call('POST', '/v1/assist', { token: shopper.token, body: { topic, expertise: 'beginner' } });
  assert.equal(r.status, 201, r.text);
  return r.json.request.id;
}

async function apiLogin(who) {
  const r = await call('POST', '/v1/staff/login', { body: { staff_id: who.id, pin: who.pin } });
  assert.equal(r.status, 200, r.text);
  return r.json.token;
}

const queueIds = (p) => p.locator('#queue li').evaluateAll((els) => els.map((e) => e.dataset.id));

test('the queue shows what to do next: unclaimed oldest first, then mine, then the others\'', async () => {
  // Before: one prompt, claimed by the manager (the lost race above).
  const [othersOld] = await queueIds(page);
  const oldest = await ask('checkout');
  const mine = await ask('product advice');
  await card(page, mine).waitFor({ timeout: 3000 });
  const claim = await call('POST', `/v1/staff/prompts/${mine}/claim`, { token: await apiLogin(STAFF) });
  assert.equal(claim.status, 200, claim.text);
  const newest = await ask('find a product');
  await card(page, newest).waitFor({ timeout: 3000 });
  await card(page, mine).getByText(/^Claimed (just now|\d+ minutes? ago) by you$/).waitFor({ timeout: 3000 });
  assert.deepEqual(await queueIds(page), [oldest, newest, mine, othersOld]);
  // The header counts each kind.
  const count = page.locator('#queue-count');
  assert.equal(await count.innerText(), '2 waiting · 2 in progress');

  // A claim heard over the stream moves the card from the top to the others' claims.
  const managerClaim = await call('POST', `/v1/staff/prompts/${oldest}/claim`, { token: await apiLogin(MANAGER) });
  assert.equal(managerClaim.status, 200, managerClaim.text);
  await card(page, oldest).getByText(/by manager marek$/).waitFor({ timeout: 3000 });
  assert.deepEqual(await queueIds(page), [newest, mine, othersOld, oldest]);
  assert.equal(await count.innerText(), '1 waiting · 3 in progress');

  // A claimed card's wait has stopped; an unclaimed one's goes on.
  const claimedWait = card(page, mine).locator('dd.wait');
  const openWait = card(page, newest).locator('dd.wait');
  assert.deepEqual(await card(page, mine).locator('dt').allInnerTexts(), ['Visitor', 'Expertise', 'Waited']);
  const before = { claimed: await claimedWait.innerText(), open: await openWait.innerText() };
  await page.waitForTimeout(2100);
  assert.equal(await claimedWait.innerText(), before.claimed, 'the claimed card stopped counting');
  assert.notEqual(await openWait.innerText(), before.open, 'the unclaimed card still counts');
  assert.equal(await claimedWait.evaluate((e) => e.classList.contains('long')), false);
  await checkAxe(page, 'queue-ordered');
  await shot(page, 'staff-queue-ordered-1280x800');
  await page.setViewportSize({ width: 800, height: 1280 });
  await shot(page, 'staff-queue-ordered-800x1280');
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('a lost connection shows "Reconnecting…" and recovers with the same token', async () => {
  await stopDaemon('SIGKILL');
  await page.locator('#connection-banner', { hasText: 'Reconnecting' }).waitFor({ timeout: 5000 });
  assert.equal(await page.getAttribute('body', 'data-connection'), 'reconnecting');
  await shot(page, 'staff-reconnecting');
  await startDaemon(`127.0.0.1:${port}`);
  await page.waitForSelector('body[data-connection="live"]', { timeout: 20000 });
  assert.ok(await page.locator('#connection-banner').isHidden());
  assert.equal(await page.getAttribute('body', 'data-view'), 'queue');
});

test('logging out ends the session and clears the token', async () => {
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem(sessionStorage.key(0))).token);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForSelector('body[data-view="login"]');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  const after = await call('GET', '/v1/staff/prompts', { token });
  assert.equal(after.status, 401);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'staff-id');
  const csp = page.problems.filter((p) => /Content Security Policy/i.test(p));
  assert.deepEqual(csp, [], 'no CSP violations');
  await page.context().close();
});
