/**
 * The contract validator: checks one HTTP exchange with a real orgwarden against the OpenAPI
 * document (openapi/orgwarden.yaml), with ajv's JSON Schema 2020-12 (the dialect of OpenAPI 3.1).
 *
 * The rules, in order:
 * - A path the document does not describe must be answered with an `ErrorBody` and a status the
 *   document's description allows for it (400 target refused, 401 caller token, 404 no route);
 *   a method its path item lacks, the same or 405.
 * - A request whose body does not match the operation's request body (content type, JSON, schema)
 *   must be answered with a documented 4xx; the request was malformed on purpose.
 * - Every answer's status must be documented for the operation, and its body must match the
 *   schema of that status and content type (no body where the document declares no content).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { OpenApiDocument } from '../../../src/http/openapi-document.js';

/** One request and its answer, as the server saw them. */
export interface Exchange {
  method: string;
  /** The request target as sent (origin-form, normally). */
  target: string;
  requestContentType: string | undefined;
  /** The request body; null when it was not received in full (the answer came first). */
  requestBody: Buffer | null;
  status: number;
  responseContentType: string | undefined;
  responseBody: Buffer;
}

type Json = Record<string, unknown>;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
/** What the document's description allows for a path it does not describe. */
const UNROUTED_STATUSES = new Set([400, 401, 404]);
/** ...and for a method a described path does not take. */
const UNDECLARED_METHOD_STATUSES = new Set([400, 401, 404, 405]);

const DOC_ID = 'https://orgwarden.invalid/openapi';

// ajv-formats is CommonJS: its default export is the plugin under some loaders, nested under others.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

interface PathEntry {
  template: string;
  pattern: RegExp;
  item: Json;
}

export interface ContractValidator {
  /** The problems of one exchange; empty when it keeps the contract. */
  check(exchange: Exchange): string[];
}

export function createContractValidator(document: OpenApiDocument): ContractValidator {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: DOC_ID });
  const compiled = new Map<string, ValidateFunction>();
  const validatorAt = (pointer: string[]) => {
    const ref = `${DOC_ID}#/${pointer.map(escapePointer).join('/')}`;
    let validate = compiled.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: ref });
      compiled.set(ref, validate);
    }
    return validate;
  };
  const paths = Object.entries(document.paths as Record<string, Json>).map(
    ([template, item]): PathEntry => ({ template, item, pattern: pathPattern(template, item) }),
  );
  const resolve = (value: unknown): Json => {
    const ref = (value as Json | undefined)?.$ref;
    if (typeof ref !== 'string') return value as Json;
    return resolve(ref.slice(2).split('/').map(unescapePointer).reduce(step, document));
  };

  return {
    check(exchange) {
      const name = `${exchange.method} ${exchange.target} → ${exchange.status}`;
      const path = pathOf(exchange.target);
      const entry = path === null ? undefined : paths.find((p) => p.pattern.test(path));
      if (!entry) return unrouted(name, exchange, UNROUTED_STATUSES, 'a path it does not describe');
      const method = exchange.method.toLowerCase();
      // Express answers HEAD with a GET route; an ANY route answers methods OpenAPI cannot name.
      const anyMethod = entry.item['x-orgwarden-method'] === 'ANY';
      const operationKey =
        (method === 'head' && !entry.item.head) || (anyMethod && !HTTP_METHODS.includes(method))
          ? 'get'
          : method;
      if (!entry.item[operationKey])
        return unrouted(name, exchange, UNDECLARED_METHOD_STATUSES, 'a method the path lacks');
      const base = ['paths', entry.template, operationKey];
      const operation = entry.item[operationKey] as Json;
      const problems: string[] = [];
      const requestProblem = checkRequest(requestBodyOf(operation, base), exchange, validatorAt);
      const responses = operation.responses as Json;
      const statusKey = String(exchange.status);
      if (!(statusKey in responses)) {
        problems.push(`${name}: status ${statusKey} is not documented for this operation`);
        return problems;
      }
      if (requestProblem !== null && (exchange.status < 400 || exchange.status > 499))
        problems.push(
          `${name}: the request does not match the document (${requestProblem}), yet it was not answered 4xx`,
        );
      if (method === 'head') return problems;
      const response = resolve(responses[statusKey]);
      const responseProblem = checkBody(
        response.content as Json | undefined,
        exchange.responseContentType,
        exchange.responseBody,
        (mediaType) =>
          validatorAt(responsePointer(base, responses[statusKey], statusKey, mediaType)),
      );
      if (responseProblem !== null) problems.push(`${name}: response ${responseProblem}`);
      return problems;
    },
  };

  /** The operation's request body and where it is in the document (following its `$ref`). */
  function requestBodyOf(operation: Json, base: string[]) {
    const declared = operation.requestBody as Json | undefined;
    if (!declared) return null;
    const ref = declared.$ref;
    const pointer =
      typeof ref === 'string'
        ? ref.slice(2).split('/').map(unescapePointer)
        : [...base, 'requestBody'];
    return { pointer, body: resolve(declared) };
  }

  function unrouted(
    name: string,
    exchange: Exchange,
    allowed: ReadonlySet<number>,
    what: string,
  ): string[] {
    if (!allowed.has(exchange.status))
      return [`${name}: ${what}, answered with status ${exchange.status}`];
    if (exchange.method === 'HEAD') return [];
    const problem = checkBody(
      { 'application/json': {} },
      exchange.responseContentType,
      exchange.responseBody,
      () => validatorAt(['components', 'schemas', 'ErrorBody']),
    );
    return problem === null ? [] : [`${name}: ${what}, response ${problem}`];
  }
}

