// Charts drawn with Chart.js (Debian's libjs-chart.js, served by optin-hq at
// /vendor/chart.min.js; a classic script that defines the global Chart). Every dataset carries
// `role` ("estimate", "low95", "high95", "interval") and `series` so that a reader (the browser
// test) can compare what is drawn with the API's figures. No animation. Module state: none (the
// charts live on their canvases; Chart.getChart(canvas) finds them).
import { t } from './messages.js';

const palette = ['#1d4ed8', '#b45309', '#047857', '#7c3aed', '#be123c', '#0e7490', '#4d7c0f', '#a21caf'];

export function chartsAvailable() {
  return typeof globalThis.Chart === 'function';
}

function color(i, alpha) {
  const hex = palette[i % palette.length];
  if (alpha === undefined) return hex;
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function replace(canvas, config) {
  const old = globalThis.Chart.getChart(canvas);
  if (old) old.destroy();
  return new globalThis.Chart(canvas, config);
}

const common = {
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
  interaction: { mode: 'index', intersect: false },
};

// Lines over `labels` (periods or hours), one per series, each with its 95% interval as a band
// (the line is the display value: the estimate clamped at zero).
export function bandChart(canvas, { labels, series, yTitle }) {
  if (!chartsAvailable()) return null;
  const datasets = [];
  series.forEach((s, i) => {
    datasets.push({
      role: 'low95', series: s.name, label: t('series.band', { name: s.name }), data: s.low,
      borderWidth: 0, pointRadius: 0, fill: false, borderColor: color(i, 0), backgroundColor: color(i, 0.15),
    });
    datasets.push({
      role: 'high95', series: s.name, label: t('series.band', { name: s.name }), data: s.high,
      borderWidth: 0, pointRadius: 0, fill: '-1', borderColor: color(i, 0), backgroundColor: color(i, 0.18),
    });
    datasets.push({
      role: 'estimate', series: s.name, label: t('series.estimate', { name: s.name }), data: s.estimate,
      borderColor: color(i), backgroundColor: color(i), borderWidth: 2, pointRadius: 2, fill: false,
      spanGaps: false,
    });
  });
  return replace(canvas, {
    type: 'line',
    data: { labels, datasets },
    options: {
      ...common,
      scales: { y: { title: { display: Boolean(yTitle), text: yTitle } } },
      plugins: {
        legend: { labels: { filter: (item, data) => data.datasets[item.datasetIndex].role !== 'low95' } },
      },
    },
  });
}

// Bars of the display values by label, each with its 95% interval as a thin floating bar.
export function intervalBarChart(canvas, { labels, display, low, high, name }) {
  if (!chartsAvailable()) return null;
  return replace(canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: [
        // The interval over the bar (not beside it): both on the same slot, the interval drawn
        // last and thinner.
        { role: 'interval', series: name, label: t('series.band', { name }), grouped: false, order: 0,
          data: low.map((l, i) => [l, high[i]]), backgroundColor: 'rgba(17, 24, 39, 0.55)',
          borderColor: '#111827', borderWidth: 1, barPercentage: 0.25 },
        { role: 'estimate', series: name, label: t('series.estimate', { name }), data: display, grouped: false,
          order: 1, backgroundColor: color(0, 0.35), borderColor: color(0), borderWidth: 1, barPercentage: 0.8 },
      ],
    },
    options: { ...common, indexAxis: 'y' },
  });
}
