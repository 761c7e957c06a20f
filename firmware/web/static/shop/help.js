// "Get help" on the shopper page: the request form (topic from the store's list, expertise, a
// one-line note of at most 280 characters with a live count, a first name only under
// name_to_staff), then the request's live status every 3 s (waiting with a rough wait in the
// page's locale, staff on the way, done) and a Cancel button.

import { t, formatDuration, formatTime } from '/common/i18n.js';
import { ui, state, hooks, announce, setMessage, api, mutate, chars, isOn, saveSession, topicLabel } from './state.js';

const POLL_MS = 3000;
const NOTE_MAX = 280;
const FIRST_NAME_MAX = 40;
// What the server refuses in a note or name: C0, DEL, C1, line/paragraph separators, bidi
// controls (text that displays differently from what it says) and BOM.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u200E\u200F\u202A-\u202E\u2066-\u2069\u061C\uFEFF]/;

let helpRequest = null; // the shopper's latest help request
let pollTimer = 0;
let helpSeq = 0; // bumped by every help change, so that a poll started before it is ignored

export function forgetHelp() {
  helpRequest = null;
}

export function renderTopics() {
  const topics = (state.store && Array.isArray(state.store.assist_topics) && state.store.assist_topics) || [];
  const chosen = ui.helpTopic.value;
  ui.helpTopic.replaceChildren(new Option(t('shop.help.chooseTopic'), ''));
  for (const topic of topics) {
    const label = topicLabel(topic);
    const o = new Option(label.charAt(0).toLocaleUpperCase() + label.slice(1), topic);
    o.dataset.text = 'api';
    ui.helpTopic.append(o);
  }
  ui.helpTopic.value = chosen;
}

