// The shopper's choices: one Yes/No pair per purpose, both the same kind of control, the same
// size, weight and colours (only the selected one is filled, whichever it is): no answer is
// pushed. What each purpose means is the notice's text in the page's language (title, one-line
// summary, details a tap away), never a page string. Used on the check-in screen (not live) and
// in the visit (live: a tap changes it at once, with a signed receipt).

import { t, formatDay, formatList } from '/common/i18n.js';
import { ui, state, hooks, el, fromApi, announce, setMessage, api, mutate, titleOf, isOn, anonymousVisit } from './state.js';

const DETAILS = [
  ['what_is_kept', 'shop.notice.whatIsKept'],
  ['how_long', 'shop.notice.howLong'],
  ['who_sees_it', 'shop.notice.whoSeesIt'],
  ['used_for', 'shop.notice.usedFor'],
];

const choiceControls = new Map(); // purpose -> [{fieldset, yes, no, stateLine, error}]
let choiceCount = 0;

// A purpose's details from the notice, behind a tap: what is kept, how long, who sees it, why.
export function purposeDetails(info) {
  const d = info.details;
  if (!d || typeof d !== 'object') return null;
  const box = el('details', 'more');
  box.append(el('summary', '', t('shop.notice.more')));
  const dl = el('dl', 'facts');
  for (const [key, label] of DETAILS) {
    if (typeof d[key] !== 'string' || !d[key]) continue;
    dl.append(el('dt', '', t(label)), fromApi('dd', '', d[key]));
  }
  box.append(dl);
  return box;
}

export function buildChoice(container, info, { live, compact }) {
  choiceCount += 1;
  const base = 'choice-' + choiceCount + '-' + info.purpose;
  const fieldset = el('fieldset', 'choice');
  fieldset.dataset.purpose = info.purpose;
  fieldset.append(fromApi('legend', 'choice-title', titleOf(info.purpose)));
  const describedBy = [];
  if (!compact) {
    const explain = fromApi('p', 'explain', info.description || '');
    explain.id = base + '-explain';
    describedBy.push(explain.id);
    fieldset.append(explain);
  }
  if (!compact && !live) {
    const more = purposeDetails(info);
    if (more) fieldset.append(more);
  }
  const stateLine = el('p', 'state-line');
  stateLine.id = base + '-state';
  if (live) describedBy.push(stateLine.id);
  stateLine.hidden = !live;
  fieldset.append(stateLine);
  if (describedBy.length) fieldset.setAttribute('aria-describedby', describedBy.join(' '));

  const pair = el('div', 'yesno');
  const make = (value, text) => {
    const input = el('input');
    input.type = 'radio';
    input.name = base;
    input.id = base + '-' + value;
    input.value = value;
    input.dataset.answer = value;
    const label = el('label', 'answer', text);
    label.htmlFor = input.id;
    pair.append(input, label);
    return input;
  };
  const yes = make('yes', t('shop.choice.yes'));
  const no = make('no', t('shop.choice.no'));
  no.checked = true; // off until the shopper says yes
  fieldset.append(pair);
  const error = el('p', 'field-error');
  error.id = base + '-error';
  fieldset.append(error);
  container.append(fieldset);

  const control = { fieldset, yes, no, stateLine, error };
  if (live) {
    const onChange = (event) => {
      if (!event.target.checked) return;
      setPurpose(info.purpose, event.target === yes, control);
    };
    yes.addEventListener('change', onChange);
    no.addEventListener('change', onChange);
    const list = choiceControls.get(info.purpose) || [];
    list.push(control);
    choiceControls.set(info.purpose, list);
  }
  return control;
}

export function choosablePurposes() {
  return ((state.store && state.store.purposes) || []).filter((p) => p.purpose !== 'presence');
}

// "Remember my visits" means nothing to an anonymous visit: there is nobody to remember.
export function offered(info, anonymous) {
  return !(anonymous && info.purpose === 'history');
}

function stateText(s) {
  if (!s) return t('shop.state.off');
  switch (s.state) {
    case 'granted':
      return s.expires_at ? t('shop.state.onUntil', { date: formatDay(s.expires_at) }) : t('shop.state.on');
    case 'withdrawn':
      return t('shop.state.withdrawn');
    case 'expired':
      return t('shop.state.expired');
    case 'needs_renewal':
      return t('shop.state.needsRenewal');
    default:
      return t('shop.state.off');
  }
}

export function renderChoices() {
  const renew = choosablePurposes()
    .filter((p) => (state.purposes.get(p.purpose) || {}).state === 'needs_renewal')
    .map((p) => titleOf(p.purpose));
  ui.renewalNote.hidden = renew.length === 0;
  ui.renewalNote.textContent = renew.length ? t('shop.choices.renewal', { purposes: formatList(renew) }) : '';
  const anonymous = anonymousVisit();
  for (const [purpose, controls] of choiceControls) {
    const on = isOn(purpose);
    for (const c of controls) {
      c.fieldset.hidden = !offered({ purpose }, anonymous) && !on;
      c.yes.checked = on;
      c.no.checked = !on;
      c.stateLine.textContent = stateText(state.purposes.get(purpose));
    }
  }
}

export function applyPurposes(list) {
  if (!Array.isArray(list)) return;
  state.purposes.clear();
  for (const p of list) {
    if (p && typeof p.purpose === 'string') state.purposes.set(p.purpose, p);
  }
  renderChoices();
}

// The live choices of the visit (all purposes, and the switches beside offers and help).
export function buildLiveChoices() {
  choiceControls.clear();
  ui.visitPurposes.replaceChildren();
  ui.offersSwitch.replaceChildren();
  ui.helpSwitch.replaceChildren();
  for (const info of choosablePurposes()) {
    buildChoice(ui.visitPurposes, info, { live: true });
    if (info.purpose === 'offers') buildChoice(ui.offersSwitch, info, { live: true, compact: true });
    if (info.purpose === 'assistance') buildChoice(ui.helpSwitch, info, { live: true, compact: true });
  }
}

async function setPurpose(purpose, granted, control) {
  if (state.busy) {
    renderChoices();
    return;
  }
  const box = control.fieldset.closest('#offers')
    ? ui.offersMessage
    : control.fieldset.closest('#help')
      ? ui.helpMessage
      : ui.choicesMessage;
  for (const c of choiceControls.get(purpose) || []) c.error.textContent = '';
  setMessage(box, '');
  await mutate(async () => {
    try {
      const r = await api('PUT', '/v1/me/consents/' + encodeURIComponent(purpose), { body: { granted } });
      applyPurposes(r.purposes);
      const words = t(granted ? 'shop.choice.turnedOn' : 'shop.choice.turnedOff', { purpose: titleOf(purpose) });
      const receipt = r.receipt && r.receipt.id ? ' ' + t('shop.choice.receiptAdded', { id: r.receipt.id }) : '';
      announce(words + receipt);
    } catch (e) {
      renderChoices();
      if (e.status !== 401) {
        control.error.textContent = e.message;
        setMessage(box, e.message);
      }
      return;
    }
    await hooks.refresh({ offers: purpose === 'offers' || purpose === 'history' });
  });
}
