// The pages' languages (shop, kiosk, staff): which language a page speaks, its message catalog
// (common/i18n/<lang>.js, one per language, every key of en.js), `t(key, params)` with plural
// forms, `Intl` formatting for that locale, the language switch, and the test-only pseudo-locale
// (`?pseudo` in the address: every catalog string accented, 30% longer and wrapped in ⟦…⟧).
// One page, one language at a time; no framework, no build step.

const RTL = new Set(['ar', 'he', 'fa', 'ur', 'yi', 'ps', 'dv', 'ku']);
const ACCENTS = {
  a: 'á', e: 'é', i: 'í', o: 'ó', u: 'ú', c: 'ç', n: 'ñ', y: 'ý', s: 'š', z: 'ž',
  A: 'Á', E: 'É', I: 'Í', O: 'Ó', U: 'Ú', C: 'Ç', N: 'Ñ', Y: 'Ý', S: 'Š', Z: 'Ž',
};

let lang = 'en';
let messages = {};
let fallback = {};
let pseudo = false;
let plurals = new Intl.PluralRules('en');
const listeners = [];

export function currentLanguage() {
  return lang;
}

export function isPseudo() {
  return pseudo;
}

// The catalog of one language, as its ES module exports it.
async function importCatalog(code) {
  const module = await import('/common/i18n/' + code + '.js');
  return module.default;
}

// The language to speak: the saved choice if the store offers it, else the first of the
// browser's preferences the store offers (exactly, then by its primary subtag: it-CH gives it),
// else the store's default (the first of `available`).
export function pickLanguage(available, preferred, saved) {
  const offered = (available || []).filter((l) => typeof l === 'string' && l);
  if (!offered.length) return 'en';
  if (saved && offered.includes(saved)) return saved;
  for (const p of preferred || []) {
    const tag = String(p).toLowerCase();
    const exact = offered.find((l) => l.toLowerCase() === tag);
    if (exact) return exact;
    const primary = tag.split('-')[0];
    const near = offered.find((l) => l.toLowerCase().split('-')[0] === primary);
    if (near) return near;
  }
  return offered[0];
}

function savedChoice(storageKey) {
  if (!storageKey) return null;
  try {
    return localStorage.getItem(storageKey);
  } catch (e) {
    return null;
  }
}

function saveChoice(storageKey, code) {
  if (!storageKey) return;
  try {
    localStorage.setItem(storageKey, code);
  } catch (e) {
    /* private mode: the choice lasts for this page only */
  }
}

function direction(code) {
  try {
    const locale = new Intl.Locale(code);
    const info = locale.textInfo || (typeof locale.getTextInfo === 'function' ? locale.getTextInfo() : null);
    if (info && info.direction) return info.direction;
  } catch (e) {
    /* an odd tag: decide by its primary subtag */
  }
  return RTL.has(code.split('-')[0]) ? 'rtl' : 'ltr';
}

// `?pseudo`: every letter accented, 30% longer, wrapped in ⟦…⟧; placeholders kept.
function pseudoText(text) {
  const parts = String(text).split(/(\{[a-zA-Z0-9_]+\})/);
  const body = parts.map((p) => (p.startsWith('{') ? p : p.replace(/[a-zA-Z]/g, (c) => ACCENTS[c] || c))).join('');
  const pad = '·'.repeat(Math.ceil(String(text).length * 0.3));
  return '⟦' + body + pad + '⟧';
}

function pseudoCatalog(catalog) {
  const out = {};
  for (const [key, value] of Object.entries(catalog)) {
    if (value && typeof value === 'object') {
      out[key] = {};
      for (const [form, text] of Object.entries(value)) out[key][form] = pseudoText(text);
    } else {
      out[key] = pseudoText(value);
    }
  }
  return out;
}

// Loads `code`'s catalog (English for keys it lacks, which the catalog test forbids), sets lang
// and dir on <html>, translates the static markup and tells every listener.
export async function useLanguage(code, { storageKey } = {}) {
  let catalog;
  let english;
  try {
    [catalog, english] = await Promise.all([importCatalog(code), code === 'en' ? null : importCatalog('en')]);
  } catch (e) {
    // A store language without a page catalog: the page speaks English rather than break.
    if (code === 'en') throw e;
    console.warn('i18n: no page catalog for ' + code + ', using English');
    return useLanguage('en', { storageKey });
  }
  lang = code;
  messages = pseudo ? pseudoCatalog(catalog) : catalog;
  fallback = english ? english : messages;
  plurals = new Intl.PluralRules(code);
  document.documentElement.lang = code;
  document.documentElement.dir = direction(code);
  if (storageKey) saveChoice(storageKey, code);
  translateDom(document);
  for (const fn of listeners) fn(code);
}

