/**
 * The review report of `orgwarden certify`: the product plan's template verbatim, then the figures,
 * the revision, the checklists and the failing checks; and the JSON form with the same content.
 */
import { describe, expect, it } from 'vitest';
import { assess } from '../../src/evidence/certify/gates.js';
import {
  renderMarkdown,
  reportJson,
  type CertificationReport,
} from '../../src/evidence/certify/report.js';
import { STEP_IDS, stepResult, type StepResult } from '../../src/evidence/certify/types.js';

const command = (id: string) => `orgwarden certify --config examples/orgwarden.yaml --only ${id}`;

function steps(over: Partial<Record<string, StepResult>> = {}): StepResult[] {
  return STEP_IDS.map(
    (id) =>
      over[id] ??
      stepResult(id, 'pass', { commands: [{ command: command(id), exit: 0, status: 'pass' }] }),
  );
}

function report(list: StepResult[]): CertificationReport {
  return {
    filesChanged: [
      {
        path: 'policies/orgwarden/authz/decision.rego',
        status: 'M',
        kind: 'policy',
        reason: 'modified (policy file)',
      },
      {
        path: 'examples/orgwarden.yaml',
        status: 'M',
        kind: 'config',
        reason: 'modified (config file)',
      },
    ],
    steps: list,
    assessment: assess(list, { ok: true, file: 'docs/risk-register.md', entries: [] }),
    policyRevision: 'sha256:abc',
    rollback: ['reload the previous bundle: …', 'kill switch: `curl -X PUT …`'],
  };
}

describe('the markdown report', () => {
  it('is the template, verbatim, followed by figures, revision and failing checks', () => {
    const list = steps({
      policy: stepResult('policy', 'pass', {
        commands: [
          { command: 'opa fmt --list policies', exit: 0, status: 'pass' },
          { command: 'opa check --strict --bundle policies', exit: 0, status: 'pass' },
        ],
        figures: { rego_coverage: '100.0%' },
      }),
      alerts: stepResult('alerts', 'pass', {
        commands: [
          { command: command('alerts'), exit: 0, status: 'pass' },
          {
            command: 'promtool check rules r.yml',
            exit: null,
            status: 'na',
            reason: 'promtool is not on PATH',
          },
        ],
      }),
    });
    expect(renderMarkdown(report(list))).toBe(
      [
        'Files changed:',
        '- policies/orgwarden/authz/decision.rego: modified (policy file)',
        '- examples/orgwarden.yaml: modified (config file)',
        '',
        'Commands run + exit codes:',
        '1. `opa fmt --list policies` -> exit 0',
        '2. `opa check --strict --bundle policies` -> exit 0',
        '3. `orgwarden certify --config examples/orgwarden.yaml --only smoke` -> exit 0',
        '4. `orgwarden certify --config examples/orgwarden.yaml --only boundary` -> exit 0',
        '5. `orgwarden certify --config examples/orgwarden.yaml --only single-tenant` -> exit 0',
        '6. `orgwarden certify --config examples/orgwarden.yaml --only multi-tenant` -> exit 0',
        '7. `orgwarden certify --config examples/orgwarden.yaml --only kill-switch` -> exit 0',
        '8. `orgwarden certify --config examples/orgwarden.yaml --only alerts` -> exit 0',
        '9. `promtool check rules r.yml` -> not run (N/A: promtool is not on PATH)',
        '',
        'Gate checklist:',
        '- P0: PASS',
        '- P1: PASS',
        '- P2: PASS',
        '',
        'Verdict: APPROVED',
        '',
        'Residual risk:',
        '- step 7 (metric and alert inventory): `promtool check rules r.yml` not run: promtool is not on PATH',
        '',
        'Rollback:',
        '- reload the previous bundle: …',
        '- kill switch: `curl -X PUT …`',
        '',
        'Figures:',
        '- step 1 (policy checks) rego_coverage: 100.0%',
        '',
        'Policy revision certified: sha256:abc',
        '',
        'Failing cells and checks:',
        '- none',
        '',
      ].join('\n'),
    );
  });

  it('shows "- none" without a file list, failing gates with reasons, checklists and failures', () => {
    const list = steps({
      'kill-switch': stepResult('kill-switch', 'fail', {
        reason: '1 of 2 items failed',
        commands: [{ command: command('kill-switch'), exit: 1, status: 'fail' }],
        checks: [
          { name: 'PUT answered 200', passed: true },
          { name: 'no decision after the PUT allowed', passed: false, detail: '3 allowed' },
        ],
        failures: ['no decision after the PUT allowed: 3 allowed'],
      }),
    });
    const text = renderMarkdown({ ...report(list), filesChanged: null });
    expect(text.startsWith('Files changed:\n- none\n\nCommands run + exit codes:\n')).toBe(true);
    expect(text).toContain(
      '\n6. `orgwarden certify --config examples/orgwarden.yaml --only kill-switch` -> exit 1\n',
    );
    expect(text).toContain(
      '\n- P1: FAIL (step 6 (kill-switch drill) failed: 1 of 2 items failed)\n',
    );
    expect(text).toContain('\nVerdict: CHANGES_REQUESTED\n\nResidual risk:\n- none\n');
    expect(text).toContain(
      '\nChecklist, step 6 (kill-switch drill):\n- PASS PUT answered 200\n- FAIL no decision after the PUT allowed: 3 allowed\n',
    );
    expect(
      text.endsWith(
        'Failing cells and checks:\n- step 6 (kill-switch drill): no decision after the PUT allowed: 3 allowed\n',
      ),
    ).toBe(true);
  });
});

describe('the JSON report', () => {
  it('holds the same verdict, gates, commands and steps', () => {
    const list = steps({
      smoke: stepResult('smoke', 'blocked', { reason: 'the policy did not load' }),
    });
    const json = reportJson(report(list));
    expect(json.verdict).toBe('BLOCKED');
    expect(json.exit_code).toBe(2);
    expect(json.policy_revision).toBe('sha256:abc');
    expect((json.gates as { P0: { status: string } }).P0.status).toBe('FAIL');
    expect(json.commands).toHaveLength(6);
    expect(json.steps).toContainEqual(
      expect.objectContaining({
        step: 2,
        id: 'smoke',
        status: 'blocked',
        reason: 'the policy did not load',
      }),
    );
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
