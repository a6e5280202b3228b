/**
 * Validation of the route manifest (`policies/routes.yaml`): every entry is checked and every
 * problem reported at once, each naming the file, the entry and the key. A manifest with any
 * problem is refused as a whole — a half-loaded manifest would silently deny (or worse, route)
 * requests differently from what its reviewer read.
 *
 * Invariants kept here:
 * - every action is in the policy's action catalogue;
 * - a path with an `{org}` parameter takes its org from the path, and only such a path does, so a
 *   route can never authorize the header's org while the upstream acts on the path's org;
 * - no two entries answer the same method on the same path shape.
 */
import { parse, YAMLParseError } from 'yaml';
import { ConfigError, type ConfigIssue } from '../../contract/config-error.js';
import { parsePattern, type PatternSegment } from './route-pattern.js';
import { catalogueFromPolicyData, type ActionCatalogue } from '../../contract/policy-catalogue.js';
import {
  buildRouteTable,
  type IdParamKind,
  type OrgSourceName,
  type RouteSpec,
  type RouteTable,
  type ValueTemplate,
} from './route-table.js';

export class RouteManifestError extends ConfigError {
  constructor(file: string, issues: ConfigIssue[]) {
    super(file, issues);
    this.name = 'RouteManifestError';
  }
}

const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const TOP_KEYS = ['routes'];
const ENTRY_KEYS = ['method', 'path', 'action', 'org', 'resource', 'context'];
const RESOURCE_KEYS = ['type', 'id'];
const ORG_SOURCES: readonly OrgSourceName[] = ['path', 'header', 'cookie'];
const PARAM_REF = /^\{([a-z][a-z0-9_]{0,31})\}$/;
const LITERAL_VALUE = /^[A-Za-z0-9._:-]{1,128}$/;
const CONTEXT_KEY = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_ROUTES = 1000;

/**
 * The actions a loaded manifest maps to, with the org-management flag they were checked with;
 * a policy reload must keep both (policy-rollout's `routes` step).
 */
export function routeActionFlags(
  table: RouteTable,
  policyData: Record<string, unknown>,
): Map<string, boolean> {
  const catalogue = catalogueFromPolicyData(policyData);
  return new Map(
    table.routes.map((route) => [
      route.action,
      catalogue?.get(route.action)?.org_management ?? true,
    ]),
  );
}

/** Parses and validates manifest text; throws RouteManifestError listing every problem. */
export function parseRouteManifest(
  text: string,
  file: string,
  catalogue: ActionCatalogue,
): RouteTable {
  let doc: unknown;
  try {
    doc = parse(text, { uniqueKeys: true, maxAliasCount: 0 });
  } catch (err) {
    const message =
      err instanceof YAMLParseError
        ? (err.message.split('\n')[0] ?? 'invalid YAML')
        : 'invalid YAML';
    throw new RouteManifestError(file, [{ path: '', message }]);
  }
  const issues: ConfigIssue[] = [];
  const routes: RouteSpec[] = [];
  if (!isMapping(doc)) {
    issues.push({ path: '', message: 'must be a mapping with a "routes" list' });
  } else {
    for (const key of Object.keys(doc))
      if (!TOP_KEYS.includes(key)) issues.push({ path: key, message: 'is not a known key' });
    if (!Array.isArray(doc.routes))
      issues.push({ path: 'routes', message: 'must be a list of routes' });
    else if (doc.routes.length > MAX_ROUTES)
      issues.push({ path: 'routes', message: `has more than ${MAX_ROUTES} entries` });
    else
      doc.routes.forEach((entry, i) => {
        const route = checkEntry(entry, `routes[${i}]`, catalogue, issues);
        if (route) routes.push(route);
      });
  }
  const { table, collisions } = buildRouteTable(routes);
  for (const { route, other, method } of collisions)
    issues.push({
      path: route.entry,
      message: `${method} ${route.pattern} duplicates ${other.entry} (${method} ${other.pattern})`,
    });
  if (issues.length > 0) throw new RouteManifestError(file, issues);
  return table;
}

function checkEntry(
  entry: unknown,
  at: string,
  catalogue: ActionCatalogue,
  issues: ConfigIssue[],
): RouteSpec | null {
  if (!isMapping(entry)) {
    issues.push({ path: at, message: 'must be a mapping with method, path, action and org' });
    return null;
  }
  const before = issues.length;
  const label =
    typeof entry.path === 'string' ? ` (${describeMethods(entry.method)} ${entry.path})` : '';
  const issue = (key: string, message: string) =>
    issues.push({ path: key ? `${at}.${key}` : at, message: message + label });
  for (const key of Object.keys(entry))
    if (!ENTRY_KEYS.includes(key)) issue(key, 'is not a known key');

  const methods = checkMethods(entry.method, issue);
  let segments: PatternSegment[] = [];
  if (typeof entry.path !== 'string')
    issue('path', 'is required (a string such as /api/orgs/{org})');
  else {
    const parsed = parsePattern(entry.path);
    if (parsed.ok) segments = parsed.segments;
    else issue('path', parsed.message);
  }
  const params = new Set(segments.flatMap((s) => (s.kind === 'param' ? [s.name] : [])));

  let orgManagement = false;
  if (typeof entry.action !== 'string') issue('action', 'is required (an action of the catalogue)');
  else if (!catalogue.has(entry.action))
    issue('action', `"${entry.action}" is not in the action catalogue`);
  else orgManagement = catalogue.get(entry.action)?.org_management ?? true;

  const org = checkOrg(entry.org, params, issue);
  const resource = checkResource(entry.resource, params, issue);
  const context = checkContext(entry.context, params, issue);

  if (issues.length > before) return null;
  return {
    entry: at,
    name: `${methods.join(',')} ${entry.path as string}`,
    methods,
    pattern: entry.path as string,
    segments,
    action: entry.action as string,
    org,
    resource,
    context,
    idParams: idParamsOf(params, context),
    orgRoute: orgManagement || org.includes('path'),
  };
}

