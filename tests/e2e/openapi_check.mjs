// Checks answers of optin-edged against its contract, firmware/api/openapi.json: the method and
// concrete path resolve to one documented operation (path templates such as /v1/assist/{id}),
// the status to one of its responses (or `default`), the media type to one it lists, a JSON body
// (problem+json included) to that response's schema (JSON Schema 2020-12, Ajv), and each header
// the response describes to its schema (present when `required`). An answer the document does
// not describe (unknown route, method or status) is nonconforming too.
//
// As a module: `const contract = await loadContract(); const errors = contract.check(answer)`
// with answer = {method, path, status, contentType, headers: {lower-case name: value}, body}.
// As a program: `node openapi_check.mjs --answers FILE.jsonl [--contract openapi.json]` checks
// every line of FILE (one answer as JSON: method, target, status, content_type, headers, body,
// test) and exits 1 if any does not conform, 0 otherwise (also when FILE is missing or empty:
// nothing was asked), 77 without Ajv installed. Prints how many answers were checked.
import {existsSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const require = createRequire(import.meta.url);
// Ajv from tests/e2e's npm packages (tools/install-deps, or npm ci --prefix tests/e2e).
let Ajv2020 = null;
try {
  Ajv2020 = require('ajv/dist/2020').default;
} catch {
  Ajv2020 = null;
}

const here = path.dirname(fileURLToPath(import.meta.url));
// OPTIN_OPENAPI names another document (to see the checks fail on an older one).
export const defaultContractFile =
    process.env.OPTIN_OPENAPI || path.resolve(here, '..', '..', 'firmware', 'api', 'openapi.json');

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

// "~" and "/" escaped for a JSON pointer segment (RFC 6901).
const pointerSegment = (s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');

// The media type without parameters, lower case ("application/json; charset=utf-8" ->
// "application/json").
const mediaType = (v) => (v || '').split(';')[0].trim().toLowerCase();

export class Contract {
  constructor(doc) {
    if (!Ajv2020)
      throw new Error(
          'ajv is not installed: run tools/install-deps (or npm ci --prefix tests/e2e)');
    this.doc = doc;
    // Keywords of OpenAPI 3.1 that JSON Schema does not know are ignored, not refused.
    this.ajv = new Ajv2020({strict: false, allErrors: true, validateFormats: false});
    this.ajv.addSchema(doc, 'openapi.json');
    this.validators = new Map();
    // Literal paths first, then templates with fewer parameters: /v1/notices/current before
    // /v1/notices/{version}.
    this.routes = Object.keys(doc.paths || {})
                      .map((template) => {
                        const names = [];
                        const source = template.split('/')
                                           .map((seg) => {
                                             const m = /^\{([^}]+)\}$/.exec(seg);
                                             if (m) {
                                               names.push(m[1]);
                                               return '([^/]+)';
                                             }
                                             return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
                                           })
                                           .join('/');
                        return {template, names, re: new RegExp('^' + source + '$')};
                      })
                      .sort((a, b) => a.names.length - b.names.length);
  }

  // The documented template a concrete path (query removed) falls under, or undefined.
  route(concretePath) {
    const p = concretePath.split('?')[0].split('#')[0];
    return this.routes.find((r) => r.re.test(p));
  }

  // Follows a local "$ref" (#/components/...) of a non-schema object such as a response.
  deref(obj) {
    let o = obj;
    for (let i = 0; o && o.$ref && i < 10; ++i) {
      const parts = o.$ref.replace(/^#\//, '')
                        .split('/')
                        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
      o = parts.reduce((at, k) => (at ? at[k] : undefined), this.doc);
    }
    return o;
  }

  // A validator for the schema at `pointer` inside the document (compiled once).
  validator(pointer) {
    let v = this.validators.get(pointer);
    if (!v) {
      v = this.ajv.compile({$ref: 'openapi.json#' + pointer});
      this.validators.set(pointer, v);
    }
    return v;
  }

  // An answer outside every operation: conforming only as the `expected` problem (status and
  // type urn:optin-edge:problem:<reason>) under the Problem schema.
  checkGeneric(what, expected, reason, {status, contentType, body}) {
    const where =
        expected === 404 ? 'no such route in the document' : 'a method the document does not list';
    if (status !== expected) return [`${what}: ${where}, answered other than ${expected}`];
    if (mediaType(contentType) !== 'application/problem+json')
      return [`${what}: ${where}, not a problem+json`];
    let parsed;
    try {
      parsed = JSON.parse(body);
    } catch {
      return [`${what}: ${where}, body is not JSON`];
    }
    const v = this.validator('/components/schemas/Problem');
    if (!v(parsed)) return [`${what}: ${where}: ${this.ajv.errorsText(v.errors)}`];
    if (parsed.type !== `urn:optin-edge:problem:${reason}`)
      return [`${what}: ${where}, type ${parsed.type}`];
    return [];
  }

  // The reasons `answer` does not conform, [] when it does.
  check({method, path: concretePath, status, contentType, headers = {}, body}) {
    const shown = concretePath.length > 100 ? concretePath.slice(0, 100) + `... (${concretePath.length} characters)` : concretePath;
    const what = `${method} ${shown} -> ${status}`;
    const route = this.route(concretePath);
    // The document's info says: a path it does not list is 404 not-found, a method a listed
    // path does not list 405 method-not-allowed, both problems. Anything else there is drift.
    if (!route) return this.checkGeneric(what, 404, 'not-found', {status, contentType, body});
    const item = this.doc.paths[route.template];
    // HEAD is answered as GET without a body (the document says so).
    const isHead = method.toUpperCase() === 'HEAD';
    const m = isHead && !item.head ? 'get' : method.toLowerCase();
    if (!METHODS.includes(m) || !item[m]) {
      return this.checkGeneric(what, 405, 'method-not-allowed', {status, contentType, body});
    }
    const responses = item[m].responses || {};
    const code = String(status);
    const key = [code, `${code[0]}XX`, 'default'].find((k) => k in responses);
    if (!key) {
      return [`${what}: ${method} ${route.template} documents no ${status} (it lists ${
          Object.keys(responses).join(', ')})`];
    }
    const base = `/paths/${pointerSegment(route.template)}/${m}/responses/${pointerSegment(key)}`;
    // A response given as $ref: validate against the referenced component's schemas.
    let response = responses[key];
    let pointer = base;
    for (let i = 0; response && response.$ref && i < 10; ++i) {
      pointer = response.$ref.replace(/^#/, '');
      response = this.deref({$ref: response.$ref});
    }
    if (!response) return [`${what}: the document's response ${key} does not resolve`];
    const errors = [];

    for (const [name, h] of Object.entries(response.headers || {})) {
      const hv = this.deref(h);
      const value = headers[name.toLowerCase()];
      if (value === undefined) {
        if (hv.required) errors.push(`${what}: header ${name} is required and missing`);
        continue;
      }
      if (!hv.schema) continue;
      const schemaPointer = `${pointer}/headers/${pointerSegment(name)}/schema`;
      const type = this.deref(hv.schema).type;
      let typed = value;
      if (type === 'integer' || type === 'number')
        typed = /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
      const v = this.validator(schemaPointer);
      if (!v(typed))
        errors.push(
            `${what}: header ${name}: ${JSON.stringify(value)} ${this.ajv.errorsText(v.errors)}`);
    }

    const content = response.content || {};
    const hasBody = !isHead && body !== undefined && body !== null && body !== '';
    if (!hasBody) return errors;
    const type = mediaType(contentType);
    const mediaKey = Object.keys(content).find((k) => mediaType(k) === type);
    if (!mediaKey) {
      const listed = Object.keys(content);
      errors.push(`${what}: answered ${type || 'no Content-Type'}; the document lists ${
          listed.length ? listed.join(', ') : 'no body'}`);
      return errors;
    }
    const schema = content[mediaKey].schema;
    if (!schema || !(type === 'application/json' || type.endsWith('+json'))) return errors;
    let parsed;
    try {
      parsed = typeof body === 'string' ? JSON.parse(body) : body;
    } catch (e) {
      errors.push(`${what}: ${type} body is not JSON: ${e.message}`);
      return errors;
    }
    const v = this.validator(`${pointer}/content/${pointerSegment(mediaKey)}/schema`);
    if (!v(parsed)) {
      for (const e of v.errors.slice(0, 5)) {
        errors.push(`${what}: body${e.instancePath || ''} ${e.message}${
            e.params && e.params.additionalProperty ? ` '${e.params.additionalProperty}'` :
                                                      ''} (schema ${e.schemaPath})`);
      }
    }
    return errors;
  }
}

// The contract from `file` (default: firmware/api/openapi.json of this checkout).
export async function loadContract(file = defaultContractFile) {
  return new Contract(JSON.parse(await readFile(file, 'utf8')));
}

// The answers of a JSON-lines file as check() takes them.
export function parseAnswers(text) {
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => {
    const a = JSON.parse(line);
    return {
      method: a.method,
      path: a.target,
      status: a.status,
      contentType: a.content_type,
      headers: a.headers || {},
      body: a.body,
      test: a.test,
    };
  });
}

async function main(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : undefined;
  };
  const file = arg('--answers');
  if (!file) {
    console.error('usage: node openapi_check.mjs --answers FILE.jsonl [--contract openapi.json]');
    return 2;
  }
  if (!Ajv2020) {
    console.log(
        'openapi_check: skipped, ajv is not installed: run tools/install-deps (or npm ci --prefix tests/e2e)');
    return 77;
  }
  const contract = await loadContract(arg('--contract') || defaultContractFile);
  const answers = existsSync(file) ? parseAnswers(await readFile(file, 'utf8')) : [];
  let failed = 0;
  for (const a of answers) {
    const errors = contract.check(a);
    if (!errors.length) continue;
    failed += 1;
    if (failed <= 20)
      for (const e of errors)
        console.log(`NOT CONFORMING${a.test ? ' (' + a.test + ')' : ''}: ${e}`);
  }
  if (failed > 20) console.log(`... and ${failed - 20} more`);
  const routes = new Set(
      answers.map((a) => `${a.method} ${(contract.route(a.path) || {template: a.path}).template}`));
  console.log(
      `openapi_check: ${answers.length} answers checked against ${
          path.basename(arg('--contract') || defaultContractFile)} ` +
      `(${routes.size} operations), ${answers.length - failed} conform, ${failed} do not`);
  return failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
