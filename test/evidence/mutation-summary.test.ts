import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mutantStatus,
  sampleMutants,
  summariseMutationRun,
  type MutantOutcome,
} from '../../src/evidence/mutation/index.js';
import { fuzzParams } from '../support/fuzz.js';

const outcome = (
  id: string,
  operator: string,
  killedBy: string[],
  stillborn: string | null = null,
): MutantOutcome => ({ id, operator, killedBy, stillborn });

describe('summariseMutationRun', () => {
  const outcomes = [
    outcome('a', 'flip-eq', ['rego', 'smoke']),
    outcome('b', 'flip-eq', ['smoke']),
    outcome('c', 'add-not', []),
    outcome('d', 'add-not', [], 'compile: rego_unsafe_var_error'),
    outcome('e', 'drop-expr', ['rego']),
  ];

  it('counts stillborn, killed (per suite and overall) and survived mutants', () => {
    const summary = summariseMutationRun(outcomes, ['rego', 'smoke', 'boundary']);
    expect(summary).toMatchObject({ run: 5, stillborn: 1, killed: 3, survived: 1 });
    expect(summary.killedBySuite).toEqual({ rego: 2, smoke: 2, boundary: 0 });
    expect(summary.byOperator).toEqual({
      'add-not': { run: 2, stillborn: 1, killed: 0, survived: 1 },
      'drop-expr': { run: 1, stillborn: 0, killed: 1, survived: 0 },
      'flip-eq': { run: 2, stillborn: 0, killed: 2, survived: 0 },
    });
  });

  it('scores killed / (run - stillborn): a mutant that never ran counts neither way', () => {
    expect(summariseMutationRun(outcomes, ['rego']).score).toBe(75);
    expect(summariseMutationRun([outcomes[3]!], ['rego']).score).toBeNull();
    expect(summariseMutationRun([], ['rego']).score).toBeNull();
  });

  it('never counts a stillborn mutant as killed, whatever its suites say', () => {
    const odd = outcome('x', 'flip-eq', ['rego'], 'load: no entrypoint');
    expect(mutantStatus(odd)).toBe('stillborn');
    expect(summariseMutationRun([odd], ['rego'])).toMatchObject({ killed: 0, stillborn: 1 });
    expect(summariseMutationRun([odd], ['rego']).killedBySuite).toEqual({ rego: 0 });
  });

  it('adds up for any run: stillborn + killed + survived = run, per operator too', () => {
    const arbOutcome = fc.record({
      id: fc.string(),
      operator: fc.constantFrom('flip-eq', 'add-not', 'drop-expr'),
      killedBy: fc.subarray(['rego', 'smoke', 'boundary']),
      stillborn: fc.option(fc.string(), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(arbOutcome, { maxLength: 40 }), (run) => {
        const s = summariseMutationRun(run, ['rego', 'smoke', 'boundary']);
        expect(s.stillborn + s.killed + s.survived).toBe(run.length);
        for (const c of Object.values(s.byOperator))
          expect(c.stillborn + c.killed + c.survived).toBe(c.run);
        for (const killed of Object.values(s.killedBySuite))
          expect(killed).toBeLessThanOrEqual(s.killed);
      }),
      fuzzParams(200),
    );
  });
});

describe('sampleMutants', () => {
  const items = Array.from({ length: 50 }, (_, i) => `m${i}`);

  it('picks the same mutants for the same seed, in their generated order', () => {
    const first = sampleMutants(items, 6, 1);
    expect(first).toHaveLength(6);
    expect(sampleMutants(items, 6, 1)).toEqual(first);
    expect([...first].sort((a, b) => items.indexOf(a) - items.indexOf(b))).toEqual(first);
    expect(new Set(first).size).toBe(6);
  });

  it('picks other mutants for another seed', () => {
    expect(sampleMutants(items, 6, 2)).not.toEqual(sampleMutants(items, 6, 1));
  });

  it('returns everything when the limit reaches the number of mutants', () => {
    expect(sampleMutants(items, 50, 9)).toEqual(items);
    expect(sampleMutants(items, 500, 9)).toEqual(items);
  });

  it('returns a subset of distinct items of the asked size for any limit and seed', () => {
    fc.assert(
      fc.property(fc.nat(60), fc.nat(), (limit, seed) => {
        const picked = sampleMutants(items, limit, seed);
        expect(picked).toHaveLength(Math.min(limit, items.length));
        expect(new Set(picked).size).toBe(picked.length);
        for (const p of picked) expect(items).toContain(p);
      }),
      fuzzParams(200),
    );
  });
});
