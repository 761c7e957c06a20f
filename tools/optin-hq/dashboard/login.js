// The login screen, shown when there is no session (no cookie, or it ended): POST /v1/login
// with {id, password}; the answer sets the session cookie (Secure, HttpOnly, SameSite=Strict).
import { post } from './api.js';
import { el } from './dom.js';
import { t } from './messages.js';

export function renderLogin(main, { expired, onDone }) {
  const message = el('p', { class: 'message', id: 'login-message', role: 'alert', text: expired ? t('login.expired') : '' });
  const id = el('input', { id: 'login-id', name: 'id', type: 'text', autocomplete: 'username', required: true, maxlength: 128 });
  const password = el('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = el('button', { type: 'submit', class: 'button', id: 'login-submit', text: t('login.submit') });
  const form = el('form', { id: 'login-form', novalidate: true },
    el('div', { class: 'field' }, el('label', { for: 'login-id', text: t('login.id') }), id),
    el('div', { class: 'field' }, el('label', { for: 'login-password', text: t('login.password') }), password),
    submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.textContent = '';
    try {
      const who = await post('/v1/login', { id: id.value, password: password.value });
      password.value = '';
      onDone(who);
    } catch (e) {
      message.textContent = t('login.failed', { detail: e.message });
      submit.disabled = false;
      password.focus();
    }
  });
  main.replaceChildren(el('section', { class: 'panel login', 'aria-labelledby': 'screen-title' },
    el('h1', { id: 'screen-title', tabindex: '-1', text: t('login.title') }),
    el('p', { class: 'lead', text: t('login.lead') }),
    message, form));
  id.focus();
}
