/**
 * End to end: a real Prometheus scrapes a real orgwarden and evaluates the spoof alert from
 * deploy/prometheus/orgwarden-rules.yml. Normal traffic (allows and a single stray spoof) must
 * leave the alert inactive; a burst of spoofed requests must take it to firing, as seen through
 * Prometheus's HTTP API. The measured delay from the first spoofed request to "firing" is printed.
 *
 * The rule is the shipped one with its windows shortened so the test takes seconds, not an hour:
 * rate windows 5m -> 10s, baseline 1h offset 5m -> 1m offset 10s, `for` 2m -> 3s. Prometheus
 * scrapes and evaluates every second. The floor (0.2/s) and the factor (3x) are unchanged.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { App } from '../../src/app.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';
import { postJson, session, startTestApp } from '../support/app.js';
import { waitFor } from './helpers.js';

const ALERT = 'OrgwardenSpoofAttemptSpike';
const SHORT_WINDOWS: [RegExp, string][] = [
  [/\[1h\] offset 5m/g, '[1m] offset 10s'],
  [/\[5m\]/g, '[10s]'],
];
const SHORT_FOR = '3s';

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The shipped spoof rule with test-sized windows; fails if the rule no longer has the expected shape. */
function shortWindowSpoofRule(): Rule {
  const doc = parse(
    readFileSync(resolve('deploy', 'prometheus', 'orgwarden-rules.yml'), 'utf8'),
  ) as { groups: { rules: Rule[] }[] };
  const rule = doc.groups.flatMap((g) => g.rules).find((r) => r.alert === ALERT);
  if (!rule) throw new Error(`${ALERT} is not in the rules file`);
  let expr = rule.expr;
  for (const [pattern, replacement] of SHORT_WINDOWS) {
    if (!expr.match(pattern))
      throw new Error(`${ALERT}: expected ${String(pattern)} in its expression`);
    expr = expr.replace(pattern, replacement);
  }
  if (/\[(?!10s\]|1m\])[^\]]*\]|offset (?!10s\))/.test(expr))
    throw new Error(`${ALERT}: a window was left unshortened: ${expr}`);
  if (rule.for !== '2m') throw new Error(`${ALERT}: expected for: 2m, found ${String(rule.for)}`);
  return { ...rule, expr, for: SHORT_FOR };
}

interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

let app: App | undefined;
let appUrl: string;
let prometheus: TestPrometheus | undefined;
let promUrl: string;

async function promGet<T>(path: string): Promise<T> {
  const res = await fetch(`${promUrl}${path}`);
  const body = (await res.json()) as { status: string; data: T };
  if (body.status !== 'success') throw new Error(`${path}: ${JSON.stringify(body)}`);
  return body.data;
}

async function query(expr: string): Promise<number | undefined> {
  const data = await promGet<{ result: { value: [number, string] }[] }>(
    `/api/v1/query?query=${encodeURIComponent(expr)}`,
  );
  const first = data.result[0];
  return first ? Number(first.value[1]) : undefined;
}

async function spoofAlerts(): Promise<PromAlert[]> {
  const data = await promGet<{ alerts: PromAlert[] }>('/api/v1/alerts');
  return data.alerts.filter((a) => a.labels.alertname === ALERT);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  ({ app, url: appUrl } = await startTestApp({ multiTenant: true }));
  const appPort = new URL(appUrl).port;
  prometheus = await startPrometheus({
    rules: [{ ...shortWindowSpoofRule() }],
    targets: [`127.0.0.1:${appPort}`],
  });
  promUrl = prometheus.url;
  await waitFor(
    'the orgwarden target to be up',
    async () => ((await query('up{job="orgwarden"}')) === 1 ? true : undefined),
    20_000,
    200,
  );
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await app?.stop();
});

describe('spoof alert on a real Prometheus', () => {
  it('stays quiet under normal traffic, then fires on a burst of spoofed requests', async () => {
    const alice = await session('alice');
    const mallory = await session('mallory');
    const allow = () =>
      postJson(`${appUrl}/v1/authorize`, {
        headers: { authorization: `Bearer ${alice}`, 'x-org-id': 'acme' },
        action: 'org.read',
      });
    const spoof = () =>
      postJson(`${appUrl}/v1/authorize`, {
        headers: { authorization: `Bearer ${mallory}`, 'x-org-id': 'acme' },
        action: 'org.read',
      });

    // Normal traffic for 15 s: ten allows a second and one stray spoof (a user with a stale org id).
    let allows = 0;
    const normalEnd = Date.now() + 15_000;
    while (Date.now() < normalEnd) {
      const res = await allow();
      expect(res.json?.reason).toBe('allowed');
      allows += 1;
      if (allows === 50) expect((await spoof()).json?.spoof).toBe(true);
      await sleep(100);
    }
    // Prometheus has seen exactly this traffic, and the rule has been evaluated on it.
    await waitFor(
      'prometheus to scrape the normal traffic',
      async () =>
        (await query('sum(orgwarden_decisions_total{decision="allow"})')) === allows
          ? true
          : undefined,
      10_000,
      200,
    );
    expect(await query('sum(orgwarden_spoof_attempts_total)')).toBe(1);
    const rules = await promGet<{
      groups: { rules: { name: string; health: string; lastEvaluation: string }[] }[];
    }>('/api/v1/rules');
    const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.name === ALERT);
    expect(rule?.health).toBe('ok');
    expect(Date.now() - Date.parse(rule?.lastEvaluation ?? '')).toBeLessThan(10_000);
    expect(await spoofAlerts()).toEqual([]);

    // The attack: twenty spoofed requests a second until Prometheus reports the alert firing.
    const started = Date.now();
    let spoofs = 0;
    let firing: PromAlert | undefined;
    const deadline = started + 60_000;
    let lastCheck = 0;
    while (!firing) {
      if (Date.now() > deadline)
        throw new Error(
          `${ALERT} did not fire within 60 s of ${spoofs} spoofed requests; alerts: ${JSON.stringify(await spoofAlerts())}\n${prometheus?.log() ?? ''}`,
        );
      const res = await spoof();
      expect(res.json).toMatchObject({ allow: false, reason: 'access_denied', spoof: true });
      spoofs += 1;
      if (Date.now() - lastCheck >= 250) {
        lastCheck = Date.now();
        const active = await spoofAlerts();
        firing = active.find((a) => a.state === 'firing');
      }
      await sleep(50);
    }
    expect(firing.labels).toMatchObject({
      alertname: ALERT,
      job: 'orgwarden',
      severity: 'critical',
    });
    expect(firing.annotations.summary).toMatch(
      /^Spoof attempts spiking: \d+\.\d\d\/s naming orgs the caller may not act in \(orgwarden\)$/,
    );
    expect(Number(firing.value)).toBeGreaterThan(0.2);
  }, 120_000);
});
