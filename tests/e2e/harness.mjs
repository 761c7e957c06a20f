// Shared harness of the browser tests (run.mjs: staff console, kiosk.test.mjs: kiosk): where
// the binaries are, running a tool, the optin-edged daemon, Debian's Chromium through
// playwright-core, screenshots and the axe-core check.
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, after } from 'node:test';
import { loadContract } from './openapi_check.mjs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

// ------------------------------------------------------------------------------------------
// The contract: every answer a test receives from /v1/ routes (through apiCaller, or in any
// page of a browser from launchChromium) is checked against firmware/api/openapi.json
// (openapi_check.mjs). The test during which a nonconforming answer arrives fails, naming it.

const contract = await loadContract();
const contractFailures = [];
const pendingChecks = new Set();
let answersChecked = 0;

function checkAnswer(answer, { record = true } = {}) {
  answersChecked += 1;
  const errors = contract.check(answer);
  if (errors.length && record) {
    for (const e of errors) console.error('NOT CONFORMING to openapi.json: ' + e);
    contractFailures.push(...errors);
  }
  return errors;
}

// A page's answer: its body is read after the fact (a body the page no longer holds, after
// a navigation, is checked without it).
function checkPageAnswer(response) {
  const url = new URL(response.url());
  if (!url.pathname.startsWith('/v1/')) return;
  const job = (async () => {
    let body;
    try {
      body = await response.text();
    } catch {
      body = undefined;
    }
    const headers = response.headers();
    checkAnswer({
      method: response.request().method(),
      path: url.pathname + url.search,
      status: response.status(),
      contentType: headers['content-type'],
      headers,
      body,
    });
  })();
  pendingChecks.add(job);
  job.finally(() => pendingChecks.delete(job));
}

afterEach(async () => {
  await Promise.allSettled([...pendingChecks]);
  if (contractFailures.length) {
    const found = contractFailures.splice(0);
    throw new Error(`answers not as firmware/api/openapi.json documents them:\n  ${found.join('\n  ')}`);
  }
});
after(() => console.log(`openapi_check: ${answersChecked} answers checked against openapi.json`));

// ------------------------------------------------------------------------------------------
// Settings

// The value after `name` on the command line, or undefined.
export function argValue(name) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : undefined;
}

// The paths every suite needs, from the command line or the environment:
// --daemon/OPTIN_EDGED, --optinctl/OPTINCTL, --chromium/CHROMIUM (default /usr/bin/chromium)
// and --out/E2E_OUT_DIR (default <daemon's build dir>/e2e).
export function commonSettings() {
  const daemonPath = path.resolve(argValue('--daemon') || process.env.OPTIN_EDGED || '');
  const optinctlPath = path.resolve(argValue('--optinctl') || process.env.OPTINCTL || '');
  const chromiumPath = argValue('--chromium') || process.env.CHROMIUM || '/usr/bin/chromium';
  const outDir = path.resolve(
    argValue('--out') || process.env.E2E_OUT_DIR || path.join(path.dirname(daemonPath), '..', 'e2e')
  );
  return { daemonPath, optinctlPath, chromiumPath, outDir };
}

// Exits with status 2 (after "<prefix>: <what> not found") unless every [what, path] exists.
export function requireFiles(prefix, entries) {
  for (const [what, p] of entries) {
    if (!p || !existsSync(p)) {
      console.error(`${prefix}: ${what} not found: '${p}'`);
      process.exit(2);
    }
  }
}

// The [what, path] entries of commonSettings() for requireFiles().
export function commonFiles({ daemonPath, optinctlPath, chromiumPath }) {
  return [
    ['optin-edged (--daemon or OPTIN_EDGED)', daemonPath],
    ['optinctl (--optinctl or OPTINCTL)', optinctlPath],
    ['Chromium (--chromium or CHROMIUM)', chromiumPath],
  ];
}

// ------------------------------------------------------------------------------------------
// Tools and the daemon

// Runs `file args` with `input` on stdin (30 s at most); resolves with its trimmed stdout.
export function run(file, args, input) {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: 30000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout.trim());
    });
    // A tool may exit before reading stdin (optinctl only reads a PIN): ignore a closed pipe.
    child.stdin.on('error', () => {});
    child.stdin.end(input === undefined ? '' : input);
  });
}

// A fresh temporary work dir (named after prefix) with a private data dir inside.
export async function makeWorkDir(prefix) {
  const workDir = await mkdtemp(path.join(tmpdir(), prefix));
  const dataDir = path.join(workDir, 'data');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  return { workDir, dataDir };
}

// optinctl on the given data dir: optinctl(args, input) resolves with its trimmed stdout.
export function optinctl(optinctlPath, dataDir) {
  return (args, input) => run(optinctlPath, ['--data-dir', dataDir, ...args], input);
}

