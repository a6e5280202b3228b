/**
 * The product's API as its OpenAPI 3.x document describes it, matched against the forward-auth
 * route manifest: an operation with no manifest route is an unguarded surface (forward-auth denies
 * it, `unknown_route`, but nobody decided how it should be guarded).
 *
 * Matching is by segment and deliberately stricter than the gateway's router: a template parameter
 * (`{orgId}`) matches a manifest parameter (`{org}`), a literal matches the same literal exactly
 * (case-sensitive), and nothing else matches — a literal is never "guarded" by a manifest
 * parameter that would happen to route it, because that route's action was chosen for another
 * operation. The method must be one the route lists (HEAD is not implied by GET).
 */
import { parse, YAMLParseError } from 'yaml';
import { ConfigError, type ConfigIssue } from '../../contract/config-error.js';

/** The OpenAPI 3.x operation keys of a path item. */
const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export interface ApiOperation {
  /** Upper case: `GET`. */
  readonly method: string;
  /** The path template as written: `/api/orgs/{orgId}`. */
  readonly path: string;
  readonly operationId: string | null;
}

/** The parts of a manifest route matching needs (a `RouteSpec` has them). */
export interface GuardRoute {
  readonly methods: readonly string[];
  readonly pattern: string;
  readonly segments: readonly ({ kind: 'literal'; value: string } | { kind: 'param' })[];
}

export class OpenApiError extends ConfigError {
  constructor(file: string, issues: ConfigIssue[]) {
    super(file, issues);
    this.name = 'OpenApiError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every operation of an OpenAPI 3.x document (JSON or YAML), in the document's order. */
export function parseOpenApi(text: string, file: string): ApiOperation[] {
  let doc: unknown;
  try {
    doc = parse(text, { uniqueKeys: true, maxAliasCount: 100 });
  } catch (err) {
    const message =
      err instanceof YAMLParseError
        ? (err.message.split('\n')[0] ?? 'invalid YAML or JSON')
        : 'invalid YAML or JSON';
    throw new OpenApiError(file, [{ path: '', message }]);
  }
  if (!isObject(doc))
    throw new OpenApiError(file, [{ path: '', message: 'must be an OpenAPI 3.x document' }]);
  const issues: ConfigIssue[] = [];
  if (typeof doc.openapi !== 'string' || !/^3\.\d+/.test(doc.openapi))
    issues.push({
      path: 'openapi',
      message: 'must be an OpenAPI version 3.x string, e.g. "3.1.0"',
    });
  if (!isObject(doc.paths)) issues.push({ path: 'paths', message: 'must be a mapping' });
  if (issues.length > 0 || !isObject(doc.paths)) throw new OpenApiError(file, issues);

  const operations: ApiOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/')) issues.push({ path: `paths.${path}`, message: 'must start with /' });
    if (!isObject(item)) {
      issues.push({ path: `paths.${path}`, message: 'must be a path item mapping' });
      continue;
    }
    for (const key of OPERATION_METHODS) {
      const op = item[key];
      if (op === undefined) continue;
      if (!isObject(op)) {
        issues.push({ path: `paths.${path}.${key}`, message: 'must be an operation mapping' });
        continue;
      }
      const id = op.operationId;
      operations.push({
        method: key.toUpperCase(),
        path,
        operationId: typeof id === 'string' ? id : null,
      });
    }
  }
  if (issues.length > 0) throw new OpenApiError(file, issues);
  return operations;
}

type TemplateSegment = { kind: 'literal'; value: string } | { kind: 'param' } | { kind: 'mixed' };

/** `/api/orgs/{orgId}` → literal, literal, param; `{id}.json` is mixed and matches nothing. */
function templateSegments(path: string): TemplateSegment[] {
  if (path === '/') return [];
  return path
    .slice(1)
    .split('/')
    .map((part) => {
      if (/^\{[^{}]+\}$/.test(part)) return { kind: 'param' };
      if (/[{}]/.test(part)) return { kind: 'mixed' };
      return { kind: 'literal', value: part };
    });
}

/** The manifest route that gives `op` its guard strategy, or null. */
export function guardOf<R extends GuardRoute>(op: ApiOperation, routes: readonly R[]): R | null {
  const segments = templateSegments(op.path);
  return (
    routes.find(
      (route) =>
        route.methods.includes(op.method) &&
        route.segments.length === segments.length &&
        route.segments.every((s, i) => {
          const t = segments[i];
          if (!t || t.kind === 'mixed') return false;
          return s.kind === 'param'
            ? t.kind === 'param'
            : t.kind === 'literal' && t.value === s.value;
        }),
    ) ?? null
  );
}
