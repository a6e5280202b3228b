/**
 * Smoke cases: the default pack passes its own; a policy that allows an unauthenticated caller
 * fails the built-in cases even when it brings none of its own; malformed case data is refused
 * with a message naming the case; failures say which field differs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBundle } from '../../src/bundle/policy-bundle.js';
import { createPolicyEngine, engineOver, type PolicyEngine } from '../../src/engine/wasm-engine.js';
import {
  SmokeCaseError,
  mergePatch,
  readCases,
  runSmokeCases,
} from '../../src/policy-rollout/smoke-cases.js';
import { TEST_BUNDLE } from '../support/paths.js';
import { PACK_SMOKE_CASES, compile, scratch, type Scratch } from './helpers.js';

let tmp: Scratch;
let pack: PolicyEngine;
let packData: Record<string, unknown>;

beforeAll(async () => {
  tmp = scratch();
  const bundle = await parseBundle(readFileSync(TEST_BUNDLE), 'test bundle');
  pack = await createPolicyEngine(bundle);
  packData = bundle.data;
});
afterAll(() => tmp.remove());

const smokeOf = (data: Record<string, unknown>) =>
  (data.orgwarden as { smoke: { base_input: unknown; cases: Record<string, unknown>[] } }).smoke;
const withSmoke = (smoke: unknown) => ({ orgwarden: { smoke } });

function failure(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(SmokeCaseError);
    return (err as Error).message;
  }
  throw new Error('expected a SmokeCaseError');
}

describe('smoke cases', () => {
  it('the default pack passes its own cases and the 2 built-in ones', () => {
    expect(PACK_SMOKE_CASES).toBeGreaterThan(5);
    expect(runSmokeCases(pack, packData)).toEqual({ cases: PACK_SMOKE_CASES, builtin: 2 });
  });

  it('a policy that allows everything fails the built-in cases, though it has no cases of its own', async () => {
    const dir = tmp.path('allow-all');
    mkdirSync(path.join(dir, 'orgwarden'), { recursive: true });
    writeFileSync(
      path.join(dir, 'orgwarden', 'decision.rego'),
      'package orgwarden.authz\n\ndecision := {"allow": true, "reason": "allowed", "detail": null, "status": 200, "effective_org": "default", "role": "owner", "spoof": false}\n',
    );
    const bundle = await parseBundle(await compile(dir), 'allow-all');
    const engine = await createPolicyEngine(bundle);
    expect(readCases(bundle.data)).toEqual([]);
    expect(failure(() => runSmokeCases(engine, bundle.data))).toBe(
      '2 smoke case(s) failed: "built-in: an unauthenticated caller is denied": allow is true, want false | "built-in: an empty input is denied": allow is true, want false',
    );
  });

  it('a failing case names the case and every field that differs; more than five are summarised', () => {
    const smoke = smokeOf(packData);
    const wrong = {
      ...smoke,
      cases: smoke.cases.map((c) => ({
        ...c,
        want: { ...(c.want as object), allow: !(c.want as { allow: boolean }).allow },
      })),
    };
    const message = failure(() => runSmokeCases(pack, withSmoke(wrong)));
    expect(
      message.startsWith(
        `${PACK_SMOKE_CASES} smoke case(s) failed: "a member acts in its own org": allow is true, want false | `,
      ),
    ).toBe(true);
    expect(message.endsWith(`(and ${PACK_SMOKE_CASES - 5} more)`)).toBe(true);
  });

  it('a policy error fails a case unless the case only wants a deny', () => {
    const erroring = engineOver({ evaluate: () => null }, { revision: 'x', data: {} }, new Date());
    expect(runSmokeCases(erroring, {})).toEqual({ cases: 0, builtin: 2 }); // the built-in cases only want a deny
    const message = failure(() => runSmokeCases(erroring, packData));
    expect(message).toMatch(
      /"a member acts in its own org": policy error \(policy returned no result set\)/,
    );
  });

  it('malformed case data is refused, naming where', () => {
    const base = smokeOf(packData).base_input;
    const cases: [unknown, string][] = [
      ['x', 'data.orgwarden.smoke: must be an object'],
      [{ base_input: base, cases: [], extra: 1 }, 'data.orgwarden.smoke: unknown key "extra"'],
      [
        { cases: [{ name: 'a', want: { allow: true } }] },
        'data.orgwarden.smoke: base_input must be an object (a complete policy input)',
      ],
      [{ base_input: base, cases: [] }, 'data.orgwarden.smoke: cases must be a non-empty list'],
      [{ base_input: base, cases: ['x'] }, 'data.orgwarden.smoke: cases[0] must be an object'],
      [
        { base_input: base, cases: [{ want: { allow: true } }] },
        'data.orgwarden.smoke: cases[0].name must be a non-empty string',
      ],
      [
        {
          base_input: base,
          cases: [
            { name: 'a', want: { allow: true } },
            { name: 'a', want: { allow: true } },
          ],
        },
        'data.orgwarden.smoke: cases[1]: duplicate name "a"',
      ],
      [
        { base_input: base, cases: [{ name: 'a', input: [], want: { allow: true } }] },
        'data.orgwarden.smoke: cases[0] ("a").input must be an object (a patch)',
      ],
      [
        { base_input: base, cases: [{ name: 'a', want: {} }] },
        'data.orgwarden.smoke: cases[0] ("a").want must be a non-empty object',
      ],
      [
        { base_input: base, cases: [{ name: 'a', want: { allowed: true } }] },
        'data.orgwarden.smoke: cases[0] ("a").want: "allowed" is not a decision field',
      ],
      [
        { base_input: base, cases: [{ name: 'a', want: { allow: true }, expect: 1 }] },
        'data.orgwarden.smoke: cases[0]: unknown key "expect"',
      ],
    ];
    for (const [smoke, message] of cases)
      expect(failure(() => readCases(withSmoke(smoke)))).toBe(message);
  });

  it('a patch merges objects key by key; null, lists and scalars replace; "__proto__" stays a plain key', () => {
    expect(
      mergePatch({ a: { b: 1, c: 2 }, l: [1, 2], p: { x: 1 } }, { a: { c: 3 }, l: [9], p: null }),
    ).toEqual({ a: { b: 1, c: 3 }, l: [9], p: null });
    const merged = mergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(merged)).toEqual(['__proto__']);
    expect((merged as { polluted?: boolean }).polluted).toBeUndefined();
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
