// The pages' message catalogs (firmware/web/static/common/i18n/*.js) are complete: every
// catalog has exactly the keys of en.js, each text the same {placeholders} as English (plural
// forms: at least `other`, and the forms the language's Intl.PluralRules needs), no text is
// blank; and every key a page uses (t('…'), data-i18n="…", data-i18n-attr, and the prefixes of
// keys built at run time) is in en.js. ctest `web_catalogs`:
//
//   node tests/e2e/catalog_check.mjs [--static firmware/web/static]
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const argIndex = process.argv.indexOf('--static');
const staticDir = path.resolve(argIndex > 0 ? process.argv[argIndex + 1] : path.join(here, '../../firmware/web/static'));
const catalogDir = path.join(staticDir, 'common/i18n');

async function loadCatalogs() {
  const out = {};
  for (const file of (await readdir(catalogDir)).filter((f) => f.endsWith('.js')).sort()) {
    out[path.basename(file, '.js')] = (await import(pathToFileURL(path.join(catalogDir, file)).href)).default;
  }
  return out;
}

const catalogs = await loadCatalogs();
const en = catalogs.en;

function forms(value) {
  return value && typeof value === 'object' ? Object.values(value) : [value];
}

function placeholders(value) {
  const names = new Set();
  for (const text of forms(value)) for (const m of String(text).matchAll(/\{([a-zA-Z0-9_]+)\}/g)) names.add(m[1]);
  return [...names].sort();
}

// Every page source under static/ (not the catalogs).
async function pageSources() {
  const files = [];
  async function walk(dir) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (p !== catalogDir) await walk(p);
      } else if (/\.(js|html)$/.test(entry.name) && p !== path.join(staticDir, 'common/i18n.js')) {
        files.push(p);
      }
    }
  }
  await walk(staticDir);
  return files;
}

test('the English catalog exists and has texts', () => {
  assert.ok(en, `no en.js in ${catalogDir}`);
  assert.ok(Object.keys(en).length > 100);
});

test('there are catalogs for en, it, es, de and fr', () => {
  for (const lang of ['en', 'it', 'es', 'de', 'fr']) assert.ok(catalogs[lang], `no ${lang}.js`);
});

for (const [lang, catalog] of Object.entries(catalogs)) {
  test(`${lang}: exactly the keys of en, the same placeholders, no blank text, its plural forms`, () => {
    const missing = Object.keys(en).filter((k) => !(k in catalog));
    const extra = Object.keys(catalog).filter((k) => !(k in en));
    assert.deepEqual(missing, [], `${lang}.js lacks keys`);
    assert.deepEqual(extra, [], `${lang}.js has keys en.js does not`);
    const rules = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    for (const key of Object.keys(en)) {
      const value = catalog[key];
      assert.deepEqual(placeholders(value), placeholders(en[key]), `${lang} ${key}: placeholders differ from English`);
      for (const text of forms(value)) {
        assert.equal(typeof text, 'string', `${lang} ${key}: not a string`);
        assert.ok(text.trim().length > 0, `${lang} ${key}: blank`);
      }
      if (en[key] && typeof en[key] === 'object') {
        assert.ok(value && typeof value === 'object' && 'other' in value, `${lang} ${key}: plural forms without 'other'`);
        for (const form of rules.filter((f) => f === 'one' || f === 'other')) {
          assert.ok(form in value, `${lang} ${key}: lacks the '${form}' form`);
        }
      } else {
        assert.equal(typeof value, 'string', `${lang} ${key}: English has one text, this plural forms`);
      }
    }
  });
}

test('no page uses a key that en.js lacks', async () => {
  const problems = [];
  let used = 0;
  for (const file of await pageSources()) {
    const text = await readFile(file, 'utf8');
    const rel = path.relative(staticDir, file);
    const keys = new Set();
    for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.\-]+)'/g)) keys.add(m[1]);
    for (const m of text.matchAll(/data-i18n="([^"]+)"/g)) keys.add(m[1]);
    for (const m of text.matchAll(/data-i18n-attr="([^"]+)"/g)) {
      for (const pair of m[1].split(/\s+/)) keys.add(pair.slice(pair.indexOf(':') + 1));
    }
    // Keys chosen by a condition: t(x ? 'a.b' : 'a.c'), t(FRIENDLY[...]) tables, remove(id, 'a.b'):
    // any quoted text in the page's own namespace (shop/ uses 'shop.…') or 'common.…'.
    const own = rel.split(path.sep)[0];
    const quoted = new RegExp(`'((?:${own}|common)\\.[a-zA-Z0-9_.\\-]*[a-zA-Z0-9_\\-])'`, 'g');
    for (const m of text.matchAll(quoted)) keys.add(m[1]);
    for (const key of keys) {
      if (key.endsWith('.')) continue; // a prefix, checked below
      used += 1;
      if (!(key in en)) problems.push(`${rel}: '${key}'`);
    }
    // Keys built at run time ('shop.field.' + key): some key has that prefix.
    for (const m of text.matchAll(/'((?:shop|kiosk|staff|common)\.[a-zA-Z0-9_.\-]*\.)'\s*\+/g)) {
      if (!Object.keys(en).some((k) => k.startsWith(m[1]))) problems.push(`${rel}: no key starts with '${m[1]}'`);
    }
  }
  assert.ok(used > 200, `only ${used} keys found in the pages`);
  assert.deepEqual(problems, [], 'keys used by the pages but missing from en.js');
});
