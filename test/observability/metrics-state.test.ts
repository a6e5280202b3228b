/**
 * The state gauges of a real orgwarden follow the admin endpoints: the multi-tenant gauge is read
 * from the kill switch at scrape time, and a failed policy reload is counted while the active
 * revision keeps being reported.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startTestApp, TEST_BUNDLE } from '../support/app.js';
import { scrape, seriesOf, valueOf } from './helpers.js';

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };
const dir = mkdtempSync(join(tmpdir(), 'orgwarden-metrics-state-'));
const bundle = join(dir, 'bundle.tar.gz');
let app: App;
let url: string;

beforeAll(async () => {
  copyFileSync(TEST_BUNDLE, bundle);
  ({ app, url } = await startTestApp({ multiTenant: true, extra: { policy: { bundle } } }));
});
afterAll(async () => {
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
});

const request = (method: string, path: string, body?: unknown) =>
  fetch(`${url}${path}`, {
    method,
    headers: { ...ADMIN, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('state gauges through the admin endpoints', () => {
  it('orgwarden_multi_tenant follows the kill switch', async () => {
    expect(valueOf((await scrape(url)).samples, 'orgwarden_multi_tenant')).toBe(1);
    expect((await request('PUT', '/v1/admin/tenancy', { multi_tenant: false })).status).toBe(200);
    expect(valueOf((await scrape(url)).samples, 'orgwarden_multi_tenant')).toBe(0);
    expect((await request('PUT', '/v1/admin/tenancy', { multi_tenant: true })).status).toBe(200);
    expect(valueOf((await scrape(url)).samples, 'orgwarden_multi_tenant')).toBe(1);
  });

  it('orgwarden_multi_tenant_flips_total counts every flip, and a PUT that changes nothing is no flip', async () => {
    const flips = async () => {
      const { samples } = await scrape(url);
      return {
        off: valueOf(samples, 'orgwarden_multi_tenant_flips_total', { to: 'off', source: 'admin' }),
        on: valueOf(samples, 'orgwarden_multi_tenant_flips_total', { to: 'on', source: 'admin' }),
      };
    };
    const before = await flips();
    expect((await request('PUT', '/v1/admin/tenancy', { multi_tenant: false })).status).toBe(200);
    expect((await request('PUT', '/v1/admin/tenancy', { multi_tenant: false })).status).toBe(200);
    expect((await request('PUT', '/v1/admin/tenancy', { multi_tenant: true })).status).toBe(200);
    expect(await flips()).toEqual({ off: before.off + 1, on: before.on + 1 });
  });

  it('a failed reload counts one load failure and leaves the active revision reported', async () => {
    const before = (await scrape(url)).samples;
    const revision = app.policy.current()?.revision;
    expect(seriesOf(before, 'orgwarden_policy_info').map((s) => s.labels.revision)).toEqual([
      revision,
    ]);
    expect(valueOf(before, 'orgwarden_policy_load_failures_total')).toBe(0);
    const loadedAt = valueOf(before, 'orgwarden_policy_last_load_success_timestamp_seconds');

    writeFileSync(bundle, 'not a bundle');
    expect((await request('POST', '/v1/admin/policy/reload')).status).toBe(422);
    const after = (await scrape(url)).samples;
    expect(valueOf(after, 'orgwarden_policy_load_failures_total')).toBe(1);
    expect(seriesOf(after, 'orgwarden_policy_info').map((s) => s.labels.revision)).toEqual([
      revision,
    ]);
    expect(valueOf(after, 'orgwarden_policy_last_load_success_timestamp_seconds')).toBe(loadedAt);

    copyFileSync(TEST_BUNDLE, bundle);
    expect((await request('POST', '/v1/admin/policy/reload')).status).toBe(200);
    const healed = (await scrape(url)).samples;
    expect(valueOf(healed, 'orgwarden_policy_load_failures_total')).toBe(1);
    expect(seriesOf(healed, 'orgwarden_policy_info').map((s) => s.labels.revision)).toEqual([
      app.policy.current()?.revision,
    ]);
    expect(valueOf(healed, 'orgwarden_policy_last_load_success_timestamp_seconds')).toBe(
      (app.policy.current()?.loadedAt.getTime() ?? 0) / 1000,
    );
  });
});
