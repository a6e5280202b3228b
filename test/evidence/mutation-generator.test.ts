import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyMutant,
  generatePolicyMutants,
  MUTATION_OPERATORS,
  mutantDiff,
  type PolicyMutant,
} from '../../src/evidence/mutation/index.js';

const POLICY = `# A comment with "owner" == "admin" and not a rule
package orgwarden.authz

import rego.v1

default open := false

share_ok(share) if {
\tshare.state == "accepted"
\tnot share.revoked # "viewer" in a comment
\tcount(share.orgs) <= 64
\tsome org in share.orgs
\tx := org
}

one_line if input.count > 0

decision := {
\t"role": "owner",
\t"allow": false,
}

lone if {
\tinput.kind == "job"
}
`;

const mutantsOf = (source: string, file = 'authz/p.rego') =>
  generatePolicyMutants(new Map([[file, source]]));

/** The mutants of one line, as `operator: mutated line` (trimmed, "(removed)" for a removal). */
function changesAt(mutants: readonly PolicyMutant[], line: number): string[] {
  return mutants
    .filter((m) => m.line === line)
    .map((m) => `${m.operator}: ${m.mutated === null ? '(removed)' : m.mutated.trim()}`);
}

const lineOf = (text: string) => POLICY.split('\n').findIndex((l) => l.includes(text)) + 1;

describe('generatePolicyMutants', () => {
  const mutants = mutantsOf(POLICY);

  it('flips a comparison, swaps a vocabulary literal, negates and drops a body expression', () => {
    expect(changesAt(mutants, lineOf('share.state =='))).toEqual([
      'add-not: not share.state == "accepted"',
      'flip-eq: share.state != "accepted"',
      'drop-expr: (removed)',
      'swap-literal: share.state == "pending"',
    ]);
  });

  it('removes a not, and never changes the trailing comment of the line', () => {
    expect(changesAt(mutants, lineOf('not share.revoked'))).toEqual([
      'drop-not: share.revoked # "viewer" in a comment',
      'drop-expr: (removed)',
    ]);
  });

  it('moves an ordering boundary and bumps a number', () => {
    expect(changesAt(mutants, lineOf('<= 64'))).toEqual([
      'add-not: not count(share.orgs) <= 64',
      'flip-lt: count(share.orgs) < 64',
      'drop-expr: (removed)',
      'bump-number: count(share.orgs) <= 65',
    ]);
    expect(changesAt(mutants, lineOf('one_line'))).toEqual([
      'add-not: one_line if not input.count > 0',
      'flip-gt: one_line if input.count >= 0',
      'bump-number: one_line if input.count > 1',
    ]);
  });

  it('flips a default and a boolean in an object value, swaps values but never keys', () => {
    expect(changesAt(mutants, lineOf('default open'))).toEqual(['flip-bool: default open := true']);
    expect(changesAt(mutants, lineOf('"role": "owner"'))).toEqual([
      'swap-literal: "role": "admin",',
    ]);
    expect(changesAt(mutants, lineOf('"allow": false'))).toEqual(['flip-bool: "allow": true,']);
  });

  it('leaves variable declarations alone (removing or negating one only breaks compilation)', () => {
    expect(changesAt(mutants, lineOf('some org in'))).toEqual([]);
    expect(changesAt(mutants, lineOf('x := org'))).toEqual([]);
  });

  it('drops no expression of a body that has only one', () => {
    expect(changesAt(mutants, lineOf('input.kind == "job"'))).toEqual([
      'add-not: not input.kind == "job"',
      'flip-eq: input.kind != "job"',
      'swap-literal: input.kind == "request"',
    ]);
  });

  it('never mutates comments, package or import lines, or rule heads without expressions', () => {
    for (const text of [
      '# A comment',
      'package orgwarden',
      'import rego',
      'share_ok(share) if {',
    ]) {
      expect(changesAt(mutants, lineOf(text)), text).toEqual([]);
    }
  });

  it('never mutates a test file', () => {
    expect(mutantsOf(POLICY, 'authz/p_test.rego')).toEqual([]);
    expect(mutantsOf(POLICY, 'authz/notes.md')).toEqual([]);
  });

  it('gives every mutant a unique id <file>:<line>:<operator>:<n>, numbering changes on a line', () => {
    const ids = mutants.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of mutants)
      expect(m.id).toMatch(new RegExp(`^authz/p\\.rego:${m.line}:${m.operator}:\\d+$`));
    const multi = mutantsOf('x if {\n\tinput.a == input.b\n\tinput.c != input.d == true\n}\n');
    expect(multi.filter((m) => m.operator === 'flip-eq').map((m) => m.id)).toEqual([
      'authz/p.rego:2:flip-eq:1',
      'authz/p.rego:3:flip-eq:1',
      'authz/p.rego:3:flip-eq:2',
    ]);
  });

  it('keeps the ids of a line when lines elsewhere in other files change', () => {
    const other = mutantsOf('package y\n\nz if input.q == 1\n', 'authz/q.rego');
    const both = generatePolicyMutants(
      new Map([
        ['authz/q.rego', 'package y\n\nz if input.q == 1\n'],
        ['authz/p.rego', POLICY],
      ]),
    );
    expect(both.map((m) => m.id)).toEqual([...mutants, ...other].map((m) => m.id));
  });

  it('is deterministic and uses only the known operators', () => {
    expect(mutantsOf(POLICY).map((m) => m.id)).toEqual(mutants.map((m) => m.id));
    for (const m of mutants) expect(MUTATION_OPERATORS).toContain(m.operator);
  });
});