function clearFieldErrors(form) {
  for (const p of form.querySelectorAll('.field-error')) p.textContent = '';
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

function fieldError(pointer, text) {
  const p = ui.helpForm.querySelector('.field-error[data-field="' + pointer + '"]');
  if (!p) return false;
  p.textContent = text;
  const field = p.closest('.field');
  const control = field && field.querySelector('select, textarea, input[type="text"]');
  if (control) control.setAttribute('aria-invalid', 'true');
  if (pointer === '/expertise') {
    for (const r of ui.helpForm.querySelectorAll('input[name="help-expertise"]')) r.setAttribute('aria-invalid', 'true');
  }
  return true;
}

function focusFirstError() {
  const p = Array.from(ui.helpForm.querySelectorAll('.field-error')).find((x) => x.textContent);
  if (!p) return;
  const field = p.closest('.field');
  const control = field && field.querySelector('select, textarea, input');
  if (control) control.focus();
}

export function updateNoteCount() {
  const n = chars(ui.helpNote.value);
  const over = n - NOTE_MAX;
  ui.helpNoteCount.textContent =
    over > 0 ? t('shop.help.countOver', { n, max: NOTE_MAX, count: over }) : t('shop.help.count', { n, max: NOTE_MAX });
  ui.helpNoteCount.classList.toggle('over', over > 0);
}

// The page's own checks (the server checks again and has the last word).
export function checkNote(note) {
  if (chars(note) > NOTE_MAX) return t('shop.help.noteTooLong', { n: chars(note), max: NOTE_MAX });
  if (CONTROL_CHARS.test(note) || (typeof note.isWellFormed === 'function' && !note.isWellFormed())) {
    return t('shop.help.noteControl');
  }
  return '';
}

function checkName(name) {
  if (chars(name) > FIRST_NAME_MAX) return t('shop.help.nameTooLong', { max: FIRST_NAME_MAX });
  if (CONTROL_CHARS.test(name)) return t('shop.help.nameControl');
  return '';
}

export async function onAskHelp(event) {
  event.preventDefault();
  if (state.busy) return;
  clearFieldErrors(ui.helpForm);
  setMessage(ui.helpMessage, '');
  const topic = ui.helpTopic.value;
  const level = ui.helpForm.querySelector('input[name="help-expertise"]:checked');
  const note = ui.helpNote.value;
  const name = ui.helpNameField.hidden ? '' : ui.helpName.value.trim();
  let bad = false;
  if (!topic) bad = fieldError('/topic', t('shop.help.needTopic')) || true;
  if (!level) bad = fieldError('/expertise', t('shop.help.needLevel')) || true;
  const noteProblem = note ? checkNote(note) : '';
  if (noteProblem) bad = fieldError('/note', noteProblem) || true;
  const nameProblem = name ? checkName(name) : '';
  if (nameProblem) bad = fieldError('/first_name', nameProblem) || true;
  if (bad) {
    setMessage(ui.helpMessage, t('shop.help.notSent'));
    focusFirstError();
    return;
  }
  const body = { topic, expertise: level.value };
  if (note.trim()) body.note = note.trim();
  if (name) body.first_name = name;
  await mutate(async () => {
    helpSeq += 1;
    try {
      const r = await api('POST', '/v1/assist', { body });
      helpRequest = r.request;
      state.session.help_id = r.request.id;
      saveSession();
      ui.helpNote.value = '';
      ui.helpName.value = '';
      updateNoteCount();
      announce(t('shop.help.requested') + ' ' + helpStateText(helpRequest));
    } catch (e) {
      if (e.reason === 'consent-required') {
        setMessage(ui.helpMessage, e.message);
      } else if (!(e.field && fieldError(e.field, e.message))) {
        setMessage(ui.helpMessage, e.message);
      } else {
        setMessage(ui.helpMessage, t('shop.help.notSent'));
        focusFirstError();
      }
      return;
    }
    renderHelp();
    ui.helpState.focus();
    await hooks.refresh();
  });
}

function helpStateText(r) {
  switch (r && r.state) {
    case 'waiting':
      return t('shop.help.waiting');
    case 'claimed':
      return t(r.staff_role === 'manager' ? 'shop.help.managerComing' : 'shop.help.staffComing');
    case 'resolved':
      return t('shop.help.resolved');
    case 'cancelled':
      return t('shop.help.cancelled');
    case 'retracted':
      return t('shop.help.retracted');
    default:
      return '';
  }
}

function helpDetailText(r) {
  const parts = [];
  if (r.state === 'waiting') {
    if (typeof r.queue_position === 'number') {
      parts.push(r.queue_position <= 1 ? t('shop.help.next') : t('shop.help.position', { position: r.queue_position }));
    }
    if (typeof r.estimated_wait_minutes === 'number') {
      parts.push(
        r.estimated_wait_minutes < 1
          ? t('shop.help.waitUnderMinute')
          : t('shop.help.wait', { wait: formatDuration(r.estimated_wait_minutes, 'minute') })
      );
    }
  }
  if (r.state === 'claimed') {
    if (r.claimed_at) parts.push(t('shop.help.acceptedAt', { time: formatTime(r.claimed_at) }));
    const name = state.session && state.session.visit && state.session.visit.pseudonym;
    if (name) parts.push(t('shop.help.askFor', { name }));
  }
  const level = ['beginner', 'intermediate', 'expert'].includes(r.expertise) ? t('shop.level.' + r.expertise) : r.expertise;
  parts.push(t('shop.help.topicLine', { topic: topicLabel(r.topic), level: String(level).toLocaleLowerCase() }));
  if (r.created_at) parts.push(t('shop.help.askedAt', { time: formatTime(r.created_at) }));
  return parts.filter(Boolean).join(' ');
}

function isOpen(r) {
  return !!r && (r.state === 'waiting' || r.state === 'claimed');
}

export function renderHelp() {
  const allowed = isOn('assistance');
  const open = isOpen(helpRequest);
  ui.helpOff.hidden = allowed || open;
  ui.helpNameField.hidden = !isOn('name_to_staff');
  if (helpRequest && (open || helpRequest.id === (state.session && state.session.help_id))) {
    ui.helpStatus.hidden = false;
    ui.helpStatus.dataset.state = helpRequest.state;
    ui.helpState.textContent = helpStateText(helpRequest);
    ui.helpDetail.textContent = helpDetailText(helpRequest);
    ui.helpCancel.hidden = !open;
    ui.helpAgain.hidden = open || !allowed;
    ui.helpForm.hidden = true;
  } else {
    ui.helpStatus.hidden = true;
    ui.helpForm.hidden = !allowed;
  }
  if (open) schedulePoll();
  else stopPolling();
}

export function showHelpForm() {
  if (state.session) state.session.help_id = null;
  saveSession();
  helpRequest = null;
  renderHelp();
  ui.helpTopic.focus();
}

// The latest request: the one this tab made, else any open one in the export.
export async function syncHelp() {
  const me = state.me;
  let id = state.session && state.session.help_id;
  if (!id && me && Array.isArray(me.help_requests)) {
    const open = me.help_requests.filter((r) => r && isOpen(r) && typeof r.id === 'string');
    if (open.length) id = open[open.length - 1].id;
  }
  if (id) {
    const seq = helpSeq;
    try {
      const r = await api('GET', '/v1/assist/' + encodeURIComponent(id));
      if (seq === helpSeq) helpRequest = r.request;
    } catch (e) {
      if (seq === helpSeq) helpRequest = null;
      if (state.session && state.session.help_id === id) {
        state.session.help_id = null;
        saveSession();
      }
    }
  } else {
    helpRequest = null;
  }
  if (state.session) renderHelp();
}

export function stopPolling() {
  if (pollTimer) window.clearTimeout(pollTimer);
  pollTimer = 0;
}

function schedulePoll() {
  if (pollTimer || !state.session) return;
  pollTimer = window.setTimeout(poll, POLL_MS);
}

async function poll() {
  pollTimer = 0;
  if (!state.session || !helpRequest || !isOpen(helpRequest)) return;
  const seq = helpSeq;
  const before = helpRequest.state;
  try {
    const r = await api('GET', '/v1/assist/' + encodeURIComponent(helpRequest.id));
    if (seq !== helpSeq || !state.session) return;
    helpRequest = r.request;
    setMessage(ui.helpMessage, '');
  } catch (e) {
    if (!state.session) return;
    if (e.status === 404) helpRequest = null;
    else setMessage(ui.helpMessage, t('shop.help.statusFailed', { problem: e.message }));
  }
  if (state.busy) {
    schedulePoll();
    return;
  }
  renderHelp();
  if (helpRequest && helpRequest.state !== before) announce(helpStateText(helpRequest));
}

export async function onCancelHelp() {
  if (state.busy || !helpRequest) return;
  const id = helpRequest.id;
  setMessage(ui.helpMessage, '');
  await mutate(async () => {
    helpSeq += 1;
    try {
      const r = await api('DELETE', '/v1/assist/' + encodeURIComponent(id));
      helpRequest = r.request;
      announce(helpStateText(helpRequest));
    } catch (e) {
      setMessage(ui.helpMessage, e.message);
    }
    renderHelp();
    await hooks.refresh();
  });
}
