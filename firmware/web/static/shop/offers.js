// Offers and interests on the shopper page: the interests the shopper ticks (with how much they
// know), and the offers picked from them, each with its reason in the API's words and its
// price formatted for the page's locale. Offers are fetched only when asked for: the store
// records every showing, so a language switch re-words the offers already shown.

import { t, formatPrice, formatDay } from '/common/i18n.js';
import { ui, state, hooks, el, fromApi, announce, setMessage, api, mutate, isOn, interestLabel } from './state.js';

const LEVELS = ['beginner', 'intermediate', 'expert'];
let interestsDirty = false;
let lastOffers = null;

export function renderInterestEditor() {
  const checked = new Map();
  for (const li of ui.interestsList.children) {
    const box = li.querySelector('input');
    if (box.checked) checked.set(li.dataset.topic, li.querySelector('select').value);
  }
  ui.interestsList.replaceChildren();
  const topics = (state.store && state.store.interests) || [];
  topics.forEach((topic, i) => {
    const li = el('li', 'interest');
    li.dataset.topic = topic;
    const box = el('input');
    box.type = 'checkbox';
    box.id = 'interest-' + i;
    box.value = topic;
    box.checked = checked.has(topic);
    const label = fromApi('label', 'interest-name', interestLabel(topic));
    label.htmlFor = box.id;
    const level = el('select', 'interest-level');
    level.id = 'interest-' + i + '-level';
    level.setAttribute('aria-label', t('shop.interests.levelFor', { topic: interestLabel(topic) }));
    level.append(new Option(t('shop.level.any'), ''));
    for (const value of LEVELS) level.append(new Option(t('shop.level.' + value), value));
    level.value = checked.get(topic) || '';
    level.hidden = !box.checked;
    box.addEventListener('change', () => {
      level.hidden = !box.checked;
      interestsDirty = true;
    });
    level.addEventListener('change', () => {
      interestsDirty = true;
    });
    const head = el('div', 'interest-head');
    head.append(box, label);
    li.append(head, level);
    ui.interestsList.append(li);
  });
}

export function syncInterestEditor() {
  const me = state.me;
  if (interestsDirty || !me) return;
  const declared = new Map();
  for (const i of Array.isArray(me.interests) ? me.interests : []) {
    if (i && typeof i.topic === 'string') declared.set(i.topic, i.expertise || '');
  }
  for (const li of ui.interestsList.children) {
    const box = li.querySelector('input');
    const level = li.querySelector('select');
    box.checked = declared.has(li.dataset.topic);
    box.removeAttribute('aria-invalid');
    level.value = declared.get(li.dataset.topic) || '';
    level.hidden = !box.checked;
  }
}

export async function onSaveInterests(event) {
  event.preventDefault();
  if (state.busy) return;
  setMessage(ui.interestsMessage, '');
  const chosen = [];
  for (const li of ui.interestsList.children) {
    const box = li.querySelector('input');
    box.removeAttribute('aria-invalid');
    if (!box.checked) continue;
    const level = li.querySelector('select').value;
    chosen.push({ li, value: level ? { topic: li.dataset.topic, expertise: level } : li.dataset.topic });
  }
  await mutate(async () => {
    try {
      await api('PUT', '/v1/me/interests', { body: { interests: chosen.map((c) => c.value) } });
      interestsDirty = false;
      announce(chosen.length ? t('shop.interests.saved', { count: chosen.length }) : t('shop.interests.cleared'));
    } catch (e) {
      const m = /^\/interests\/(\d+)/.exec(e.field);
      let text = e.message;
      if (m && chosen[Number(m[1])]) {
        const li = chosen[Number(m[1])].li;
        li.querySelector('input').setAttribute('aria-invalid', 'true');
        text = t('shop.interests.fieldProblem', { topic: interestLabel(li.dataset.topic), problem: text });
      }
      setMessage(ui.interestsMessage, text);
      return;
    }
    await hooks.refresh({ offers: true });
  });
}

export function renderOffers(data = lastOffers) {
  if (!data) return;
  lastOffers = data;
  const offers = Array.isArray(data.offers) ? data.offers : [];
  ui.offersList.replaceChildren();
  for (const o of offers) {
    const li = el('li', 'offer');
    li.dataset.id = o.id;
    const article = el('article');
    const titleId = 'offer-' + String(o.id).replace(/[^A-Za-z0-9_-]/g, '_');
    const h = fromApi('h3', 'offer-title', o.title);
    h.id = titleId;
    article.setAttribute('aria-labelledby', titleId);
    article.append(h);
    const price = formatPrice(o.price);
    if (price) article.append(el('p', 'price', t('shop.offers.price', { price })));
    if (o.description) article.append(fromApi('p', 'offer-description', o.description));
    if (o.reason) {
      const reason = el('p', 'reason');
      reason.append(el('strong', '', t('shop.offers.why')), document.createTextNode(' '), fromApi('span', '', o.reason));
      article.append(reason);
    }
    const meta = [];
    if (Array.isArray(o.categories) && o.categories.length) meta.push(fromApi('span', '', o.categories.join(', ')));
    if (o.expertise && LEVELS.includes(o.expertise)) meta.push(el('span', '', t('shop.offers.for.' + o.expertise)));
    if (meta.length) {
      const p = el('p', 'meta');
      meta.forEach((m, i) => {
        if (i) p.append(document.createTextNode(' · '));
        p.append(m);
      });
      article.append(p);
    }
    if (o.terms) {
      const p = el('p', 'terms');
      p.append(el('span', '', t('shop.offers.terms')), document.createTextNode(' '), fromApi('span', '', o.terms));
      article.append(p);
    }
    if (o.valid_until) article.append(el('p', 'terms', t('shop.offers.validUntil', { date: formatDay(o.valid_until) })));
    li.append(article);
    ui.offersList.append(li);
  }
  const note = typeof data.note === 'string' ? data.note : '';
  const me = state.me;
  const declared = Array.isArray(me && me.interests) && me.interests.length > 0;
  ui.offersEmpty.hidden = offers.length > 0;
  ui.offersEmpty.dataset.text = !offers.length && note ? 'api' : '';
  ui.offersEmpty.textContent = offers.length ? '' : note || t(declared ? 'shop.offers.noMatch' : 'shop.offers.tickFirst');
  ui.offersNote.replaceChildren();
  if (offers.length && note) ui.offersNote.append(fromApi('span', '', note), document.createTextNode(' '));
  if (typeof data.catalog_version === 'string' && data.catalog_version) {
    ui.offersNote.append(el('span', '', t('shop.offers.catalog', { version: data.catalog_version })));
  }
}

export async function loadOffers() {
  setMessage(ui.offersMessage, '');
  if (!isOn('offers')) {
    ui.offersOff.hidden = false;
    ui.offersOn.hidden = true;
    ui.offersList.replaceChildren();
    lastOffers = null;
    return;
  }
  ui.offersOff.hidden = true;
  ui.offersOn.hidden = false;
  try {
    renderOffers(await api('GET', '/v1/offers'));
  } catch (e) {
    if (e.reason === 'consent-required') {
      ui.offersOff.hidden = false;
      ui.offersOn.hidden = true;
      return;
    }
    if (state.session) setMessage(ui.offersMessage, t('shop.offers.loadFailed', { problem: e.message }));
  }
}
