/**
 * Step 4, the single-tenant invisibility checklist, against the instance with multi-tenant off
 * (flipped with `PUT /v1/admin/tenancy`): every org route of the manifest answers 404 through
 * forward-auth, every org-management action answers `feature_disabled` on `POST /v1/authorize`,
 * `GET /v1/features` is exactly `{"multi_tenant":false}`, and no answer mentions a fixture org
 * other than the default one.
 */
import {
  HOME_ORG,
  OTHER_ORG,
  PENDING_DELETION_ORG,
  SUSPENDED_ORG,
  memberOf,
} from '../boundary/fixture.js';
import {
  concretePath,
  orgManagementActions,
  orgRoutes,
  type ChecklistWorld,
} from './checklist-world.js';
import { field, sessionToken, type Answer } from './instance-client.js';
import { checklistStatus, stepResult, type CheckLine, type StepResult } from './types.js';

const FIXTURE_ORGS = [HOME_ORG, OTHER_ORG, SUSPENDED_ORG, PENDING_DELETION_ORG];

export async function singleTenantChecklist(
  world: ChecklistWorld,
  command: string,
): Promise<StepResult> {
  const { client, tenancy } = world;
  const flip = await client.setMultiTenant(false);
  if (flip.status !== 200)
    return blocked(
      command,
      `PUT /v1/admin/tenancy {"multi_tenant":false} answered ${flip.status}: ${flip.text.slice(0, 200)}`,
    );
  const token = await sessionToken(world.secret, memberOf(HOME_ORG, 'owner'), world.nowS());
  const checks: CheckLine[] = [];
  const answers: { what: string; answer: Answer }[] = [];

  for (const { method, route } of orgRoutes(world.routes, world.data)) {
    const uri = concretePath(route);
    const answer = await client.forwardAuth(method, uri, { authorization: `Bearer ${token}` });
    // The org named in the path is the request's own: its answer may not echo it either.
    answers.push({ what: `forward-auth ${method} ${uri}`, answer });
    checks.push(
      line(
        `forward-auth ${method} ${route.pattern} (${route.action}) → 404`,
        answer.status === 404,
        answer,
      ),
    );
  }

  for (const action of orgManagementActions(world.data)) {
    for (const org of [undefined, tenancy.default_org]) {
      const answer = await client.authorize({
        token,
        action,
        ...(org === undefined ? {} : { org }),
      });
      answers.push({ what: `authorize ${action}`, answer });
      const reason = field(answer, 'reason');
      checks.push(
        line(
          `POST /v1/authorize ${action}${org === undefined ? '' : ` naming the default org`} → feature_disabled`,
          field(answer, 'allow') === false && reason === 'feature_disabled',
          answer,
        ),
      );
    }
  }

  const features = await client.features(token);
  answers.push({ what: 'GET /v1/features', answer: features });
  checks.push(
    line(
      'GET /v1/features → exactly {"multi_tenant":false}',
      features.status === 200 && JSON.stringify(features.json) === '{"multi_tenant":false}',
      features,
    ),
  );

  const leaks = answers.filter(({ answer }) =>
    FIXTURE_ORGS.filter((o) => o !== tenancy.default_org).some((org) => mentions(answer.text, org)),
  );
  checks.push({
    name: `no answer mentions a fixture org other than the default (${answers.length} answers)`,
    passed: leaks.length === 0,
    ...(leaks.length > 0
      ? {
          detail: leaks
            .slice(0, 5)
            .map((l) => l.what)
            .join('; '),
        }
      : {}),
  });

  const status = checklistStatus(checks);
  const failures = checks
    .filter((c) => !c.passed)
    .map((c) => `${c.name}${c.detail ? `: ${c.detail}` : ''}`);
  return stepResult('single-tenant', status, {
    ...(status === 'fail' ? { reason: `${failures.length} of ${checks.length} items failed` } : {}),
    ...(checks.length < 3
      ? { emptyOutput: 'the checklist has no org routes or org actions to check' }
      : {}),
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
      single_tenant_items: `${checks.filter((c) => c.passed).length}/${checks.length} passed`,
    },
    failures,
  });
}

/** The org id as a whole word: `acme` in `"acme"` or `/acme/`, not in `acmeCorp`. */
export function mentions(text: string, org: string): boolean {
  const escaped = org.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_-])${escaped}($|[^A-Za-z0-9_-])`).test(text);
}

function line(name: string, passed: boolean, answer: Answer): CheckLine {
  return passed
    ? { name, passed }
    : { name, passed, detail: `got ${answer.status} ${answer.text.slice(0, 200)}` };
}

function blocked(command: string, reason: string): StepResult {
  return stepResult('single-tenant', 'blocked', {
    reason,
    commands: [{ command, exit: null, status: 'blocked', reason }],
  });
}
