/**
 * The shape of a decision-table case (test/decision-tables/*.yaml), checked with zod before any
 * case runs: an unknown key or a misspelt value (`mode: singel`, `expct:`) fails the run, naming
 * the file and the case, instead of silently changing what the case tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { REASON_STATUS, type Reason } from '../../src/contract/reasons.js';

const REASONS = Object.keys(REASON_STATUS) as [Reason, ...Reason[]];
const strings = z.record(z.string(), z.string());

/** The broken policies under test/support/fixtures/broken-policies a case may evaluate instead. */
export const BROKEN_POLICIES = ['malformed', 'undefined', 'conflict'] as const;

const caseSchema = z.strictObject({
  name: z.string().min(1),
  /** Multi-tenant mode on (default) or off. */
  mode: z.enum(['multi', 'single']).optional(),
  /** The token's claims: `sub`, a few claims cases vary, and how long ago the user signed in. */
  as: z
    .strictObject({
      sub: z.string(),
      auth_age_s: z.number().int().optional(), // negative: signed in that many seconds in the future
      kind: z.string().optional(),
      scope: z.string().optional(),
      org_id: z.string().optional(),
      org_ids: z.array(z.string()).optional(),
    })
    .optional(),
  token: z.enum(['none', 'garbage', 'expired', 'wrong_audience', 'wrong_signature']).optional(),
  /** Send the token as request headers rather than the `token` field. */
  via: z.literal('headers').optional(),
  directory: z.literal('unavailable').optional(),
  /** The signing keys cannot be fetched: a JWKS URL on a loopback port nothing listens on. */
  keys: z.literal('unavailable').optional(),
  policy: z.enum(BROKEN_POLICIES).optional(),
  request: z.strictObject({
    org: z.string().optional(),
    action: z.string(),
    resource: z.unknown().optional(),
    context: strings.optional(),
    headers: strings.optional(),
    /** Read your writes: the fixture directory is at revision 0, so anything above is never reached. */
    min_directory_revision: z.number().int().min(0).optional(),
  }),
  /** The decision fields the case asserts; `status` is always checked against the reason. */
  expect: z.strictObject({
    allow: z.boolean(),
    reason: z.enum(REASONS),
    detail: z.string().nullable().optional(),
    effective_org: z.string().nullable().optional(),
    role: z.string().nullable().optional(),
    spoof: z.boolean().optional(),
    principal: z.strictObject({ id: z.string(), kind: z.string() }).nullable().optional(),
  }),
});

export type Case = z.infer<typeof caseSchema>;
export interface DecisionTable {
  file: string;
  cases: Case[];
}

/** One problem per line: `file, case N "name": key.path: message`. */
function problems(file: string, index: number, raw: unknown, error: z.ZodError): string[] {
  const name =
    typeof raw === 'object' && raw !== null && 'name' in raw ? ` ${JSON.stringify(raw.name)}` : '';
  return error.issues.map(
    (issue) =>
      `${file}, case ${index + 1}${name}: ${issue.path.join('.') || '(case)'}: ${issue.message}`,
  );
}

/** Parses one table's YAML; throws one error listing every problem in it. */
export function parseDecisionTable(file: string, text: string): DecisionTable {
  const doc: unknown = parse(text);
  if (!Array.isArray(doc)) throw new Error(`${file}: a decision table is a YAML list of cases`);
  const found: string[] = [];
  const cases: Case[] = [];
  doc.forEach((raw: unknown, index) => {
    const result = caseSchema.safeParse(raw);
    if (result.success) cases.push(result.data);
    else found.push(...problems(file, index, raw, result.error));
  });
  if (found.length > 0) throw new Error(`invalid decision table cases:\n  ${found.join('\n  ')}`);
  return { file, cases };
}

/** Every table in `dir` (its *.yaml files, by name); throws listing the problems of all of them. */
export function loadDecisionTables(dir: string): DecisionTable[] {
  const found: string[] = [];
  const tables: DecisionTable[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    try {
      tables.push(parseDecisionTable(file, readFileSync(path.join(dir, file), 'utf8')));
    } catch (err) {
      found.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (found.length > 0) throw new Error(found.join('\n'));
  return tables;
}
