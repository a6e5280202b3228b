/**
 * The gates and the verdict of `orgwarden certify` (src/evidence/certify/gates.ts), a pure
 * function of the step results and the risk register.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assess, type Verdict } from '../../src/evidence/certify/gates.js';
import {
  STEP_IDS,
  stepResult,
  type RiskRegister,
  type StepId,
  type StepResult,
  type StepStatus,
} from '../../src/evidence/certify/types.js';
import { fuzzParams } from '../support/fuzz.js';

const REGISTER: RiskRegister = {
  ok: true,
  file: 'docs/risk-register.md',
  entries: [
    {
      id: 'R1',
      risk: 'a replica misses a switch flip while Redis is down',
      severity: 'medium',
      mitigation: 'replicas serve off until they can read Redis',
      owner: 'platform',
      source: 'docs/runbook.md',
      line: 3,
    },
  ],
};

const all = (status: StepStatus, over: Partial<Record<StepId, StepResult>> = {}) =>
  STEP_IDS.map((id) => over[id] ?? stepResult(id, status));

describe('the verdict', () => {
  it('never passes P1 on a run that left out an isolation step (--only)', () => {
    const only: StepId[] = ['policy', 'smoke'];
    const a = assess(
      only.map((id) => stepResult(id, 'pass')),
      REGISTER,
      only,
    );
    expect(a.gates.P1.status).toBe('N/A');
    expect(a.gates.P1.reasons).toHaveLength(4);
    expect(a.residualRisk.filter((r) => r.startsWith('P1 N/A: '))).toHaveLength(4);
  });

  it('is APPROVED, exit 0, with every gate PASS when every step passed', () => {
    const a = assess(all('pass'), REGISTER);
    expect(a.verdict).toBe('APPROVED');
    expect(a.exitCode).toBe(0);
    expect([a.gates.P0.status, a.gates.P1.status, a.gates.P2.status]).toEqual([
      'PASS',
      'PASS',
      'PASS',
    ]);
    expect(a.residualRisk).toEqual([
      'R1 (medium): a replica misses a switch flip while Redis is down — mitigation: replicas serve off until they can read Redis; owner: platform',
    ]);
  });

  it('is CHANGES_REQUESTED, exit 1, when a step ran and failed', () => {
    const a = assess(
      all('pass', {
        'multi-tenant': stepResult('multi-tenant', 'fail', { reason: '1 of 9 items failed' }),
      }),
      REGISTER,
    );
    expect(a.verdict).toBe('CHANGES_REQUESTED');
    expect(a.exitCode).toBe(1);
    expect(a.gates.P1).toEqual({
      status: 'FAIL',
      reasons: [
        'step 5 (multi-tenant happy-path and negative-path checklists) failed: 1 of 9 items failed',
      ],
    });
    expect(a.gates.P0.status).toBe('PASS');
  });

  it('is BLOCKED, exit 2, when a step could not run, even beside a failure', () => {
    const a = assess(
      all('pass', {
        policy: stepResult('policy', 'blocked', { reason: 'OPA CLI v1.22.3 not found' }),
        alerts: stepResult('alerts', 'fail'),
      }),
      REGISTER,
    );
    expect(a.verdict).toBe('BLOCKED');
    expect(a.exitCode).toBe(2);
    expect(a.gates.P0.reasons).toEqual([
      'step 1 (policy checks) could not run: OPA CLI v1.22.3 not found',
    ]);
    expect(a.gates.P2.status).toBe('FAIL');
  });

  it('fails P0 on a timed-out step and on an empty output', () => {
    const a = assess(
      all('pass', {
        'kill-switch': stepResult('kill-switch', 'blocked', {
          timedOut: true,
          reason: 'timed out',
        }),
        smoke: stepResult('smoke', 'pass', {
          emptyOutput: 'the policy carries no smoke cases of its own',
        }),
      }),
      REGISTER,
    );
    expect(a.gates.P0.reasons).toEqual([
      'step 2 (smoke cases): the policy carries no smoke cases of its own',
      'step 6 (kill-switch drill) timed out',
    ]);
    expect(a.verdict).toBe('BLOCKED');
  });

  it('is BLOCKED when a step expected did not run at all', () => {
    const a = assess(
      all('pass').filter((s) => s.id !== 'boundary'),
      REGISTER,
    );
    expect(a.verdict).toBe('BLOCKED');
    expect(a.gates.P0.reasons).toEqual(['step 3 (org-boundary suite) did not run']);
    // --only: the steps not asked for are not missing
    expect(assess([stepResult('smoke', 'pass')], REGISTER, ['smoke']).verdict).toBe('APPROVED');
  });

  it('marks P1 N/A and lists the step as residual risk when an isolation step does not apply', () => {
    const a = assess(
      all('pass', { boundary: stepResult('boundary', 'na', { reason: 'no routes' }) }),
      { ok: true, file: 'r.md', entries: [] },
    );
    expect(a.gates.P1).toEqual({
      status: 'N/A',
      reasons: ['step 3 (org-boundary suite): no routes'],
    });
    expect(a.verdict).toBe('APPROVED');
    expect(a.residualRisk).toEqual(['step 3 (org-boundary suite) not applicable: no routes']);
  });

  it('lists each command that did not apply as residual risk', () => {
    const a = assess(
      all('pass', {
        alerts: stepResult('alerts', 'pass', {
          commands: [
            {
              command: 'promtool check rules r.yml',
              exit: null,
              status: 'na',
              reason: 'promtool is not on PATH',
            },
          ],
        }),
      }),
      { ok: true, file: 'r.md', entries: [] },
    );
    expect(a.residualRisk).toEqual([
      'step 7 (metric and alert inventory): `promtool check rules r.yml` not run: promtool is not on PATH',
    ]);
  });

  it('fails P2 when the risk register cannot be read or has an entry without mitigation or owner', () => {
    expect(
      assess(all('pass'), { ok: false, reason: 'certify.risk_register is not set' }).gates.P2,
    ).toEqual({
      status: 'FAIL',
      reasons: ['risk register: certify.risk_register is not set'],
    });
    const gap = assess(all('pass'), {
      ok: true,
      file: 'r.md',
      entries: [
        { id: 'R9', risk: 'x', severity: 'high', mitigation: ' ', owner: '', source: 's', line: 3 },
      ],
    });
    expect(gap.gates.P2.reasons).toEqual([
      'risk register R9 has no mitigation',
      'risk register R9 has no owner',
    ]);
    expect(gap.verdict).toBe('CHANGES_REQUESTED');
  });
});

describe('the verdict, over every combination of step outcomes', () => {
  const statuses: StepStatus[] = ['pass', 'fail', 'na', 'blocked'];
  it('is never APPROVED with a failed or blocked step, and BLOCKED exactly when one is blocked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...statuses), { minLength: 7, maxLength: 7 }),
        (picked) => {
          const steps = STEP_IDS.map((id, i) => stepResult(id, picked[i] ?? 'pass'));
          const { verdict, exitCode } = assess(steps, { ok: true, file: 'r.md', entries: [] });
          const want: Verdict = picked.includes('blocked')
            ? 'BLOCKED'
            : picked.includes('fail')
              ? 'CHANGES_REQUESTED'
              : 'APPROVED';
          expect(verdict).toBe(want);
          expect(exitCode).toBe({ APPROVED: 0, CHANGES_REQUESTED: 1, BLOCKED: 2 }[want]);
        },
      ),
      fuzzParams(500),
    );
  });
});
