/**
 * The hand-written test sources the inventory credits: the Rego test scanner and the decision
 * tables. A case counts for an action or an event type only when a string literal of it (or of a
 * supporting rule it calls) is exactly that string.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseDecisionTables,
  DecisionTableError,
} from '../../src/evidence/inventory/decision-tables.js';
import { scanRegoTests } from '../../src/evidence/inventory/rego-tests.js';
import {
  readDecisionTables,
  readRegoTests,
  findDecisionTables,
} from '../../src/evidence/inventory/read-sources.js';

const REGO = `package orgwarden.authz_test

# a supporting rule the cases call, which names the action
removing(target) := {"action": "org.members.remove", "context": {"target_user": target}}

# a value the cases refer to
global_event := {"resource": {"type": "event", "id": "maintenance"}}

members_cases := [
	{
		"name": "removal of the owner",
		"input": removing("alice"),
		"want": {"reason": "owner_role_immutable"},
	},
	{
		"name": "a read, with a brace in a string: {",
		"input": {"action": "org.read"},
		"want": {"allow": true},
	},
	# {"name": "a commented-out case", "input": {"action": "org.delete"}},
	{
		"name": "a global event",
		"input": global_event,
		"want": {"allow": true},
	},
]

test_members[c.name] if {
	some c in members_cases
	check(c)
}

test_catalogue_lists_billing if data.orgwarden.catalogue.actions["org.billing.read"]

test_nothing_named if true
`;

describe('scanRegoTests', () => {
  const cases = scanRegoTests([{ file: 'members_test.rego', text: REGO }]);
  const naming = (s: string) => cases.filter((c) => c.strings.has(s)).map((c) => c.name);

  it('names table cases by file, the test rule that runs them and the case, and plain tests by rule', () => {
    expect(cases.map((c) => c.name)).toEqual([
      'members_test.rego › test_members › removal of the owner',
      'members_test.rego › test_members › a read, with a brace in a string: {',
      'members_test.rego › test_members › a global event',
      'members_test.rego › test_catalogue_lists_billing',
      'members_test.rego › test_nothing_named',
    ]);
  });

  it('credits a case with the strings of the supporting rules it uses, and only that case', () => {
    expect(naming('org.members.remove')).toEqual([
      'members_test.rego › test_members › removal of the owner',
    ]);
    expect(naming('maintenance')).toEqual(['members_test.rego › test_members › a global event']);
    expect(naming('org.read')).toEqual([
      'members_test.rego › test_members › a read, with a brace in a string: {',
    ]);
    expect(naming('org.billing.read')).toEqual([
      'members_test.rego › test_catalogue_lists_billing',
    ]);
  });

  it('gives no credit for comments, substrings or a case name', () => {
    expect(naming('org.delete')).toEqual([]);
    expect(naming('org.members')).toEqual([]);
    expect(naming('removal of the owner')).toEqual([]);
  });

  it('finds, in the default policy, a Rego case for every action of the route manifest', () => {
    const all = readRegoTests(path.resolve('policies'));
    for (const action of [
      'orgs.list',
      'org.read',
      'org.members.remove',
      'resource.write',
      'ai.execute',
    ])
      expect(all.filter((c) => c.strings.has(action)).length, action).toBeGreaterThan(0);
    expect(all.every((c) => c.name.startsWith('orgwarden/authz/'))).toBe(true);
  });
});

describe('decision tables', () => {
  it('reads name, action and the request strings of each case', () => {
    const cases = parseDecisionTables([
      {
        file: 'events.yaml',
        text: '- name: a member receives\n  request: { org: acme, action: events.receive, resource: { type: event, id: alert } }\n  expect: { allow: true }\n',
      },
      { file: 'empty.yaml', text: '# nothing yet\n' },
    ]);
    expect(cases).toEqual([
      {
        name: 'events.yaml › a member receives',
        action: 'events.receive',
        strings: new Set(['acme', 'events.receive', 'event', 'alert']),
      },
    ]);
  });

  it('refuses a file that is not a list of cases, naming the file and the entry', () => {
    const refuse = (text: string) => () => parseDecisionTables([{ file: 't.yaml', text }]);
    expect(refuse('a: 1')).toThrow(
      new DecisionTableError('t.yaml', [{ path: 'cases', message: 'must be a list of cases' }]),
    );
    expect(refuse('7')).toThrow(
      new DecisionTableError('t.yaml', [{ path: '', message: 'must be a list of cases' }]),
    );
    expect(refuse('cases:\n  - name: x\n    request: {}\n')).toThrow(
      't.yaml: cases[0].request.action: must be a non-empty string',
    );
    expect(refuse('- name: x\n  request: {}\n- 7\n')).toThrow(
      't.yaml: [0].request.action: must be a non-empty string\nt.yaml: [1]: must be a mapping',
    );
    expect(refuse('- [')).toThrow(/^t\.yaml: /);
  });

  it("reads the project's tables, found beside the config's package.json", () => {
    const dir = findDecisionTables(path.resolve('examples/orgwarden.yaml'));
    expect(dir).toBe(path.resolve('test/decision-tables'));
    const cases = readDecisionTables(dir ?? '');
    // case files in the mapping form (`directory:`, `cases:`) are read like bare lists
    expect(cases.filter((c) => c.action === 'org.read').length).toBeGreaterThan(0);
    expect(cases.length).toBeGreaterThan(100);
    expect(findDecisionTables('/orgwarden.yaml')).toBeNull();
    expect(() => readDecisionTables(path.resolve('no-such-folder'))).toThrow(
      /no-such-folder: cannot read the decision-table folder \(ENOENT\)/,
    );
  });
});
