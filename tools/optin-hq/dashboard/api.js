// Calls to optin-hq's people routes from the page (same origin, the session cookie goes with
// them). Answers are parsed with JSON.parse; a problem+json becomes an ApiError with its detail;
// 401 tells the app to show the login screen (onSessionEnded). Module state: the one listener.
let sessionEnded = () => {};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function onSessionEnded(listener) {
  sessionEnded = listener;
}

async function call(method, path, params, body) {
  const query = params ? '?' + new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '')).toString() : '';
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path + (query === '?' ? '' : query), init);
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    if (response.status === 401 && path !== '/v1/login') sessionEnded();
    throw new ApiError(response.status, json);
  }
  return json;
}

export const get = (path, params) => call('GET', path, params);
export const post = (path, body) => call('POST', path, undefined, body);
