/**
 * The alerting rules: valid for Prometheus (`promtool check rules`), their unit tests pass
 * (`promtool test rules`), every alert is explained in docs/alerts.md and every metric in
 * docs/metrics.md. promtool comes with the `prometheus` package (.ci/run installs it).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../src/observability/metrics.js';

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

describe('documentation', () => {
  const alertsDoc = readFileSync(path.resolve('docs', 'alerts.md'), 'utf8');
  const metricsDoc = readFileSync(path.resolve('docs', 'metrics.md'), 'utf8');

  it('explains every alert in docs/alerts.md, and each alert links to its section', () => {
    for (const rule of alerts()) {
      const name = rule.alert as string;
      expect(alertsDoc, name).toContain(`\n### ${name}\n`);
      expect(rule.annotations?.runbook).toBe(`docs/alerts.md#${name.toLowerCase()}`);
      expect(['critical', 'warning']).toContain(rule.labels?.severity);
    }
  });

  it('describes every metric in docs/metrics.md', async () => {
    const metrics = createMetrics(new Registry());
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(metricsDoc, name).toContain(`\`${name}\``);
  });

  it('only uses metrics orgwarden exports', async () => {
    const metrics = createMetrics(new Registry());
    const known = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    for (const rule of alerts()) {
      for (const [used] of rule.expr.matchAll(/orgwarden_[a-z_]+/g)) {
        const base = used.replace(/_(bucket|sum|count)$/, '');
        expect(known.has(base), `${String(rule.alert)}: ${used}`).toBe(true);
      }
    }
  });
});