/**
 * The parameters that name an org or a user, so forward-auth checks their decoded values against
 * the id grammars: `{org}`; `{user}` and whatever parameter is passed as `context.target_user`.
 */
function idParamsOf(
  params: Set<string>,
  context: Record<string, ValueTemplate>,
): Map<string, IdParamKind> {
  const kinds = new Map<string, IdParamKind>();
  if (params.has('org')) kinds.set('org', 'org');
  if (params.has('user')) kinds.set('user', 'user');
  const target = context.target_user;
  if (target && 'param' in target && target.param !== 'org') kinds.set(target.param, 'user');
  return kinds;
}

type Issue = (key: string, message: string) => void;

function checkMethods(value: unknown, issue: Issue): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) {
    issue('method', `is required: one of ${ROUTE_METHODS.join(', ')}, or a list of them`);
    return [];
  }
  const seen = new Set<string>();
  for (const [i, m] of list.entries()) {
    if (typeof m !== 'string' || !(ROUTE_METHODS as readonly string[]).includes(m))
      issue(
        Array.isArray(value) ? `method[${i}]` : 'method',
        `must be one of ${ROUTE_METHODS.join(', ')} (upper case), got ${JSON.stringify(m)}`,
      );
    else if (seen.has(m)) issue('method', `lists ${m} twice`);
    else seen.add(m);
  }
  return [...seen];
}

function checkOrg(value: unknown, params: Set<string>, issue: Issue): OrgSourceName[] {
  if (!Array.isArray(value)) {
    issue('org', 'is required: [path], a list of header and cookie in order of precedence, or []');
    return [];
  }
  const sources: OrgSourceName[] = [];
  for (const source of value) {
    if (!ORG_SOURCES.includes(source as OrgSourceName))
      issue('org', `unknown org source ${JSON.stringify(source)} (path, header, cookie)`);
    else if (sources.includes(source as OrgSourceName))
      issue('org', `lists ${source as string} twice`);
    else sources.push(source as OrgSourceName);
  }
  if (sources.includes('path') && sources.length > 1)
    issue('org', '[path] stands alone: the path names the org (the org header is compared to it)');
  if (sources.includes('path') && !params.has('org'))
    issue('org', 'takes the org from the path, but the path has no {org} parameter');
  if (params.has('org') && !sources.includes('path'))
    issue(
      'org',
      'must be [path]: the path has an {org} parameter, and the org the upstream acts on is the one to authorize',
    );
  return sources;
}

function checkResource(value: unknown, params: Set<string>, issue: Issue): RouteSpec['resource'] {
  if (value === undefined || value === null) return null;
  if (!isMapping(value)) {
    issue('resource', 'must be a mapping {type, id}');
    return null;
  }
  for (const key of Object.keys(value))
    if (!RESOURCE_KEYS.includes(key)) issue(`resource.${key}`, 'is not a known key (type, id)');
  const type = template(value.type, 'resource.type', params, issue);
  if (value.type === undefined) issue('resource.type', 'is required');
  const id = value.id === undefined ? null : template(value.id, 'resource.id', params, issue);
  return type ? { type, id } : null;
}

function checkContext(
  value: unknown,
  params: Set<string>,
  issue: Issue,
): Record<string, ValueTemplate> {
  const out: Record<string, ValueTemplate> = Object.create(null) as Record<string, ValueTemplate>;
  if (value === undefined || value === null) return out;
  if (!isMapping(value)) {
    issue('context', 'must be a mapping of names to "{param}" or literal values');
    return out;
  }
  for (const [key, raw] of Object.entries(value)) {
    if (!CONTEXT_KEY.test(key)) issue(`context.${key}`, 'is not a valid context name');
    const t = template(raw, `context.${key}`, params, issue);
    if (t) out[key] = t;
  }
  return out;
}

function template(
  value: unknown,
  key: string,
  params: Set<string>,
  issue: Issue,
): ValueTemplate | null {
  if (value === undefined) return null;
  if (typeof value !== 'string') {
    issue(key, 'must be a string: "{param}" or a literal');
    return null;
  }
  const ref = PARAM_REF.exec(value);
  if (ref) {
    const name = ref[1] as string;
    if (!params.has(name)) {
      issue(key, `refers to {${name}}, which the path does not have`);
      return null;
    }
    return { param: name };
  }
  if (!LITERAL_VALUE.test(value)) {
    issue(key, `"${value}" is neither "{param}" nor a literal (A-Z a-z 0-9 . _ : -)`);
    return null;
  }
  return { literal: value };
}

function describeMethods(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('|');
  return '?';
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
