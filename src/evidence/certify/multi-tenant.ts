/**
 * Step 5, the multi-tenant checklists (multi-tenant on).
 *
 * Happy path: each fixture role of the home org does exactly what its role allows there — an
 * action is allowed when the role's rank reaches the action's `min_role` in the catalogue, denied
 * otherwise. Actions that need a target member or share are left to the org-boundary suite.
 *
 * Negative path: a member of another org names the home org every way a client can — the request
 * field, the org header, the org cookie, a forward-auth path, the org header through forward-auth —
 * and an API token bound to the other org names it too. Each must be denied with `spoof: true`
 * and counted: `orgwarden_spoof_attempts_total` must rise by exactly one per decision, by source.
 */
import { HOME_ORG, OTHER_ORG, ROLES, memberOf } from '../boundary/fixture.js';
import type { ChecklistWorld } from './checklist-world.js';
import { apiToken, field, metricSum, sessionToken, type Answer } from './instance-client.js';
import { checklistStatus, stepResult, type CheckLine, type StepResult } from './types.js';

const SPOOF_METRIC = 'orgwarden_spoof_attempts_total';

/** Actions whose decision needs a target member or share; the boundary suite covers them. */
const TARGETED = new Set([
  'org.members.update_role',
  'org.members.remove',
  'org.ownership.transfer',
  'org.invitations.revoke',
  'org.shares.delete',
  'org.shares.incoming.accept',
  'org.shares.incoming.decline',
]);

interface CatalogueAction {
  min_role?: string | null;
}

function catalogue(data: Readonly<Record<string, unknown>>) {
  const c = (data.orgwarden as { catalogue?: { actions?: unknown; roles?: unknown } } | undefined)
    ?.catalogue;
  return {
    actions: (c?.actions ?? {}) as Record<string, CatalogueAction>,
    roles: (c?.roles ?? {}) as Record<string, number>,
  };
}

export async function multiTenantChecklist(
  world: ChecklistWorld,
  command: string,
): Promise<StepResult> {
  const { client } = world;
  const flip = await client.setMultiTenant(true);
  if (flip.status !== 200) {
    const reason = `PUT /v1/admin/tenancy {"multi_tenant":true} answered ${flip.status}`;
    return stepResult('multi-tenant', 'blocked', {
      reason,
      commands: [{ command, exit: null, status: 'blocked', reason }],
    });
  }
  const checks = [...(await happyPath(world)), ...(await negativePath(world))];
  const status = checklistStatus(checks);
  const failures = checks
    .filter((c) => !c.passed)
    .map((c) => `${c.name}${c.detail ? `: ${c.detail}` : ''}`);
  return stepResult('multi-tenant', status, {
    ...(status === 'fail' ? { reason: `${failures.length} of ${checks.length} items failed` } : {}),
    commands: [
      {
        command,
        exit: status === 'pass' ? 0 : 1,
        status,
        ...(status === 'fail' ? { reason: `${failures.length} item(s) failed` } : {}),
      },
    ],
    checks,
    figures: {
      multi_tenant_items: `${checks.filter((c) => c.passed).length}/${checks.length} passed`,
    },
    failures,
  });
}

async function happyPath(world: ChecklistWorld): Promise<CheckLine[]> {
  const { actions, roles } = catalogue(world.data);
  const checks: CheckLine[] = [];
  for (const role of ROLES) {
    const token = await sessionToken(world.secret, memberOf(HOME_ORG, role), world.nowS());
    for (const [action, entry] of Object.entries(actions)) {
      const minRole = entry.min_role;
      if (typeof minRole !== 'string' || TARGETED.has(action)) continue;
      const rank = roles[role] ?? 0;
      const allowed = rank >= (roles[minRole] ?? Infinity);
      const answer = await world.client.authorize({
        token,
        action,
        org: HOME_ORG,
        ...(action.startsWith('resource.')
          ? { resource: { type: 'node', id: 'n-private', org: HOME_ORG } }
          : {}),
      });
      const ok =
        field(answer, 'allow') === allowed && (allowed || field(answer, 'spoof') === false);
      checks.push(
        item(
          `${HOME_ORG} ${role}: ${action} ${allowed ? 'allowed' : `denied (needs ${minRole})`}`,
          ok,
          answer,
        ),
      );
    }
  }
  return checks;
}

