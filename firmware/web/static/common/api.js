// Talking to the box from the pages: fetch() with JSON, the page's language as Accept-Language
// (so that the API's own words, problem details and notices come in it), no cookies unless
// asked, no referrer, no cache; a refusal becomes an ApiError carrying the problem+json.

import { currentLanguage } from '/common/i18n.js';

export class ApiError extends Error {
  constructor(status, problem, message) {
    super(message);
    this.status = status;
    this.problem = problem || {};
    this.reason = problemReason(this.problem);
    this.field = typeof this.problem.field === 'string' ? this.problem.field : '';
  }
}

// The last segment of a problem's `type` urn ("presence-code-invalid").
export function problemReason(problem) {
  const t = (problem && typeof problem.type === 'string' && problem.type) || '';
  return t.slice(t.lastIndexOf(':') + 1);
}

// Calls the box. `describe(status, problem)` words a refusal, `networkMessage()` an unreachable
// box; resolves with the JSON body (or the Response itself with raw), throws ApiError.
export async function request(method, path, { body, bearer, raw, credentials = 'omit', describe, networkMessage } = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': currentLanguage() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (bearer) headers.Authorization = 'Bearer ' + bearer;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials,
      referrerPolicy: 'no-referrer',
    });
  } catch (e) {
    throw new ApiError(0, null, networkMessage ? networkMessage() : 'network');
  }
  if (raw && response.ok) return response;
  let data = null;
  try {
    data = await response.json();
  } catch (e) {
    data = null;
  }
  if (!response.ok) {
    const problem = data && typeof data === 'object' ? data : {};
    const message = describe ? describe(response.status, problem) : problem.detail || String(response.status);
    throw new ApiError(response.status, problem, message);
  }
  return data || {};
}
