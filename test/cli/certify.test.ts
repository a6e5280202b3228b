/**
 * `orgwarden certify` as a release owner runs it: the built command on the repository's config,
 * with the pinned OPA, a throw-away instance and (when installed) promtool.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createCommandRunner } from '../support/command.js';
import { seededDefectConfig } from './seeded-defects.js';

const orgwarden = createCommandRunner();
afterEach(() => orgwarden.killAll());

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'orgwarden-certify-test-'));

interface JsonReport {
  verdict: string;
  exit_code: number;
  gates: Record<string, { status: string; reasons: string[] }>;
  policy_revision: string;
  steps: { id: string; status: string; reason: string | null; figures: Record<string, string> }[];
  commands: { command: string; exit: number | null; status: string }[];
}

describe('orgwarden certify on examples/orgwarden.yaml', () => {
  it('passes every step it owns and writes the same report to --out and --json', async () => {
    const dir = tmp();
    const out = path.join(dir, 'report.md');
    const json = path.join(dir, 'report.json');
    const { code, stdout, stderr } = await orgwarden.run([
      'certify',
      '--config',
      'examples/orgwarden.yaml',
      '--out',
      out,
      '--json',
      json,
    ]);
    const report = JSON.parse(readFileSync(json, 'utf8')) as JsonReport;
    const status = Object.fromEntries(report.steps.map((s) => [s.id, s.status]));
    expect(status).toEqual({
      policy: 'pass',
      smoke: 'pass',
      boundary: 'pass',
      'single-tenant': 'pass',
      'multi-tenant': 'pass',
      'kill-switch': 'pass',
      alerts: 'pass',
    });
    expect(report.verdict).toBe('APPROVED');
    expect(code).toBe(0);
    expect(Object.values(report.gates).map((g) => g.status)).toEqual(['PASS', 'PASS', 'PASS']);
    expect(readFileSync(out, 'utf8')).toBe(stdout);
    expect(stdout).toMatch(/^Files changed:\n- none\n\nCommands run \+ exit codes:\n1\. `/);
    expect(stdout).toContain('fmt --list policies` -> exit 0\n');
    expect(stdout).toContain('check --strict --bundle policies` -> exit 0\n');
    expect(stdout).toContain(
      '`orgwarden certify --config examples/orgwarden.yaml --only kill-switch` -> exit 0\n',
    );
    expect(stdout).toContain('\nVerdict: APPROVED\n');
    expect(stdout).toContain(`\nPolicy revision certified: ${report.policy_revision}\n`);
    expect(report.policy_revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(stdout).toContain(
      '`curl -X PUT http://127.0.0.1:8282/v1/admin/tenancy -H "Authorization: Bearer $ORGWARDEN_ADMIN_TOKEN" -H \'Content-Type: application/json\' -d \'{"multi_tenant":false}\'`',
    );
    const figures = Object.assign({}, ...report.steps.map((s) => s.figures)) as Record<
      string,
      string
    >;
    expect(figures.rego_coverage).toMatch(/^100\.0% of policy lines/);
    expect(figures.kill_switch_propagation).toMatch(
      /^\d+ ms from the PUT's answer, \d+ ms from the PUT being sent$/,
    );
    expect(stdout).toContain('- PASS GET /v1/features → exactly {"multi_tenant":false}\n');
    expect(stdout).toContain(
      '- PASS orgwarden_spoof_attempts_total rose by 6, one per spoof decision\n',
    );
    expect(stderr).toContain('[4/7] single-tenant invisibility checklist…');
    expect(figures.org_boundary_coverage).toMatch(/^100\.0% \(\d+\/\d+ applicable cells passing/);
    expect(stderr).toContain('verdict: APPROVED');
  }, 240_000);
});

describe('orgwarden certify on other configs', () => {
  it('marks the policy checks N/A for a prebuilt bundle, and lists that as residual risk', async () => {
    const { code, stdout } = await orgwarden.run([
      'certify',
      '--config',
      'examples/orgwarden-prebuilt.yaml',
      '--only',
      'policy,smoke',
    ]);
    expect(stdout).toContain(
      '1. `opa fmt …` -> not run (N/A: policy.bundle is configured: the Rego sources are not there to check)\n',
    );
    expect(stdout).toContain(
      '`orgwarden certify --config examples/orgwarden-prebuilt.yaml --only smoke` -> exit 0',
    );
    expect(stdout).toContain(
      '- step 1 (policy checks) not applicable: policy.bundle is configured: the Rego sources are not there to check\n',
    );
    // steps 3–6 were not part of this run: P1 shows no isolation evidence
    expect(stdout).toContain('- P1: N/A (');
    expect(stdout).toContain('\nVerdict: APPROVED\n');
    expect(code).toBe(0);
  }, 120_000);

  it('requests changes when an alert rule names a metric the instance does not export', async () => {
    const dir = tmp();
    const rules = path.join(dir, 'rules.yml');
    writeFileSync(
      rules,
      stringify({
        groups: [
          {
            name: 'g',
            rules: [
              { alert: 'Known', expr: 'sum(rate(orgwarden_spoof_attempts_total[5m])) > 1' },
              { alert: 'Typo', expr: 'sum(rate(orgwarden_spoof_attempt_total[5m])) > 1' },
            ],
          },
        ],
      }),
    );
    const config = path.join(dir, 'orgwarden.yaml');
    writeFileSync(
      config,
      stringify({
        auth: {
          issuer: 'https://i.test',
          audience: 'a',
          algorithms: ['HS256'],
          hs256_secret_env: 'UNSET_SECRET_ENV',
        },
        directory: { file: path.resolve('examples', 'directory.yaml') },
        policy: {
          bundle: path.resolve('prebuilt', 'default-policy.tar.gz'),
          routes: path.resolve('policies', 'routes.yaml'),
        },
        certify: { alert_rules: './rules.yml' },
      }),
    );
    const { code, stdout } = await orgwarden.run([
      'certify',
      '--config',
      config,
      '--only',
      'alerts',
    ]);
    expect(stdout).toContain('--only alerts` -> exit 1\n');
    expect(stdout).toContain(
      '- step 7 (metric and alert inventory): Typo names orgwarden_spoof_attempt_total, which the instance does not export\n',
    );
    expect(stdout).toContain('not run (N/A: certify.alert_rule_tests is not set)');
    expect(stdout).toContain('\nVerdict: CHANGES_REQUESTED\n');
    expect(code).toBe(1);
  }, 120_000);

  it('refuses bad usage with exit 2 and explains itself with --help', async () => {
    const unknown = await orgwarden.run([
      'certify',
      '--config',
      'examples/orgwarden.yaml',
      '--only',
      'nope',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      '--only: unknown step(s) nope (steps: policy, smoke, boundary',
    );
    const missing = await orgwarden.run(['certify']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('certify needs --config FILE');
    const badConfig = await orgwarden.run(['certify', '--config', path.join(tmp(), 'none.yaml')]);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('cannot read config file (ENOENT)');
    const help = await orgwarden.run(['certify', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 APPROVED, 1 CHANGES_REQUESTED, 2 BLOCKED');
  }, 60_000);
});

/**
 * Seeded policy defects: each is a real edit of the policy pack (Rego or catalogue data), compiled
 * by the pinned OPA. The org-boundary suite must catch each and name the cells it breaks.
 */
