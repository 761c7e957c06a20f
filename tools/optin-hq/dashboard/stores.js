// The stores screen (#/stores): the stores not reporting (open by the stores file and without a
// batch for a day of the last 30, or never heard of), every store with its last batch and its
// age, and which bundle versions each store runs (/v1/bundles/in-force).
import { get } from './api.js';
import { el, table } from './dom.js';
import { ageWords, timestampWords } from './format.js';
import { t } from './messages.js';

const storeLink = (id) => el('a', { href: `#/store/${encodeURIComponent(id)}`, text: id });

export async function renderStores(main) {
  const [stores, bundles] = await Promise.all([get('/v1/stores'), get('/v1/bundles/in-force')]);
  const days = 30;
  const notReporting = stores.stores.filter((s) => s.missing_days > 0 || (s.listed && s.batches === 0));
  const row = (s) => [storeLink(s.id), s.name ?? '', s.region ?? '', timestampWords(s.last_batch_received_at),
    ageWords(s.last_batch_age_seconds), s.missing_days > 0 ? `${s.missing_days} (${s.missing.join(', ')})` : '0'];
  const headers = [t('col.store'), t('col.name'), t('col.region'), t('col.lastBatch'), t('col.age'), t('col.missingDays')];

  const kinds = [...new Set(bundles.stores.map((b) => b.kind))].sort();
  const byStore = new Map();
  for (const b of bundles.stores) {
    if (!byStore.has(b.store_id)) byStore.set(b.store_id, {});
    byStore.get(b.store_id)[b.kind] = b;
  }
  const counts = new Map();
  for (const b of bundles.stores) {
    const key = `${b.kind}\u0000${b.version}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const summary = [...counts.entries()].sort().map(([key, count]) => {
    const [kind, version] = key.split('\u0000');
    return el('li', { text: t('stores.versionsSummary', { kind, version, count }) });
  });

  main.replaceChildren(
    el('h1', { id: 'screen-title', tabindex: '-1', text: t('stores.title') }),
    el('section', { class: 'panel wide', id: 'panel-missing', 'aria-labelledby': 'title-missing' },
      el('h2', { id: 'title-missing', text: t('stores.missingTitle') }),
      el('p', { class: 'about', text: t('stores.missingLead', { days }) }),
      notReporting.length
        ? table(t('stores.missingTitle'), headers, notReporting.map(row), { id: 'missing-stores' })
        : el('p', { class: 'empty', id: 'missing-stores', text: t('stores.allReporting', { days }) })),
    el('section', { class: 'panel wide', id: 'panel-bundles', 'aria-labelledby': 'title-bundles' },
      el('h2', { id: 'title-bundles', text: t('stores.bundlesTitle') }),
      el('p', { class: 'about', text: t('stores.bundlesLead') }),
      bundles.stores.length
        ? [el('ul', { class: 'summary' }, summary),
          table(t('stores.bundlesTitle'), [t('col.store'), ...kinds],
            [...byStore.entries()].map(([id, k]) => [storeLink(id), ...kinds.map((kind) => (k[kind] ? k[kind].version : '—'))]),
            { id: 'bundle-versions' })]
        : el('p', { class: 'empty', text: t('stores.noBundles') })),
    el('section', { class: 'panel wide', id: 'panel-all-stores', 'aria-labelledby': 'title-all-stores' },
      el('h2', { id: 'title-all-stores', text: t('stores.allTitle') }),
      table(t('stores.allTitle'), headers, stores.stores.map(row), { id: 'all-stores' })));
}
