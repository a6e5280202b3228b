/**
 * The decision memo never changes a decision. Two decision cores share everything (the compiled
 * policy, the authenticator, one directory, one kill switch, one clock) except the memo: one holds
 * a small one (so it also evicts), the other none. For random sequences of decisions interleaved
 * with revocations (a member removed, a role changed, an org suspended or restored), kill-switch
 * flips, policy reloads (a new instance of the same policy, or a policy whose catalogue differs)
 * and clock steps (the policy reads `now` for the freshness of a sign-in), every decision of the
 * memoised core equals the unmemoised one's (all but the decision id), every observer record too,
 * and the shadow hook sees the same inputs.
 *
 * Controls: the sequences do answer from the memo (the memo holds 16 answers at most, so it also
 * evicts), and a revocation turns a memoised allow into a deny at once.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizer, type Authorizer } from '../../src/authz/authorizer.js';
import type { Decision, DecisionRecord } from '../../src/contract/decision.js';
import type { DecisionRequest } from '../../src/contract/decision-request.js';
import type { PolicyInput } from '../../src/contract/policy-io.js';
import type { DirectoryReader, OrgRecord } from '../../src/directory/types.js';
import { createActivePolicy, type ActivePolicy } from '../../src/engine/active-policy.js';
import { loadPolicyBundle } from '../../src/bundle/policy-bundle.js';
import { createPolicyEngine, type PolicyEngine } from '../../src/engine/wasm-engine.js';
import { createLocalTenancySwitch } from '../../src/tenancy/local-tenancy-switch.js';
import type { StoredRole } from '../../src/contract/roles.js';
import { loadCoreParts, type CoreParts } from '../support/core-over-records.js';
import { fuzzParams } from '../support/fuzz.js';
import { TEST_BUNDLE } from '../support/paths.js';
import { TEST_SECRET, mintHs256 } from '../support/tokens.js';

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
const ORGS = ['acme', 'globex', 'default', 'nowhere'] as const;
const ROLES: StoredRole[] = ['owner', 'admin', 'editor', 'viewer', 'member'];
const STATUSES = ['active', 'suspended', 'pending_deletion'] as const;
const ACTIONS = [
  'resource.read',
  'resource.write',
  'org.read',
  'org.members.list',
  'org.members.remove',
  'org.members.update_role',
  'org.members.invite',
  'org.ownership.transfer',
  'org.billing.read',
  'orgs.list',
] as const;

const BASE: readonly OrgRecord[] = [
  {
    id: 'acme',
    status: 'active',
    members: [
      { user: 'alice', role: 'owner' },
      { user: 'bob', role: 'admin' },
      { user: 'carol', role: 'editor' },
      { user: 'dave', role: 'member' },
    ],
    shares: [
      {
        id: 's-acme-n1',
        resource: { type: 'node', id: 'n1' },
        target_org: 'globex',
        access_role: 'viewer',
        state: 'accepted',
      },
    ],
  },
  {
    id: 'globex',
    status: 'active',
    members: [
      { user: 'erin', role: 'owner' },
      { user: 'alice', role: 'viewer' },
    ],
    shares: [],
  },
  { id: 'default', status: 'active', members: [], shares: [] },
];

/** A directory whose records are replaced (never mutated) by each change, as the stores do. */
function mutableDirectory() {
  const byId = new Map(BASE.map((r) => [r.id, r]));
  const reader: DirectoryReader = {
    getOrg: (id) => Promise.resolve(byId.get(id) ?? null),
    listOrgsForUser: (user) =>
      Promise.resolve(
        [...byId.values()].flatMap((r) =>
          r.members.filter((m) => m.user === user).map((m) => ({ id: r.id, role: m.role })),
        ),
      ),
  };
  const change = (org: string, edit: (r: OrgRecord) => OrgRecord) => {
    const record = byId.get(org);
    if (record) byId.set(org, edit(record));
  };
  return {
    reader,
    removeMember: (org: string, user: string) =>
      change(org, (r) => ({ ...r, members: r.members.filter((m) => m.user !== user) })),
    setRole: (org: string, user: string, role: StoredRole) =>
      change(org, (r) => ({
        ...r,
        members: [...r.members.filter((m) => m.user !== user), { user, role }],
      })),
    setStatus: (org: string, status: OrgRecord['status']) => change(org, (r) => ({ ...r, status })),
  };
}

interface RequestSpec {
  token: number;
  org: (typeof ORGS)[number] | null;
  action: (typeof ACTIONS)[number];
  target: (typeof USERS)[number] | null;
  targetRole: StoredRole | null;
  resource: { id: string; org: (typeof ORGS)[number] | null } | null;
  kind: 'request' | 'job';
}

type Command =
  | { do: 'decide'; request: number }
  | { do: 'remove'; org: string; user: string }
  | { do: 'role'; org: string; user: string; role: StoredRole }
  | { do: 'status'; org: string; status: OrgRecord['status'] }
  | { do: 'flip'; multiTenant: boolean }
  | { do: 'reload'; engine: number }
  | { do: 'tick'; seconds: number };