/** Where a response's media type schema is, following the response's own `$ref` if it has one. */
function responsePointer(base: string[], response: unknown, status: string, mediaType: string) {
  const ref = (response as Json).$ref;
  const at =
    typeof ref === 'string'
      ? ref.slice(2).split('/').map(unescapePointer)
      : [...base, 'responses', status];
  return [...at, 'content', mediaType, 'schema'];
}

/** The request body against the operation's (null: it matches, or was not received in full). */
function checkRequest(
  declared: { pointer: string[]; body: Json } | null,
  exchange: Exchange,
  validatorAt: (pointer: string[]) => ValidateFunction,
): string | null {
  if (!declared || exchange.requestBody === null) return null;
  const { pointer, body } = declared;
  if (exchange.requestBody.length === 0 && exchange.requestContentType === undefined)
    return body.required === true ? 'the request body is required' : null;
  const problem = checkBody(
    body.content as Json,
    exchange.requestContentType,
    exchange.requestBody,
    (type) => validatorAt([...pointer, 'content', type, 'schema']),
  );
  return problem === null ? null : `body ${problem}`;
}

/** A body against the content map of a request body or a response (null: it matches). */
function checkBody(
  content: Json | undefined,
  contentType: string | undefined,
  body: Buffer,
  validatorFor: (mediaType: string) => ValidateFunction,
): string | null {
  if (!content || Object.keys(content).length === 0)
    return body.length === 0 ? null : 'has a body where the document declares none';
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  const declared = Object.keys(content).find((type) => type === mediaType);
  if (!declared)
    return `content type ${contentType ?? '(none)'} is not one of ${Object.keys(content).join(', ')}`;
  if (!(content[declared] as Json | undefined)?.schema && declared !== 'application/json')
    return null;
  let value: unknown = body.toString('utf8');
  if (declared === 'application/json') {
    try {
      value = JSON.parse(value as string);
    } catch {
      return 'is not JSON';
    }
  }
  const validate = validatorFor(declared);
  if (validate(value)) return null;
  const errors = (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`.trim());
  return `does not match the schema: ${errors.join('; ')} — body ${truncate(body.toString('utf8'))}`;
}

/** `{name}` matches one segment; the last one of a prefix path item, the rest of the path. */
function pathPattern(template: string, item: Json): RegExp {
  const prefix = item['x-orgwarden-prefix'] === true;
  const parts = template.split(/(\{[^}]+\})/).map((part, i, all) => {
    if (!part.startsWith('{')) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    return prefix && i === all.length - 2 ? '.*' : '[^/]+';
  });
  const source = parts.join('');
  // A prefix path answers the bare prefix too (`/v1/forward-auth`).
  return new RegExp(`^${prefix ? source.replace(/\/\.\*$/, '(?:/.*)?') : source}$`);
}

function pathOf(target: string): string | null {
  if (!target.startsWith('/')) return null;
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

function step(node: unknown, key: string): unknown {
  return (node as Json | undefined)?.[key];
}

const escapePointer = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePointer = (part: string) => part.replace(/~1/g, '/').replace(/~0/g, '~');
const truncate = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}…` : text);
