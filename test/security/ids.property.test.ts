/**
 * The id grammars refuse every non-canonical spelling of an id: generated ids, then each of them
 * disguised by whitespace, invisible characters, decomposition, lone surrogates or dots.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAcceptableOrgId, orgIdProblem, userIdProblem } from '../../src/contract/ids.js';
import { canonicalUserId, idDisguise } from '../support/arbitraries.js';
import { fuzzParams } from '../support/fuzz.js';

describe('user ids', () => {
  it('accepts every canonical id generated', () => {
    fc.assert(
      fc.property(canonicalUserId, (id) => userIdProblem(id) === null),
      fuzzParams(2000),
    );
  });

  it('refuses every disguised spelling of a canonical id', () => {
    fc.assert(
      fc.property(canonicalUserId, idDisguise, (id, disguise) => {
        const spelled = disguise(id);
        fc.pre(spelled !== id);
        expect(userIdProblem(spelled), JSON.stringify(spelled)).not.toBeNull();
      }),
      fuzzParams(2000),
    );
  });

  it('names each problem', () => {
    expect(userIdProblem(7)).toBe('not_a_string');
    expect(userIdProblem('')).toBe('empty');
    expect(userIdProblem('x'.repeat(257))).toBe('too_long');
    expect(userIdProblem('a\ud800')).toBe('not_well_formed_unicode');
    expect(userIdProblem(' olivia')).toBe('surrounding_whitespace');
    expect(userIdProblem('oli\u200bvia')).toBe('invisible_or_control_character');
    expect(userIdProblem('e\u0301')).toBe('not_nfc');
    expect(userIdProblem('..')).toBe('dot_only');
    expect(userIdProblem('__proto__')).toBe('reserved_name');
    expect(userIdProblem('olivia@example.com')).toBeNull();
    expect(userIdProblem('Zoë Ångström')).toBeNull();
  });
});

describe('org ids', () => {
  const grammarId = fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/);

  it('accepts grammar ids except dot-only, reserved names and default look-alikes', () => {
    fc.assert(
      fc.property(grammarId, (id) => {
        const refused =
          /^\.+$/.test(id) ||
          ['__proto__', 'constructor', 'prototype'].includes(id) ||
          (id !== 'default' && id.toLowerCase() === 'default');
        expect(isAcceptableOrgId(id, 'default')).toBe(!refused);
      }),
      fuzzParams(2000),
    );
  });

  it('refuses every id outside the grammar', () => {
    fc.assert(
      fc.property(
        fc
          .string({ unit: 'binary', maxLength: 80 })
          .filter((s) => !/^[A-Za-z0-9._-]{1,64}$/.test(s)),
        (id) => !isAcceptableOrgId(id, 'default'),
      ),
      fuzzParams(2000),
    );
  });

  it('names each problem', () => {
    expect(orgIdProblem('Default', 'default')).toBe('default_org_look_alike');
    expect(orgIdProblem('DEFAULT', 'default')).toBe('default_org_look_alike');
    expect(orgIdProblem('default', 'default')).toBeNull();
    expect(orgIdProblem('constructor', 'default')).toBe('reserved_name');
    expect(orgIdProblem('.', 'default')).toBe('dot_only');
    expect(orgIdProblem('a/b', 'default')).toBe('outside_org_id_grammar');
    expect(orgIdProblem('', 'default')).toBe('empty');
    expect(orgIdProblem('acme', 'default')).toBeNull();
  });
});
