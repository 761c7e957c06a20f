// Numbers, intervals, dates and ages in words, from numbers parsed out of JSON (never from the
// text of a number: HQ may print 596.37 as 5.9637E2). Pure functions.
import { t } from './messages.js';

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

export const Z95 = 1.959963984540054;

export function number(x) {
  return integer.format(x);
}

// "1,234 ± 56": the estimate as it is (unbiased, may be negative) and the half-width of its 95%
// interval; "(shown as 0)" when the charts clamp it.
export function figureWords(row) {
  const half = (Number(row.high95) - Number(row.low95)) / 2;
  const words = t('words.figure', { estimate: integer.format(row.estimate), half: integer.format(half) });
  return row.estimate < 0 ? t('words.negative', { words }) : words;
}

export function intervalWords(row) {
  return t('words.interval', { low: decimal.format(row.low95), high: decimal.format(row.high95) });
}

// A quantile {estimate, low95, high95, at_least} or null, in seconds.
export function secondsWords(q) {
  if (!q || q.estimate === null || q.estimate === undefined) return t('words.none');
  if (q.at_least) return t('words.atLeast', { value: integer.format(q.estimate) });
  const value = integer.format(q.estimate);
  if (q.low95 === null) return t('words.secondsNoInterval', { value });
  // No upper bound: the interval reaches into the open-ended bucket (1800 s or more).
  if (q.high95 === null) return t('words.secondsOpen', { value, low: integer.format(q.low95) });
  return t('words.seconds', { value, low: integer.format(q.low95), high: integer.format(q.high95) });
}

export function ageWords(seconds) {
  if (seconds === null || seconds === undefined) return t('words.never');
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return t('words.ageDays', { d, h });
  if (h > 0) return t('words.ageHours', { h, m });
  return t('words.ageMinutes', { m });
}

export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

// The UTC day `days` before today, as YYYY-MM-DD.
export function daysAgo(days) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - days);
  return isoDay(d);
}

export function timestampWords(iso) {
  if (!iso) return t('words.never');
  return iso.replace('T', ' ').replace(/Z$/, ' UTC');
}