// optin-edged on a config file and data dir. `log` collects all its stderr across restarts;
// `port` and `baseUrl` come from the first start's "service.listening" log line.
export class Daemon {
  constructor({ daemonPath, configFile, dataDir }) {
    this.daemonPath = daemonPath;
    this.configFile = configFile;
    this.dataDir = dataDir;
    this.child = null;
    this.log = '';
    this.port = 0;
    this.baseUrl = undefined;
  }

  // Starts it; resolves once its log says it listens (the port from the log line).
  start(listen = '127.0.0.1:0') {
    return new Promise((resolve, reject) => {
      const child = spawn(
        this.daemonPath,
        ['--config', this.configFile, '--data-dir', this.dataDir, '--listen', listen],
        { stdio: ['ignore', 'ignore', 'pipe'] }
      );
      this.child = child;
      let seen = '';
      const timer = setTimeout(() => reject(new Error('optin-edged did not start:\n' + seen)), 20000);
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk) => {
        this.log += chunk;
        if (seen === null) return;
        seen += chunk;
        for (const line of seen.split('\n')) {
          if (!line.includes('"event":"service.listening"')) continue;
          const m = /"port":(\d+)/.exec(line);
          if (m) {
            clearTimeout(timer);
            this.port = Number(m[1]);
            this.baseUrl = `http://127.0.0.1:${this.port}`;
            seen = null;
            resolve();
            return;
          }
        }
      });
      child.on('exit', (code, signal) => {
        if (this.child === child) this.child = null;
        if (seen !== null) {
          clearTimeout(timer);
          reject(new Error(`optin-edged exited (${code ?? signal}) before listening:\n${seen}`));
        }
      });
    });
  }

  // Sends `signal` and resolves once it has exited (at once if it is not running).
  stop(signal = 'SIGTERM') {
    const child = this.child;
    if (!child) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}

// The API as a test calls it beside the browser: `call(method, route, {token, body})` answers
// {status, json (null when not JSON), text, headers}. `baseUrl` is a function because the
// daemon's address is known only once it has started.
export function apiCaller(baseUrl) {
  return async function call(method, route, { token, body } = {}) {
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(baseUrl() + route, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    const url = new URL(r.url);
    const errors = checkAnswer({
      method,
      path: url.pathname + url.search,
      status: r.status,
      contentType: r.headers.get('content-type'),
      headers: Object.fromEntries(r.headers),
      body: text,
    }, { record: false });
    assert.deepEqual(errors, [], 'the answer is not as firmware/api/openapi.json documents it');
    return { status: r.status, json, text, headers: r.headers };
  };
}

// The headers every embedded page is served with (web/static_assets.h): an HTML page under the
// strict CSP, no MIME sniffing, no referrer, a cache policy.
export function assertPageHeaders(headers) {
  assert.match(headers.get('content-type'), /^text\/html/);
  assert.equal(
    headers.get('content-security-policy'),
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; " +
      "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
  );
  assert.equal(headers.get('x-content-type-options'), 'nosniff');
  assert.equal(headers.get('referrer-policy'), 'no-referrer');
  assert.ok(headers.get('cache-control'));
}

// ------------------------------------------------------------------------------------------
// The browser

// Debian's Chromium, headless, through playwright-core.
// Every context it opens (and so every page) has its /v1/ answers checked against the contract.
export async function launchChromium(executablePath) {
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const context = await newContext(...args);
    context.on('response', checkPageAnswer);
    return context;
  };
  return browser;
}

// A page in a new context; page.problems collects console errors and page errors.
export async function newPage(browser, { viewport = { width: 1280, height: 800 }, hasTouch } = {}) {
  const options = { viewport, deviceScaleFactor: 1 };
  if (hasTouch !== undefined) options.hasTouch = hasTouch;
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(m.text());
  });
  page.on('pageerror', (e) => page.problems.push('page error: ' + e.message));
  return page;
}

// A full-page screenshot to `file`; returns the file.
export async function shot(page, file) {
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

// Runs axe-core in the page (evaluated through the DevTools protocol, so the page's CSP stays
// as served) and returns all its violations.
export async function axeViolations(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
}

// Runs axe on the page, writes all violations to <outDir>/axe-<label>.json, logs a summary
// and asserts none is serious or critical (failing with "... on the <screen> screen").
export async function checkAxe(page, { outDir, label, screen = label }) {
  const all = await axeViolations(page);
  const serious = all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  await writeFile(path.join(outDir, `axe-${label}.json`), JSON.stringify(all, null, 2));
  console.log(
    `axe ${label}: ${all.length} violation(s) in all, ${serious.length} serious or critical` +
      (all.length ? ': ' + all.map((v) => `${v.id} (${v.impact})`).join(', ') : '')
  );
  assert.deepEqual(serious, [], `axe found serious violations on the ${screen} screen`);
}
