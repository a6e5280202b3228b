/**
 * The compiled route manifest: a segment trie that maps a normalised path and a method to one
 * route. Specificity: at every segment a literal wins over a parameter, so
 * `/api/orgs/{org}/shares/incoming` is never read as `/api/orgs/{org}/shares/{share}` with
 * share=incoming. The path is matched first; the method is then looked up on the most specific
 * path only — a method missing there does not fall back to a less specific pattern.
 */
import type { PatternSegment } from './route-pattern.js';

export type OrgSourceName = 'path' | 'header' | 'cookie';
/** A value taken from a path parameter, or a fixed string. */
export type ValueTemplate = { param: string } | { literal: string };
/** Which id grammar a path parameter must satisfy once decoded (see `path-params.ts`). */
export type IdParamKind = 'org' | 'user';

export interface RouteSpec {
  /** Where the route came from, for messages: `routes[3]`. */
  entry: string;
  /**
   * The route's name, its methods and path pattern as the manifest writes them
   * (`GET /api/orgs/{org}`, `GET,HEAD /api/x`): unique in a manifest, the metrics' `route` label.
   */
  name: string;
  methods: readonly string[];
  pattern: string;
  segments: readonly PatternSegment[];
  action: string;
  /** Where the requested org comes from, first present wins; `[path]` is always alone. */
  org: readonly OrgSourceName[];
  resource: { type: ValueTemplate; id: ValueTemplate | null } | null;
  context: Readonly<Record<string, ValueTemplate>>;
  /** Parameters that name an org (`{org}`) or a user (`{user}`, or passed as `context.target_user`). */
  idParams: ReadonlyMap<string, IdParamKind>;
  /** Its org comes from the path or its action is org management: invisible (404) while multi-tenant is off. */
  orgRoute: boolean;
}

type RouteMatch =
  | { ok: true; route: RouteSpec; params: ReadonlyMap<string, string> }
  | { ok: false; reason: 'no_route' }
  | { ok: false; reason: 'method_not_routed'; methods: string[] };

export interface RouteTable {
  readonly routes: readonly RouteSpec[];
  match(method: string, segments: readonly string[]): RouteMatch;
}

export interface RouteCollision {
  route: RouteSpec;
  other: RouteSpec;
  method: string;
}

interface Node {
  literals: Map<string, Node>;
  param: Node | null;
  methods: Map<string, RouteSpec>;
}

const newNode = (): Node => ({ literals: new Map(), param: null, methods: new Map() });

export function buildRouteTable(routes: readonly RouteSpec[]): {
  table: RouteTable;
  collisions: RouteCollision[];
} {
  const root = newNode();
  const collisions: RouteCollision[] = [];
  for (const route of routes) {
    let node = root;
    for (const segment of route.segments) {
      if (segment.kind === 'literal') {
        let next = node.literals.get(segment.value);
        if (!next) node.literals.set(segment.value, (next = newNode()));
        node = next;
      } else {
        node = node.param ??= newNode();
      }
    }
    for (const method of route.methods) {
      const other = node.methods.get(method);
      if (other) collisions.push({ route, other, method });
      else node.methods.set(method, route);
    }
  }

  const table: RouteTable = {
    routes,
    match(method, segments) {
      const node = find(root, segments, 0);
      if (!node) return { ok: false, reason: 'no_route' };
      const route = node.methods.get(method);
      if (!route)
        return { ok: false, reason: 'method_not_routed', methods: [...node.methods.keys()] };
      return { ok: true, route, params: paramsOf(route, segments) };
    },
  };
  return { table, collisions };
}

/** Depth-first, literal before parameter at every segment: the first full match is the most specific. */
function find(node: Node, segments: readonly string[], i: number): Node | null {
  if (i === segments.length) return node.methods.size > 0 ? node : null;
  const segment = segments[i] as string;
  const literal = node.literals.get(segment);
  const viaLiteral = literal ? find(literal, segments, i + 1) : null;
  if (viaLiteral) return viaLiteral;
  return node.param ? find(node.param, segments, i + 1) : null;
}

function paramsOf(route: RouteSpec, segments: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  route.segments.forEach((s, i) => {
    if (s.kind === 'param') params.set(s.name, segments[i] as string);
  });
  return params;
}
