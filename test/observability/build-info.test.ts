/**
 * `orgwarden_build_info{version, policy_revision, node_version}`: one series, always 1, read at
 * scrape time, so the policy revision follows every reload.
 */
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { startTestApp } from '../support/app.js';
import { parseMetrics, scrape, seriesOf } from './helpers.js';

const NAME = 'orgwarden_build_info';

describe('orgwarden_build_info', () => {
  it('follows the active policy: none before one is loaded, then each revision in turn', async () => {
    const metrics = createMetrics(new Registry(), { version: '9.8.7', nodeVersion: 'v20.0.0' });
    let active: { revision: string; loadedAt: Date } | null = null;
    metrics.observeState({ isMultiTenant: () => true, activePolicy: () => active });
    const read = async () =>
      seriesOf(parseMetrics(await metrics.registry.metrics()), NAME).map((s) => ({
        ...s.labels,
        value: s.value,
      }));

    const build = { version: '9.8.7', node_version: 'v20.0.0', value: 1 };
    expect(await read()).toEqual([{ ...build, policy_revision: 'none' }]);
    active = { revision: 'sha256:aaa', loadedAt: new Date(0) };
    expect(await read()).toEqual([{ ...build, policy_revision: 'sha256:aaa' }]);
    active = { revision: 'sha256:bbb', loadedAt: new Date(1) };
    expect(await read()).toEqual([{ ...build, policy_revision: 'sha256:bbb' }]);
  });

  describe('on a running orgwarden', () => {
    let app: App;
    let url: string;
    beforeAll(async () => ({ app, url } = await startTestApp()));
    afterAll(() => app.stop());

    it('names the package version, the active revision and the Node.js version', async () => {
      const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
      const series = seriesOf((await scrape(url)).samples, NAME);
      expect(series).toEqual([
        {
          name: NAME,
          labels: {
            version: pkg.version,
            policy_revision: app.policy.current()?.revision,
            node_version: process.version,
          },
          value: 1,
        },
      ]);
    });
  });
});