describe('orgwarden certify on a policy with a seeded defect', () => {
  const DEFECTS = [
    {
      name: "a viewer may invite (the catalogue lowers the action's role)",
      file: 'orgwarden/catalogue/data.json',
      from: '"org.members.invite": { "min_role": "admin"',
      to: '"org.members.invite": { "min_role": "viewer"',
      cell: 'cell org.members.invite × own_org fails',
    },
    {
      name: 'a share grants whatever its state',
      file: 'orgwarden/authz/shares.rego',
      from: '\tshare.state == "accepted"\n',
      to: '',
      // the pack's own smoke cases catch it first: it cannot serve, and step 2 names the case
      cell: 'smoke case(s) failed: ',
    },
    {
      name: 'single-tenant mode lets a non-default org through',
      file: 'orgwarden/authz/tenancy.rego',
      from: '\trequested_org == default_org\n',
      to: '',
      cell: 'smoke case(s) failed: ',
    },
  ];

  it.each(DEFECTS)(
    'requests changes: $name',
    async (defect) => {
      const config = seededDefectConfig(tmp(), defect);
      const { code, stdout } = await orgwarden.run(['certify', '--config', config]);
      expect(stdout).toContain('\nVerdict: CHANGES_REQUESTED\n');
      expect(stdout).toContain('- P1: FAIL (');
      expect(stdout).toContain(defect.cell);
      expect(code).toBe(1);
    },
    240_000,
  );
});
