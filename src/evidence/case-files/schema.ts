/**
 * The shape of a case file (docs/reviewing.md, "Write and run case files"), checked with zod before
 * any case runs: an unknown key or a misspelt value (`mode: singel`, `expct:`) fails the run, naming
 * the file, the case and the key, instead of silently changing what the case tests.
 *
 * A case file is a mapping (`directory`, `mode`, `principals`, `cases`); a bare YAML list of cases is
 * short for a mapping holding only `cases`.
 */
import { z } from 'zod';
import { REASON_STATUS, type Reason } from '../../contract/reasons.js';

const REASONS = Object.keys(REASON_STATUS) as [Reason, ...Reason[]];
const strings = z.record(z.string(), z.string());

/** The token's claims: `sub`, the claims a case varies, and how long ago the user signed in. */
const claimsSchema = z.strictObject({
  sub: z.string(),
  auth_age_s: z.number().int().optional(), // negative: signed in that many seconds in the future
  kind: z.string().optional(),
  scope: z.string().optional(),
  org_id: z.string().optional(),
  org_ids: z.array(z.string()).optional(),
});
export type Claims = z.infer<typeof claimsSchema>;

/** A directory fixture: a file (relative to the case file) or the directory document inline. */
const directoryFixture = z.union([
  z.string().min(1),
  z.strictObject({ orgs: z.array(z.unknown()) }),
]);
export type DirectoryFixture = z.infer<typeof directoryFixture>;

const MODES = ['multi', 'single'] as const;
/** Where the case's `request.org` is named: the body field, the org header or cookie, the path. */
const ORG_SOURCES = ['field', 'header', 'cookie', 'path'] as const;

export const caseSchema = z.strictObject({
  name: z.string().min(1),
  /** Multi-tenant mode on (default: the file's `mode`, else multi) or off. */
  mode: z.enum(MODES).optional(),
  /** Who asks: a name from the file's `principals`, or the claims inline. */
  as: z.union([z.string().min(1), claimsSchema]).optional(),
  token: z.enum(['none', 'garbage', 'expired', 'wrong_audience', 'wrong_signature']).optional(),
  /** Send the token as request headers rather than the `token` field. */
  via: z.literal('headers').optional(),
  /** Where `request.org` is named (default `field`). */
  org_in: z.enum(ORG_SOURCES).optional(),
  /** `unavailable` (the store cannot answer) or a fixture replacing the file's. */
  directory: z.union([z.literal('unavailable'), directoryFixture]).optional(),
  /** The signing keys cannot be fetched: a JWKS URL on a loopback port nothing listens on. */
  keys: z.literal('unavailable').optional(),
  /** A policy folder or bundle (relative to the case file) to evaluate instead of the run's. */
  policy: z.string().min(1).optional(),
  request: z.strictObject({
    org: z.string().optional(),
    action: z.string(),
    resource: z.unknown().optional(),
    context: strings.optional(),
    headers: strings.optional(),
    /** Read your writes: the least directory revision the answer must reflect. */
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

/** The file's keys other than `cases` (each case is checked on its own, so all problems show). */
export const fileSchema = z.strictObject({
  /** The directory every case of the file runs against (default: `--config`'s directory file). */
  directory: directoryFixture.optional(),
  /** The default `mode` of the file's cases. */
  mode: z.enum(MODES).optional(),
  /** Named principals the cases refer to with `as: <name>`. */
  principals: z.record(z.string().min(1), claimsSchema).optional(),
  cases: z.array(z.unknown()).min(1, { error: 'a case file needs at least one case' }),
});
