// A store's own page (#/store/ID): its figures, its missing days, the bundles it runs and the
// epsilon it spent.
import { get } from './api.js';
import { el, table } from './dom.js';
import { ageWords, timestampWords } from './format.js';
import { t } from './messages.js';
import { renderPanels } from './panels.js';
import { rangeForm, rangeQuery } from './range.js';
import { epsilonReport } from './privacy.js';

export async function renderStore(main, id, range) {
  const [stores, bundles, epsilon] = await Promise.all([
    get('/v1/stores'),
    get('/v1/bundles/in-force'),
    get('/v1/privacy/epsilon', { from: range.from, to: range.to, store: id }),
  ]);
  const info = stores.stores.find((s) => s.id === id);
  const title = el('h1', { id: 'screen-title', tabindex: '-1', text: t('store.title', { id }) });
  if (!info) {
    main.replaceChildren(title, el('p', { class: 'message', role: 'status', text: t('store.unknown', { id }) }));
    return;
  }
  const grid = el('div', { class: 'panels' });
  const mine = bundles.stores.filter((b) => b.store_id === id);
  main.replaceChildren(
    title,
    el('p', { class: 'lead', text: t('store.lead', { name: info.name ?? id, region: info.region ?? '?', ...range }) }),
    el('div', { class: 'controls' },
      rangeForm(range, (r) => { location.hash = `#/store/${encodeURIComponent(id)}?${rangeQuery(r)}`; })),
    grid,
    el('section', { class: 'panel wide', id: 'panel-store-status', 'aria-labelledby': 'title-store-status' },
      el('h2', { id: 'title-store-status', text: t('store.statusTitle') }),
      table(t('col.lastBatch'), [t('col.store'), t('col.lastBatch'), t('col.age'), t('col.missingDays')],
        [[id, timestampWords(info.last_batch_received_at), ageWords(info.last_batch_age_seconds),
          info.missing.length ? `${info.missing_days}: ${info.missing.join(', ')}` : '0']]),
      mine.length
        ? table(t('stores.bundlesTitle'), [t('col.kind'), t('col.version'), t('col.reportedAt')],
          mine.map((b) => [b.kind, b.version, timestampWords(new Date(b.reported_at * 1000).toISOString().slice(0, 19) + 'Z')]))
        : el('p', { class: 'empty', text: t('stores.noBundles') }),
      el('h3', { text: t('privacy.title') }),
      epsilonReport(epsilon)));
  await renderPanels(grid, { store: id }, range, null);
}
