// The chain screen (#/chain): every store's figures together, by region and by channel, with a
// store picker that opens a store's own page.
import { get } from './api.js';
import { el } from './dom.js';
import { t } from './messages.js';
import { renderPanels } from './panels.js';
import { rangeForm, rangeQuery } from './range.js';

export async function renderChain(main, range) {
  const stores = await get('/v1/stores');
  const regionList = [...new Set(stores.stores.map((s) => s.region).filter(Boolean))].sort();
  const pick = el('select', { id: 'store-pick' },
    stores.stores.map((s) => el('option', { value: s.id, text: s.name ? `${s.id} · ${s.name}` : s.id })));
  const picker = el('form', { class: 'picker' },
    el('label', { for: 'store-pick', text: t('store.pick') }), pick,
    el('button', { type: 'submit', class: 'button button-quiet', text: t('store.pickButton') }));
  picker.addEventListener('submit', (event) => {
    event.preventDefault();
    if (pick.value) location.hash = `#/store/${encodeURIComponent(pick.value)}?${rangeQuery(range)}`;
  });
  const grid = el('div', { class: 'panels' });
  main.replaceChildren(
    el('h1', { id: 'screen-title', tabindex: '-1', text: t('chain.title') }),
    el('p', { class: 'lead', text: t('chain.lead', range) }),
    el('div', { class: 'controls' },
      rangeForm(range, (r) => { location.hash = `#/chain?${rangeQuery(r)}`; }),
      stores.stores.length ? picker : null),
    grid);
  await renderPanels(grid, {}, range, regionList);
}
