/**
 * The reason vocabulary exists in the policy's data (the source), in TypeScript and in the docs a
 * user reads. Any drift between them fails here, naming what is missing where.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REASON_STATUS } from '../../src/contract/reasons.js';

const catalogue = JSON.parse(readFileSync(path.resolve('policies/orgwarden/catalogue/data.json'), 'utf8')) as { reasons: Record<string, number> };
const doc = (name: string) => readFileSync(path.resolve('docs', name), 'utf8');

/** Rows of a markdown table whose first cell is a `code` span: code → the second cell. */
function codeTable(markdown: string, heading: string): Map<string, string> {
  const start = markdown.indexOf(heading);
  if (start === -1) throw new Error(`docs: no section "${heading}"`);
  const rows = new Map<string, string>();
  for (const line of markdown.slice(start).split('\n').slice(1)) {
    if (line.startsWith('#')) break;
    const cells = /^\|\s*`([a-z_]+)`\s*\|\s*([^|]+?)\s*\|/.exec(line);
    if (cells?.[1] && cells[2]) rows.set(cells[1], cells[2]);
  }
  return rows;
}

describe('the reason vocabulary', () => {
  it('is the same table of reasons and statuses in the policy data and in TypeScript', () => {
    expect(REASON_STATUS).toEqual(catalogue.reasons);
  });

  it('is the reason table of docs/policies.md, status for status', () => {
    const table = codeTable(doc('policies.md'), '## Reasons');
    expect(Object.fromEntries([...table].map(([reason, status]) => [reason, Number(status)]))).toEqual(catalogue.reasons);
  });

  it('is listed in full where docs/metrics.md lists the reason label values', () => {
    const line = doc('metrics.md').split('\n').find((l) => l.startsWith('| `reason` |')) ?? '';
    const listed = new Set([...line.matchAll(/`([a-z_]+)`/g)].map((m) => m[1] ?? '').filter((r) => r !== 'reason'));
    expect(Object.keys(catalogue.reasons).filter((r) => !listed.has(r))).toEqual([]);
    expect([...listed].filter((r) => !(r in catalogue.reasons))).toEqual([]);
  });
});