const requestSpec: fc.Arbitrary<RequestSpec> = fc.record({
  token: fc.nat(7),
  org: fc.option(fc.constantFrom(...ORGS)),
  action: fc.constantFrom(...ACTIONS),
  target: fc.option(fc.constantFrom(...USERS)),
  targetRole: fc.option(fc.constantFrom(...ROLES)),
  resource: fc.option(
    fc.record({ id: fc.constantFrom('n1', 'n2'), org: fc.option(fc.constantFrom(...ORGS)) }),
  ),
  kind: fc.constantFrom('request', 'job'),
});

/**
 * A request and variants of it that differ in one field each (who asks, the org, the action, ...):
 * near neighbours are where a key missing a part of the input would answer from the wrong entry.
 */
const requestFamily: fc.Arbitrary<RequestSpec[]> = fc
  .tuple(
    requestSpec,
    fc.array(
      fc.tuple(
        fc.constantFrom<keyof RequestSpec>(
          'token',
          'org',
          'action',
          'target',
          'targetRole',
          'resource',
          'kind',
        ),
        requestSpec,
      ),
      { maxLength: 5 },
    ),
  )
  .map(([base, variants]) => [
    base,
    ...variants.map(([field, other]) => ({ ...base, [field]: other[field] })),
  ]);

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ do: fc.constant('decide'), request: fc.nat(6) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      do: fc.constant('remove'),
      org: fc.constantFrom(...ORGS),
      user: fc.constantFrom(...USERS),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      do: fc.constant('role'),
      org: fc.constantFrom(...ORGS),
      user: fc.constantFrom(...USERS),
      role: fc.constantFrom(...ROLES),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      do: fc.constant('status'),
      org: fc.constantFrom(...ORGS),
      status: fc.constantFrom(...STATUSES),
    }),
  },
  { weight: 1, arbitrary: fc.record({ do: fc.constant('flip'), multiTenant: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ do: fc.constant('reload'), engine: fc.nat(2) }) },
  {
    weight: 1,
    arbitrary: fc.record({ do: fc.constant('tick'), seconds: fc.constantFrom(0, 1, 150, 400) }),
  },
);

/**
 * Always among a sequence's requests: alice (owner of acme, signed in 100 s before the start)
 * transfers ownership to bob, which the policy allows only while her sign-in is fresh (`now`).
 */
const TRANSFER: RequestSpec = {
  token: 0,
  org: 'acme',
  action: 'org.ownership.transfer',
  target: 'bob',
  targetRole: null,
  resource: null,
  kind: 'request',
};

interface Action {
  min_role: string;
}

let parts: CoreParts;
/** The policy, a new instance of the same policy, and one whose catalogue differs. */
let engines: PolicyEngine[];
/** Sessions of each user (signed in 100 s before the start), an API token, a forged token. */
let tokens: string[];

beforeAll(async () => {
  parts = await loadCoreParts();
  const bundle = await loadPolicyBundle({ bundle: TEST_BUNDLE });
  const stricter = structuredClone(bundle.data);
  const actions = (stricter as { orgwarden: { catalogue: { actions: Record<string, Action> } } })
    .orgwarden.catalogue.actions;
  actions['resource.read']!.min_role = 'admin';
  actions['org.read']!.min_role = 'owner';
  engines = [
    parts.engine,
    await createPolicyEngine(bundle),
    await createPolicyEngine({
      ...bundle,
      data: stricter,
      revision: `${bundle.revision}-stricter`,
    }),
  ];
  const nowS = Math.floor(parts.now / 1000);
  const opts = { now: parts.now };
  tokens = [
    ...(await Promise.all(
      USERS.map((sub) => mintHs256(TEST_SECRET, { sub, auth_time: nowS - 100 }, opts)),
    )),
    await mintHs256(
      TEST_SECRET,
      { sub: 'tok1', kind: 'api_token', scope: 'monitoring:read settings:read', org_id: 'acme' },
      opts,
    ),
    await mintHs256('another-secret-0123456789abcdef-xyz', { sub: 'alice' }, opts),
  ];
});

function toRequest(spec: RequestSpec): DecisionRequest {
  const context: Record<string, string> = {};
  if (spec.target !== null) context.target_user = spec.target;
  if (spec.targetRole !== null) context.target_role = spec.targetRole;
  return {
    kind: spec.kind,
    token: spec.token < tokens.length ? tokens[spec.token] : undefined,
    named_org: spec.org === null ? null : { id: spec.org, source: 'field' },
    action: spec.action,
    resource: spec.resource && { type: 'node', id: spec.resource.id, org: spec.resource.org },
    context,
  };
}

interface Seen {
  records: Omit<DecisionRecord, 'decision' | 'latency_s'>[];
  inputs: PolicyInput[];
}

