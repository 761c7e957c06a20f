// The figure panels the chain and store screens share: check-ins per period with their band, by
// region, by channel, the hour-of-day profile, help topics, time to claim, offer categories.
// Each panel is a section with a chart and, under it, a table saying every figure with its
// error in words. `scope` is {} (the chain), {store} or {region}; `range` is {from, to, by}.
import { get } from './api.js';
import { bandChart, intervalBarChart } from './charts.js';
import { el, table } from './dom.js';
import { figureWords, intervalWords, secondsWords } from './format.js';
import { t } from './messages.js';

function section(id, title, about) {
  const canvas = el('canvas', { id: `chart-${id}`, role: 'img', 'aria-label': title });
  // The table may scroll: it takes the keyboard focus so that it can be scrolled without a mouse.
  const body = el('div', { class: 'panel-body', tabindex: '0', role: 'region', 'aria-label': t('panel.table', { title }) });
  const node = el('section', { class: 'panel', id: `panel-${id}`, 'aria-labelledby': `title-${id}` },
    el('h2', { id: `title-${id}`, text: title }),
    about ? el('p', { class: 'about', text: about }) : null,
    el('div', { class: 'chart' }, canvas),
    body);
  return { node, canvas, body };
}

function failed(panel, error) {
  panel.canvas.parentElement.hidden = true;
  panel.body.replaceChildren(el('p', { class: 'message', role: 'status', text: t('panel.error', { detail: error.message }) }));
}

function empty(panel) {
  panel.canvas.parentElement.hidden = true;
  panel.body.replaceChildren(el('p', { class: 'empty', text: t('panel.nodata') }));
}

const figures = (metric, scope, range, extra = {}) =>
  get('/v1/figures', { metric, by: range.by, from: range.from, to: range.to, ...scope, ...extra });
const breakdown = (metric, scope, range) =>
  get('/v1/breakdown', { metric, from: range.from, to: range.to, ...scope });

// A period no store reported is unknown, not zero: drawn as a gap (null). Labels of a breakdown
// (no stores_reported) are always drawn.
const known = (r, value) => (r.stores_reported === 0 ? null : value);
function series(name, rows) {
  return {
    name,
    estimate: rows.map((r) => known(r, r.display)),
    low: rows.map((r) => known(r, r.low95)),
    high: rows.map((r) => known(r, r.high95)),
  };
}

async function checkins(panel, scope, range) {
  const answer = await figures('checkins_total', scope, range);
  if (!answer.rows.length) return empty(panel);
  bandChart(panel.canvas, { labels: answer.rows.map((r) => r.period), series: [series(scope.store ?? scope.region ?? t('nav.chain'), answer.rows)] });
  panel.body.replaceChildren(table(t('panel.checkins', { by: range.by }),
    [t('col.period'), t('col.estimate'), t('col.interval'), t('col.reported'), t('col.missing')],
    answer.rows.map((r) => [r.period, figureWords(r), intervalWords(r),
      t('words.reported', { reported: r.stores_reported, expected: r.stores_expected }),
      r.missing.join(', ')])));
}

async function regions(panel, scope, range, regionList) {
  if (!regionList.length) return empty(panel);
  const answers = await Promise.all(regionList.map((region) => figures('checkins_total', { region }, range)));
  const labels = answers[0].rows.map((r) => r.period);
  bandChart(panel.canvas, { labels, series: answers.map((a, i) => series(regionList[i], a.rows)) });
  panel.body.replaceChildren(table(t('panel.regions'), [t('col.period'), ...regionList],
    labels.map((period, i) => [period, ...answers.map((a) => figureWords(a.rows[i]))])));
}

async function channels(panel, scope, range) {
  const totals = await breakdown('checkins_by_channel', scope, range);
  if (!totals.labels.length) return empty(panel);
  const names = totals.labels.map((l) => l.label);
  const answers = await Promise.all(names.map((label) => figures('checkins_by_channel', scope, range, { label })));
  bandChart(panel.canvas, {
    labels: answers[0].rows.map((r) => r.period),
    series: answers.map((a, i) => series(names[i], a.rows)),
  });
  labelTable(panel, t('panel.channels'), totals);
}

function labelTable(panel, caption, answer) {
  panel.body.replaceChildren(table(caption, [t('col.label'), t('col.estimate'), t('col.interval')],
    answer.labels.map((l) => [l.label, figureWords(l), intervalWords(l)])));
}

async function hours(panel, scope, range) {
  const answer = await breakdown('checkins_by_hour', scope, range);
  if (!answer.labels.length) return empty(panel);
  bandChart(panel.canvas, { labels: answer.labels.map((l) => l.label), series: [series(t('panel.hours'), answer.labels)] });
  labelTable(panel, t('panel.hours'), answer);
}

async function bars(panel, metric, caption, scope, range) {
  const answer = await breakdown(metric, scope, range);
  if (!answer.labels.length) return empty(panel);
  intervalBarChart(panel.canvas, {
    name: caption,
    labels: answer.labels.map((l) => l.label),
    display: answer.labels.map((l) => l.display),
    low: answer.labels.map((l) => l.low95),
    high: answer.labels.map((l) => l.high95),
  });
  labelTable(panel, caption, answer);
}

async function claim(panel, scope, range) {
  const answer = await figures('time_to_claim_seconds', scope, range);
  const rows = answer.rows;
  if (!rows.some((r) => r.median_seconds)) return empty(panel);
  const pick = (key, field) => rows.map((r) => (r[key] ? r[key][field] : null));
  bandChart(panel.canvas, {
    labels: rows.map((r) => r.period),
    yTitle: 's',
    series: [
      { name: t('series.median'), estimate: pick('median_seconds', 'estimate'), low: pick('median_seconds', 'low95'), high: pick('median_seconds', 'high95') },
      { name: t('series.p90'), estimate: pick('p90_seconds', 'estimate'), low: pick('p90_seconds', 'low95'), high: pick('p90_seconds', 'high95') },
    ],
  });
  panel.body.replaceChildren(table(t('panel.claim'), [t('col.period'), t('col.median'), t('col.p90')],
    rows.map((r) => [r.period, secondsWords(r.median_seconds), secondsWords(r.p90_seconds)])));
}

// Adds the panels to `container` and fills them; resolves when all are drawn (or failed).
export async function renderPanels(container, scope, range, regionList) {
  const jobs = [];
  const add = (id, title, about, fill) => {
    const panel = section(id, title, about);
    container.append(panel.node);
    jobs.push(fill(panel).catch((e) => failed(panel, e)));
  };
  add('checkins', t('panel.checkins', { by: range.by }), t('panel.checkins.about'), (p) => checkins(p, scope, range));
  if (regionList) add('regions', t('panel.regions'), null, (p) => regions(p, scope, range, regionList));
  add('channels', t('panel.channels'), null, (p) => channels(p, scope, range));
  add('hours', t('panel.hours'), t('panel.hours.about'), (p) => hours(p, scope, range));
  add('topics', t('panel.topics'), t('panel.topics.about'),
    (p) => bars(p, 'help_requests_by_topic', t('panel.topics'), scope, range));
  add('claim', t('panel.claim'), t('panel.claim.about'), (p) => claim(p, scope, range));
  add('categories', t('panel.categories'), t('panel.categories.about'),
    (p) => bars(p, 'offer_views_by_category', t('panel.categories'), scope, range));
  await Promise.all(jobs);
}
