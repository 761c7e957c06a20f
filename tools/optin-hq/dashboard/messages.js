// The dashboard's texts (HQ works in English), one place for every word the page shows.
// t(key, values) fills {name} placeholders. Pure module; no state.
export const messages = {
  'brand': 'optin-hq · chain dashboard',
  'nav.chain': 'Chain',
  'nav.stores': 'Stores',
  'nav.privacy': 'Privacy',
  'logout': 'Log out',
  'who': '{user} ({role})',
  'loading': 'Loading…',
  'skip': 'Skip to content',
  'footer':
    'Every figure is an unbiased estimate from noisy counts (differential privacy): it may be ' +
    'negative for small numbers. Charts and headlines clamp it at zero for display only; the ' +
    'tables give the estimate as it is with its 95% interval, written as estimate ± half-width.',

  'login.title': 'Log in to HQ',
  'login.lead': 'The chain’s figures need an HQ account (optin-hq user add).',
  'login.id': 'User id',
  'login.password': 'Password',
  'login.submit': 'Log in',
  'login.failed': 'Login refused: {detail}',
  'login.expired': 'Your session has ended. Log in again.',

  'range.legend': 'Period',
  'range.from': 'From',
  'range.to': 'To',
  'range.by': 'Group by',
  'range.day': 'Day',
  'range.week': 'Week',
  'range.month': 'Month',
  'range.apply': 'Show',
  'range.bad': 'Choose a start date on or before the end date.',

  'chain.title': 'The chain',
  'chain.lead': 'All stores of the stores file, {from} to {to}.',
  'store.title': 'Store {id}',
  'store.lead': '{name}, region {region}, {from} to {to}.',
  'store.unknown': 'Store {id} is not in the stores file.',
  'store.pick': 'Open a store',
  'store.pickButton': 'Open',

  'panel.checkins': 'Check-ins per {by}',
  'panel.checkins.about':
    'Consenting check-ins, with the 95% interval as a band. Stores that sent nothing for a day ' +
    'are missing, never counted as zero.',
  'panel.regions': 'Check-ins by region',
  'panel.channels': 'Check-ins by channel',
  'panel.hours': 'Hour-of-day profile (UTC)',
  'panel.hours.about': 'Check-ins by hour of the day over the whole period.',
  'panel.topics': 'Help topics',
  'panel.topics.about': 'Help requests by topic over the whole period.',
  'panel.claim': 'Time to claim a help request',
  'panel.claim.about':
    'Median and 90th percentile of the seconds from a help request to a staff member claiming ' +
    'it, with their 95% intervals, from the time-to-claim histogram.',
  'panel.categories': 'Offer categories',
  'panel.categories.about': 'Offer views by category over the whole period.',
  'panel.nodata': 'No data for this period.',
  'panel.table': '{title}: the figures in words',
  'panel.error': 'This panel could not be loaded: {detail}',

  'col.period': 'Period',
  'col.label': 'Label',
  'col.estimate': 'Estimate ± 95%',
  'col.interval': '95% interval',
  'col.reported': 'Stores reported',
  'col.missing': 'Missing stores',
  'col.median': 'Median',
  'col.p90': '90th percentile',
  'col.store': 'Store',
  'col.name': 'Name',
  'col.region': 'Region',
  'col.lastBatch': 'Last batch received',
  'col.age': 'Age',
  'col.missingDays': 'Days missing',
  'col.kind': 'Bundle',
  'col.version': 'Version',
  'col.reportedAt': 'Reported',
  'col.stores': 'Stores',
  'col.day': 'Day',
  'col.total': 'Epsilon spent',
  'col.flag': 'Policy',
  'col.overStores': 'Above the policy',
  'col.maxSpent': 'Most spent by one store',

  'series.estimate': '{name}: estimate',
  'series.band': '{name}: 95% interval',
  'series.median': 'Median (s)',
  'series.p90': '90th percentile (s)',
  'words.figure': '{estimate} ± {half}',
  'words.negative': '{words} (shown as 0)',
  'words.seconds': '{value} s ({low}–{high} s)',
  'words.secondsOpen': '{value} s ({low} s or more)',
  'words.secondsNoInterval': '{value} s (interval unknown)',
  'words.atLeast': 'at least {value} s',
  'words.none': 'no estimate',
  'words.reported': '{reported} of {expected}',
  'words.never': 'never',
  'words.ageDays': '{d} d {h} h',
  'words.ageHours': '{h} h {m} min',
  'words.ageMinutes': '{m} min',
  'words.interval': '{low} to {high}',

  'stores.title': 'Stores',
  'stores.missingTitle': 'Stores not reporting',
  'stores.missingLead':
    'Stores that are open by the stores file and sent no batch for a day of the last {days} ' +
    'days (up to yesterday, UTC), with the last batch HQ received from them.',
  'stores.allReporting': 'Every store reported every day of the last {days} days.',
  'stores.allTitle': 'All stores',
  'stores.bundlesTitle': 'Bundle versions in force',
  'stores.bundlesLead': 'The offer catalog and notice bundle each store reported running in its latest batch.',
  'stores.noBundles': 'No store has reported a bundle yet.',
  'stores.versionsSummary': '{kind} {version}: {count} store(s)',

  'privacy.title': 'Privacy: epsilon spent',
  'privacy.lead':
    'The privacy loss each store’s batches state they spent per UTC day, for one shopper, all ' +
    'metrics together and per metric. The chain’s policy allows {policy} per store and day ' +
    '(optin-hq serve --epsilon-policy).',
  'privacy.flagged': '{count} store-day(s) above the policy: {stores}.',
  'privacy.none': 'No store-day is above the policy.',
  'privacy.over': 'Over policy',
  'privacy.within': 'Within policy',
  'privacy.nodata': 'No batch covers this period.',
  'privacy.matrixTitle': 'Epsilon spent per store and day',
  'privacy.matrixLead': 'All metrics together; a cell above the policy says “over”. A blank cell: no batch for that day.',
  'privacy.overTitle': 'Store-days above the policy, per metric',
  'privacy.detailTitle': 'Every store-day, per metric',
  'privacy.overCell': '{value} over',
  'store.statusTitle': 'Reporting, bundles and epsilon',
  'privacy.unreadable': '{count} stored batch(es) state no epsilon that could be read; their days are listed below.',
  'privacy.unstated': 'Epsilon not stated',
  'privacy.byDayTitle': 'Epsilon spent per day, all stores',
  'privacy.byDayLead': 'Per UTC day: the stores whose batches spent epsilon, how many of them above the policy, and the most one store spent (all metrics together).',
  'privacy.overStores': '{count} store(s) over policy',
  'privacy.truncated': 'Only the {count} highest store-days above the policy are listed; the day table counts them all.',

  'error.network': 'HQ cannot be reached: {detail}',
  'error.chart': 'The chart library (/vendor/chart.min.js) did not load: charts are not drawn, the tables below each panel still are.',
};

export function t(key, values = {}) {
  const text = messages[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}
