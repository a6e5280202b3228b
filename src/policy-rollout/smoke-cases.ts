/**
 * Smoke cases: decisions a policy must still produce before it may serve. They travel inside the
 * policy's own data, at `data.orgwarden.smoke` (policies/orgwarden/smoke/data.json), because that
 * is the one place both ways of shipping a policy carry: `opa build` puts data.json files into the
 * bundle, so a prebuilt bundle holds its cases, and a signed bundle signs them with the policy.
 * The policy never reads them.
 *
 *   {"base_input": <a complete policy input>,
 *    "cases": [{"name": "...", "input": <patch merged into base_input>, "want": {<decision fields>}}]}
 *
 * A patch merges objects key by key; any other value (null, a list, a string) replaces. Every field
 * in `want` must equal the decision's. Two built-in cases run for every policy, with or without
 * cases of its own: an unauthenticated caller and an empty input must both be denied.
 */
import { POLICY_DECISION_KEYS, type PolicyInput } from '../contract/policy-io.js';
import { OrgwardenError } from '../contract/errors.js';
import type { PolicyEngine } from '../engine/wasm-engine.js';

const DECISION_KEYS: ReadonlySet<string> = new Set(POLICY_DECISION_KEYS);
const MAX_LISTED = 5;

export interface SmokeReport {
  /** Cases from the policy's data. */
  cases: number;
  /** Built-in cases every policy must pass. */
  builtin: number;
}

export class SmokeCaseError extends OrgwardenError {
  constructor(message: string) {
    super('smoke_failed', message);
  }
}

interface SmokeCase {
  name: string;
  input: unknown;
  want: Record<string, unknown>;
}

const BUILTIN: SmokeCase[] = [
  {
    name: 'built-in: an unauthenticated caller is denied',
    input: {
      kind: 'request',
      now: 1_700_000_000,
      tenancy: { multi_tenant: true, default_org: 'default' },
      authn: { ok: false, code: 'token_missing' },
      principal: null,
      action: 'org.read',
      requested_org: { id: 'default', source: 'default' },
      resource: null,
      context: {},
      directory: {
        available: false,
        org: { exists: false, status: null },
        member_role: null,
        target_role: null,
        resource_org: null,
        resource_shares: [],
      },
    },
    want: { allow: false },
  },
  { name: 'built-in: an empty input is denied', input: {}, want: { allow: false } },
];

export function runSmokeCases(
  engine: PolicyEngine,
  data: Readonly<Record<string, unknown>>,
): SmokeReport {
  const own = readCases(data);
  const failures: string[] = [];
  for (const smoke of [...BUILTIN, ...own]) {
    const result = engine.evaluate(smoke.input as PolicyInput);
    if (!result.ok) {
      // A policy error is a deny; only cases that want nothing but a deny accept it.
      const wantsOnlyDeny = Object.keys(smoke.want).length === 1 && smoke.want.allow === false;
      if (!wantsOnlyDeny) failures.push(`"${smoke.name}": policy error (${result.error})`);
      continue;
    }
    const decision = result.decision as unknown as Record<string, unknown>;
    const wrong = Object.entries(smoke.want).filter(
      ([key, want]) => JSON.stringify(decision[key]) !== JSON.stringify(want),
    );
    if (wrong.length > 0)
      failures.push(
        `"${smoke.name}": ${wrong.map(([key, want]) => `${key} is ${JSON.stringify(decision[key])}, want ${JSON.stringify(want)}`).join('; ')}`,
      );
  }
  if (failures.length > 0) {
    const more = failures.length > MAX_LISTED ? ` (and ${failures.length - MAX_LISTED} more)` : '';
    throw new SmokeCaseError(
      `${failures.length} smoke case(s) failed: ${failures.slice(0, MAX_LISTED).join(' | ')}${more}`,
    );
  }
  return { cases: own.length, builtin: BUILTIN.length };
}

/** The policy's own cases, validated; none when its data has no `orgwarden.smoke`. */
export function readCases(data: Readonly<Record<string, unknown>>): SmokeCase[] {
  const orgwarden = data.orgwarden;
  const smoke = isObject(orgwarden) ? orgwarden.smoke : undefined;
  if (smoke === undefined) return [];
  const bad = (message: string): never => {
    throw new SmokeCaseError(`data.orgwarden.smoke: ${message}`);
  };
  if (!isObject(smoke)) return bad('must be an object');
  const extra = Object.keys(smoke).filter((k) => !['about', 'base_input', 'cases'].includes(k));
  if (extra.length > 0) bad(`unknown key ${JSON.stringify(extra[0])}`);
  if (!isObject(smoke.base_input)) bad('base_input must be an object (a complete policy input)');
  if (!Array.isArray(smoke.cases) || smoke.cases.length === 0)
    bad('cases must be a non-empty list');
  const names = new Set<string>();
  return (smoke.cases as unknown[]).map((entry, i) => {
    const where = `cases[${i}]`;
    if (!isObject(entry)) return bad(`${where} must be an object`);
    const extraKeys = Object.keys(entry).filter((k) => !['name', 'input', 'want'].includes(k));
    if (extraKeys.length > 0) bad(`${where}: unknown key ${JSON.stringify(extraKeys[0])}`);
    const { name, input, want } = entry;
    if (typeof name !== 'string' || name === '')
      return bad(`${where}.name must be a non-empty string`);
    if (names.has(name)) bad(`${where}: duplicate name ${JSON.stringify(name)}`);
    names.add(name);
    if (input !== undefined && !isObject(input))
      bad(`${where} ("${name}").input must be an object (a patch)`);
    if (!isObject(want) || Object.keys(want).length === 0)
      return bad(`${where} ("${name}").want must be a non-empty object`);
    const unknownField = Object.keys(want).find((k) => !DECISION_KEYS.has(k));
    if (unknownField)
      bad(`${where} ("${name}").want: ${JSON.stringify(unknownField)} is not a decision field`);
    return { name, input: mergePatch(smoke.base_input, input ?? {}), want };
  });
}

/** Objects merge key by key; any other patch value replaces. */
export function mergePatch(base: unknown, patch: unknown): unknown {
  if (!isObject(base) || !isObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    // defineProperty: a "__proto__" key in the data stays a plain key
    Object.defineProperty(out, key, {
      value: mergePatch(base[key], value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
