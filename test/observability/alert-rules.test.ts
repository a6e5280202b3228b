/**
 * The alerting rules: valid for Prometheus (`promtool check rules`), their unit tests pass
 * (`promtool test rules`), the committed file is what scripts/alert-rules.mjs builds from its
 * source with the default runbook base, every alert's runbook_url points at its heading of
 * docs/alerts.md, every metric is described in docs/metrics.md, and the rules name only metrics
 * orgwarden exports (a started orgwarden with Redis, plus the pending rollout and audit metrics).
 * promtool comes with the `prometheus` package (.ci/run installs it).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { metricNamesIn } from '../../src/evidence/certify/promql-names.js';
import {
  checkRunbookBase,
  DEFAULT_RUNBOOK_BASE,
  readSource,
  renderAlertRules,
} from '../../scripts/lib/alert-rules.mjs';
import { exportedByOrgwarden } from './exported-metrics.js';

const run = promisify(execFile);
const RULES = path.resolve('deploy', 'prometheus', 'orgwarden-rules.yml');
const RULE_TESTS = path.resolve('deploy', 'prometheus', 'orgwarden-rules.test.yml');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const alerts = (): Rule[] =>
  (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups
    .flatMap((g) => g.rules)
    .filter((r) => r.alert);

describe('promtool', () => {
  it('accepts the rules file', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', RULES]);
    expect(stdout).toContain(`SUCCESS: ${alerts().length} rules found`);
  });

  it('passes the rules unit tests', async () => {
    const result = await run('promtool', ['test', 'rules', RULE_TESTS]).catch(
      (err: unknown) => err as { stdout?: string; stderr?: string },
    );
    expect(`${result.stdout ?? ''}${result.stderr ?? ''}`).toContain('SUCCESS');
  });
});

describe('the rules build (scripts/alert-rules.mjs)', () => {
  it('the committed rules file is the build of its source with the default runbook base', () => {
    expect(readFileSync(RULES, 'utf8')).toBe(renderAlertRules(readSource()));
  });

  it('puts a given base into every runbook_url, and refuses a base that is not an absolute URL', () => {
    const base = 'https://wiki.example.com/sre/orgwarden-alerts';
    const built = parse(renderAlertRules(readSource(), base)) as { groups: { rules: Rule[] }[] };
    const urls = built.groups.flatMap((g) => g.rules).map((r) => r.annotations?.runbook_url);
    expect(urls.length).toBe(alerts().length);
    for (const url of urls)
      expect(url).toMatch(/^https:\/\/wiki\.example\.com\/sre\/orgwarden-alerts#orgwarden[a-z]+$/);
    expect(() => checkRunbookBase('docs/alerts.md')).toThrow(
      '--runbook-base: "docs/alerts.md" is not an absolute URL',
    );
    expect(() => checkRunbookBase('ftp://x/alerts')).toThrow('must be an http or https URL');
    expect(() => checkRunbookBase('https://x/alerts#top')).toThrow('must not have a fragment');
  });
});

describe('documentation', () => {
  const alertsDoc = readFileSync(path.resolve('docs', 'alerts.md'), 'utf8');
  const metricsDoc = readFileSync(path.resolve('docs', 'metrics.md'), 'utf8');

  /** The anchors GitHub gives the headings of docs/alerts.md. */
  const anchors = new Set(
    [...alertsDoc.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) =>
      (heading as string)
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9 _-]/g, '')
        .replace(/ /g, '-'),
    ),
  );

  it('explains every alert in docs/alerts.md, and each runbook_url points at its heading', () => {
    for (const rule of alerts()) {
      const name = rule.alert as string;
      expect(alertsDoc, name).toContain(`\n### ${name}\n`);
      const url = rule.annotations?.runbook_url ?? '';
      expect(url, name).toBe(`${DEFAULT_RUNBOOK_BASE}#${name.toLowerCase()}`);
      expect(new URL(url).protocol).toBe('https:');
      expect(anchors, name).toContain(new URL(url).hash.slice(1));
      expect(['critical', 'warning']).toContain(rule.labels?.severity);
    }
    expect(DEFAULT_RUNBOOK_BASE).toMatch(/^https:\/\/.+\/docs\/alerts\.md$/);
  });

  it('describes every metric a running orgwarden exports in docs/metrics.md', async () => {
    const names = [...(await exportedByOrgwarden())].map((name) =>
      name.replace(/_(bucket|sum|count)$/, ''),
    );
    expect(names).toContain('orgwarden_rollout_advances_total');
    expect(names).toContain('orgwarden_audit_records_total');
    for (const name of names) expect(metricsDoc, name).toContain(`\`${name}\``);
  });

  it('only uses metrics orgwarden exports', async () => {
    const known = await exportedByOrgwarden();
    const unknown = alerts().flatMap((rule) =>
      metricNamesIn(rule.expr)
        .filter((name) => !known.has(name))
        .map((name) => `${String(rule.alert)}: ${name}`),
    );
    expect(unknown).toEqual([]);
    expect(alerts().map((r) => r.alert)).toContain('OrgwardenRolloutAdvancedWhileAlerting');
  });
});
