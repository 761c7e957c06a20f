// HQ's dashboard in Debian's Chromium (issue 15 part 4): optin-hq on its embedded SQLite with a
// stores file of four stores in two regions; a test CA (openssl CLI) certifies HQ and each store;
// each store uploads signed format-2 batches (ES256 with its own key) through the real mutual-TLS
// ingest route, as a box does: s-001 and s-002 every day, s-003 stops four days ago, s-004 never
// reports; s-002 spends twice the chain's epsilon policy on one day. A user is added with
// `optin-hq user add`, logs in through the page, and the test checks: the CSP and nosniff
// headers, every chart's drawn data against the API's figures (Chart.js's own data, read from
// the page, against GET /v1/figures and /v1/breakdown), the stores not reporting listed, the
// epsilon flag shown for s-002 on its day, axe-core finding no violations on any screen, no
// console error, nothing fetched from anywhere but HQ itself, and screenshots at 1440x900.
//   node tests/e2e/hq_dashboard.test.mjs --hq build/dev/tools/optin-hq/optin-hq
//        [--chromium /usr/bin/chromium] [--out build/dev/e2e]
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

function argValue(name) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : undefined;
}

const hqPath = path.resolve(argValue('--hq') || process.env.OPTIN_HQ || '');
const chromiumPath = argValue('--chromium') || process.env.CHROMIUM || '/usr/bin/chromium';
const outDir = path.resolve(argValue('--out') || process.env.E2E_OUT_DIR || path.join(path.dirname(hqPath), '..', '..', 'e2e'));
for (const [what, p] of [['optin-hq', hqPath], ['chromium', chromiumPath]]) {
  if (!existsSync(p)) {
    console.error(`hq_dashboard: ${what} not found: '${p}'`);
    process.exit(2);
  }
}

// ------------------------------------------------------------------------------------------
// Helpers: processes, certificates, days

