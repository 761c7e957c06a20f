// Browser tests of the kiosk screen (GET /kiosk): the real optin-edged (plain HTTP on an
// ephemeral loopback port, a FIFO scanner, temporary data dir), the page in Debian's Chromium
// through playwright-core, its presence QR decoded from a screenshot by zbarimg, loyalty scans
// written to the FIFO, and axe-core. The kiosk is a paired device: the daemon runs with
// `[kiosk] allow_loopback = false` (set KIOSK_LOOPBACK=1 to run as the box's own browser
// instead), so the browser first shows how to pair, then opens the link from
// `optinctl kiosk pair`. The layout is checked at 1920x1080, 1280x800 and 1080x1920: the QR,
// the countdown and the notice inside the viewport, and no scrolling.
//
//   node tests/e2e/kiosk.test.mjs --daemon build/dev/firmware/optin-edged \
//        --optinctl build/dev/tools/optinctl/optinctl [--out build/dev/e2e] [--zbarimg PATH]
//
// The same can come from OPTIN_EDGED, OPTINCTL, E2E_OUT_DIR, CHROMIUM and ZBARIMG. Screenshots
// land in the output dir as kiosk-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  argValue,
  commonSettings,
  commonFiles,
  requireFiles,
  run,
  makeWorkDir,
  optinctl,
  Daemon,
  launchChromium,
  newPage,
  shot as shotFile,
  checkAxe as checkAxeIn,
  assertPageHeaders,
} from './harness.mjs';

const { daemonPath, optinctlPath, chromiumPath, outDir } = commonSettings();
const zbarimgPath = argValue('--zbarimg') || process.env.ZBARIMG || '/usr/bin/zbarimg';
const asLoopback = process.env.KIOSK_LOOPBACK === '1';

requireFiles('e2e kiosk', [
  ...commonFiles({ daemonPath, optinctlPath, chromiumPath }),
  ['zbarimg (--zbarimg or ZBARIMG)', zbarimgPath],
]);

// ------------------------------------------------------------------------------------------
// The daemon, optinctl, the scanner FIFO

let workDir;
let dataDir;
let configFile;
let fifo;
let daemon;
let ctl;
let baseUrl;
let port = 0;

// Starts optin-edged; resolves once it listens (baseUrl and port from its log line).
async function startDaemon(listen = '127.0.0.1:0') {
  await daemon.start(listen);
  ({ baseUrl, port } = daemon);
}

const stopDaemon = (signal) => daemon.stop(signal);

// One scan, as the kiosk's scanner would deliver it.
async function scan(text) {
  await writeFile(fifo, text + '\n', { flag: 'a' });
}

// The store's current presence code, from optinctl (the first word of its output).
async function presenceCode() {
  return (await ctl(['presence-code'])).split(/\s+/)[0];
}

// ------------------------------------------------------------------------------------------
// The browser

let browser;
let page;

const checkAxe = (label) =>
  checkAxeIn(page, { outDir, label: `kiosk-${label}`, screen: `kiosk ${label}` });

const shot = (name) => shotFile(page, path.join(outDir, `kiosk-${name}.png`));

// ------------------------------------------------------------------------------------------

before(async () => {
  await mkdir(outDir, { recursive: true });
  ({ workDir, dataDir } = await makeWorkDir('optin-kiosk-e2e-'));
  fifo = path.join(workDir, 'scanner.fifo');
  configFile = path.join(workDir, 'optin-edge.toml');
  await writeFile(
    configFile,
    '[listen]\nplain_http = true\n[admin]\nport = 0\n' +
      `[kiosk]\nallow_loopback = ${asLoopback}\n` +
      `[[scanners]]\nname = "kiosk"\nkind = "fifo"\ndevice = ${JSON.stringify(fifo)}\n`
  );
  ctl = optinctl(optinctlPath, dataDir);
  await ctl(['token', 'init-dev']);
  daemon = new Daemon({ daemonPath, configFile, dataDir });
  await startDaemon();
  browser = await launchChromium(chromiumPath);
  page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
});

