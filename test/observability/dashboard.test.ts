/**
 * The Grafana dashboard (deploy/grafana/orgwarden.json): every panel query parses for Prometheus
 * (each written as a recording rule into a temporary rules file that `promtool check rules`
 * accepts), names only metrics orgwarden exports (read from a started orgwarden with Redis), and
 * the dashboard shows what
 * docs/metrics.md promises. Needs promtool and Redis.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { metricNamesIn } from '../../src/evidence/certify/promql-names.js';
import { exportedByOrgwarden } from './exported-metrics.js';

const run = promisify(execFile);
const DASHBOARD = path.resolve('deploy', 'grafana', 'orgwarden.json');

interface Target {
  refId: string;
  expr: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string }[] };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const allPanels = (panels: Panel[]): Panel[] =>
  panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
const queries = allPanels(dashboard.panels).flatMap((panel) =>
  (panel.targets ?? []).map((t) => ({ panel, refId: t.refId, expr: t.expr })),
);

/** Grafana's variables, replaced by what Prometheus would get on a 6-hour view of every job. */
const VARIABLES: [RegExp, string][] = [
  [/\$__rate_interval\b/g, '5m'],
  [/\$__interval\b/g, '1m'],
  [/\$__range\b/g, '6h'],
  [/\$job\b/g, '.+'],
];
function promql(expr: string): string {
  let out = expr;
  for (const [variable, value] of VARIABLES) out = out.replace(variable, value);
  if (out.includes('$')) throw new Error(`an unknown Grafana variable in: ${expr}`);
  return out;
}

const dir = mkdtempSync(path.join(tmpdir(), 'orgwarden-dashboard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function checkRules(rules: { record: string; expr: string }[]) {
  const file = path.join(dir, `rules-${String(rules.length)}.yml`);
  writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
  return run('promtool', ['check', 'rules', file]).then(
    ({ stdout }) => ({ ok: true, out: stdout }),
    (err: unknown) => {
      const e = err as { stdout?: string; stderr?: string };
      return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    },
  );
}

describe('the Grafana dashboard', () => {
  let exported: Set<string>;
  beforeAll(async () => {
    exported = await exportedByOrgwarden();
  });

  it('is one dashboard with unique panel ids, every panel with a query', () => {
    expect(dashboard.uid).toBe('orgwarden');
    const panels = allPanels(dashboard.panels);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const panel of panels.filter((p) => p.type !== 'row'))
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'job']);
  });

  it('every panel query parses (promtool check rules)', async () => {
    const rules = queries.map((q) => ({
      record: `orgwarden_dashboard:panel_${String(q.panel.id)}_${q.refId}`,
      expr: promql(q.expr),
    }));
    expect(rules.length).toBeGreaterThan(20);
    const result = await checkRules(rules);
    expect(result.out).toContain(`SUCCESS: ${String(rules.length)} rules found`);
    expect(result.ok).toBe(true);
  });

  it('a query that does not parse fails the check (the check is not vacuous)', async () => {
    const result = await checkRules([
      { record: 'orgwarden_dashboard:broken', expr: 'sum(rate(orgwarden_decisions_total[5m])' },
    ]);
    expect(result.ok).toBe(false);
  });

  it('names only metrics orgwarden exports (or that the rollout and audit work adds)', () => {
    expect(exported.has('orgwarden_redis_errors_total')).toBe(true);
    expect(exported.has('orgwarden_denials_total')).toBe(true);
    const unknown = queries.flatMap((q) =>
      metricNamesIn(promql(q.expr))
        .filter((name) => !exported.has(name))
        .map((name) => `${q.panel.title}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('shows decisions and denials by reason and action, spoofs, latency, the rollout, directory and Redis, revisions', () => {
    const used = new Set(queries.flatMap((q) => metricNamesIn(promql(q.expr))));
    for (const name of [
      'orgwarden_decisions_total',
      'orgwarden_denials_total',
      'orgwarden_spoof_attempts_total',
      'orgwarden_decision_duration_seconds_bucket',
      'orgwarden_http_requests_total',
      'orgwarden_rollout_killed',
      'orgwarden_rollout_state',
      'orgwarden_rollout_stage_index',
      'orgwarden_directory_cache_lookups_total',
      'orgwarden_redis_errors_total',
      'orgwarden_build_info',
    ])
      expect(used, name).toContain(name);
    const byActionAndReason = queries.some((q) =>
      /orgwarden_denials_total[\s\S]*by \(action, reason\)|by \(action, reason\)[\s\S]*orgwarden_denials_total/.test(
        q.expr,
      ),
    );
    expect(byActionAndReason).toBe(true);
    const revisionPerReplica = queries.some(
      (q) =>
        q.expr.includes('orgwarden_build_info') && q.expr.includes('by (instance, policy_revision'),
    );
    expect(revisionPerReplica).toBe(true);
  });
});