function run(file, args, input) {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

const DAY = 86_400;
const today = Math.floor(Date.now() / 1000 / DAY);
const iso = (day) => new Date(day * DAY * 1000).toISOString().slice(0, 10);

async function makeCa(dir) {
  const ca = { key: path.join(dir, 'ca.key'), cert: path.join(dir, 'ca.crt') };
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', ca.key]);
  await run('openssl', ['req', '-x509', '-new', '-key', ca.key, '-subj', '/CN=hq_dashboard test CA', '-days', '2',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', ca.cert]);
  return ca;
}

// A P-256 key and a certificate from `ca` for `cn` (serverAuth with SANs, or clientAuth).
async function issue(dir, ca, cn, { server = false } = {}) {
  const key = path.join(dir, `${cn}.key`);
  const csr = path.join(dir, `${cn}.csr`);
  const cert = path.join(dir, `${cn}.crt`);
  const ext = path.join(dir, `${cn}.ext`);
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  await run('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${cn}`, '-out', csr]);
  await writeFile(ext, server
    ? 'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n'
    : 'extendedKeyUsage=clientAuth\n');
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2',
    '-extfile', ext, '-out', cert]);
  return { key, cert, keyPem: await readFile(key, 'utf8'), certPem: await readFile(cert, 'utf8') };
}

// ------------------------------------------------------------------------------------------
// Batches as a box makes them (firmware/sync/batch.h, schema optin-hq-batch/2)

// A deterministic pseudo-random source (mulberry32), so the figures are the same every run.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The discrete Laplace's variance for scale num/den (sync::DiscreteLaplaceVariance).
function variance(num, den) {
  const a = Math.exp(-den / num);
  return (2 * a) / (1 - a) ** 2;
}

const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
const CLAIM_BUCKETS = ['0-30', '30-60', '60-120', '120-300', '300-600', '600-1800', '1800+'];
// metric -> [cap, epsilon micros (the box's defaults, summing to 1.0), labels, typical count]
const METRICS = {
  checkins_total: [1, 250_000, ['all'], () => 300],
  checkins_by_channel: [1, 150_000, ['app', 'loyalty_scan', 'other'], (l) => ({ app: 180, loyalty_scan: 110, other: 0 })[l]],
  checkins_by_hour: [1, 200_000, HOURS, (l) => (Number(l) >= 8 && Number(l) <= 20 ? 25 - Math.abs(14 - Number(l)) * 2 : 0)],
  help_requests_by_topic: [1, 150_000, ['directions', 'product_question', 'sizes', 'other'], (l) => ({ directions: 12, product_question: 20, sizes: 7, other: 2 })[l]],
  time_to_claim_seconds: [1, 100_000, CLAIM_BUCKETS, (l) => ({ '0-30': 8, '30-60': 12, '60-120': 10, '120-300': 6, '300-600': 3, '600-1800': 1, '1800+': 0 })[l]],
  offer_views_by_category: [3, 150_000, ['bakery', 'dairy', 'produce', 'other'], (l) => ({ bakery: 90, dairy: 60, produce: 120, other: 5 })[l]],
};

function batchJws(store, day, { epsilonFactor = 1, seed }) {
  const random = prng(seed);
  const start = day * DAY;
  const end = start + DAY;
  const metrics = {};
  let total = 0;
  for (const [name, [cap, epsilon, labels, typical]] of Object.entries(METRICS)) {
    const e = epsilon * epsilonFactor;
    total += e;
    // scale = cap / epsilon = num / den (epsilon in millionths)
    const num = cap * 1_000_000;
    const den = e;
    const v = variance(num, den);
    const cells = {};
    const variances = {};
    for (const label of labels) {
      const noise = Math.round((random() - 0.5) * 2 * Math.sqrt(v));
      cells[label] = typical(label) + Math.round((random() - 0.5) * 10) + noise;
      variances[label] = v;
    }
    metrics[name] = { mechanism: 'discrete-laplace', cap, epsilon_micros: e, cells, variance: variances,
      scale: { num, den, value: num / den } };
  }
  const batchId = createHash('sha256').update(`optin-hq-batch|v1|${store.id}|${start}|${end}`).digest('hex').slice(0, 32);
  const payload = {
    schema: 'optin-hq-batch/2',
    batch_id: batchId,
    store_id: store.id,
    period: { start, end, periods: 1, covers: [{ start, end }] },
    created_at: end + 60,
    software_version: 'hq_dashboard-test',
    audit: { head: 'a'.repeat(64), intact: true },
    privacy: { unit: 'one shopper per UTC day', epsilon_micros: total },
    metrics,
    bundles: { catalog: { version: store.catalog, etag: `"c-${store.catalog}"` }, notice: { version: '2026-11', etag: '"n-2026-11"' } },
  };
  const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');
  const input = `${b64({ alg: 'ES256', typ: 'optin-hq-batch+jws' })}.${b64(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: createPrivateKey(store.tls.keyPem), dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

// ------------------------------------------------------------------------------------------
// HTTPS calls from the test (the stores' listener with a store's certificate, the people's with
// the page's session cookie)

function call(port, method, route, { body, cookie, tls = {}, ca } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (cookie) headers.Cookie = cookie;
    const req = https.request({ host: '127.0.0.1', port, method, path: route, headers, ca, servername: 'localhost',
      key: tls.keyPem, cert: tls.certPem }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(text); } catch { json = null; }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

// ------------------------------------------------------------------------------------------
// The fixture: HQ, its data, the browser

const OPENED = today - 27;
const STOPPED = today - 4;  // s-003's last batch is for the day before this one
const OVER_DAY = today - 3; // s-002 spends 2x the policy on this day
const stores = [
  { id: 's-001', name: 'Milano Centrale', region: 'north', catalog: '2026.12.1' },
  { id: 's-002', name: 'Torino Porta Nuova', region: 'north', catalog: '2026.12.1' },
  { id: 's-003', name: 'Roma Termini', region: 'south', catalog: '2026.11.3' },
  { id: 's-004', name: 'Napoli Garibaldi', region: 'south', catalog: null },
];
const PASSWORD = 'correct horse battery staple';
const hq = {};
let browser;
let ca;
let workDir; // keys, certificates and the database of this run: removed at the end

before(async () => {
  await mkdir(outDir, { recursive: true });
  const dir = await mkdtemp(path.join(tmpdir(), 'optin-hq-dashboard-'));
  workDir = dir;
  ca = await makeCa(dir);
  const server = await issue(dir, ca, 'localhost', { server: true });
  for (const s of stores) s.tls = await issue(dir, ca, s.id);
  const storesFile = path.join(dir, 'stores.toml');
  await writeFile(storesFile, stores.map((s) =>
    `[[store]]\nid = "${s.id}"\nname = "${s.name}"\nregion = "${s.region}"\ncountry = "IT"\nopened = ${iso(OPENED)}\n`).join('\n'));
  const db = `sqlite:${path.join(dir, 'hq.db')}`;
  await run(hqPath, ['user', 'add', '--id', 'analyst', '--role', 'analyst', '--db', db], PASSWORD + '\n');

  const child = spawn(hqPath, ['serve', '--listen', '127.0.0.1:0', '--web-listen', '127.0.0.1:0', '--cert', server.cert,
    '--key', server.key, '--client-ca', ca.cert, '--db', db, '--stores', storesFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  hq.child = child;
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('optin-hq did not start:\n' + out + log)), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      const stores = /optin-hq listening on (\d+)/.exec(out);
      const web = /optin-hq web listening on (\d+)/.exec(out);
      if (stores && web) {
        hq.storesPort = Number(stores[1]);
        hq.webPort = Number(web[1]);
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`optin-hq exited with ${code}:\n${out}${log}`)));
  });
  hq.origin = `https://127.0.0.1:${hq.webPort}`;
  hq.ca = await readFile(ca.cert, 'utf8');

  // The uploads, through the stores' listener (mutual TLS), one per store as a box drains.
  for (const [i, s] of stores.entries()) {
    if (s.id === 's-004') continue;
    const last = s.id === 's-003' ? STOPPED - 1 : today - 1;
    const batches = [];
    for (let day = OPENED; day <= last; day++) {
      const epsilonFactor = s.id === 's-002' && day === OVER_DAY ? 2 : 1;
      batches.push(batchJws(s, day, { epsilonFactor, seed: i * 1000 + (day - OPENED) }));
    }
    const r = await call(hq.storesPort, 'POST', '/v1/batches', { body: { batches }, tls: s.tls, ca: hq.ca });
    assert.equal(r.status, 200, `upload of ${s.id}: ${r.text}`);
    assert.equal(r.json.results.length, batches.length);
    assert.ok(r.json.results.every((b) => b.status === 'stored'), `upload of ${s.id}: ${r.text}`);
  }

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  if (hq.child && hq.child.exitCode === null) {
    const exited = new Promise((resolve) => hq.child.on('exit', resolve));
    hq.child.kill('SIGTERM');
    await exited;
  }
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

// A page at desktop size that records console errors, page errors and every request's URL.
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  page.problems = [];
  page.requests = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // The one deliberate wrong password answers 401, which Chromium logs as a failed load.
    if (page.expectLoginRefusal && m.location().url === `${hq.origin}/v1/login`) {
      page.expectLoginRefusal = false;
      return;
    }
    page.problems.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => page.problems.push('page error: ' + e.message));
  page.on('request', (r) => page.requests.push(r.url()));
  return page;
}

async function sessionCookie(page) {
  const cookies = await page.context().cookies();
  const c = cookies.find((x) => x.name === 'optin_hq_session');
  assert.ok(c, 'the login set the session cookie');
  assert.equal(c.httpOnly, true);
  assert.equal(c.secure, true);
  assert.equal(c.sameSite, 'Strict');
  return `${c.name}=${c.value}`;
}

const api = (cookie, route) => call(hq.webPort, 'GET', route, { cookie, ca: hq.ca }).then((r) => {
  assert.equal(r.status, 200, `${route}: ${r.text}`);
  return r.json;
});

async function ready(page, screen) {
  await page.waitForSelector(`body[data-screen="${screen}"][data-ready="true"]`, { timeout: 20_000 });
}

async function axeViolations(page, label) {
  const source = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  await writeFile(path.join(outDir, `axe-hq-${label}.json`), JSON.stringify(violations, null, 2));
  console.log(`axe hq-${label}: ${violations.length} violation(s)` + (violations.length ? ': ' + violations.map((v) => `${v.id} (${v.impact}) at ${v.nodes.join(', ')}`).join('; ') : ''));
  return violations;
}

// What Chart.js drew on canvas #id: its labels and each dataset's data by role and series.
function drawn(page, id) {
  return page.evaluate((canvasId) => {
    // eslint-disable-next-line no-undef
    const chart = Chart.getChart(document.getElementById(canvasId));
    if (!chart) return null;
    return {
      labels: chart.data.labels,
      datasets: chart.data.datasets.map((d) => ({ role: d.role, series: d.series, data: d.data })),
    };
  }, id);
}

function dataset(chart, role, series) {
  const d = chart.datasets.find((x) => x.role === role && (series === undefined || x.series === series));
  assert.ok(d, `a ${role} dataset${series ? ' for ' + series : ''}`);
  return d.data;
}

// ------------------------------------------------------------------------------------------

test('the dashboard logs in, draws the API figures, lists missing stores and flags epsilon', async () => {
  const page = await newPage();
  const first = await page.goto(hq.origin + '/');
  const headers = first.headers();
  assert.match(headers['content-security-policy'], /default-src 'none'/);
  assert.match(headers['content-security-policy'], /script-src 'self'/);
  assert.match(headers['content-security-policy'], /style-src 'self'/);
  assert.doesNotMatch(headers['content-security-policy'], /unsafe-inline|unsafe-eval|https?:/);
  assert.equal(headers['x-content-type-options'], 'nosniff');

  // The login screen: no session yet.
  await ready(page, 'login');
  assert.deepEqual(await axeViolations(page, 'login'), [], 'axe on the login screen');
  await page.screenshot({ path: path.join(outDir, 'hq-login.png'), fullPage: true });
  await page.fill('#login-id', 'analyst');
  await page.fill('#login-password', 'not the password');
  page.expectLoginRefusal = true;
  await page.click('#login-submit');
  await page.waitForFunction(() => document.getElementById('login-message')?.textContent.includes('refused'));
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await ready(page, 'chain');
  const cookie = await sessionCookie(page);

  // The chain over the stores' 27 open days up to yesterday, by day.
  const range = { from: iso(OPENED), to: iso(today - 1), by: 'day' };
  await page.goto(`${hq.origin}/#/chain?from=${range.from}&to=${range.to}&by=day`);
  await ready(page, 'chain');
  const q = `from=${range.from}&to=${range.to}`;

  const total = await api(cookie, `/v1/figures?metric=checkins_total&by=day&${q}`);
  assert.equal(total.rows.length, 27);
  const checkins = await drawn(page, 'chart-checkins');
  assert.deepEqual(checkins.labels, total.rows.map((r) => r.period));
  assert.deepEqual(dataset(checkins, 'estimate'), total.rows.map((r) => r.display));
  assert.deepEqual(dataset(checkins, 'low95'), total.rows.map((r) => r.low95));
  assert.deepEqual(dataset(checkins, 'high95'), total.rows.map((r) => r.high95));
  // The table says each figure with its error in words.
  const firstRow = total.rows[0];
  const words = `${firstRow.estimate.toLocaleString('en')} ± ${Math.round((firstRow.high95 - firstRow.low95) / 2).toLocaleString('en')}`;
  assert.ok((await page.textContent('#panel-checkins table')).includes(words), `the check-ins table says "${words}"`);

  const regions = await drawn(page, 'chart-regions');
  for (const region of ['north', 'south']) {
    const r = await api(cookie, `/v1/figures?metric=checkins_total&by=day&${q}&region=${region}`);
    // A day no store of the region reported is a gap (unknown), never a zero.
    const shown = (x, v) => (x.stores_reported === 0 ? null : v);
    assert.deepEqual(dataset(regions, 'estimate', region), r.rows.map((x) => shown(x, x.display)), `region ${region}`);
    assert.deepEqual(dataset(regions, 'high95', region), r.rows.map((x) => shown(x, x.high95)), `region ${region}`);
    if (region === 'south') assert.equal(dataset(regions, 'estimate', region).at(-1), null, 'south sent nothing yesterday');
  }
  const channels = await drawn(page, 'chart-channels');
  for (const label of ['app', 'loyalty_scan', 'other']) {
    const r = await api(cookie, `/v1/figures?metric=checkins_by_channel&label=${label}&by=day&${q}`);
    assert.deepEqual(dataset(channels, 'estimate', label), r.rows.map((x) => x.display), `channel ${label}`);
    assert.deepEqual(dataset(channels, 'low95', label), r.rows.map((x) => x.low95), `channel ${label}`);
  }
  const hours = await drawn(page, 'chart-hours');
  const hourAnswer = await api(cookie, `/v1/breakdown?metric=checkins_by_hour&${q}`);
  assert.deepEqual(hours.labels, HOURS);
  assert.deepEqual(dataset(hours, 'estimate'), hourAnswer.labels.map((l) => l.display));
  assert.deepEqual(dataset(hours, 'high95'), hourAnswer.labels.map((l) => l.high95));
  for (const [canvas, metric] of [['chart-topics', 'help_requests_by_topic'], ['chart-categories', 'offer_views_by_category']]) {
    const chart = await drawn(page, canvas);
    const answer = await api(cookie, `/v1/breakdown?metric=${metric}&${q}`);
    assert.deepEqual(chart.labels, answer.labels.map((l) => l.label), metric);
    assert.deepEqual(dataset(chart, 'estimate'), answer.labels.map((l) => l.display), metric);
    assert.deepEqual(dataset(chart, 'interval'), answer.labels.map((l) => [l.low95, l.high95]), metric);
  }
  const claim = await drawn(page, 'chart-claim');
  const claimAnswer = await api(cookie, `/v1/figures?metric=time_to_claim_seconds&by=day&${q}`);
  assert.ok(claimAnswer.rows.every((r) => r.median_seconds), 'every day has a median time to claim');
  const medianSeries = claim.datasets.find((d) => d.role === 'estimate').series;
  assert.deepEqual(dataset(claim, 'estimate', medianSeries), claimAnswer.rows.map((r) => r.median_seconds.estimate));
  assert.deepEqual(dataset(claim, 'low95', medianSeries), claimAnswer.rows.map((r) => r.median_seconds.low95));
  assert.deepEqual(await axeViolations(page, 'chain'), [], 'axe on the chain screen');
  await page.screenshot({ path: path.join(outDir, 'hq-chain.png'), fullPage: true });

  // A store's own page.
  await page.goto(`${hq.origin}/#/store/s-002?from=${range.from}&to=${range.to}&by=week`);
  await ready(page, 'store');
  const weekly = await api(cookie, `/v1/figures?metric=checkins_total&by=week&${q}&store=s-002`);
  const storeChart = await drawn(page, 'chart-checkins');
  assert.deepEqual(storeChart.labels, weekly.rows.map((r) => r.period));
  assert.deepEqual(dataset(storeChart, 'estimate'), weekly.rows.map((r) => r.display));
  assert.ok(await page.isVisible(`#epsilon-matrix td.over[data-day="${iso(OVER_DAY)}"]`), 'the store page flags its day over policy');
  assert.equal(await page.$$eval('#epsilon-over tbody tr', (rows) => rows.length), 1);
  assert.deepEqual(await axeViolations(page, 'store'), [], 'axe on the store screen');
  await page.screenshot({ path: path.join(outDir, 'hq-store.png'), fullPage: true });

  // The stores not reporting, and the bundle versions each store runs.
  await page.goto(`${hq.origin}/#/stores`);
  await ready(page, 'stores');
  const storesAnswer = await api(cookie, '/v1/stores');
  const missingIds = storesAnswer.stores.filter((s) => s.missing_days > 0).map((s) => s.id).sort();
  assert.deepEqual(missingIds, ['s-003', 's-004']);
  const listed = await page.$$eval('#missing-stores tbody tr th', (cells) => cells.map((c) => c.textContent.trim()).sort());
  assert.deepEqual(listed, missingIds, 'the page lists exactly the stores the API says are missing');
  const s003 = await page.$$eval('#missing-stores tbody tr',
    (rows) => rows.find((r) => r.cells[0].textContent.trim() === 's-003').textContent);
  assert.ok(s003.includes(storesAnswer.stores.find((s) => s.id === 's-003').last_batch_received_at.replace('T', ' ').replace('Z', ' UTC')),
    's-003 shows when its last batch arrived');
  const bundleText = await page.textContent('#bundle-versions');
  assert.ok(bundleText.includes('2026.11.3') && bundleText.includes('2026.12.1'), 'the bundle versions are listed');
  assert.deepEqual(await axeViolations(page, 'stores'), [], 'axe on the stores screen');
  await page.screenshot({ path: path.join(outDir, 'hq-stores.png'), fullPage: true });

  // The privacy officer's view: s-002 is over the policy on OVER_DAY, nobody else anywhere.
  await page.goto(`${hq.origin}/#/privacy?from=${range.from}&to=${range.to}&by=day`);
  await ready(page, 'privacy');
  const epsilon = await api(cookie, `/v1/privacy/epsilon?${q}`);
  assert.deepEqual(epsilon.over_policy_stores, ['s-002']);
  assert.equal(epsilon.days.find((d) => d.store_id === 's-002' && d.day === iso(OVER_DAY)).epsilon_micros, 2_000_000);
  const flagged = await page.$$eval('#epsilon-over tbody tr', (rows) => rows.map((r) => `${r.dataset.store} ${r.dataset.day}`));
  assert.deepEqual(flagged, [`s-002 ${iso(OVER_DAY)}`]);
  assert.ok((await page.textContent('#epsilon-over tbody tr')).includes('Over policy'), 'the flag is in words');
  assert.deepEqual(epsilon.days.map((d) => `${d.store_id} ${d.day}`), [`s-002 ${iso(OVER_DAY)}`],
    'the chain lists only the store-days above the policy');
  const byDay = await page.$$eval('#epsilon-by-day tbody tr', (rows) => rows.map((r) =>
    ({ day: r.dataset.day, over: r.classList.contains('over'), text: r.textContent })));
  assert.deepEqual(byDay.map((r) => r.day), epsilon.by_day.map((d) => d.day), 'a row per day the API answers');
  byDay.forEach((r, i) => assert.ok(r.text.includes(String(epsilon.by_day[i].stores)), `${r.day}: the stores that spent`));
  assert.deepEqual(byDay.filter((r) => r.over).map((r) => r.day), [iso(OVER_DAY)], 'the day table marks exactly that day');
  assert.ok(byDay.find((r) => r.over).text.includes('1 store(s) over policy'), 'in words');
  assert.ok((await page.textContent('#epsilon-summary')).includes('s-002'));
  assert.deepEqual(await axeViolations(page, 'privacy'), [], 'axe on the privacy screen');
  await page.screenshot({ path: path.join(outDir, 'hq-privacy.png'), fullPage: true });

  // Logging out brings the login screen back, and the API refuses the old cookie.
  await page.click('#logout');
  await ready(page, 'login');
  const refused = await call(hq.webPort, 'GET', `/v1/figures?metric=checkins_total&${q}`, { cookie, ca: hq.ca });
  assert.equal(refused.status, 401);
  assert.match(refused.headers['content-type'], /application\/problem\+json/);

  assert.deepEqual(page.problems, [], 'no console errors');
  const foreign = page.requests.filter((u) => !u.startsWith(hq.origin + '/'));
  assert.deepEqual(foreign, [], 'nothing is fetched from outside optin-hq');
  assert.ok(page.requests.some((u) => u === `${hq.origin}/vendor/chart.min.js`), 'Chart.js came from optin-hq');
  await page.context().close();
});