after(async () => {
  if (browser) await browser.close();
  if (daemon) await stopDaemon();
  await writeFile(path.join(outDir, 'optin-edged-kiosk.log'), daemon ? daemon.log : '');
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

test('the kiosk page is served from the binary with its security headers', async () => {
  const r = await fetch(baseUrl + '/kiosk');
  assert.equal(r.status, 200);
  assertPageHeaders(r.headers);
  const html = await r.text();
  assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/, 'no CDN or other origin');
  for (const asset of ['/kiosk/kiosk.js', '/kiosk/kiosk.css']) {
    assert.equal((await fetch(baseUrl + asset)).status, 200, asset);
  }
});

// The token of the link `optinctl kiosk pair` prints (its host is the configured one; the
// test's daemon listens on an ephemeral port, so the test opens the same path on baseUrl).
async function pairingToken(name) {
  const out = await ctl(['kiosk', 'pair', '--name', name]);
  const m = /https?:\/\/\S+\/kiosk\/pair\?t=(kp_[A-Za-z0-9_-]+)/.exec(out);
  assert.ok(m, `no pairing link in: ${out}`);
  return m[1];
}

test('an unpaired screen shows how to pair it, and no code', { skip: asLoopback }, async () => {
  await page.goto(baseUrl + '/kiosk');
  await page.waitForSelector('body[data-view="pairing"] #pairing-view:not([hidden])', { timeout: 10000 });
  assert.match(await page.locator('#pairing-view').innerText(), /optinctl kiosk pair --name/);
  assert.ok(await page.locator('#qr-image').isHidden(), 'a QR on an unpaired screen');
  assert.equal(await page.locator('#qr-image').getAttribute('src'), null);
  assert.ok(!(await page.content()).includes(await presenceCode()), 'the code reached an unpaired screen');
  await shot('unpaired');
  await checkAxe('unpaired');
});

test('the pairing link pairs this browser once with a strict cookie', { skip: asLoopback }, async () => {
  const token = await pairingToken('entrance');
  await page.goto(`${baseUrl}/kiosk/pair?t=${token}`);
  assert.equal(new URL(page.url()).pathname, '/kiosk');
  await page.waitForSelector('body[data-connection="live"] #qr-image:not([hidden])', { timeout: 10000 });
  const cookies = await page.context().cookies(baseUrl);
  const credential = cookies.find((c) => c.name === 'optin_kiosk');
  assert.ok(credential, 'no kiosk cookie');
  assert.equal(credential.httpOnly, true);
  assert.equal(credential.secure, true);
  assert.equal(credential.sameSite, 'Strict');
  assert.equal(await page.evaluate(() => document.cookie.includes('optin_kiosk')), false);
  // The same link in another browser: refused, and the page says why.
  const other = await newPage(browser, { viewport: { width: 1280, height: 800 } });
  await other.goto(`${baseUrl}/kiosk/pair?t=${token}`);
  assert.equal(new URL(other.url()).search, '?pairing=failed');
  await other.waitForSelector('#pairing-failed:not([hidden])', { timeout: 10000 });
  assert.match(await other.locator('#pairing-failed').innerText(), /already used|10 minutes/);
  assert.ok(await other.locator('#qr-image').isHidden());
  await shot2(other, 'pairing-failed');
  await other.context().close();
  assert.match(await ctl(['kiosk', 'list']), /entrance\s+paired/);
});

const shot2 = (p, name) => shotFile(p, path.join(outDir, `kiosk-${name}.png`));

test('the presence QR decodes to the shopper page URL with the current code', async () => {
  await page.goto(baseUrl + '/kiosk');
  await page.waitForSelector('body[data-connection="live"] #qr-image:not([hidden])', { timeout: 10000 });
  // Around a step the page may still show the previous code (accepted too) for up to a second:
  // a second look then sees the new one.
  let decoded;
  let codes;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const first = await presenceCode();
    const png = path.join(outDir, 'kiosk-qr.png');
    await page.locator('#qr-image').screenshot({ path: png });
    codes = [first, await presenceCode()];
    decoded = await run(zbarimgPath, ['--quiet', '--raw', png]);
    if (codes.some((c) => decoded.endsWith('=' + c))) break;
    await new Promise((r) => setTimeout(r, 1500));
  }
  console.log(`kiosk QR decodes to ${decoded}`);
  const m = /^http:\/\/localhost:(\d+)\/shop\?p=([0-9A-Z]{8})$/.exec(decoded);
  assert.ok(m, `not a presence URL: '${decoded}'`);
  assert.equal(Number(m[1]), port);
  assert.ok(codes.includes(m[2]), `code ${m[2]} is not optinctl's ${codes.join(' or ')}`);
  assert.equal(await page.locator('#qr').getAttribute('data-url'), decoded);
  await assert.doesNotReject(page.getByText(/New code in \d+ s/).waitFor({ timeout: 3000 }));
  // The notice is the one in force, in the screen's language (its own words from GET /v1/store):
  // no cameras, how long, how to see or delete, in plain words.
  const store = await (await fetch(baseUrl + '/v1/store', { headers: { 'accept-language': 'en' } })).json();
  const notice = await page.locator('#privacy').innerText();
  for (const words of [store.notice.title, store.notice.summary, store.notice.rights.summary, '24 hours', '12 months']) {
    assert.ok(notice.includes(words), `the privacy notice lacks '${words}'`);
  }
  assert.match(notice, /no cameras/i);
  assert.match(notice, /delete/);
  const text = await page.locator('body').innerText();
  assert.doesNotMatch(text, /\/v1\/|GET|DELETE/, 'API words on the shoppers\' screen');
  // What it says about old codes is what the box accepts (visits.web_code_minutes, 10).
  assert.match(await page.locator('#qr-caption').innerText(), /works on your phone for 10 minutes/);
  assert.doesNotMatch(text, /old link will not work|photo of it/);
  await shot('presence');
  await checkAxe('presence');
});