// Chooses and loads the page's language among `available` (the store's languages).
export async function setup({ available, storageKey, remember = true }) {
  pseudo = new URLSearchParams(location.search).has('pseudo');
  const preferred = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  const code = pickLanguage(available, preferred, remember ? savedChoice(storageKey) : null);
  await useLanguage(code, {});
  return code;
}

export function onLanguageChange(fn) {
  listeners.push(fn);
}

// The text of `key` with `{name}` placeholders filled from params; a key whose value is an
// object of plural forms ({one, other, ...}) picks the form for params.count.
export function t(key, params = {}) {
  let value = Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : fallback[key];
  if (value === undefined) {
    console.error('i18n: no text for ' + key);
    return key;
  }
  if (value && typeof value === 'object') {
    const form = typeof params.count === 'number' ? plurals.select(params.count) : 'other';
    value = value[form] !== undefined ? value[form] : value.other;
  }
  return String(value).replace(/\{([a-zA-Z0-9_]+)\}/g, (whole, name) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) return whole;
    const v = params[name];
    return typeof v === 'number' ? formatNumber(v) : String(v);
  });
}

// Static markup: data-i18n="key" sets the text, data-i18n-attr="attr:key attr:key" attributes.
export function translateDom(root) {
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of e.dataset.i18nAttr.split(/\s+/)) {
      const i = pair.indexOf(':');
      if (i > 0) e.setAttribute(pair.slice(0, i), t(pair.slice(i + 1)));
    }
  }
}

// ------------------------------------------------------------------------------------------
// Formatting for the page's locale

export function formatNumber(n) {
  return new Intl.NumberFormat(lang).format(n);
}

// A price from the catalog: {amount_minor, currency} in the currency's minor unit.
export function formatPrice(price) {
  if (!price || typeof price.amount_minor !== 'number' || typeof price.currency !== 'string') return '';
  try {
    const f = new Intl.NumberFormat(lang, { style: 'currency', currency: price.currency });
    const digits = f.resolvedOptions().maximumFractionDigits;
    return f.format(price.amount_minor / Math.pow(10, digits));
  } catch (e) {
    return new Intl.NumberFormat(lang, { minimumFractionDigits: 2 }).format(price.amount_minor / 100) + ' ' + price.currency;
  }
}

// A time from the API: seconds since the epoch or an ISO 8601 text.
export function toDate(v) {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number') return new Date(v * 1000);
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

function formatWith(options, v) {
  const d = toDate(v);
  return d ? new Intl.DateTimeFormat(lang, options).format(d) : '';
}

export const formatDateTime = (v) => formatWith({ dateStyle: 'medium', timeStyle: 'short' }, v);
export const formatTime = (v) => formatWith({ timeStyle: 'short' }, v);
export const formatDay = (v) => formatWith({ dateStyle: 'medium' }, v);

// A duration in whole units of `unit` ("minute", "hour", "day", "month", "second"), spelt out:
// "5 minuti", "2 Stunden".
export function formatDuration(n, unit, style = 'long') {
  return new Intl.NumberFormat(lang, { style: 'unit', unit, unitDisplay: style }).format(n);
}

// How long ago, for a waiting time: "hace 3 minutos", "vor 1 Stunde", "just now" style words.
export function formatAgo(seconds) {
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return rtf.format(0, 'second');
  const m = Math.floor(s / 60);
  if (m < 60) return rtf.format(-m, 'minute');
  return rtf.format(-Math.floor(m / 60), 'hour');
}

export function formatList(items) {
  return new Intl.ListFormat(lang, { style: 'long', type: 'conjunction' }).format(items);
}

// ------------------------------------------------------------------------------------------
// The language switch

// A language's name in that language, capitalised as a menu item: "Italiano", "Deutsch".
export function languageName(code) {
  try {
    const name = new Intl.DisplayNames([code], { type: 'language' }).of(code);
    if (name && name !== code) return name.charAt(0).toLocaleUpperCase(code) + name.slice(1);
  } catch (e) {
    /* below */
  }
  return code;
}

// Fills `container` with one button per language, each named in itself (lang set on it), the
// current one pressed; a tap switches the page without reloading it.
export function renderSwitch(container, available, { storageKey, onSwitch } = {}) {
  container.replaceChildren();
  const codes = (available || []).filter((l) => typeof l === 'string' && l);
  container.hidden = codes.length < 2;
  for (const code of codes) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'lang-button';
    b.lang = code;
    b.dataset.lang = code;
    b.dataset.text = 'intl';
    b.textContent = languageName(code);
    b.setAttribute('aria-pressed', String(code === lang));
    b.addEventListener('click', async () => {
      if (code === lang) return;
      await useLanguage(code, { storageKey });
      for (const other of container.querySelectorAll('button')) {
        other.setAttribute('aria-pressed', String(other.dataset.lang === code));
      }
      if (onSwitch) onSwitch(code);
    });
    container.append(b);
  }
}