describe('applying a mutant', () => {
  const files = new Map([
    ['authz/p.rego', POLICY],
    ['authz/p_test.rego', 'package t\n'],
  ]);
  const mutants = generatePolicyMutants(files);

  it('changes exactly its own line of its own file', () => {
    for (const m of mutants) {
      const out = m.apply(files);
      expect(out.get('authz/p_test.rego')).toBe('package t\n');
      const before = POLICY.split('\n');
      const after = (out.get('authz/p.rego') ?? '').split('\n');
      if (m.mutated === null) {
        expect(after).toEqual([...before.slice(0, m.line - 1), ...before.slice(m.line)]);
      } else {
        expect(after).toEqual([...before.slice(0, m.line - 1), m.mutated, ...before.slice(m.line)]);
        expect(m.mutated).not.toBe(m.original);
      }
    }
    expect(files.get('authz/p.rego')).toBe(POLICY);
  });

  it('refuses sources the mutant was not made from, naming the mutant', () => {
    const [first] = mutants;
    const edited = new Map([['authz/p.rego', POLICY.replace('accepted', 'declined')]]);
    const m = mutants.find((x) => x.original.includes('accepted'))!;
    expect(() => applyMutant(edited, m)).toThrow(`mutant ${m.id}: authz/p.rego line ${m.line}`);
    expect(() => applyMutant(new Map(), first!)).toThrow(/is not the line it was made from/);
  });

  it('shows the change as a two-line diff, one line for a removal', () => {
    const flip = mutants.find((m) => m.operator === 'flip-eq')!;
    expect(mutantDiff(flip)).toBe(`- ${flip.original.trim()}\n+ ${flip.mutated!.trim()}`);
    const drop = mutants.find((m) => m.operator === 'drop-expr')!;
    expect(mutantDiff(drop)).toBe(`- ${drop.original.trim()}`);
  });
});

describe('the mutants of the policy pack', () => {
  const dir = path.resolve('policies', 'orgwarden', 'authz');
  const files = new Map(
    readdirSync(dir).map((f) => [`authz/${f}`, readFileSync(path.join(dir, f), 'utf8')]),
  );
  const mutants = generatePolicyMutants(files);

  it('come from every policy file and no test file, and touch no comment', () => {
    const mutated = new Set(mutants.map((m) => m.file));
    const policies = [...files.keys()].filter((f) => !f.endsWith('_test.rego'));
    expect([...mutated].sort()).toEqual(policies.sort());
    for (const m of mutants) expect(m.original.trimStart().startsWith('#'), m.id).toBe(false);
  });

  it('include the share state that grants access, flipped from accepted to pending', () => {
    const source = files.get('authz/shares.rego') ?? '';
    const line = source.split('\n').findIndex((l) => l.includes('share.state == "accepted"')) + 1;
    const swap = mutants.find((m) => m.id === `authz/shares.rego:${line}:swap-literal:1`);
    expect(swap?.mutated?.trim()).toBe('share.state == "pending"');
  });
});