function core(
  shared: { directory: DirectoryReader; policy: ActivePolicy; now: () => number },
  tenancySwitch: ReturnType<typeof createLocalTenancySwitch>,
  memo: { entries: number; bytes: number; onLookup?: (o: 'hit' | 'miss') => void } | undefined,
): { authorizer: Authorizer; seen: Seen } {
  const seen: Seen = { records: [], inputs: [] };
  const authorizer = createAuthorizer({
    tenancy: { default_org: 'default' },
    authenticator: parts.authenticator,
    directory: shared.directory,
    policy: shared.policy,
    tenancySwitch,
    now: shared.now,
    observers: [
      {
        onDecision: ({ decision: _d, latency_s: _l, ...rest }) => seen.records.push(rest),
      },
    ],
    onEvaluated: (input) => seen.inputs.push(structuredClone(input)),
    ...(memo ? { memo } : {}),
  });
  return { authorizer, seen };
}

const withoutId = ({ decision_id: _id, ...rest }: Decision) => rest;

/** Runs `commands` against a memoised and an unmemoised core; returns the memo's hits. */
async function runBoth(specs: RequestSpec[], commands: Command[]): Promise<{ hits: number }> {
  const directory = mutableDirectory();
  const policy = createActivePolicy(engines[0]);
  const tenancySwitch = createLocalTenancySwitch(true);
  let nowMs = parts.now;
  const shared = { directory: directory.reader, policy, now: () => nowMs };
  let hits = 0;
  const memoised = core(shared, tenancySwitch, {
    entries: 16,
    bytes: 20_000,
    onLookup: (o) => {
      if (o === 'hit') hits++;
    },
  });
  const plain = core(shared, tenancySwitch, undefined);
  for (const c of commands) {
    switch (c.do) {
      case 'decide': {
        const request = toRequest(specs[c.request % specs.length]!);
        const a = await memoised.authorizer.decide(request);
        const b = await plain.authorizer.decide(request);
        expect(withoutId(a)).toEqual(withoutId(b));
        break;
      }
      case 'remove':
        directory.removeMember(c.org, c.user);
        break;
      case 'role':
        directory.setRole(c.org, c.user, c.role);
        break;
      case 'status':
        directory.setStatus(c.org, c.status);
        break;
      case 'flip':
        await tenancySwitch.set(c.multiTenant, 'test');
        break;
      case 'reload':
        policy.swap(engines[c.engine]!);
        break;
      case 'tick':
        nowMs += c.seconds * 1000;
        break;
    }
  }
  expect(memoised.seen.records.map((r) => ({ ...r }))).toEqual(plain.seen.records);
  expect(memoised.seen.inputs).toEqual(plain.seen.inputs);
  return { hits };
}

describe('the decision memo', () => {
  it('never changes a decision, across revocations, flips, reloads and clock steps', async () => {
    let hits = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        requestFamily,
        fc.array(command, { minLength: 10, maxLength: 80, size: 'max' }),
        async (specs, commands) => {
          hits += (await runBoth([TRANSFER, ...specs], commands)).hits;
          runs++;
        },
      ),
      fuzzParams(300),
    );
    // Control: the sequences do answer from the memo (else the property would prove nothing).
    expect(hits).toBeGreaterThan(runs);
  });

  it('control: a member removed, demoted or suspended is denied at once after a memoised allow', async () => {
    const spec: RequestSpec = {
      token: 2, // carol, editor of acme
      org: 'acme',
      action: 'resource.write',
      target: null,
      targetRole: null,
      resource: { id: 'n9', org: 'acme' },
      kind: 'request',
    };
    const revocations: Command[] = [
      { do: 'remove', org: 'acme', user: 'carol' },
      { do: 'role', org: 'acme', user: 'carol', role: 'viewer' },
      { do: 'status', org: 'acme', status: 'suspended' },
    ];
    for (const revocation of revocations) {
      const directory = mutableDirectory();
      let hits = 0;
      const { authorizer } = core(
        {
          directory: directory.reader,
          policy: createActivePolicy(engines[0]),
          now: () => parts.now,
        },
        createLocalTenancySwitch(true),
        {
          entries: 100,
          bytes: 1 << 20,
          onLookup: (o) => {
            if (o === 'hit') hits++;
          },
        },
      );
      const request = toRequest(spec);
      // Stored at the second evaluation, answered from the memo at the third.
      for (let i = 0; i < 3; i++) expect((await authorizer.decide(request)).allow).toBe(true);
      expect(hits).toBe(1);
      if (revocation.do === 'remove') directory.removeMember(revocation.org, revocation.user);
      if (revocation.do === 'role')
        directory.setRole(revocation.org, revocation.user, revocation.role);
      if (revocation.do === 'status') directory.setStatus(revocation.org, revocation.status);
      const after = await authorizer.decide(request);
      expect(after.allow, revocation.do).toBe(false);
      expect(hits).toBe(1);
    }
  });
});