interface SpoofShape {
  name: string;
  source: string;
  ask: () => Promise<Answer>;
  /** Forward-auth answers carry no decision body: a 403 is the denial. */
  viaGateway: boolean;
}

async function negativePath(world: ChecklistWorld): Promise<CheckLine[]> {
  const { client, tenancy } = world;
  const intruder = await sessionToken(world.secret, memberOf(OTHER_ORG, 'owner'), world.nowS());
  const bound = await apiToken(
    world.secret,
    `${OTHER_ORG}-api-token`,
    OTHER_ORG,
    'settings:read monitoring:read',
    world.nowS(),
  );
  const bearer = `Bearer ${intruder}`;
  const header = tenancy.org_header.toLowerCase();
  const shapes: SpoofShape[] = [
    {
      name: 'org named by the request field',
      source: 'field',
      viaGateway: false,
      ask: () => client.authorize({ token: intruder, action: 'org.read', org: HOME_ORG }),
    },
    {
      name: 'org named by the org header',
      source: 'header',
      viaGateway: false,
      ask: () =>
        client.authorize({
          headers: { authorization: bearer, [header]: HOME_ORG },
          action: 'org.read',
        }),
    },
    {
      name: 'org named by the org cookie',
      source: 'cookie',
      viaGateway: false,
      ask: () =>
        client.authorize({
          headers: { authorization: bearer, cookie: `${tenancy.org_cookie}=${HOME_ORG}` },
          action: 'org.read',
        }),
    },
    {
      name: 'org named by a forward-auth path',
      source: 'path',
      viaGateway: true,
      ask: () => client.forwardAuth('GET', `/api/orgs/${HOME_ORG}`, { authorization: bearer }),
    },
    {
      name: 'org named by the org header through forward-auth',
      source: 'header',
      viaGateway: true,
      ask: () =>
        client.forwardAuth('GET', '/api/resources/node/n-view', {
          authorization: bearer,
          [header]: HOME_ORG,
        }),
    },
    {
      name: `API token bound to ${OTHER_ORG} naming ${HOME_ORG}`,
      source: 'token_binding',
      viaGateway: false,
      ask: () =>
        client.authorize({
          token: bound,
          action: 'resource.read',
          org: HOME_ORG,
          resource: { type: 'node', id: 'n-private', org: HOME_ORG },
        }),
    },
  ];
  const before = await client.metricsText();
  const checks: CheckLine[] = [];
  const expected = new Map<string, number>();
  for (const shape of shapes) {
    const answer = await shape.ask();
    const denied = shape.viaGateway
      ? answer.status === 403
      : field(answer, 'allow') === false && field(answer, 'spoof') === true;
    checks.push(
      item(
        `spoof denied${shape.viaGateway ? '' : ' with spoof: true'}: ${shape.name}`,
        denied,
        answer,
      ),
    );
    expected.set(shape.source, (expected.get(shape.source) ?? 0) + 1);
  }
  const after = await client.metricsText();
  const total = shapes.length;
  const rose = metricSum(after, SPOOF_METRIC) - metricSum(before, SPOOF_METRIC);
  checks.push({
    name: `${SPOOF_METRIC} rose by ${total}, one per spoof decision`,
    passed: rose === total,
    ...(rose === total ? {} : { detail: `rose by ${rose}` }),
  });
  for (const [source, count] of expected) {
    const delta =
      metricSum(after, SPOOF_METRIC, { source }) - metricSum(before, SPOOF_METRIC, { source });
    checks.push({
      name: `${SPOOF_METRIC}{source="${source}"} rose by ${count}`,
      passed: delta === count,
      ...(delta === count ? {} : { detail: `rose by ${delta}` }),
    });
  }
  return checks;
}

function item(name: string, passed: boolean, answer: Answer): CheckLine {
  return passed
    ? { name, passed }
    : { name, passed, detail: `got ${answer.status} ${answer.text.slice(0, 200)}` };
}
