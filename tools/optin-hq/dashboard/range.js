// The period form the figure screens share (from, to, group by), kept in the address after the
// hash (#/chain?from=...&to=...&by=day) so that a view can be bookmarked. Pure helpers plus the
// form, which calls `go(range)` when submitted.
import { el } from './dom.js';
import { daysAgo } from './format.js';
import { t } from './messages.js';

export function rangeFrom(params) {
  const valid = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s ?? '');
  return {
    from: valid(params.get('from')) ? params.get('from') : daysAgo(27),
    to: valid(params.get('to')) ? params.get('to') : daysAgo(0),
    by: ['day', 'week', 'month'].includes(params.get('by')) ? params.get('by') : 'day',
  };
}

export function rangeQuery(range) {
  return new URLSearchParams(range).toString();
}

// `withBy`: false on screens that are per day whatever the grouping (privacy).
export function rangeForm(range, go, { withBy = true } = {}) {
  const message = el('p', { class: 'message', role: 'alert', id: 'range-message' });
  const from = el('input', { id: 'range-from', type: 'date', value: range.from, required: true });
  const to = el('input', { id: 'range-to', type: 'date', value: range.to, required: true });
  const by = el('select', { id: 'range-by' },
    ['day', 'week', 'month'].map((b) => el('option', { value: b, selected: b === range.by, text: t(`range.${b}`) })));
  const form = el('form', { class: 'range', novalidate: true },
    el('fieldset', {},
      el('legend', { text: t('range.legend') }),
      el('div', { class: 'field' }, el('label', { for: 'range-from', text: t('range.from') }), from),
      el('div', { class: 'field' }, el('label', { for: 'range-to', text: t('range.to') }), to),
      withBy ? el('div', { class: 'field' }, el('label', { for: 'range-by', text: t('range.by') }), by) : null,
      el('button', { type: 'submit', class: 'button', text: t('range.apply') })),
    message);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!from.value || !to.value || from.value > to.value) {
      message.textContent = t('range.bad');
      return;
    }
    go({ from: from.value, to: to.value, by: by.value });
  });
  return form;
}
