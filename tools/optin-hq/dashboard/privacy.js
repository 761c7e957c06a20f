// The privacy officer's screen (#/privacy): per UTC day, how many stores spent epsilon, how many
// above the chain's policy and the most one store spent; then the store-days above the policy,
// per metric, flagged in words (/v1/privacy/epsilon). A store's page shows each of its days.
import { get } from './api.js';
import { el, table } from './dom.js';
import { t } from './messages.js';
import { rangeForm, rangeQuery } from './range.js';

const micros = (m) => (m / 1e6).toLocaleString('en', { maximumFractionDigits: 6 });

function flag(day) {
  if (day.over_policy) return el('span', { class: 'flag flag-over', text: t('privacy.over') });
  if (day.unstated_batches) return el('span', { class: 'flag flag-over', text: t('privacy.unstated') });
  return el('span', { class: 'flag', text: t('privacy.within') });
}

// The answer's store-days, per metric (id: the table's id; only those `keep` accepts).
function dayTable(answer, id, caption, keep = () => true) {
  const metrics = answer.metrics;
  const days = answer.days.filter(keep);
  const headers = [t('col.day'), t('col.store'), t('col.total'), t('col.flag'), ...metrics];
  const node = table(caption, headers, days.map((d) => [d.day,
    el('a', { href: `#/store/${encodeURIComponent(d.store_id)}`, text: d.store_id }),
    micros(d.epsilon_micros), flag(d), ...metrics.map((m) => (m in d.metrics ? micros(d.metrics[m]) : '—'))]), { id });
  days.forEach((d, i) => {
    const tr = node.tBodies[0].rows[i];
    tr.dataset.store = d.store_id;
    tr.dataset.day = d.day;
    if (d.over_policy) tr.classList.add('over');
  });
  return node;
}

function eachDay(from, to) {
  const out = [];
  for (let d = new Date(from + 'T00:00:00Z'); d <= new Date(to + 'T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1)) {
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

// Stores by days: the day's total in each cell, "over" in words where above the policy.
function matrix(answer) {
  const days = eachDay(answer.from, answer.to);
  const stores = [...new Set(answer.days.map((d) => d.store_id))].sort();
  const byKey = new Map(answer.days.map((d) => [`${d.store_id} ${d.day}`, d]));
  const head = el('tr', {}, el('th', { scope: 'col', text: t('col.store') }),
    days.map((day) => el('th', { scope: 'col', title: day, 'aria-label': day, text: day.slice(5) })));
  const rows = stores.map((store) => el('tr', {},
    el('th', { scope: 'row' }, el('a', { href: `#/store/${encodeURIComponent(store)}`, text: store })),
    days.map((day) => {
      const d = byKey.get(`${store} ${day}`);
      if (!d) return el('td', {});
      const value = micros(d.epsilon_micros);
      return el('td', { class: d.over_policy ? 'over' : null, 'data-store': store, 'data-day': day,
        text: d.over_policy ? t('privacy.overCell', { value }) : value });
    })));
  return el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': t('panel.table', { title: t('privacy.matrixTitle') }) },
    el('table', { class: 'data matrix', id: 'epsilon-matrix' },
      el('caption', { text: t('privacy.matrixTitle') }), el('thead', {}, head), el('tbody', {}, rows)));
}

// The chain's days: stores that spent, how many above the policy (in words), the most spent.
function byDayTable(answer) {
  const node = table(t('privacy.byDayTitle'),
    [t('col.day'), t('col.stores'), t('col.overStores'), t('col.maxSpent')],
    answer.by_day.map((d) => [d.day, String(d.stores),
      d.over_policy_stores ? t('privacy.overStores', { count: d.over_policy_stores }) : t('privacy.within'),
      micros(d.max_epsilon_micros)]), { id: 'epsilon-by-day' });
  answer.by_day.forEach((d, i) => {
    const tr = node.tBodies[0].rows[i];
    tr.dataset.day = d.day;
    if (d.over_policy_stores) tr.classList.add('over');
  });
  return node;
}

// The chain's panel: its days, then the store-days above the policy (the API lists no others).
function chainReport(answer) {
  if (!answer.by_day.length) return [el('p', { class: 'empty', text: t('privacy.nodata') })];
  return [
    el('p', { class: 'about', text: t('privacy.byDayLead') }),
    byDayTable(answer),
    el('h3', { text: t('privacy.overTitle') }),
    answer.days.length ? dayTable(answer, 'epsilon-over', t('privacy.overTitle'))
      : el('p', { class: 'ok', text: t('privacy.none') }),
    el('p', { class: 'message', hidden: !answer.days_truncated,
      text: t('privacy.truncated', { count: answer.days.length }) }),
  ];
}

// A store's panel (its page): its days as a row of cells, those above the policy, every day.
export function epsilonReport(answer) {
  if (!answer.days.length) return [el('p', { class: 'empty', text: t('privacy.nodata') })];
  const over = answer.days.filter((d) => d.over_policy);
  return [
    el('p', { class: 'about', text: t('privacy.matrixLead') }),
    matrix(answer),
    el('h3', { text: t('privacy.overTitle') }),
    over.length ? dayTable(answer, 'epsilon-over', t('privacy.overTitle'), (d) => d.over_policy)
      : el('p', { class: 'ok', text: t('privacy.none') }),
    el('details', {}, el('summary', { text: t('privacy.detailTitle') }),
      dayTable(answer, 'epsilon-days', t('privacy.detailTitle'))),
  ];
}

export async function renderPrivacy(main, range) {
  const answer = await get('/v1/privacy/epsilon', { from: range.from, to: range.to });
  const policy = micros(answer.policy.epsilon_per_day_micros);
  const flagged = answer.over_policy_days;
  main.replaceChildren(
    el('h1', { id: 'screen-title', tabindex: '-1', text: t('privacy.title') }),
    el('p', { class: 'lead', text: t('privacy.lead', { policy }) }),
    el('div', { class: 'controls' },
      rangeForm(range, (r) => { location.hash = `#/privacy?${rangeQuery(r)}`; }, { withBy: false })),
    el('p', { class: flagged ? 'alert' : 'ok', id: 'epsilon-summary', role: 'status',
      text: flagged
        ? t('privacy.flagged', { count: flagged, stores: answer.over_policy_stores.join(', ') })
        : t('privacy.none') }),
    el('p', { class: 'message', hidden: !answer.unstated_batches,
      text: t('privacy.unreadable', { count: answer.unstated_batches }) }),
    el('section', { class: 'panel wide', id: 'panel-epsilon', 'aria-labelledby': 'title-epsilon' },
      el('h2', { id: 'title-epsilon', text: t('privacy.byDayTitle') }),
      chainReport(answer)));
}