test('a loyalty scan shows the welcome with the purposes, then the QR again', async () => {
  const token = await ctl(['token', 'mint', '--sub', 'kiosk-shopper-1', '--purposes', 'offers,assistance']);
  await scan(token);
  await page.waitForSelector('body[data-view="scan"][data-scan="accepted"]', { timeout: 10000 });
  await assert.doesNotReject(page.getByRole('heading', { name: /Welcome/ }).waitFor({ timeout: 2000 }));
  const purposes = await page.locator('#scan-purposes li').allInnerTexts();
  // Each purpose by its title in the notice.
  assert.deepEqual(purposes.sort(), ['Help from staff', 'Offers for you']);
  const pseudonym = await page.locator('#scan-pseudonym').innerText();
  assert.ok(pseudonym.length > 0, 'no visit pseudonym');
  assert.ok(!(await page.content()).includes(token), 'the token reached the page');
  assert.ok(!(await page.content()).includes('kiosk-shopper-1'), 'the loyalty id reached the page');
  // Said to screen readers too.
  assert.match(await page.locator('#scan-live').innerText(), /Welcome! You are checked in as/);
  await shot('welcome');
  await checkAxe('welcome');
  // ~10 s later the QR is back.
  await page.waitForSelector('body[data-view="presence"] #qr-image:not([hidden])', { timeout: 15000 });

  // The same token again: replayed, said in words.
  await scan(token);
  await page.waitForSelector('body[data-scan="refused"]', { timeout: 10000 });
  assert.match(await page.locator('#scan-message').innerText(), /already been used/);
});

test('garbage at the scanner gets a refusal a shopper understands', async () => {
  await scan('HELLO-THIS-IS-NOT-A-TOKEN');
  await page.waitForFunction(
    () => document.getElementById('scan-message').dataset.reason === 'not-a-loyalty-code',
    null,
    { timeout: 10000 }
  );
  const message = await page.locator('#scan-message').innerText();
  assert.match(message, /not a loyalty code/i);
  assert.doesNotMatch(message, /not-a-loyalty-code/);
  assert.equal(await page.getByRole('heading', { name: 'Sorry, that did not work' }).count(), 1);
  await shot('refused');
  await checkAxe('refused');
});

