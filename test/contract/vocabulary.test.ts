/**
 * The vocabulary's source is the policy's catalogue data (policies/orgwarden/catalogue/data.json).
 * TypeScript is generated from it (scripts/vocabulary.mjs); the policy's Rego tests read it; this
 * file fails when the generated TypeScript is stale or the code names something the data lacks.
 * The docs tables are checked in vocabulary-docs.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DATA_FILE, GENERATED_FILE, renderVocabulary } from '../../scripts/vocabulary.mjs';
import { ACTIONS_THE_CODE_USES } from '../../src/contract/actions.js';
import { DECISION_KINDS } from '../../src/contract/decision-kinds.js';
import { POLICY_DECISION_KEYS } from '../../src/contract/policy-io.js';
import { DETAIL_CODES, REASON_STATUS } from '../../src/contract/reasons.js';
import {
  ROLE_ALIASES,
  ROLE_RANK,
  ROLES,
  STORED_ROLES,
  normaliseRole,
} from '../../src/contract/roles.js';
import { ORG_SWITCH_DETAILS } from '../../src/observability/decision-labels.js';

interface CatalogueData {
  actions: Record<string, unknown>;
  reasons: Record<string, number>;
  roles: Record<string, number>;
  role_aliases: Record<string, string>;
  decision_kinds: string[];
  decision_keys: string[];
  details: Record<string, string[]>;
}
const data = JSON.parse(readFileSync(DATA_FILE, 'utf8')) as CatalogueData;

describe('the vocabulary, generated from the catalogue data', () => {
  it('is generated: src/contract/vocabulary.generated.ts is what the data generates (else run npm run vocabulary)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(renderVocabulary(data));
  });

  it('gives TypeScript the same reasons, roles, aliases, kinds, decision keys and details as the data', () => {
    expect(REASON_STATUS).toEqual(data.reasons);
    expect(ROLE_RANK).toEqual(data.roles);
    expect(ROLE_ALIASES).toEqual(data.role_aliases);
    expect([...DECISION_KINDS]).toEqual(data.decision_kinds);
    expect([...POLICY_DECISION_KEYS]).toEqual(data.decision_keys);
    expect(DETAIL_CODES).toEqual(data.details);
  });

  it('lists the roles lowest rank first, then the aliases, each alias meaning a role', () => {
    expect(ROLES).toEqual(['viewer', 'editor', 'admin', 'owner']);
    expect(STORED_ROLES).toEqual([...ROLES, 'member']);
    expect(normaliseRole('member')).toBe('viewer');
    expect(normaliseRole('admin')).toBe('admin');
  });

  it('counts org-switch failures by the access_denied details of the data, except not_addressee', () => {
    expect([...ORG_SWITCH_DETAILS].sort()).toEqual(
      (data.details.access_denied ?? []).filter((d) => d !== 'not_addressee').sort(),
    );
    expect(data.details.access_denied).toContain('not_addressee');
  });

  it('names only actions the catalogue lists', () => {
    expect(ACTIONS_THE_CODE_USES.filter((action) => !(action in data.actions))).toEqual([]);
  });

  it('refuses malformed data instead of generating from it', () => {
    expect(() => renderVocabulary({ ...data, details: { no_such_reason: ['x'] } })).toThrow(
      /"details" is missing or malformed/,
    );
    expect(() => renderVocabulary({ ...data, role_aliases: { member: 'superuser' } })).toThrow(
      /"role_aliases"/,
    );
    const { decision_kinds: _dropped, ...withoutKinds } = data;
    expect(() => renderVocabulary(withoutKinds)).toThrow(/"decision_kinds"/);
  });
});
