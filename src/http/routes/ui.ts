/**
 * The decision explorer page (docs/explorer.md): `GET /ui/` and its two files, and the JSON the
 * page reads — `GET /ui/api/decisions` (the recent decisions, filtered) and `GET /ui/api/overview`
 * (the kill switch and rollout, the policy and its shadow, the directory, the ring's counts).
 * Every route is admin, role `auditor`, and takes HTTP Basic (a browser navigation cannot send a
 * Bearer header). "Try a request" is the page calling `POST /v1/authorize?explain=true` itself.
 *
 * Invariants:
 * - Read-only: nothing here changes any state.
 * - Nothing answered holds a token or a secret: decisions are their log entries (recent-decisions),
 *   and the overview is made of the status documents the admin API already serves.
 * - Every answer carries UI_HEADERS: scripts only from this origin (no inline script, so a value
 *   that slipped into markup still would not run), no framing, no sniffing, no caching.
 */
import type { Request, Response } from 'express';
import type { DirectoryStore } from '../../directory/types.js';
import type { ActivePolicy } from '../../engine/active-policy.js';
import type { DecisionFilter, RecentDecisions } from '../../observability/recent-decisions.js';
import type { PolicyRollout } from '../../policy-rollout/index.js';
import type { TenancyControl } from '../../tenancy/index.js';
import { ApiError, sendJson } from '../errors.js';
import type { ManagementRoute } from '../route-table.js';
import type { UiAssetName, UiAssets } from '../ui-assets.js';
import { policyStatusOf } from './policy-status.js';

/** The page's path: the one served path that ends with a slash (app.ts lets it through). */
export const UI_PAGE_PATH = '/ui/';

const UI_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** The most decisions one answer lists, and the default. */
const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;
/** A filter longer than any field a log entry keeps could never match. */
const MAX_FILTER_CHARS = 256;
const TEXT_FILTERS = ['principal', 'org', 'action', 'reason'] as const;
const QUERY_NAMES = new Set<string>([...TEXT_FILTERS, 'spoof', 'limit']);

export interface UiRouteDeps {
  assets: UiAssets;
  recent: RecentDecisions;
  tenancy: Pick<TenancyControl, 'status'>;
  policy: ActivePolicy;
  rollout: Pick<PolicyRollout, 'lastReload' | 'shadow'>;
  directory: Pick<DirectoryStore, 'ping' | 'seeding'>;
  /** `tenancy.org_header`: "try a request" names the org the way a gateway passes it. */
  orgHeader: string;
}

const ui = (
  path: string,
  operation: string,
  handle: ManagementRoute['handle'],
): ManagementRoute => ({
  surface: 'management',
  method: 'GET',
  path,
  operation,
  auth: 'admin',
  role: 'auditor',
  basic: true,
  handle,
});

export function uiRoutes(deps: UiRouteDeps): ManagementRoute[] {
  const file = (name: UiAssetName) => (_req: Request, res: Response) => {
    const asset = deps.assets[name];
    res.writeHead(200, {
      ...UI_HEADERS,
      'content-type': asset.type,
      'content-length': asset.body.length,
    });
    res.end(asset.body);
  };
  return [
    ui(UI_PAGE_PATH, 'ui_page', file('')),
    ui('/ui/explorer.js', 'ui_script', file('explorer.js')),
    ui('/ui/explorer.css', 'ui_style', file('explorer.css')),
    ui('/ui/api/decisions', 'ui_decisions', (req, res) => {
      const { filter, limit } = readQuery(req.query);
      sendJson(
        res,
        200,
        {
          decisions: deps.recent.list(filter, limit),
          capacity: deps.recent.capacity,
          ...deps.recent.counts(),
        },
        UI_HEADERS,
      );
    }),
    ui('/ui/api/overview', 'ui_overview', async (_req, res) => {
      const ready = await deps.directory.ping().catch(() => false);
      sendJson(
        res,
        200,
        {
          policy: policyStatusOf(deps.policy, deps.rollout),
          tenancy: deps.tenancy.status(),
          directory: { ready, reason: deps.directory.seeding?.status().reason ?? null },
          recent: { capacity: deps.recent.capacity, ...deps.recent.counts() },
          org_header: deps.orgHeader,
        },
        UI_HEADERS,
      );
    }),
  ];
}

/** The filters of `GET /ui/api/decisions`; an empty value does not filter (an empty form field). */
function readQuery(query: Request['query']): { filter: DecisionFilter; limit: number } {
  for (const name of Object.keys(query))
    if (!QUERY_NAMES.has(name))
      throw new ApiError(
        'invalid_request',
        `unknown query parameter ${JSON.stringify(name).slice(0, 80)} (known: ${[...QUERY_NAMES].join(', ')})`,
      );
  const one = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string')
      throw new ApiError('invalid_request', `${name}: give it at most once`);
    if (value.length > MAX_FILTER_CHARS)
      throw new ApiError('invalid_request', `${name}: at most ${MAX_FILTER_CHARS} characters`);
    if (!value.isWellFormed())
      throw new ApiError('invalid_request', `${name}: not well-formed Unicode`);
    return value === '' ? undefined : value;
  };
  const filter: DecisionFilter = {};
  for (const name of TEXT_FILTERS) {
    const value = one(name);
    if (value !== undefined) filter[name] = value;
  }
  const spoof = one('spoof');
  if (spoof !== undefined) {
    if (spoof !== 'true' && spoof !== 'false')
      throw new ApiError('invalid_request', 'spoof: must be true or false');
    filter.spoof = spoof === 'true';
  }
  const limitText = one('limit');
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
  if (limitText !== undefined && (!/^[1-9][0-9]{0,3}$/.test(limitText) || limit > MAX_LIMIT))
    throw new ApiError('invalid_request', `limit: an integer from 1 to ${MAX_LIMIT}`);
  return { filter, limit };
}
