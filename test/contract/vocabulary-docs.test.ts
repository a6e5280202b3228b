/**
 * The docs a user reads list the same vocabulary as the catalogue data: the reasons table and
 * the detail table of docs/policies.md, and the closed label sets of docs/metrics.md. Any drift
 * fails here, naming what is missing where.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DATA_FILE } from '../../scripts/vocabulary.mjs';
import { DECISION_KINDS } from '../../src/contract/decision-kinds.js';
import { CACHE_LAYERS, REQUEST_REFUSALS } from '../../src/contract/metric-labels.js';
import { SPOOF_SOURCES } from '../../src/contract/org-sources.js';
import { FLIP_SOURCES } from '../../src/contract/tenancy-switch.js';
import { ORG_STATUSES } from '../../src/directory/types.js';
import { ORG_SWITCH_DETAILS } from '../../src/observability/decision-labels.js';
import { codeTable, codesIn, doc, rowCell } from './markdown-tables.js';

const data = JSON.parse(readFileSync(DATA_FILE, 'utf8')) as {
  reasons: Record<string, number>;
  roles: Record<string, number>;
  role_aliases: Record<string, string>;
  details: Record<string, string[]>;
};
const policies = doc('policies.md');
const metrics = doc('metrics.md');

describe('docs/policies.md', () => {
  it('has the reasons table of the data, status for status', () => {
    const table = codeTable(policies, '## Reasons');
    expect(
      Object.fromEntries([...table].map(([reason, status]) => [reason, Number(status)])),
    ).toEqual(data.reasons);
  });

  it('lists, for each reason, the detail codes of the data and no others', () => {
    const table = codeTable(policies, '`detail` by reason:');
    expect([...table.keys()].filter((reason) => !(reason in data.reasons))).toEqual([]);
    for (const [reason, codes] of Object.entries(data.details)) {
      const listed = codesIn(table.get(reason) ?? '');
      // `null` is a detail's absence; an org's status passes through as the detail of org_suspended
      const passThrough: readonly string[] = reason === 'org_suspended' ? ORG_STATUSES : [];
      expect(
        listed.filter((c) => c !== 'null' && !codes.includes(c) && !passThrough.includes(c)),
        reason,
      ).toEqual([]);
      expect(
        codes.filter((c) => !listed.includes(c)),
        `${reason}: not in docs/policies.md`,
      ).toEqual([]);
    }
  });

  it('describes the roles, their ranks and aliases of the data', () => {
    const cell = rowCell(policies, '`roles`');
    const ranked = Object.entries(data.roles).map(([role, rank]) => `\`${role}\` ${rank}`);
    expect(cell).toContain(ranked.join(' < '));
    for (const [alias, role] of Object.entries(data.role_aliases))
      expect(rowCell(policies, '`role_aliases`')).toContain(`\`${alias}\` → \`${role}\``);
  });
});

describe('docs/metrics.md label values', () => {
  const values = (label: string) => codesIn(rowCell(metrics, label));

  it('list every reason of the data, and only those', () => {
    expect(values('`reason`').sort()).toEqual(Object.keys(data.reasons).sort());
  });

  it('list the decision kinds, spoof sources, org-switch details (of the code), flip sources, refusals and cache layers of the code', () => {
    expect(values('`kind`')).toEqual([...DECISION_KINDS]);
    expect(values('`source`')).toEqual([...SPOOF_SOURCES]);
    expect(values('`detail`').sort()).toEqual([...ORG_SWITCH_DETAILS].sort());
    expect(values('`to`, `source` (flips)')).toEqual(['on', 'off', ...FLIP_SOURCES]);
    expect(values('`refusal`')).toEqual([...REQUEST_REFUSALS]);
    expect(values('`layer`')).toEqual([...CACHE_LAYERS]);
  });
});