// The QR, the countdown and the notice are fully inside the viewport and nothing scrolls.
async function assertFits(label) {
  const fit = await page.evaluate(() => {
    const box = (sel) => {
      const r = document.querySelector(sel).getBoundingClientRect();
      return { top: r.top, left: r.left, bottom: r.bottom, right: r.right, height: r.height };
    };
    return {
      w: innerWidth,
      h: innerHeight,
      scrollH: document.documentElement.scrollHeight,
      scrollW: document.documentElement.scrollWidth,
      bodyScrollH: document.body.scrollHeight,
      qr: box('#qr'),
      countdown: box('#countdown'),
      rule: box('#code-rule'),
      privacy: box('#privacy'),
    };
  });
  console.log(`kiosk ${label}: ${JSON.stringify(fit)}`);
  for (const part of ['qr', 'countdown', 'rule', 'privacy']) {
    const r = fit[part];
    assert.ok(r.height > 0, `${label}: #${part} is not shown`);
    assert.ok(
      r.top >= 0 && r.left >= 0 && r.bottom <= fit.h && r.right <= fit.w,
      `${label}: ${part} ${JSON.stringify(r)} is not inside ${fit.w}x${fit.h}`
    );
  }
  assert.ok(fit.scrollH <= fit.h && fit.bodyScrollH <= fit.h, `${label}: the page scrolls vertically`);
  assert.ok(fit.scrollW <= fit.w, `${label}: the page scrolls sideways`);
}

for (const [width, height] of [[1920, 1080], [1280, 800], [1080, 1920]]) {
  test(`at ${width}x${height} the QR, the countdown and the notice fit without scrolling`, async () => {
    await page.setViewportSize({ width, height });
    await page.goto(baseUrl + '/kiosk');
    await page.waitForSelector('body[data-connection="live"] #qr-image:not([hidden])', { timeout: 10000 });
    await page.getByText(/New code in \d+ s/).waitFor({ timeout: 3000 });
    await assertFits(`${width}x${height}`);
    await shot(`layout-${width}x${height}`);
    // The welcome after a scan fits as well.
    await scan(await ctl(['token', 'mint', '--sub', `kiosk-fit-${width}`, '--purposes', 'offers,assistance,name_to_staff']));
    await page.waitForSelector('body[data-view="scan"][data-scan="accepted"]', { timeout: 10000 });
    const card = await page.locator('#scan-card').boundingBox();
    assert.ok(card.y >= 0 && card.y + card.height <= height && card.x + card.width <= width,
      `the welcome ${JSON.stringify(card)} is not inside ${width}x${height}`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollHeight <= innerHeight));
    await shot(`welcome-${width}x${height}`);
  });
}

test('a lost connection shows Reconnecting… and recovers', async () => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await stopDaemon();
  await page.waitForSelector('body[data-connection="reconnecting"]', { timeout: 10000 });
  assert.ok(await page.locator('#connection-banner').isVisible());
  assert.match(await page.locator('#connection-text').innerText(), /Reconnecting…/);
  await shot('reconnecting');
  await checkAxe('reconnecting');
  await startDaemon(`127.0.0.1:${port}`);
  await page.waitForSelector('body[data-connection="live"]', { timeout: 20000 });
  assert.ok(await page.locator('#connection-banner').isHidden());
  // (and the 401s of the unpaired screen's session checks before it was paired)
  const unexpected = page.problems.filter(
    (p) => !/WebSocket|ERR_CONNECTION_REFUSED|status of 401/.test(p)
  );
  assert.deepEqual(unexpected, []);
});

test('a revoked kiosk stops showing the code and says how to pair again', { skip: asLoopback }, async () => {
  await page.waitForSelector('body[data-connection="live"] #qr-image:not([hidden])', { timeout: 10000 });
  await ctl(['kiosk', 'revoke', 'entrance']);
  await page.waitForSelector('body[data-view="pairing"] #pairing-view:not([hidden])', { timeout: 5000 });
  assert.ok(await page.locator('#qr-image').isHidden());
  await shot('revoked');
});
